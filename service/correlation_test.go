package service

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peripety/peripety/correlate"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers/logfmt"
	"github.com/peripety/peripety/sysfs"
	"github.com/peripety/peripety/sysfs/sysfstest"
)

// The kernel lines of these tests are the real-kernel lab's captures of
// Debian's 6.1 (parsers/testdata/real/lab/6.1.0-57-amd64, scenario by
// scenario between the lab's begin and end markers); the trees are the
// stacks the lab's guest built for them (tests/lab/guest/scenarios).

// labBoot is when the lab's guest booted, for the records' times.
var labBoot = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// replay runs kmsg, records in /dev/kmsg's text form, through a pipeline
// with the built-in rules and the sysfs resolver over root, correlation
// state in stateDir, and returns the events delivered and the pipeline.
func replay(t *testing.T, root, stateDir, kmsg string) ([]event.Event, *pipeline) {
	t.Helper()
	st := NewStateDirMust(t, stateDir)
	ids, err := OpenIdentityStore(st)
	if err != nil {
		t.Fatal(err)
	}
	parser, err := newRuleParser(nil)
	if err != nil {
		t.Fatal(err)
	}
	res := sysfs.NewResolver(root)
	sink := newSinkRunner("stdout", true, 4096, 0, slog.New(slog.DiscardHandler))
	sink.on.Store(true)
	now := labBoot
	p := &pipeline{log: slog.New(slog.DiscardHandler), sourceKey: "kmsg", parser: parser, sinks: []*sinkRunner{sink},
		res: &resolution{r: res, ids: ids, now: func() time.Time { return now }}, corr: openCorrelation(st, res, slog.New(slog.DiscardHandler))}
	r, err := logfmt.NewReader(strings.NewReader(kmsg), logfmt.FormatKmsg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		rec, err := r.Next()
		if err != nil {
			break
		}
		rec.Time = labBoot.Add(rec.Monotonic)
		now = rec.Time
		p.handle(Item{Record: rec, Pos: strconv.Itoa(i)})
	}
	p.closeParser()
	close(sink.q)
	var out []event.Event
	for q := range sink.q {
		out = append(out, q.ev)
	}
	if err := p.corr.save(); err != nil {
		t.Fatal(err)
	}
	return out, p
}

// pick returns the events of typ (on kdev, when given).
func pick(evs []event.Event, typ, kdev string) []event.Event {
	var out []event.Event
	for _, ev := range evs {
		if ev.EventType == typ && (kdev == "" || ev.Kdev == kdev) {
			out = append(out, ev)
		}
	}
	return out
}

