package sysfs

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
)

func TestFillEvent(t *testing.T) {
	info := BlockInfo{KernelName: "dm-4", WWID: "LVM-abc", PreferredBlkPath: "/dev/mapper/vg-lv", BlkPath: "/dev/dm-4",
		UUID: "5c3e", MountPoint: "/srv", Transport: map[string]string{"transport": "FC"},
		Owners: []BlockInfo{{WWID: "mpath-1", PreferredBlkPath: "/dev/mapper/mpatha"}, {WWID: "naa.1", BlkPath: "/dev/sdb"}}}
	tests := []struct {
		name string
		ev   event.Event
		want event.Event
	}{
		{
			name: "block event",
			ev:   event.Event{SubSystem: event.SubBlock},
			want: event.Event{SubSystem: event.SubBlock, DevWWID: "LVM-abc", DevPath: "/dev/mapper/vg-lv",
				OwnersWWIDs: []string{"mpath-1", "naa.1"}, OwnersPaths: []string{"/dev/mapper/mpatha", "/dev/sdb"},
				Extension: map[string]string{"mount_point": "/srv", "transport": "FC", "port": "1"}},
		},
		{
			name: "filesystem event: the FS UUID is the WWID, its device the first owner",
			ev:   event.Event{SubSystem: event.SubXFS},
			want: event.Event{SubSystem: event.SubXFS, DevWWID: "5c3e", DevPath: "/dev/mapper/vg-lv",
				OwnersWWIDs: []string{"LVM-abc", "mpath-1", "naa.1"}, OwnersPaths: []string{"/dev/mapper/vg-lv", "/dev/mapper/mpatha", "/dev/sdb"},
				Extension: map[string]string{"mount_point": "/srv", "uuid": "5c3e", "transport": "FC", "port": "1"}},
		},
		{
			name: "the line's own values stay",
			ev:   event.Event{SubSystem: event.SubExt4, Extension: map[string]string{"uuid": "from-line", "mount_point": "/old"}},
			want: event.Event{SubSystem: event.SubExt4, DevWWID: "from-line", DevPath: "/dev/mapper/vg-lv",
				OwnersWWIDs: []string{"LVM-abc", "mpath-1", "naa.1"}, OwnersPaths: []string{"/dev/mapper/vg-lv", "/dev/mapper/mpatha", "/dev/sdb"},
				Extension: map[string]string{"mount_point": "/old", "uuid": "from-line", "transport": "FC", "port": "1"}},
		},
	}
	// An LV's filesystem whose UUID neither the line (ext4 on 6.1) nor
	// udev (not probed yet) gives: not the LV's uuid.
	noUUID := info
	noUUID.UUID = ""
	ev := event.Event{SubSystem: event.SubExt4, EventType: "FS_MOUNTED"}
	FillEvent(&ev, noUUID, nil)
	if ev.DevWWID != "" {
		t.Errorf("FS_MOUNTED with no filesystem UUID known: dev_wwid %q, want none (not the LV's)", ev.DevWWID)
	}
	// Two loop devices over one file under a map: the file once.
	twice := BlockInfo{KernelName: "dm-0", WWID: "dm-name-m", Owners: []BlockInfo{
		{WWID: "/img", BlkPath: "/dev/loop0"}, {WWID: "/img", BlkPath: "/dev/loop1"}, {BlkPath: "/dev/loop2"}}}
	ev = event.Event{SubSystem: event.SubBlock}
	FillEvent(&ev, twice, nil)
	if want := []string{"/img"}; !slices.Equal(ev.OwnersWWIDs, want) {
		t.Errorf("owners_wwids %q, want %q", ev.OwnersWWIDs, want)
	}
	if want := []string{"/dev/loop0", "/dev/loop1", "/dev/loop2"}; !slices.Equal(ev.OwnersPaths, want) {
		t.Errorf("owners_paths %q, want %q", ev.OwnersPaths, want)
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := tt.ev
			FillEvent(&ev, info, map[string]string{"port": "1"})
			if diff := cmp.Diff(tt.want, ev); diff != "" {
				t.Errorf("FillEvent (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFillEventMountOnMultipath is the original's
// ext4_mount_lv_mpath_scsi.json on the fixture of the same stack: the
// mount of an LV on a map of four paths lists the LV, the map and the
// LUN as owners, and every path by its own node (the lab's
// mpath-lvm-ext4 saw the LV missing and the paths named by the LUN's
// by-id links, one of them twice).
func TestFillEventMountOnMultipath(t *testing.T) {
	r := NewResolver(fixtureRoots(t)["fc-mpath-lvm"])
	info, ext, err := r.ForEvent("dm-1")
	if err != nil {
		t.Fatal(err)
	}
	ev := event.Event{SubSystem: event.SubExt4, EventType: "FS_MOUNTED", Kdev: "dm-1"}
	FillEvent(&ev, info, ext)
	want := event.Event{SubSystem: event.SubExt4, EventType: "FS_MOUNTED", Kdev: "dm-1",
		DevWWID: "47841ee5-047d-4f73-8951-5a3d7a4c770e", DevPath: "/dev/mapper/vg-lv",
		OwnersWWIDs: []string{lvID, "mpath-3600a098038303053453f463045727a4b", lunA},
		OwnersPaths: []string{"/dev/mapper/vg-lv", "/dev/mapper/mpatha", "/dev/sdb", "/dev/sdc", "/dev/sdd", "/dev/sde"},
		Extension:   map[string]string{"mount_point": "/mnt/data", "uuid": "47841ee5-047d-4f73-8951-5a3d7a4c770e"}}
	if diff := cmp.Diff(want, ev); diff != "" {
		t.Errorf("FillEvent (-want +got):\n%s", diff)
	}
}
