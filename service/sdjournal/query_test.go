package sdjournal

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
)

func TestMatchPlan(t *testing.T) {
	tests := []struct {
		name string
		f    event.Filter
		want []clause
	}{
		{"empty", event.Filter{}, []clause{{{"IS_PERIPETY=TRUE"}}}},
		{"types, sub-systems, id", event.Filter{EventTypes: []string{"FS_MOUNTED", "FS_IO_ERROR"},
			SubSystems: []string{"EXT4", "xfs"}, EventID: "id-1"},
			[]clause{{{"IS_PERIPETY=TRUE", "EVENT_TYPE=FS_MOUNTED", "EVENT_TYPE=FS_IO_ERROR",
				"SUB_SYSTEM=EXT4", "SUB_SYSTEM=ext4", "SUB_SYSTEM=xfs", "EVENT_ID=id-1"}}}},
		{"severity", event.Filter{Severity: ptr(event.Error)},
			[]clause{{{"IS_PERIPETY=TRUE", "PRIORITY=0", "PRIORITY=1", "PRIORITY=2", "PRIORITY=3"}}}},
		{"blk", event.Filter{Blk: []string{"sdc", "", "8:32", "/dev/sdc", "/dev/disk/by-id/wwn-0x5"}}, []clause{
			{{"IS_PERIPETY=TRUE"}},
			{{"KDEV=sdc", "KDEV=8:32"}, {"DEV_WWID=sdc", "DEV_WWID=8:32"}, {"OWNERS_WWIDS=sdc", "OWNERS_WWIDS=8:32"},
				{"DEV_PATH=/dev/sdc", "DEV_PATH=/dev/disk/by-id/wwn-0x5"}, {"OWNERS_PATHS=/dev/sdc", "OWNERS_PATHS=/dev/disk/by-id/wwn-0x5"}},
		}},
		{"blk paths only", event.Filter{Blk: []string{"/dev/sdc"}}, []clause{
			{{"IS_PERIPETY=TRUE"}},
			{{"DEV_PATH=/dev/sdc"}, {"OWNERS_PATHS=/dev/sdc"}},
		}},
		{"blk only empty", event.Filter{Blk: []string{""}}, []clause{
			{{"IS_PERIPETY=TRUE"}},
			{{"KDEV="}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, matchPlan(&tt.f)); diff != "" {
				t.Errorf("matchPlan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOutsideTime(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	usec := func(t time.Time) []byte { return []byte(strconv.FormatInt(t.UnixMicro(), 10)) }
	tests := []struct {
		name string
		f    event.Filter
		v    []byte
		want bool
	}{
		{"open range", event.Filter{}, usec(t0), false},
		{"before since", event.Filter{Since: t0}, usec(t0.Add(-time.Microsecond)), true},
		{"at since", event.Filter{Since: t0}, usec(t0), false},
		{"at until", event.Filter{Until: t0}, usec(t0), false},
		{"after until", event.Filter{Until: t0}, usec(t0.Add(time.Microsecond)), true},
		{"not a number", event.Filter{Until: t0}, []byte("soon"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := outsideTime(&tt.f, tt.v); got != tt.want {
				t.Errorf("outsideTime = %v, want %v", got, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// fakeEvents are six events a minute apart on three devices, each stored a
// second after it happened, except e2, a backlog stored last.
func fakeEvents(t0 time.Time) []fakeEntry {
	mk := func(i int, typ string, sev event.Severity, kdev string, owners ...string) event.Event {
		return event.Event{EventID: fmt.Sprintf("e%d", i), EventType: typ, Severity: sev, SubSystem: event.SubBlock,
			Timestamp: t0.Add(time.Duration(i) * time.Minute), Kdev: kdev, OwnersWWIDs: owners, Count: 1}
	}
	evs := []event.Event{
		mk(0, "FS_MOUNTED", event.Info, "dm-3", "mpath-a"),
		mk(1, "SCSI_MEDIUM_ERROR", event.Critical, "sdc"),
		mk(3, "FS_IO_ERROR", event.Error, "dm-3", "mpath-a"),
		mk(4, "FS_MOUNTED", event.Info, "loop7"),
		mk(5, "FS_UNMOUNTED", event.Info, "dm-3", "mpath-a"),
		mk(2, "BLK_IO_ERROR", event.Error, "sdc"),
	}
	var out []fakeEntry
	for _, ev := range evs {
		out = append(out, storedAt(ev, ev.Timestamp.Add(time.Second)))
	}
	// The backlog: stored after e5.
	out[5].realtime = uint64(t0.Add(6 * time.Minute).UnixMicro())
	return out
}

// TestQueryLoop runs the query loop over a fake journal: what it returns,
// and how far back it reads.
func TestQueryLoop(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		f    event.Filter
		want []string
		// visited is how many entries the scan steps onto (0: not
		// checked), decoded how many it decodes (-1: not checked).
		visited, decoded int
	}{
		{name: "all, oldest first, the backlog in its place", f: event.Filter{},
			want: []string{"e0", "e1", "e2", "e3", "e4", "e5"}, visited: 6, decoded: 6},
		{name: "limit keeps the latest stored", f: event.Filter{Limit: 2},
			want: []string{"e2", "e5"}, visited: 2, decoded: 2},
		{name: "device and owners by match", f: event.Filter{Blk: []string{"mpath-a"}},
			want: []string{"e0", "e3", "e5"}, visited: 3, decoded: 3},
		{name: "device, type and severity", f: event.Filter{Blk: []string{"sdc", "dm-3"}, Severity: ptr(event.Error)},
			want: []string{"e1", "e2", "e3"}, visited: 3, decoded: 3},
		{name: "since ends the scan at an entry stored before it",
			f:    event.Filter{Since: t0.Add(3*time.Minute + 30*time.Second)},
			want: []string{"e4", "e5"}, visited: 4, decoded: 2},
		{name: "until skips later events undecoded, keeps the backlog",
			f:    event.Filter{Until: t0.Add(2 * time.Minute)},
			want: []string{"e0", "e1", "e2"}, visited: 6, decoded: 3},
		{name: "no match", f: event.Filter{EventTypes: []string{"NOPE"}}, want: []string{}, decoded: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := newFakeJournal(fakeEvents(t0)...)
			got, err := query(context.Background(), j, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("event ids (-want +got):\n%s", diff)
			}
			if tt.visited > 0 && j.visited != tt.visited {
				t.Errorf("stepped onto %d entries, want %d", j.visited, tt.visited)
			}
			if j.decoded != tt.decoded {
				t.Errorf("decoded %d entries, want %d", j.decoded, tt.decoded)
			}
		})
	}
}

func TestQueryLoopErrors(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	boom := errors.New("boom")
	j := newFakeJournal(fakeEvents(t0)...)
	j.dataErr = boom
	if _, err := query(context.Background(), j, event.Filter{}); !errors.Is(err, boom) {
		t.Errorf("query with a failing read = %v, want boom", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := query(ctx, newFakeJournal(fakeEvents(t0)...), event.Filter{}); !errors.Is(err, context.Canceled) {
		t.Errorf("query with its context ended = %v, want context.Canceled", err)
	}
}

// TestFollowLoop follows a fake journal: entries stored before Follow
// are not delivered, later ones that pass the filter are, in store order.
func TestFollowLoop(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	all := fakeEvents(t0)
	j := newFakeJournal(all[:2]...)
	more := all[2:]
	j.onWait = func(j *fakeJournal) {
		if len(more) > 0 {
			j.entries = append(j.entries, more[0])
			more = more[1:]
		}
	}
	stop := errors.New("enough")
	var got []string
	err := follow(context.Background(), j, event.Filter{Blk: []string{"dm-3", "sdc"}, Limit: 1}, func(ev event.Event) error {
		got = append(got, ev.EventID)
		if len(got) == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("follow = %v, want the callback's error", err)
	}
	if diff := cmp.Diff([]string{"e3", "e5", "e2"}, got); diff != "" {
		t.Errorf("followed (-want +got):\n%s", diff)
	}

	ctx, cancel := context.WithCancel(context.Background())
	j = newFakeJournal(all...)
	j.onWait = func(*fakeJournal) { cancel() }
	if err := follow(ctx, j, event.Filter{}, func(event.Event) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("follow after its context ended = %v, want context.Canceled", err)
	}
}

func ids(evs []event.Event) []string {
	out := []string{}
	for _, ev := range evs {
		out = append(out, ev.EventID)
	}
	return out
}

// TestStoredIDs reads ids newest first, from entries stored since a time,
// without decoding an event.
func TestStoredIDs(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name  string
		since time.Time
		stop  int // fn returns false after this many ids; 0: never
		want  []string
	}{
		{name: "all", want: []string{"e2", "e5", "e4", "e3", "e1", "e0"}},
		{name: "stored since, the backlog included", since: t0.Add(4 * time.Minute), want: []string{"e2", "e5", "e4"}},
		{name: "stopped by fn", stop: 2, want: []string{"e2", "e5"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j := newFakeJournal(fakeEvents(t0)...)
			var got []string
			err := storedIDs(context.Background(), j, tt.since, func(id string) bool {
				got = append(got, id)
				return tt.stop == 0 || len(got) < tt.stop
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if j.decoded != 0 {
				t.Errorf("decoded %d events, want none", j.decoded)
			}
		})
	}
}