// one returns the only event of typ whose raw line holds text.
func one(t *testing.T, evs []event.Event, typ, text string) event.Event {
	t.Helper()
	var found []event.Event
	for _, ev := range pick(evs, typ, "") {
		if strings.Contains(ev.RawMsg, text) {
			found = append(found, ev)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s events with %q, want 1", len(found), typ, text)
	}
	return found[0]
}

// scsiLab is the lab's scsi group: scsi_debug disks sda (2:0:0:0), sdb
// (3:0:0:0) and sdc (4:0:0:0), one WWID for all three; mpatha (dm-0)
// over sdb and sdc; the LV labvg-lv (dm-1) on it, ext4 on /run/lab/mnt.
func scsiLab(t *testing.T) string {
	tr := sysfstest.New(t, t.TempDir())
	const wwid = "naa.33333330000007d0"
	for i, name := range []string{"sda", "sdb", "sdc"} {
		host := tr.SCSIHost("/sys/devices/pseudo_0/adapter0", 2+i, "scsi_debug")
		tr.SCSIDisk(host, sysfstest.SCSIDisk{HCTL: fmt.Sprintf("%d:0:0:0", 2+i), Name: name, MajorMinor: fmt.Sprintf("8:%d", 16*i),
			Vendor: "Linux", Model: "scsi_debug", WWID: wwid})
	}
	tr.DMMajor(254, 0, "mpatha", "mpath-333333330000007d0", "sdb", "sdc")
	tr.DMMajor(254, 1, "labvg-lv", "LVM-q3VcS9k2Lr0Tn6Wd8Yb1Zf4Hj7Mp5GaUe2Rt5Yw8Qa1Sd4Fg7Hj0Kl3Zx6Cv9B", "dm-0")
	tr.Mount("254:1", "/run/lab/mnt", "ext4", "/dev/mapper/labvg-lv")
	return tr.Root
}

// allPathsLost: scsi.kmsg, mpath-all-paths.
const allPathsLost = `3,607,319436597,-;sd 3:0:0:0: rejecting I/O to offline device
 SUBSYSTEM=scsi
 DEVICE=+scsi:3:0:0:0
4,608,319437315,-;device-mapper: multipath: 254:0: Failing path 8:16.
4,609,319445794,-;device-mapper: multipath: 254:0: Failing path 8:32.
3,610,319446333,-;I/O error, dev dm-0, sector 20482 op 0x1:(WRITE) flags 0x0 phys_seg 64 prio class 2
4,611,319446886,-;EXT4-fs warning (device dm-1): ext4_end_bio:343: I/O error 10 writing to inode 13 starting block 9217)
3,612,319447138,-;Buffer I/O error on device dm-1, logical block 9217
3,613,319447389,-;Buffer I/O error on device dm-1, logical block 9218
4,622,319467252,-;JBD2: Detected IO errors while flushing file data on dm-1-8
3,623,319467575,-;I/O error, dev dm-0, sector 34844 op 0x1:(WRITE) flags 0x9800 phys_seg 7 prio class 2
3,624,319468384,-;Aborting journal on device dm-1-8.
3,625,319469080,-;I/O error, dev dm-0, sector 34818 op 0x1:(WRITE) flags 0x29800 phys_seg 1 prio class 2
3,626,319469675,-;Buffer I/O error on dev dm-1, logical block 16385, lost sync page write
3,627,319470811,-;JBD2: I/O error when updating journal superblock for dm-1-8.
3,628,319476122,-;I/O error, dev dm-0, sector 2048 op 0x1:(WRITE) flags 0x800 phys_seg 0 prio class 2
2,629,320015466,-;EXT4-fs error (device dm-1): ext4_journal_check_start:83: comm touch: Detected aborted journal
3,630,320016666,-;I/O error, dev dm-0, sector 2050 op 0x1:(WRITE) flags 0x23800 phys_seg 1 prio class 2
3,631,320017326,-;Buffer I/O error on dev dm-1, logical block 1, lost sync page write
3,632,320040955,-;EXT4-fs (dm-1): I/O error while writing superblock
2,633,320041390,-;EXT4-fs (dm-1): Remounting filesystem read-only
2,634,320041777,-;EXT4-fs error (device dm-1) in __ext4_new_inode:1096: Journal has aborted
4,644,324316686,-;device-mapper: multipath: 254:0: Reinstating path 8:16.
4,645,325326540,-;device-mapper: multipath: 254:0: Reinstating path 8:32.
6,646,327738526,-;EXT4-fs (dm-1): unmounting filesystem.
`

// TestLabAllPathsLost: every error on the map, the LV and the filesystem
// after both paths failed traces back to the first path's failure (the
// kernel rejecting I/O to it), all in its incident; the incident lists the
// path, the map and the LV with its mount point; the paths reinstated and
// the filesystem unmounted, it is closed once the errors' window passed.
func TestLabAllPathsLost(t *testing.T) {
	evs, p := replay(t, scsiLab(t), t.TempDir(), allPathsLost)
	offline := one(t, evs, "SCSI_DEVICE_OFFLINE", "rejecting I/O")
	if offline.IncidentID == "" || offline.RootCauseEventID != offline.EventID {
		t.Fatalf("the offline path: incident %q, root cause %q", offline.IncidentID, offline.RootCauseEventID)
	}
	second := one(t, evs, "DM_MPATH_PATH_FAILED", "8:32")
	for _, ev := range evs {
		if ev.Kdev == "dm-0" || ev.Kdev == "dm-1" || ev.Kdev == "dm-1-8" || ev.EventType == "DM_MPATH_PATH_FAILED" && ev.Kdev == "8:16" {
			if ev.RootCauseEventID != offline.EventID || ev.IncidentID != offline.IncidentID {
				t.Errorf("%s %q: root cause %s, incident %s; want the offline path's", ev.EventType, ev.RawMsg, ev.RootCauseEventID, ev.IncidentID)
			}
		}
	}
	if second.RootCauseEventID != second.EventID || second.IncidentID == offline.IncidentID || second.IncidentID == "" {
		t.Errorf("second path's failure: root %s, incident %s", second.RootCauseEventID, second.IncidentID)
	}
	inc, ok := p.corr.incident(offline.IncidentID)
	if !ok {
		t.Fatal("no incident")
	}
	var devs []string
	for _, d := range inc.Devices {
		devs = append(devs, d.Name+":"+d.Role+"@"+d.Mount)
	}
	if got, want := strings.Join(devs, " "), "sdb:root@ dm-0:event@ dm-1:event@/run/lab/mnt"; got != want {
		t.Errorf("devices %q, want %q", got, want)
	}
	if inc.State != correlate.StateRecovering {
		t.Errorf("state %s, want recovering until the errors' window passes", inc.State)
	}
	p.corr.tick(labBoot.Add(320041777 * time.Microsecond).Add(correlate.DefaultWindows[correlate.Filesystem]))
	if inc, _ = p.corr.incident(offline.IncidentID); inc.State != correlate.StateClosed {
		t.Errorf("state %s, want closed", inc.State)
	}
}

// mediumThenPath: scsi.kmsg, scsi-medium's medium error on sda, and
// mpath-path's failure of path 8:16 (sdb) moved to five seconds after it,
// as the earlier bug saw them: the two disks share a WWID.
const mediumThenPath = `6,421,116714933,-;sd 2:0:0:0: [sda] tag#54 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=0s
 SUBSYSTEM=scsi
 DEVICE=+scsi:2:0:0:0
6,422,116715221,-;sd 2:0:0:0: [sda] tag#54 Sense Key : Medium Error [current] 
 SUBSYSTEM=scsi
 DEVICE=+scsi:2:0:0:0
6,423,116715327,-;sd 2:0:0:0: [sda] tag#54 Add. Sense: Unrecovered read error
 SUBSYSTEM=scsi
 DEVICE=+scsi:2:0:0:0
6,424,116715777,-;sd 2:0:0:0: [sda] tag#54 CDB: Read(10) 28 00 00 00 4e 20 00 00 01 00
 SUBSYSTEM=scsi
 DEVICE=+scsi:2:0:0:0
3,425,116715961,-;critical medium error, dev sda, sector 20000 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2
4,478,121715961,-;device-mapper: multipath: 254:0: Failing path 8:16.
3,479,121716000,-;I/O error, dev dm-0, sector 2048 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2
`

// TestLabMediumErrorElsewhere: a medium error on one disk is the cause of
// nothing on a disk that merely shares its WWID.
func TestLabMediumErrorElsewhere(t *testing.T) {
	evs, _ := replay(t, scsiLab(t), t.TempDir(), mediumThenPath)
	medium := pick(evs, "SCSI_MEDIUM_ERROR", "sda")
	path := one(t, evs, "DM_MPATH_PATH_FAILED", "8:16")
	maperr := one(t, evs, "BLK_IO_ERROR", "dev dm-0")
	if len(medium) != 1 || medium[0].IncidentID == "" {
		t.Fatalf("medium error events %+v", medium)
	}
	if path.RootCauseEventID != path.EventID || path.IncidentID == medium[0].IncidentID {
		t.Errorf("path failure: root cause %s, incident %s; the medium error is %s in %s",
			path.RootCauseEventID, path.IncidentID, medium[0].EventID, medium[0].IncidentID)
	}
	if maperr.RootCauseEventID != path.EventID {
		t.Errorf("map error's root cause %s, want the path failure", maperr.RootCauseEventID)
	}
}

// sataLoop: hw.kmsg, sata-media: one direct read of a sector QEMU fails
// under AHCI; libata retries it six times before SCSI gives up.
const sataLoop = `3,466,135274629,-;ata3.00: Read log 0x10 page 0x00 failed, Emask 0x1
3,467,135275026,-;ata3: failed to read log page 10h (errno=-5)
3,468,135275782,-;ata3.00: exception Emask 0x1 SAct 0x40000000 SErr 0x0 action 0x0
3,469,135276021,-;ata3.00: irq_stat 0x40000000
3,470,135276344,-;ata3.00: failed command: READ FPDMA QUEUED
3,471,135276614,-;ata3.00: cmd 60/01:f0:40:9c:00/00:00:00:00:00/40 tag 30 ncq dma 512 in\x0a         res 50/00:00:00:00:00/00:00:00:00:00/a0 Emask 0x1 (device error)
3,472,135281482,-;ata3.00: status: { DRDY }
6,473,135316649,-;ata3.00: configured for UDMA/100
6,474,135322042,-;ata3: EH complete
3,475,135350587,-;ata3.00: Read log 0x10 page 0x00 failed, Emask 0x1
3,476,135350876,-;ata3: failed to read log page 10h (errno=-5)
3,477,135351068,-;ata3.00: exception Emask 0x1 SAct 0x10 SErr 0x0 action 0x0
3,478,135351305,-;ata3.00: irq_stat 0x40000000
3,479,135351455,-;ata3.00: failed command: READ FPDMA QUEUED
3,480,135351602,-;ata3.00: cmd 60/01:20:40:9c:00/00:00:00:00:00/40 tag 4 ncq dma 512 in\x0a         res 50/00:00:00:00:00/00:00:00:00:00/a0 Emask 0x1 (device error)
3,481,135352030,-;ata3.00: status: { DRDY }
6,482,135352750,-;ata3.00: configured for UDMA/100
6,483,135352908,-;ata3: EH complete
3,493,135397856,-;ata3.00: Read log 0x10 page 0x00 failed, Emask 0x1
3,494,135398127,-;ata3: failed to read log page 10h (errno=-5)
4,495,135398397,-;ata3.00: NCQ disabled due to excessive errors
3,496,135398460,-;ata3.00: exception Emask 0x1 SAct 0x400 SErr 0x0 action 0x0
3,497,135398655,-;ata3.00: irq_stat 0x40000000
3,498,135398776,-;ata3.00: failed command: READ FPDMA QUEUED
3,499,135398923,-;ata3.00: cmd 60/01:50:40:9c:00/00:00:00:00:00/40 tag 10 ncq dma 512 in\x0a         res 50/00:00:00:00:00/00:00:00:00:00/a0 Emask 0x1 (device error)
3,500,135399395,-;ata3.00: status: { DRDY }
6,501,135399757,-;ata3.00: configured for UDMA/100
6,502,135399927,-;ata3: EH complete
3,511,135482657,-;ata3.00: exception Emask 0x0 SAct 0x0 SErr 0x0 action 0x0
3,512,135482952,-;ata3.00: irq_stat 0x40000001
3,513,135483083,-;ata3.00: failed command: READ DMA
3,514,135483208,-;ata3.00: cmd c8/00:01:40:9c:00/00:00:00:00:00/e0 tag 23 dma 512 in\x0a         res 41/04:01:40:9c:00/00:00:00:00:00/e0 Emask 0x1 (device error)
3,515,135483647,-;ata3.00: status: { DRDY ERR }
3,516,135483765,-;ata3.00: error: { ABRT }
6,517,135497923,-;ata3.00: configured for UDMA/100
6,518,135499803,-;sd 2:0:0:0: [sda] tag#23 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=0s
 SUBSYSTEM=scsi
 DEVICE=+scsi:2:0:0:0
6,519,135501872,-;sd 2:0:0:0: [sda] tag#23 Sense Key : Aborted Command [current] 
 SUBSYSTEM=scsi
 DEVICE=+scsi:2:0:0:0
6,520,135501992,-;sd 2:0:0:0: [sda] tag#23 Add. Sense: No additional sense information
 SUBSYSTEM=scsi
 DEVICE=+scsi:2:0:0:0
6,521,135502507,-;sd 2:0:0:0: [sda] tag#23 CDB: Read(10) 28 00 00 00 9c 40 00 00 01 00
 SUBSYSTEM=scsi
 DEVICE=+scsi:2:0:0:0
3,522,135502592,-;I/O error, dev sda, sector 40000 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2
6,523,135503022,-;ata3: EH complete
`

// TestLabSATARetryLoop: the retries of one failing read stay separate
// events, in one incident whose root cause is the first error.
func TestLabSATARetryLoop(t *testing.T) {
	evs, p := replay(t, sysfstest.Build(t, "sata"), t.TempDir(), sataLoop)
	if len(evs) < 10 {
		t.Fatalf("%d events", len(evs))
	}
	first := evs[0]
	for _, ev := range evs {
		if ev.IncidentID != first.IncidentID || ev.RootCauseEventID != first.EventID {
			t.Errorf("%s %q: root cause %s, incident %s; want %s's", ev.EventType, ev.RawMsg, ev.RootCauseEventID, ev.IncidentID, first.EventID)
		}
	}
	inc, ok := p.corr.incident(first.IncidentID)
	if !ok || inc.Counts["ATA_EXCEPTION"] != 4 || inc.Events != uint64(len(evs)) {
		t.Errorf("incident %+v", inc)
	}
	if len(inc.Devices) != 1 || inc.Devices[0].Name != "sda" {
		t.Errorf("devices %+v, want sda", inc.Devices)
	}
}

// thinMetaLab is the lab's thin-meta stack: the pool labpool (dm-1,
// 254:1) over its metadata on loop0 and the dm-zero labzero (dm-0); the
// thin volume labthin (dm-2) on the pool.
func thinMetaLab(t *testing.T) string {
	tr := sysfstest.New(t, t.TempDir())
	tr.Disk("/sys/devices/virtual", "loop0", "7:0")
	tr.DMMajor(254, 0, "labzero", "")
	tr.DMMajor(254, 1, "labpool", "", "loop0", "dm-0")
	tr.DMMajor(254, 2, "labthin", "", "dm-1")
	return tr.Root
}

// thinMetaFull: dm.kmsg, thin-meta.
const thinMetaFull = `4,423,155835275,-;device-mapper: thin: 254:1: reached low water mark for metadata device: sending event.
3,424,161399758,-;device-mapper: thin: No free metadata blocks
6,425,161401554,-;device-mapper: thin: 254:1: switching pool to read-only mode
3,428,161402458,-;device-mapper: space map metadata: unable to allocate new metadata block
3,429,161402814,-;device-mapper: thin: 254:1: metadata operation 'dm_thin_insert_block' failed: error = -1
6,433,161425947,-;device-mapper: thin: 254:1: switching pool to fail mode
3,434,162015701,-;Buffer I/O error on dev dm-2, logical block 16777200, async page read
`

// TestLabThinPoolFull: the thin volume's read error traces to the pool
// out of metadata space; the line that names no pool is taken to be
// about the pool the thin line before it named.
func TestLabThinPoolFull(t *testing.T) {
	evs, _ := replay(t, thinMetaLab(t), t.TempDir(), thinMetaFull)
	full := one(t, evs, "DM_THIN_METADATA_FULL", "No free metadata blocks")
	if full.Ext("pool") != "254:1" || full.DevPath != "/dev/mapper/labpool" || full.IncidentID == "" {
		t.Errorf("metadata full: pool %q, dev_path %q, incident %q", full.Ext("pool"), full.DevPath, full.IncidentID)
	}
	for _, ev := range evs {
		if ev.EventType == "DM_THIN_METADATA_LOW_WATER_MARK" {
			continue
		}
		if ev.RootCauseEventID != full.EventID || ev.IncidentID != full.IncidentID {
			t.Errorf("%s %q: root cause %s, incident %s; want the metadata full's", ev.EventType, ev.RawMsg, ev.RootCauseEventID, ev.IncidentID)
		}
	}
	if len(pick(evs, "BUFFER_IO_ERROR", "dm-2")) != 1 {
		t.Errorf("no read error on the thin volume")
	}
}

// mdLab is the md-raid1 stack: md0 over labm1 (dm-0) and labm2 (dm-1),
// dm-linear over loop0 and loop1; labm3 (dm-2) over loop2 the spare.
func mdLab(t *testing.T) string {
	tr := sysfstest.New(t, t.TempDir())
	for i := range 3 {
		loop := fmt.Sprintf("loop%d", i)
		tr.Disk("/sys/devices/virtual", loop, fmt.Sprintf("7:%d", i))
		tr.DMMajor(254, i, fmt.Sprintf("labm%d", i+1), "", loop)
	}
	tr.Disk("/sys/devices/virtual", "md0", "9:0")
	tr.Attrs(filepath.Join(tr.BlockDir("md0"), "md"), map[string]string{"level": "raid1", "raid_disks": "2", "array_state": "clean",
		"uuid": "0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f"})
	tr.Stack("md0", "dm-0")
	tr.Stack("md0", "dm-1")
	return tr.Root
}

// mdDegraded: dm.kmsg, md-raid1.
const mdDegraded = `6,443,179844132,-;md: resync of RAID array md0
6,444,181900938,-;md: md0: resync done.
3,446,205769154,-;md: super_written gets error=-5
2,447,205769589,-;md/raid1:md0: Disk failure on dm-0, disabling device.\x0amd/raid1:md0: Operation continuing on 1 devices.
6,449,208056770,-;md: recovery of RAID array md0
6,450,209958278,-;md: md0: recovery done.
`

// TestLabMDDegraded: the array degraded traces to its member's failure;
// the rebuild done closes the incident.
func TestLabMDDegraded(t *testing.T) {
	evs, p := replay(t, mdLab(t), t.TempDir(), mdDegraded)
	failure := one(t, evs, "MD_DISK_FAILURE", "Disk failure on dm-0")
	degraded := one(t, evs, "MD_DEGRADED", "Operation continuing")
	if degraded.RootCauseEventID != failure.EventID || degraded.IncidentID != failure.IncidentID || failure.IncidentID == "" {
		t.Errorf("degraded: root cause %s, incident %s; the failure is %s in %s", degraded.RootCauseEventID, degraded.IncidentID,
			failure.EventID, failure.IncidentID)
	}
	for _, ev := range pick(evs, "MD_SYNC_DONE", "md0") {
		if strings.Contains(ev.RawMsg, "recovery done") && ev.IncidentID != failure.IncidentID {
			t.Errorf("the rebuild's end is not in the incident: %+v", ev)
		}
	}
	if inc, _ := p.corr.incident(failure.IncidentID); inc.State != correlate.StateClosed {
		t.Errorf("rebuilt: incident %s", inc.State)
	}
}

// TestIncidentsSurviveRestart: a daemon stopped between a path's failure
// and the errors that follow it gives those errors the incident it left.
func TestIncidentsSurviveRestart(t *testing.T) {
	root, state := scsiLab(t), t.TempDir()
	cut := strings.Index(allPathsLost, "3,610,")
	before, _ := replay(t, root, state, allPathsLost[:cut])
	after, _ := replay(t, root, state, allPathsLost[cut:])
	offline := one(t, before, "SCSI_DEVICE_OFFLINE", "rejecting I/O")
	for _, ev := range pick(after, "BLK_IO_ERROR", "dm-0") {
		if ev.RootCauseEventID != offline.EventID || ev.IncidentID != offline.IncidentID {
			t.Errorf("after the restart %q: root cause %s, incident %s; want the offline path's", ev.RawMsg, ev.RootCauseEventID, ev.IncidentID)
		}
	}
}

// stateResolver is a fakeResolver that reads device states as sysfs
// would show them.
type stateResolver struct {
	fakeResolver
	states map[string]map[string]string
}

func (r *stateResolver) State(name string) (sysfs.DeviceState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.devs[name]
	if !ok {
		return sysfs.DeviceState{}, fmt.Errorf("%s: %w", name, sysfs.ErrNotFound)
	}
	return sysfs.DeviceState{KernelName: name, MajorMinor: b.MajorMinor, DiskSeq: b.DiskSeq, States: r.states[name]}, nil
}

// TestConditionPoll: a SCSI device set running again prints nothing; the
// poll reads its state in sysfs and the incident closes.
func TestConditionPoll(t *testing.T) {
	sdb := sysfs.BlockInfo{KernelName: "sdb", MajorMinor: "8:16", DiskSeq: "3", BlkType: sysfs.TypeSCSI, BlkPath: "/dev/sdb"}
	res := &stateResolver{fakeResolver: fakeResolver{devs: map[string]sysfs.BlockInfo{"sdb": sdb}},
		states: map[string]map[string]string{"sdb": {"device": "offline"}}}
	c := openCorrelation(NewStateDirMust(t, t.TempDir()), res, slog.New(slog.DiscardHandler))
	t0 := labBoot
	ev := event.Event{EventID: "off", EventType: "SCSI_DEVICE_OFFLINE", SubSystem: event.SubSCSI, Severity: event.Error,
		Timestamp: t0, Kdev: "sdb", Count: 1, Extension: map[string]string{"condition": "device:offline"}}
	c.link(&ev, sdb)
	c.tick(t0.Add(conditionPoll))
	if inc, _ := c.incident(ev.IncidentID); inc.State != correlate.StateOpen {
		t.Fatalf("still offline: incident %s", inc.State)
	}
	res.mu.Lock()
	res.states["sdb"] = map[string]string{"device": "running"}
	res.mu.Unlock()
	c.tick(t0.Add(conditionPoll + time.Second))
	if inc, _ := c.incident(ev.IncidentID); inc.State == correlate.StateClosed {
		t.Fatalf("polled before conditionPoll passed: incident %s", inc.State)
	}
	c.tick(t0.Add(2 * conditionPoll))
	if inc, _ := c.incident(ev.IncidentID); inc.State != correlate.StateClosed {
		t.Errorf("device running again: incident %s, want closed", inc.State)
	}
}
