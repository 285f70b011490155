package service

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/sysfs"
)

func TestLinkRootCause(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	ev := func(id, typ, sub, kdev string, sev event.Severity, at time.Duration, owners ...string) event.Event {
		return event.Event{EventID: id, RootCauseEventID: id, EventType: typ, SubSystem: sub, Kdev: kdev, Severity: sev,
			Timestamp: t0.Add(at), OwnersWWIDs: owners}
	}
	tests := []struct {
		name   string
		events []event.Event
		owners map[string][]string // kernel names below each event's device
		want   []string            // root cause of each event
	}{
		{
			name: "filesystem error after block error on the same device",
			events: []event.Event{
				ev("blk", "BLK_IO_ERROR", event.SubBlock, "loop0", event.Error, 0),
				ev("buf", "BUFFER_IO_ERROR", event.SubBlock, "loop0", event.Error, time.Millisecond),
				ev("fs", "FS_IO_ERROR", event.SubExt4, "loop0", event.Error, 2*time.Millisecond),
			},
			want: []string{"blk", "blk", "blk"},
		},
		{
			name: "error on a device above the failed one",
			events: []event.Event{
				ev("scsi", "SCSI_MEDIUM_ERROR", event.SubSCSI, "sdb", event.Error, 0),
				ev("dm", "DM_MPATH_PATH_FAILED", event.SubMultipath, "dm-3", event.Error, time.Second),
				ev("fs", "FS_IO_ERROR", event.SubXFS, "dm-4", event.Error, 2*time.Second),
			},
			owners: map[string][]string{"dm": {"sdb"}, "fs": {"dm-3", "sdb"}},
			want:   []string{"scsi", "scsi", "scsi"},
		},
		{
			name: "too long ago",
			events: []event.Event{
				ev("blk", "BLK_IO_ERROR", event.SubBlock, "loop0", event.Error, 0),
				ev("fs", "FS_IO_ERROR", event.SubExt4, "loop0", event.Error, rootCauseWindow+time.Second),
			},
			want: []string{"blk", "fs"},
		},
		{
			name: "another device",
			events: []event.Event{
				ev("blk", "BLK_IO_ERROR", event.SubBlock, "loop0", event.Error, 0),
				ev("fs", "FS_IO_ERROR", event.SubExt4, "loop1", event.Error, time.Millisecond),
			},
			want: []string{"blk", "fs"},
		},
		{
			name: "an info event is caused by nothing",
			events: []event.Event{
				ev("fs", "FS_ERROR", event.SubExt4, "loop0", event.Error, 0),
				ev("umount", "FS_UNMOUNTED", event.SubExt4, "loop0", event.Info, time.Millisecond),
			},
			want: []string{"fs", "umount"},
		},
		{
			name: "an info event causes nothing",
			events: []event.Event{
				ev("cap", "BLK_CAPACITY_CHANGE", event.SubBlock, "loop0", event.Info, 0),
				ev("fs", "FS_IO_ERROR", event.SubExt4, "loop0", event.Error, time.Millisecond),
			},
			want: []string{"cap", "fs"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := &resolution{}
			var got []string
			for _, e := range tt.events {
				rs.linkRootCause(&e, tt.owners[e.EventID])
				got = append(got, e.RootCauseEventID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("root causes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFill(t *testing.T) {
	info := sysfs.BlockInfo{KernelName: "dm-4", WWID: "LVM-abc", PreferredBlkPath: "/dev/mapper/vg-lv", BlkPath: "/dev/dm-4",
		UUID: "5c3e", MountPoint: "/srv", Transport: map[string]string{"transport": "FC"},
		Owners: []sysfs.BlockInfo{{WWID: "mpath-1", PreferredBlkPath: "/dev/mapper/mpatha"}, {WWID: "naa.1", BlkPath: "/dev/sdb"}}}
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
			name: "filesystem event: the FS UUID is the WWID",
			ev:   event.Event{SubSystem: event.SubXFS},
			want: event.Event{SubSystem: event.SubXFS, DevWWID: "5c3e", DevPath: "/dev/mapper/vg-lv",
				OwnersWWIDs: []string{"mpath-1", "naa.1"}, OwnersPaths: []string{"/dev/mapper/mpatha", "/dev/sdb"},
				Extension: map[string]string{"mount_point": "/srv", "uuid": "5c3e", "transport": "FC", "port": "1"}},
		},
		{
			name: "the line's own values stay",
			ev:   event.Event{SubSystem: event.SubExt4, Extension: map[string]string{"uuid": "from-line", "mount_point": "/old"}},
			want: event.Event{SubSystem: event.SubExt4, DevWWID: "from-line", DevPath: "/dev/mapper/vg-lv",
				OwnersWWIDs: []string{"mpath-1", "naa.1"}, OwnersPaths: []string{"/dev/mapper/mpatha", "/dev/sdb"},
				Extension: map[string]string{"mount_point": "/old", "uuid": "from-line", "transport": "FC", "port": "1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := tt.ev
			fill(&ev, info, map[string]string{"port": "1"})
			if diff := cmp.Diff(tt.want, ev); diff != "" {
				t.Errorf("fill (-want +got):\n%s", diff)
			}
		})
	}
}
