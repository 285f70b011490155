package cli

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/peripety/peripety/correlate"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/golden"
)

// allPathsIncident is what the daemon made of the lab's mpath-all-paths
// scenario (both paths of a map lost under ext4 on LVM), shortened: the
// incident and its events.
func allPathsIncident() (correlate.Incident, []event.Event) {
	t0 := time.Date(2026, 11, 20, 9, 6, 54, 22024000, time.UTC)
	const id = "394b2a23-8a41-5c1e-9f3e-0d2b6c7a1e55"
	sdb := correlate.DevInfo{Dev: correlate.Dev{Name: "sdb", MajMin: "8:16", Seq: "9"}, Path: "/dev/disk/by-id/scsi-SLinux_scsi_debug_2000",
		WWID: "naa.33333330000007d0"}
	mpath := correlate.DevInfo{Dev: correlate.Dev{Name: "dm-0", MajMin: "254:0"}, Path: "/dev/mapper/mpatha", WWID: "mpath-333333330000007d0"}
	lv := correlate.DevInfo{Dev: correlate.Dev{Name: "dm-1", MajMin: "254:1"}, Path: "/dev/mapper/labvg-lv", Mount: "/run/lab/mnt"}
	mk := func(n int, us int, sub, typ, kdev string, sev event.Severity, cond, msg string) event.Event {
		ev := event.Event{EventID: "e" + string(rune('a'+n)), EventType: typ, SubSystem: sub, Severity: sev, Kdev: kdev,
			Timestamp: t0.Add(time.Duration(us) * time.Microsecond), Msg: msg, RawMsg: msg, Count: 1, IncidentID: id,
			RootCauseEventID: "ea", Seq: uint64(n + 1)}
		ev.SetExt("condition", cond)
		return ev
	}
	evs := []event.Event{
		mk(0, 0, "SCSI", "SCSI_DEVICE_OFFLINE", "3:0:0:0", event.Error, "device:offline", "sd 3:0:0:0: rejecting I/O to offline device"),
		mk(1, 624, "Multipath", "DM_MPATH_PATH_FAILED", "8:16", event.Warning, "path:failed", "Multipath map 254:0: path 8:16 failed"),
		mk(2, 20432, "Block", "BLK_IO_ERROR", "dm-0", event.Error, "", "I/O error on dm-0 at sector 20482 (WRITE)"),
		mk(3, 21273, "ext4", "FS_IO_ERROR", "dm-1", event.Warning, "", "EXT4-fs warning (device dm-1): ext4_end_bio:343: I/O error 10 writing to inode 13"),
		mk(4, 21692, "Block", "BUFFER_IO_ERROR", "dm-1", event.Error, "", "Buffer I/O error on dm-1 at logical block 9217"),
		mk(5, 22103, "Block", "BUFFER_IO_ERROR", "dm-1", event.Error, "", "Buffer I/O error on dm-1 at logical block 9218"),
		mk(6, 45551, "Block", "BLK_IO_ERROR", "dm-0", event.Error, "", "I/O error on dm-0 at sector 34844 (WRITE)"),
		mk(7, 46360, "jbd2", "FS_JOURNAL_ABORTED", "dm-1", event.Error, "fs:ro", "Journal of dm-1 aborted: the filesystem is read-only"),
		mk(8, 619366, "ext4", "FS_REMOUNT_READ_ONLY", "dm-1", event.Critical, "fs:ro", "EXT4-fs (dm-1): Remounting filesystem read-only"),
		mk(9, 4294662, "Multipath", "DM_MPATH_PATH_REINSTATED", "8:16", event.Warning, "path:active", "Multipath map 254:0: path 8:16 reinstated"),
	}
	evs[4].Count = 3
	inc := correlate.Incident{ID: id, State: correlate.StateRecovering, Severity: event.Critical,
		RootCause: correlate.RootEvent{EventID: "ea", EventType: "SCSI_DEVICE_OFFLINE", SubSystem: "SCSI", Severity: event.Error,
			Time: t0, Dev: sdb, Msg: evs[0].Msg, Layer: "device", Condition: "device:offline"},
		FirstSeen: t0, LastSeen: evs[9].Timestamp, Events: 10, Lines: 12, OpenFaults: 1,
		Counts: map[string]uint64{"SCSI_DEVICE_OFFLINE": 1, "DM_MPATH_PATH_FAILED": 1, "BLK_IO_ERROR": 2, "FS_IO_ERROR": 1,
			"BUFFER_IO_ERROR": 2, "FS_JOURNAL_ABORTED": 1, "FS_REMOUNT_READ_ONLY": 1, "DM_MPATH_PATH_REINSTATED": 1},
		Devices: []correlate.Affected{
			{DevInfo: sdb, Role: correlate.RoleRoot, Events: 3, Conditions: []string{"device:running", "path:active"}},
			{DevInfo: mpath, Role: correlate.RoleEvent, Events: 2},
			{DevInfo: lv, Role: correlate.RoleEvent, Events: 5, Conditions: []string{"fs:ro"}},
		},
		Related: []string{"f6966385-0c1a-5b2e-8d4f-3a2b1c0d9e8f"}}
	return inc, evs
}

