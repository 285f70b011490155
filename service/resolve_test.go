package service

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
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
