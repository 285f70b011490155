package correlate

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"

	"github.com/peripety/peripety/event"
)

// The sequences below are what real kernels printed: the real-kernel lab's
// captures of Debian's 6.1 (parsers/testdata/real/lab/6.1.0-57-amd64, the
// times in seconds since boot as the records carry them), typed as the
// parsers type them, with the conditions their rules state. The stacks are
// those the lab's guest recorded (tests/lab/guest/scenarios).

const (
	crit = event.Critical
	errS = event.Error
	warn = event.Warning
	note = event.Notice
	info = event.Info
)

// allPathsStack: ext4 on an LV (dm-1) on a two-path map (dm-0) over the
// scsi_debug disks sdb (3:0:0:0) and sdc (4:0:0:0), which share the LUN's
// WWID; sda is another scsi_debug disk with the same WWID.
func allPathsStack() *stack {
	return newStack("sda=8:0", "sdb=8:16", "sdc=8:32", "dm-0=254:0", "dm-1=254:1",
		"dm-0>sdb,sdc", "dm-1>dm-0,sdb,sdc", "dm-1@/run/lab/mnt",
		"sda#naa.33333330000007d0", "sdb#naa.33333330000007d0", "sdc#naa.33333330000007d0", "dm-0#naa.33333330000007d0")
}