// inUTC shows times in UTC for the test, as the golden files have them.
func inUTC(t *testing.T) {
	local := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = local })
}

// TestIncidentCommands: prpt incidents, incident and status over the bus.
func TestIncidentCommands(t *testing.T) {
	inUTC(t)
	_, b := serveDaemon(t)
	inc, evs := allPathsIncident()
	closed := correlate.Incident{ID: "0d1c2b3a-4e5f-5a6b-8c7d-9e0f1a2b3c4d", State: correlate.StateClosed, Severity: event.Error,
		RootCause: correlate.RootEvent{EventID: "m1", EventType: "SCSI_MEDIUM_ERROR", Severity: event.Error,
			Dev: correlate.DevInfo{Dev: correlate.Dev{Name: "sda"}}, Msg: "Medium error on sda at sector 20000 (Unrecovered read error)"},
		FirstSeen: inc.FirstSeen.Add(-time.Hour), LastSeen: inc.FirstSeen.Add(-time.Hour), Events: 1, Lines: 1,
		Devices: []correlate.Affected{{DevInfo: correlate.DevInfo{Dev: correlate.Dev{Name: "sda"}}, Role: correlate.RoleRoot, Events: 1}}}
	b.PutIncident(closed)
	other := closed
	other.ID, other.LastSeen = "0d1e9f8a-7b6c-5d4e-8f3a-2b1c0d9e8f7a", closed.LastSeen.Add(-time.Minute)
	b.PutIncident(other)
	b.PutIncident(inc)
	b.Add(evs...)
	b.SetConditions([]correlate.DeviceConditions{
		{DevInfo: correlate.DevInfo{Dev: correlate.Dev{Name: "dm-1", MajMin: "254:1"}, Path: "/dev/mapper/labvg-lv", Mount: "/run/lab/mnt"},
			Present: true, Conditions: []correlate.CondState{{Condition: correlate.Condition{Object: "fs", State: "ro", Kind: correlate.Fault},
				Since: evs[7].Timestamp, EventID: "eh"}}},
		{DevInfo: correlate.DevInfo{Dev: correlate.Dev{Name: "sda", MajMin: "8:0"}, Path: "/dev/sda"}, Present: true},
		{DevInfo: correlate.DevInfo{Dev: correlate.Dev{Name: "sdb", MajMin: "8:16"}, Path: "/dev/sdb"}, Present: true,
			Conditions: []correlate.CondState{{Condition: correlate.Condition{Object: "device", State: "running", Kind: correlate.Clear}},
				{Condition: correlate.Condition{Object: "path", State: "active", Kind: correlate.Clear}, Since: evs[9].Timestamp, EventID: "ej"}}},
		{DevInfo: correlate.DevInfo{Dev: correlate.Dev{Name: "sdz", MajMin: "65:144"}}, Conditions: []correlate.CondState{
			{Condition: correlate.Condition{Object: "device", State: "removed", Kind: correlate.Fault}, Since: evs[0].Timestamp, EventID: "z"}}},
	})
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"incidents.txt", []string{"incidents"}},
		{"incidents-open.txt", []string{"incidents", "--open"}},
		{"incident.txt", []string{"incident", "394b"}},
		{"incident-events.txt", []string{"incident", "--events", inc.ID}},
		{"status.txt", []string{"status"}},
		{"status-all.txt", []string{"status", "--all"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := run(t, "", tt.args...)
			if code != 0 {
				t.Fatalf("prpt %s: exit %d: %s", strings.Join(tt.args, " "), code, stderr)
			}
			golden.Check(t, filepath.Join("testdata", "incidents", tt.name), []byte(out))
		})
	}
	code, out, _ := run(t, "", "incidents", "-J", "--blk", "sda")
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var got correlate.Incident
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("prpt incidents -J: %v: %s", err, line)
		}
		ids = append(ids, got.ID)
	}
	if code != 0 || len(ids) != 2 || slices.Contains(ids, inc.ID) {
		t.Errorf("prpt incidents -J --blk sda: exit %d, incidents %v; want the two on sda", code, ids)
	}
	code, out, _ = run(t, "", "incident", "-J", inc.ID)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 1+len(evs) {
		t.Errorf("prpt incident -J: exit %d, %d lines, want the incident and its %d events", code, len(lines), len(evs))
	}
	if code, _, stderr := run(t, "", "incident", "ffff"); code != 1 || !strings.Contains(stderr, `no incident "ffff"`) {
		t.Errorf("prpt incident of an unknown id: exit %d, %q", code, stderr)
	}
	if code, _, stderr := run(t, "", "incident", "0d1"); code != 1 || !strings.Contains(stderr, `2 incidents start with "0d1"`) {
		t.Errorf("prpt incident of an ambiguous id: exit %d, %q", code, stderr)
	}
}
