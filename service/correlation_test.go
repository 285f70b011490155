package service

import (
	"fmt"
	"log/slog"
	"os"
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
// Debian's 6.1 (parsers/testdata/real/lab/6.1.0-57-amd64), scenario by
// scenario between the lab's begin and end markers; the trees are the
// stacks the lab's guest built for them (tests/lab/guest/scenarios).

// labBoot is when the lab's guest booted, for the records' times.
var labBoot = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// labWindow returns the records of one scenario of a lab capture, in
// /dev/kmsg's text form, and when (since boot) the lab set its fault.
func labWindow(t *testing.T, group, scenario string) (string, time.Duration) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "parsers", "testdata", "real", "lab", "6.1.0-57-amd64", group+".kmsg"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	begin := strings.Index(text, "peripety-lab: begin "+scenario+"\n")
	end := strings.Index(text, "peripety-lab: end "+scenario+"\n")
	if begin < 0 || end < begin {
		t.Fatalf("no scenario %s in the %s capture", scenario, group)
	}
	window := text[strings.Index(text[begin:], "\n")+begin+1 : strings.LastIndex(text[:end], "\n")+1]
	var fault time.Duration
	if i := strings.Index(window, "peripety-lab: fault "); i >= 0 {
		head := window[strings.LastIndex(window[:i], "\n")+1 : i]
		f := strings.Split(head, ",")
		if us, err := strconv.ParseInt(f[2], 10, 64); err == nil && len(f) > 2 {
			fault = time.Duration(us) * time.Microsecond
		}
	}
	return window, fault
}

// after returns the events at or after d since boot.
func after(evs []event.Event, d time.Duration) []event.Event {
	var out []event.Event
	for _, ev := range evs {
		if !ev.Timestamp.Before(labBoot.Add(d)) {
			out = append(out, ev)
		}
	}
	return out
}

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

// TestLabAllPathsLost: every error on the map, the LV and the filesystem
// after both paths failed traces back to the first path's failure (the
// kernel rejecting I/O to it), all in its incident; the incident lists the
// path, the map and the LV with its mount point; the paths reinstated and
// the filesystem unmounted, it is closed once the errors' window passed.
func TestLabAllPathsLost(t *testing.T) {
	kmsg, fault := labWindow(t, "scsi", "mpath-all-paths")
	all, p := replay(t, scsiLab(t), t.TempDir(), kmsg)
	evs := after(all, fault)
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
	p.corr.tick(evs[len(evs)-1].Timestamp.Add(correlate.DefaultWindows[correlate.Filesystem]))
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

// TestLabSATARetryLoop: the retries of one failing read stay separate
// events, in one incident whose root cause is the first error.
func TestLabSATARetryLoop(t *testing.T) {
	kmsg, fault := labWindow(t, "hw", "sata-media")
	all, p := replay(t, sysfstest.Build(t, "sata"), t.TempDir(), kmsg)
	evs := after(all, fault)
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
	if !ok || inc.Counts["ATA_EXCEPTION"] != uint64(len(pick(evs, "ATA_EXCEPTION", ""))) || inc.Counts["ATA_EXCEPTION"] < 2 ||
		inc.Events != uint64(len(evs)) {
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

// TestLabThinPoolFull: the thin volume's read error traces to the pool
// out of metadata space; the line that names no pool is taken to be
// about the pool the thin line before it named.
func TestLabThinPoolFull(t *testing.T) {
	kmsg, fault := labWindow(t, "dm", "thin-meta")
	all, _ := replay(t, thinMetaLab(t), t.TempDir(), kmsg)
	evs := after(all, fault)
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

// TestLabMDDegraded: the array degraded traces to its member's failure;
// the rebuild done closes the incident.
func TestLabMDDegraded(t *testing.T) {
	kmsg, _ := labWindow(t, "dm", "md-raid1")
	evs, p := replay(t, mdLab(t), t.TempDir(), kmsg)
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
	kmsg, _ := labWindow(t, "scsi", "mpath-all-paths")
	cut := strings.Index(kmsg, "I/O error, dev dm-0")
	cut = strings.LastIndex(kmsg[:cut], "\n") + 1
	first, _ := replay(t, root, state, kmsg[:cut])
	second, _ := replay(t, root, state, kmsg[cut:])
	offline := one(t, first, "SCSI_DEVICE_OFFLINE", "rejecting I/O")
	for _, ev := range pick(second, "BLK_IO_ERROR", "dm-0") {
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

// thinDataLab is the thin-data stack: LVM's pool labvg/pool on loop0
// (tmeta dm-0, tdata dm-1, tpool dm-2 at 254:2) and its thin volume dm-3.
func thinDataLab(t *testing.T) string {
	tr := sysfstest.New(t, t.TempDir())
	tr.Disk("/sys/devices/virtual", "loop0", "7:0")
	const vg = "LVM-Xq3VcS9k2Lr0Tn6Wd8Yb1Zf4Hj7Mp5GaUe2Rt5Yw8Qa1Sd4Fg7Hj0Kl3Zx6Cv9Bn"
	tr.DMMajor(254, 0, "labvg-pool_tmeta", vg+"-tmeta", "loop0")
	tr.DMMajor(254, 1, "labvg-pool_tdata", vg+"-tdata", "loop0")
	tr.DMMajor(254, 2, "labvg-pool-tpool", vg+"-tpool", "dm-0", "dm-1")
	tr.DMMajor(254, 3, "labvg-thin", "LVM-Pm4Nb7Vc0Xz3Lk6Jh9Gf2Ds5Ap8Oi1Uy", "dm-2")
	return tr.Root
}

// TestLabNotSupportedProbe: mkfs probing WRITE ZEROES on a loop device
// (dm.kmsg, thin-data) is no error: no fault, no incident; the pool out of
// data space after it is one, its low water mark before it none.
func TestLabNotSupportedProbe(t *testing.T) {
	kmsg, _ := labWindow(t, "dm", "thin-data")
	evs, _ := replay(t, thinDataLab(t), t.TempDir(), kmsg)
	probes := 0
	for _, ev := range evs {
		if !strings.Contains(ev.RawMsg, "WRITE_ZEROES") {
			continue
		}
		probes++
		if ev.Severity.AtLeast(event.Warning) || ev.IncidentID != "" || ev.RootCauseEventID != ev.EventID {
			t.Errorf("probe %q: %s, incident %q, root cause %s", ev.RawMsg, ev.Severity, ev.IncidentID, ev.RootCauseEventID)
		}
	}
	full := one(t, evs, "DM_THIN_POOL_FULL", "out-of-data-space")
	low := one(t, evs, "DM_THIN_LOW_WATER_MARK", "low water mark")
	if probes != 8 || full.IncidentID == "" || low.IncidentID != "" {
		t.Errorf("%d probes; pool full in incident %q, low water mark in %q", probes, full.IncidentID, low.IncidentID)
	}
}