// allPathsLost: scsi.kmsg, scenario mpath-all-paths: both paths offline
// under the mounted filesystem, writes, then the paths back and the
// filesystem unmounted.
var allPathsLost = []step{
	{id: "offline", at: 319.436597, dev: "sdb", sub: "SCSI", typ: "SCSI_DEVICE_OFFLINE", sev: errS, cond: "device:offline"},
	{id: "fail1", at: 319.437315, dev: "sdb", sub: "Multipath", typ: "DM_MPATH_PATH_FAILED", sev: warn, cond: "path:failed"},
	{id: "fail2", at: 319.445794, dev: "sdc", sub: "Multipath", typ: "DM_MPATH_PATH_FAILED", sev: warn, cond: "path:failed"},
	{id: "map1", at: 319.446333, dev: "dm-0", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
	{id: "endbio", at: 319.446886, dev: "dm-1", sub: "ext4", typ: "FS_IO_ERROR", sev: warn},
	{id: "buf1", at: 319.447138, dev: "dm-1", sub: "Block", typ: "BUFFER_IO_ERROR", sev: errS},
	{id: "buf2", at: 319.447389, dev: "dm-1", sub: "Block", typ: "BUFFER_IO_ERROR", sev: errS},
	{id: "flush", at: 319.467252, dev: "dm-1", sub: "jbd2", typ: "FS_IO_ERROR", sev: warn},
	{id: "map2", at: 319.467575, dev: "dm-0", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
	{id: "abort", at: 319.468384, dev: "dm-1", sub: "jbd2", typ: "FS_JOURNAL_ABORTED", sev: errS, cond: "fs:ro"},
	{id: "map3", at: 319.469080, dev: "dm-0", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
	{id: "buf3", at: 319.469675, dev: "dm-1", sub: "Block", typ: "BUFFER_IO_ERROR", sev: errS},
	{id: "jsb", at: 319.470811, dev: "dm-1", sub: "jbd2", typ: "FS_JOURNAL_IO_ERROR", sev: errS},
	{id: "map4", at: 319.476122, dev: "dm-0", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
	{id: "fserr1", at: 320.015466, dev: "dm-1", sub: "ext4", typ: "FS_ERROR", sev: crit},
	{id: "map5", at: 320.016666, dev: "dm-0", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
	{id: "sb1", at: 320.040955, dev: "dm-1", sub: "ext4", typ: "FS_IO_ERROR", sev: errS},
	{id: "ro1", at: 320.041390, dev: "dm-1", sub: "ext4", typ: "FS_REMOUNT_READ_ONLY", sev: crit, cond: "fs:ro"},
	{id: "fserr2", at: 320.041777, dev: "dm-1", sub: "ext4", typ: "FS_ERROR", sev: crit},
	{id: "map6", at: 320.048710, dev: "dm-0", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
	{id: "buf4", at: 320.049381, dev: "dm-1", sub: "Block", typ: "BUFFER_IO_ERROR", sev: errS, count: 3},
	{id: "sb2", at: 320.054215, dev: "dm-1", sub: "ext4", typ: "FS_IO_ERROR", sev: errS},
	{id: "ro2", at: 320.054536, dev: "dm-1", sub: "ext4", typ: "FS_REMOUNT_READ_ONLY", sev: crit, cond: "fs:ro"},
	{id: "back1", at: 324.316686, dev: "sdb", sub: "Multipath", typ: "DM_MPATH_PATH_REINSTATED", sev: warn, cond: "path:active"},
	{id: "back2", at: 325.326540, dev: "sdc", sub: "Multipath", typ: "DM_MPATH_PATH_REINSTATED", sev: warn, cond: "path:active"},
	{id: "umount", at: 327.738526, dev: "dm-1", sub: "ext4", typ: "FS_UNMOUNTED", sev: info, cond: "fs:unmounted"},
}

// TestAllPathsLost: every error on the map, the LV and the filesystem
// after both paths failed traces back to the first path's failure (the
// kernel rejecting I/O to it, then dm-multipath failing it); the second
// path's failure is an incident of its own, related to the first; the
// paths back and the filesystem unmounted, the incidents close.
func TestAllPathsLost(t *testing.T) {
	s := allPathsStack()
	m := New(Config{})
	res := s.run(t, m, allPathsLost[:23])
	want := map[string]string{"fail2": "fail2"}
	var story []string
	for _, st := range allPathsLost[:23] {
		if st.id != "fail2" {
			want[st.id] = "offline"
			story = append(story, st.id)
		}
	}
	wantRoots(t, res, want)
	if c := res["fail1"].Cause; c != "offline" {
		t.Errorf("fail1 linked through %q, want the offline path's fault", c)
	}
	id := sameIncident(t, res, story...)
	other := res["fail2"].Incident
	if other == "" || other == id {
		t.Fatalf("second path's failure: incident %q, want one of its own (the first is %q)", other, id)
	}
	inc := mustIncident(t, m, id)
	if inc.State != StateOpen || inc.RootCause.EventID != "offline" || inc.RootCause.EventType != "SCSI_DEVICE_OFFLINE" {
		t.Errorf("incident: state %s, root cause %s %s", inc.State, inc.RootCause.EventID, inc.RootCause.EventType)
	}
	if !slices.Contains(inc.Related, other) {
		t.Errorf("incident related to %v, want the second path's %s", inc.Related, other)
	}
	if got, want := deviceNames(inc), "sdb:root dm-0:event dm-1:event@/run/lab/mnt"; got != want {
		t.Errorf("devices %q, want %q", got, want)
	}
	if inc.Counts["BUFFER_IO_ERROR"] != 4 || inc.Lines != inc.Events+2 || inc.Events != 22 {
		t.Errorf("counts %v, %d events, %d lines", inc.Counts, inc.Events, inc.Lines)
	}

	res2 := s.run(t, m, allPathsLost[23:25])
	if got := mustIncident(t, m, id).State; got != StateRecovering {
		t.Errorf("first path back: state %s, want recovering (the filesystem is still read-only)", got)
	}
	if rootOf("back1", res2["back1"]) != "offline" || res2["back1"].Incident != id {
		t.Errorf("reinstated path: %+v, want in the incident it ends", res2["back1"])
	}
	if got := mustIncident(t, m, other).State; got != StateClosed {
		t.Errorf("second path back: its incident is %s, want closed", got)
	}
	s.run(t, m, allPathsLost[25:])
	if got := mustIncident(t, m, id).State; got != StateRecovering {
		t.Errorf("unmounted: state %s, want recovering until the errors' windows pass", got)
	}
	m.Tick(at(320.054536).Add(DefaultWindows[Filesystem]))
	inc = mustIncident(t, m, id)
	if inc.State != StateClosed || inc.OpenFaults != 0 {
		t.Errorf("quiet for a minute: state %s with %d open faults, want closed", inc.State, inc.OpenFaults)
	}
	if conds := m.Conditions(); len(conds) != 3 {
		t.Errorf("conditions after recovery: %+v", conds)
	}
	for _, dc := range m.Conditions() {
		for _, c := range dc.Conditions {
			if c.Kind != Clear {
				t.Errorf("%s still %s", dc.Name, c.Name())
			}
		}
	}
}

// TestMediumErrorElsewhere: a medium error on one disk is the cause of
// nothing on a device that is not built on it, though they share a WWID
// (the earlier bug linked a path failure to it five seconds later).
func TestMediumErrorElsewhere(t *testing.T) {
	s := newStack("sda=8:0", "sdb=8:16", "sdc=8:32", "sdd=8:48", "sdd1=8:49", "dm-0=254:0",
		"dm-0>sdb,sdc", "sdd1>sdd", "sda#w1", "sdb#w1", "sdc#w1", "dm-0#w1")
	m := New(Config{})
	res := s.run(t, m, []step{
		{id: "medium", at: 10, dev: "sda", sub: "SCSI", typ: "SCSI_MEDIUM_ERROR", sev: errS},
		{id: "blk", at: 10.0001, dev: "sda", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
		{id: "pathfail", at: 15, dev: "sdb", sub: "Multipath", typ: "DM_MPATH_PATH_FAILED", sev: warn, cond: "path:failed"},
		{id: "maperr", at: 15.1, dev: "dm-0", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
		{id: "other", at: 11, dev: "sdd1", sub: "ext4", typ: "FS_ERROR", sev: crit},
	})
	wantRoots(t, res, map[string]string{"medium": "medium", "blk": "medium", "pathfail": "pathfail", "maperr": "pathfail", "other": "other"})
	if res["medium"].Incident == res["pathfail"].Incident || res["other"].Incident == res["medium"].Incident {
		t.Errorf("unrelated devices share an incident: %+v", res)
	}
}

// mdStack: the md-raid1 scenario (dm.kmsg): md0 over dm-0 and dm-1, each
// a dm-linear over a loop device; dm-2 the spare added after the failure.
func mdStack() *stack {
	return newStack("loop0=7:0", "loop1=7:1", "loop2=7:2", "dm-0=254:0", "dm-1=254:1", "dm-2=254:2", "md0=9:0",
		"dm-0>loop0", "dm-1>loop1", "dm-2>loop2", "md0>dm-0,loop0,dm-1,loop1")
}

// TestMDDegraded: the array degraded traces to its member's failure; the
// rebuild onto a new member makes the incident recovering, its end closes
// it, the failed member's fault with it.
func TestMDDegraded(t *testing.T) {
	s := mdStack()
	m := New(Config{})
	res := s.run(t, m, []step{
		{id: "resync", at: 179.844132, dev: "md0", sub: "MD", typ: "MD_SYNC_STARTED", sev: info, cond: "array:recovering"},
		{id: "resynced", at: 181.900938, dev: "md0", sub: "MD", typ: "MD_SYNC_DONE", sev: info, cond: "array:clean"},
		{id: "super", at: 205.769154, sub: "MD", typ: "MD_IO_ERROR", sev: errS},
		{id: "member", at: 205.769589, dev: "dm-0", sub: "MD", typ: "MD_DISK_FAILURE", sev: crit, cond: "member:failed", scope: "md0"},
		{id: "degraded", at: 205.769589, dev: "md0", sub: "MD", typ: "MD_DEGRADED", sev: crit, cond: "array:degraded"},
	})
	wantRoots(t, res, map[string]string{"resync": "resync", "super": "super", "member": "member", "degraded": "member"})
	if res["resync"].Incident != "" || res["resynced"].Incident != "" {
		t.Errorf("the array's first resync is an incident: %+v", res)
	}
	id := sameIncident(t, res, "member", "degraded")
	// mdadm --remove dm-0, --add dm-2: the array is built on dm-1 and dm-2.
	s.below["md0"] = []string{"dm-1", "loop1", "dm-2", "loop2"}
	res = s.run(t, m, []step{
		{id: "recovery", at: 208.056770, dev: "md0", sub: "MD", typ: "MD_SYNC_STARTED", sev: info, cond: "array:recovering"},
	})
	if res["recovery"].Incident != id || mustIncident(t, m, id).State != StateRecovering {
		t.Errorf("rebuild: %+v, incident %s", res["recovery"], mustIncident(t, m, id).State)
	}
	res = s.run(t, m, []step{
		{id: "recovered", at: 209.958278, dev: "md0", sub: "MD", typ: "MD_SYNC_DONE", sev: info, cond: "array:clean"},
	})
	inc := mustIncident(t, m, id)
	if res["recovered"].Incident != id || inc.State != StateClosed || inc.OpenFaults != 0 {
		t.Errorf("rebuilt: %+v; incident %s with %d open faults", res["recovered"], inc.State, inc.OpenFaults)
	}
	if got, want := deviceNames(inc), "dm-0:root md0:event"; got != want {
		t.Errorf("devices %q, want %q", got, want)
	}
	for _, dc := range m.Conditions() {
		if dc.Name == "dm-0" {
			t.Errorf("the failed member is still %+v once the array is clean", dc.Conditions)
		}
	}
}

// thinStack: the thin-meta scenario's pool dm-1 (254:1) over its metadata
// loop0 and the dm-zero dm-0, the thin volume dm-2 on it.
func thinStack() *stack {
	return newStack("loop0=7:0", "dm-0=254:0", "dm-1=254:1", "dm-2=254:2", "dm-1>loop0,dm-0", "dm-2>dm-1,loop0,dm-0")
}

// TestThinPoolFull: the thin volume's I/O errors trace to the pool out of
// space (dm.kmsg, thin-meta: metadata; a data pool in error-IO mode the
// same way), and every later mode of the pool too.
func TestThinPoolFull(t *testing.T) {
	s := thinStack()
	m := New(Config{})
	res := s.run(t, m, []step{
		{id: "low", at: 155.835275, dev: "dm-1", sub: "LVM-ThinProvisioning", typ: "DM_THIN_METADATA_LOW_WATER_MARK", sev: warn},
		{id: "full", at: 161.399758, dev: "dm-1", sub: "LVM-ThinProvisioning", typ: "DM_THIN_METADATA_FULL", sev: errS, cond: "pool:out_of_metadata"},
		{id: "ro", at: 161.401554, dev: "dm-1", sub: "LVM-ThinProvisioning", typ: "DM_THIN_POOL_MODE_CHANGED", sev: errS, cond: "pool:read_only"},
		{id: "meta", at: 161.402814, dev: "dm-1", sub: "LVM-ThinProvisioning", typ: "DM_THIN_METADATA_ERROR", sev: errS},
		{id: "fail", at: 161.425947, dev: "dm-1", sub: "LVM-ThinProvisioning", typ: "DM_THIN_POOL_MODE_CHANGED", sev: errS, cond: "pool:failed"},
		{id: "thinread", at: 162.015701, dev: "dm-2", sub: "Block", typ: "BUFFER_IO_ERROR", sev: errS},
		{id: "thinio", at: 170, dev: "dm-2", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
	})
	wantRoots(t, res, map[string]string{"low": "low", "full": "full", "ro": "full", "meta": "full", "fail": "full",
		"thinread": "full", "thinio": "full"})
	id := sameIncident(t, res, "full", "ro", "meta", "fail", "thinread", "thinio")
	if res["low"].Incident != "" {
		t.Errorf("a low water mark is no incident: %+v", res["low"])
	}
	res = s.run(t, m, []step{
		{id: "ok", at: 200, dev: "dm-1", sub: "LVM-ThinProvisioning", typ: "DM_THIN_POOL_MODE_CHANGED", sev: info, cond: "pool:ok"},
		{id: "later", at: 201, dev: "dm-2", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
	})
	if res["ok"].Incident != id || mustIncident(t, m, id).State != StateClosed {
		t.Errorf("pool back in write mode: %+v, incident %s", res["ok"], mustIncident(t, m, id).State)
	}
	if rootOf("later", res["later"]) != "later" {
		t.Errorf("an error after the pool recovered follows from %s", res["later"].RootCause)
	}
}

// sataLoop: hw.kmsg, scenario sata-media: one direct read of a sector
// QEMU fails; libata's error handler retries it, each try an exception,
// the device configured again and EH complete, until SCSI gives up.
var sataLoop = func() []step {
	var steps []step
	t := 135.274629
	add := func(id, typ string, sev event.Severity, sub, c string) {
		steps = append(steps, step{id: id, at: t, dev: "sda", sub: sub, typ: typ, sev: sev, cond: c})
		t += 0.004
	}
	for i := range 6 {
		n := string(rune('a' + i))
		if i < 4 {
			add("log"+n, "ATA_DEVICE_COMMAND_FAILED", errS, "ATA", "")
			add("page"+n, "ATA_DEVICE_COMMAND_FAILED", errS, "ATA", "")
		}
		if i == 3 {
			add("ncq", "ATA_NCQ_DISABLED", warn, "ATA", "")
		}
		add("exc"+n, "ATA_EXCEPTION", errS, "ATA", "")
		add("conf"+n, "ATA_DEVICE_CONFIGURED", info, "ATA", "device:running")
		if i == 5 {
			add("scsi", "SCSI_ABORTED_COMMAND", errS, "SCSI", "")
		}
		add("eh"+n, "ATA_EH_COMPLETE", info, "ATA", "")
	}
	return steps
}()

// TestSATARetryLoop: the retries of one failing read are separate events
// in one incident, whose root cause is the first error.
func TestSATARetryLoop(t *testing.T) {
	s := newStack("sda=8:0")
	m := New(Config{})
	res := s.run(t, m, sataLoop)
	var ids []string
	for _, st := range sataLoop {
		ids = append(ids, st.id)
		if got := rootOf(st.id, res[st.id]); got != "loga" {
			t.Errorf("root cause of %s (%s) = %s, want loga", st.id, st.typ, got)
		}
	}
	inc := mustIncident(t, m, sameIncident(t, res, ids...))
	if inc.Counts["ATA_EXCEPTION"] != 6 || inc.Counts["ATA_EH_COMPLETE"] != 6 || inc.Events != uint64(len(sataLoop)) {
		t.Errorf("counts %v, %d events", inc.Counts, inc.Events)
	}
	m.Tick(at(sataLoop[len(sataLoop)-1].at).Add(DefaultWindows[Device]))
	if got := mustIncident(t, m, inc.ID).State; got != StateClosed {
		t.Errorf("no error for the window: state %s, want closed", got)
	}
}

// TestNotSupportedProbe: mkfs's WRITE_ZEROES probe of a loop device, an
// Info-level block event once the parsers level the status word, is no
// fault and opens no incident.
func TestNotSupportedProbe(t *testing.T) {
	s := newStack("loop0=7:0")
	m := New(Config{})
	var steps []step
	for i, at := range []float64{82.121292, 82.163259, 82.219725, 82.252934} {
		steps = append(steps, step{id: string(rune('a' + i)), at: at, dev: "loop0", sub: "Block", typ: "BLK_IO_ERROR", sev: info})
	}
	res := s.run(t, m, steps)
	for id, r := range res {
		if r.Incident != "" || r.RootCause != "" {
			t.Errorf("%s: %+v, want no root cause and no incident", id, r)
		}
	}
	if st := m.Stats(); st.OpenFaults != 0 || st.OpenIncidents != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestFilesystemFailing: xfs and btrfs over a dm device that starts
// failing every I/O (dm.kmsg, xfs-failing and btrfs-failing): the
// shutdown and the read-only remount follow from the first error the
// filesystem reported; the unmount closes the incident.
func TestFilesystemFailing(t *testing.T) {
	s := newStack("loop0=7:0", "dm-0=254:0", "dm-0>loop0", "dm-0@/run/lab/fs")
	t.Run("xfs", func(t *testing.T) {
		m := New(Config{})
		res := s.run(t, m, []step{
			{id: "mounting", at: 314.015091, dev: "dm-0", sub: "xfs", typ: "FS_MOUNTING", sev: note},
			{id: "mounted", at: 314.105568, dev: "dm-0", sub: "xfs", typ: "FS_MOUNTED", sev: info, cond: "fs:mounted"},
			{id: "meta", at: 321.087642, dev: "dm-0", sub: "xfs", typ: "FS_IO_ERROR", sev: event.Alert},
			{id: "log", at: 321.090030, dev: "dm-0", sub: "xfs", typ: "FS_IO_ERROR", sev: event.Alert},
			{id: "shutdown", at: 321.090815, dev: "dm-0", sub: "xfs", typ: "FS_SHUTDOWN", sev: event.Alert, cond: "fs:shutdown"},
			{id: "umount", at: 321.842524, dev: "dm-0", sub: "xfs", typ: "FS_UNMOUNTED", sev: note, cond: "fs:unmounted"},
		})
		wantRoots(t, res, map[string]string{"mounted": "mounted", "meta": "meta", "log": "meta", "shutdown": "meta", "umount": "meta"})
		m.Tick(at(321.090030).Add(DefaultWindows[Filesystem]))
		if inc := mustIncident(t, m, sameIncident(t, res, "meta", "log", "shutdown", "umount")); inc.State != StateClosed {
			t.Errorf("state %s", inc.State)
		}
	})
	t.Run("btrfs", func(t *testing.T) {
		m := New(Config{})
		res := s.run(t, m, []step{
			{id: "wr1", at: 348.944951, dev: "dm-0", sub: "btrfs", typ: "FS_DEV_ERRORS", sev: errS},
			{id: "wr2", at: 348.945508, dev: "dm-0", sub: "btrfs", typ: "FS_DEV_ERRORS", sev: errS},
			{id: "abort", at: 349.059185, dev: "dm-0", sub: "btrfs", typ: "FS_ERROR", sev: crit},
			{id: "ro", at: 349.060002, dev: "dm-0", sub: "btrfs", typ: "FS_REMOUNT_READ_ONLY", sev: warn, cond: "fs:ro"},
		})
		wantRoots(t, res, map[string]string{"wr2": "wr1", "abort": "wr1", "ro": "wr1"})
	})
}

// TestLowerLayerBurst: an NVMe namespace removed under ext4 (hw.kmsg,
// nvme-remove): jbd2 aborts the journal, then the buffer layer reports the
// write it lost, a layer lower but the same failed request.
func TestLowerLayerBurst(t *testing.T) {
	s := newStack("nvme1n1=259:1")
	m := New(Config{})
	res := s.run(t, m, []step{
		{id: "abort", at: 212.217918, dev: "nvme1n1", sub: "jbd2", typ: "FS_JOURNAL_ABORTED", sev: errS, cond: "fs:ro"},
		{id: "lost", at: 212.218335, dev: "nvme1n1", sub: "Block", typ: "BUFFER_IO_ERROR", sev: errS},
		{id: "jsb", at: 212.218752, dev: "nvme1n1", sub: "jbd2", typ: "FS_JOURNAL_IO_ERROR", sev: errS},
		{id: "late", at: 250, dev: "nvme1n1", sub: "Block", typ: "BUFFER_IO_ERROR", sev: errS},
	})
	wantRoots(t, res, map[string]string{"lost": "abort", "jsb": "abort", "late": "late"})
}

// TestISCSITargetGone: hw.kmsg, iscsi: the session's connection errors
// (info-level link-down lines) are the root cause of the recovery timeout,
// the offline disk's rejections and its failed read; the incident opens
// with the first error and counts the connection error before it.
func TestISCSITargetGone(t *testing.T) {
	s := newStack("sdb=8:16", "sdc=8:32")
	m := New(Config{})
	res := s.run(t, m, []step{
		{id: "conn1", at: 272.603547, dev: "sdb", sub: "iSCSI", typ: "ISCSI_CONN_ERROR", sev: info, cond: "link:down", also: []string{"sdc"}},
		{id: "conn2", at: 276.902754, dev: "sdb", sub: "iSCSI", typ: "ISCSI_CONN_ERROR", sev: info, cond: "link:down", also: []string{"sdc"}},
		{id: "timeout", at: 277.638200, dev: "sdb", sub: "iSCSI", typ: "ISCSI_SESSION_RECOVERY_TIMEOUT", sev: errS, cond: "link:down", also: []string{"sdc"}},
		{id: "reject", at: 277.646331, dev: "sdb", sub: "SCSI", typ: "SCSI_DEVICE_OFFLINE", sev: errS, cond: "device:offline"},
		{id: "read", at: 277.647371, dev: "sdb", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
		{id: "other", at: 277.7, dev: "sdc", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
	})
	wantRoots(t, res, map[string]string{"conn2": "conn1", "timeout": "conn1", "reject": "conn1", "read": "conn1", "other": "conn1"})
	if res["conn1"].Incident != "" || res["conn2"].Incident != "" {
		t.Errorf("info-level lines opened the incident: %+v %+v", res["conn1"], res["conn2"])
	}
	inc := mustIncident(t, m, sameIncident(t, res, "timeout", "reject", "read", "other"))
	if inc.RootCause.EventID != "conn1" || inc.Counts["ISCSI_CONN_ERROR"] != 1 || inc.Events != 5 {
		t.Errorf("root %s, counts %v, %d events", inc.RootCause.EventID, inc.Counts, inc.Events)
	}
	if got, want := deviceNames(inc), "sdb:root sdc:event"; got != want {
		t.Errorf("devices %q, want %q", got, want)
	}
}

// TestNoDevice: lines that name no device are one story per sub-system
// while they repeat, and the cause of nothing else.
func TestNoDevice(t *testing.T) {
	s := newStack("sdb=8:16")
	m := New(Config{})
	res := s.run(t, m, []step{
		{id: "login1", at: 274.835763, sub: "iSCSI", typ: "ISCSI_LOGIN_FAILED", sev: errS},
		{id: "login2", at: 276.880501, sub: "iSCSI", typ: "ISCSI_LOGIN_FAILED", sev: errS},
		{id: "disk", at: 277, dev: "sdb", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
	})
	wantRoots(t, res, map[string]string{"login2": "login1", "disk": "disk"})
	sameIncident(t, res, "login1", "login2")
}

// TestClosedNeverCause: a fault that cleared causes nothing after.
func TestClosedNeverCause(t *testing.T) {
	s := allPathsStack()
	m := New(Config{})
	res := s.run(t, m, []step{
		{id: "fail", at: 1, dev: "sdb", sub: "Multipath", typ: "DM_MPATH_PATH_FAILED", sev: warn, cond: "path:failed"},
		{id: "back", at: 2, dev: "sdb", sub: "Multipath", typ: "DM_MPATH_PATH_REINSTATED", sev: warn, cond: "path:active"},
		{id: "maperr", at: 3, dev: "dm-0", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
	})
	wantRoots(t, res, map[string]string{"back": "fail", "maperr": "maperr"})
}

// TestWindow: an error is a cause for its layer's window after its last
// occurrence, not after.
func TestWindow(t *testing.T) {
	s := newStack("sda=8:0", "sda1=8:1", "sda1>sda")
	m := New(Config{})
	res := s.run(t, m, []step{
		{id: "medium", at: 0, dev: "sda", sub: "SCSI", typ: "SCSI_MEDIUM_ERROR", sev: errS},
		{id: "again", at: 20, dev: "sda", sub: "SCSI", typ: "SCSI_MEDIUM_ERROR", sev: errS},
		{id: "fs", at: 49, dev: "sda1", sub: "ext4", typ: "FS_ERROR", sev: crit},
		{id: "late", at: 80, dev: "sda1", sub: "ext4", typ: "FS_IO_ERROR", sev: errS},
	})
	wantRoots(t, res, map[string]string{"again": "medium", "fs": "medium", "late": "medium"})
	res = s.run(t, m, []step{{id: "after", at: 200, dev: "sda", sub: "SCSI", typ: "SCSI_MEDIUM_ERROR", sev: errS}})
	wantRoots(t, res, map[string]string{"after": "after"})
}

// TestRecoverFromSysfs: a device sysfs shows running again no longer
// causes anything; a fault state read from sysfs opens nothing.
func TestRecoverFromSysfs(t *testing.T) {
	s := newStack("sdb=8:16", "sdb1=8:17", "sdb1>sdb")
	m := New(Config{})
	res := s.run(t, m, []step{{id: "off", at: 1, dev: "sdb", sub: "SCSI", typ: "SCSI_DEVICE_OFFLINE", sev: errS, cond: "device:offline"}})
	m.Recover(s.info("sdb").Dev, cond(t, "device:running"), at(5))
	m.Recover(s.info("sdb1").Dev, Condition{Object: "device", State: "offline", Kind: Fault}, at(5))
	inc := mustIncident(t, m, res["off"].Incident)
	if inc.State != StateClosed {
		t.Errorf("device running again: incident %s", inc.State)
	}
	res = s.run(t, m, []step{{id: "err", at: 6, dev: "sdb1", sub: "ext4", typ: "FS_ERROR", sev: crit}})
	wantRoots(t, res, map[string]string{"err": "err"})
}

// TestBounds: past MaxFaults the expired faults go first, then the
// oldest open ones, counted; past MaxClosed the oldest closed incidents.
func TestBounds(t *testing.T) {
	s := newStack()
	m := New(Config{MaxFaults: 100, MaxClosed: 10, MaxDevices: 150})
	var steps []step
	for i := range 250 {
		steps = append(steps, step{id: "e" + strconv.Itoa(i), at: float64(i), dev: "sd" + strconv.Itoa(i), sub: "SCSI", typ: "SCSI_DEVICE_OFFLINE",
			sev: errS, cond: "device:offline"})
	}
	s.run(t, m, steps)
	st := m.Stats()
	if st.OpenFaults != 100 || st.EvictedFaults != 150 {
		t.Errorf("stats %+v, want 100 open faults and 150 evicted", st)
	}
	if st.ClosedIncidents != 10 || st.EvictedIncidents != 140 {
		t.Errorf("stats %+v, want 10 closed incidents kept and 140 dropped", st)
	}
	if st.Devices > 150 {
		t.Errorf("%d devices, want at most 150", st.Devices)
	}
	// Errors past their window are dropped before any open fault.
	m = New(Config{MaxFaults: 10})
	steps = steps[:0]
	for i := range 10 {
		steps = append(steps, step{id: "x" + strconv.Itoa(i), at: float64(i), dev: "sdx", sub: "SCSI", typ: "SCSI_MEDIUM_ERROR" + strconv.Itoa(i%2), sev: errS})
	}
	steps = append(steps, step{id: "fault", at: 100, dev: "sdy", sub: "SCSI", typ: "SCSI_DEVICE_OFFLINE", sev: errS, cond: "device:offline"})
	s.run(t, m, steps)
	if st := m.Stats(); st.EvictedFaults != 0 {
		t.Errorf("stats %+v: an open fault was evicted while expired ones were there", st)
	}
}

// TestSaveRestore: a model saved and restored halfway through a sequence
// gives the same results as one that ran through.
func TestSaveRestore(t *testing.T) {
	s := allPathsStack()
	whole := New(Config{})
	want := s.run(t, whole, allPathsLost)
	for cut := 1; cut < len(allPathsLost); cut += 5 {
		m := New(Config{})
		got := s.run(t, m, allPathsLost[:cut])
		b, err := json.Marshal(m.Save())
		if err != nil {
			t.Fatal(err)
		}
		var saved Saved
		if err := json.Unmarshal(b, &saved); err != nil {
			t.Fatal(err)
		}
		m, err = Restore(Config{}, saved)
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		for id, r := range s.run(t, m, allPathsLost[cut:]) {
			got[id] = r
		}
		for id, r := range want {
			if got[id] != r {
				t.Errorf("cut at %d: %s gives %+v, want %+v", cut, id, got[id], r)
			}
		}
		for _, inc := range whole.Incidents() {
			after, ok := m.Incident(inc.ID)
			if !ok || after.State != inc.State || after.Events != inc.Events || deviceNames(after) != deviceNames(inc) {
				t.Errorf("cut at %d: incident %s is %+v, want %+v", cut, inc.ID, after, inc)
			}
		}
	}
	if _, err := Restore(Config{}, Saved{Faults: []SavedFault{{Root: 3}}}); err == nil {
		t.Error("a fault of a root not saved restores")
	}
}
