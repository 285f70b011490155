package service

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/peripety/peripety/config"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/sysfs"
)

func loopResolver() *fakeResolver {
	return &fakeResolver{devs: map[string]sysfs.BlockInfo{
		"loop7": {KernelName: "loop7", MajorMinor: "7:7", DiskSeq: "31", BlkType: sysfs.TypeLoop, WWID: "loop-wwid",
			BlkPath: "/dev/loop7", PreferredBlkPath: "/dev/loop7", MountPoint: "/mnt/t"},
	}}
}

func seqs(evs []event.Event) []uint64 {
	var out []uint64
	for _, ev := range evs {
		out = append(out, ev.Seq)
	}
	return out
}

func TestRunDeliversToSinks(t *testing.T) {
	store, out := &memStore{}, &syncBuffer{}
	cfg := config.Main{NotifyStdout: true, SaveToJournald: true}
	d := testDaemon(t, t.TempDir(), &fakeSource{items: records(5, "loop7")}, loopResolver(), store, cfg, out)
	runUntil(t, d, func() bool { return len(store.logged()) == 5 })

	got := store.logged()
	if diff := cmp.Diff([]uint64{2, 3, 4, 5, 6}, seqs(got)); diff != "" {
		t.Errorf("stored seqs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(store.events(), out.events(t), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("stdout differs from the store (-store +stdout):\n%s", diff)
	}
	ev := got[0]
	want := map[string]string{"mount_point": "/mnt/t", "transport": "loop"}
	if diff := cmp.Diff(want, ev.Extension); diff != "" {
		t.Errorf("extension (-want +got):\n%s", diff)
	}
	if ev.DevWWID != "loop-wwid" || ev.DevPath != "/dev/loop7" || ev.Hostname == "" {
		t.Errorf("identity not filled: %+v", ev)
	}
	if ev.EventID == "parser-id" || ev.EventID != eventID("fake", &ev) {
		t.Errorf("event id %q is not the reproducible one", ev.EventID)
	}
	// Errors on one device at one layer do not cause each other.
	if ev.RootCauseEventID != ev.EventID {
		t.Errorf("root cause %q, want its own id %q", ev.RootCauseEventID, ev.EventID)
	}
	cp, err := NewStateDirMust(t, d.opts.StateDir).LoadCheckpoint("fake")
	if err != nil {
		t.Fatal(err)
	}
	if cp.Pos != d.src.(*fakeSource).items[4].Pos {
		t.Errorf("checkpoint after a clean stop = %q, want 5", cp.Pos)
	}
}

func NewStateDirMust(t testing.TB, dir string) *StateDir {
	t.Helper()
	st, err := NewStateDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestRestartAfterCrash stands for a SIGKILL between storing events and
// saving the position: the checkpoint is behind the store, and a restart
// reads records again. Every event must be stored exactly once.
func TestRestartAfterCrash(t *testing.T) {
	dir := t.TempDir()
	items := records(10, "loop7")
	// Record 6 opens a group that record 7 closes.
	items[5].Record.Message += " open"

	full := &memStore{}
	d := testDaemon(t, dir, &fakeSource{items: items}, loopResolver(), full, config.Main{SaveToJournald: true}, &syncBuffer{})
	runUntil(t, d, func() bool { return len(full.logged()) == 9 })
	all := full.logged()

	for _, tt := range []struct {
		name   string
		pos    int // the record of the checkpoint the crash left, 0 for none
		stored int // how many events were stored before the crash
	}{
		{name: "checkpoint behind store", pos: 3, stored: 7},
		{name: "group open at the crash", pos: 5, stored: 5},
		{name: "nothing saved", pos: 0, stored: 4},
		{name: "all stored", pos: 2, stored: 9},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.pos != 0 {
				cp := Checkpoint{Pos: items[tt.pos-1].Pos, Time: items[tt.pos-1].Record.Time}
				if err := NewStateDirMust(t, dir).SaveCheckpoint("fake", cp); err != nil {
					t.Fatal(err)
				}
			}
			store := &memStore{evs: slices.Clone(all[:tt.stored])}
			d := testDaemon(t, dir, &fakeSource{items: items}, loopResolver(), store, config.Main{SaveToJournald: true}, &syncBuffer{})
			runUntil(t, d, func() bool { return len(store.logged()) >= 9 })
			time.Sleep(20 * time.Millisecond) // a duplicate would show now
			got := store.logged()
			ids := map[string]int{}
			for _, ev := range got {
				ids[ev.EventID]++
			}
			for _, ev := range all {
				if ids[ev.EventID] != 1 {
					t.Errorf("event %q (%s) stored %d times, want once", ev.RawMsg, ev.EventID, ids[ev.EventID])
				}
			}
			if len(got) != len(all) {
				t.Errorf("stored %d events, want %d", len(got), len(all))
			}
		})
	}
}

func TestVanishedDeviceKeepsIdentity(t *testing.T) {
	dir := t.TempDir()
	res := loopResolver()
	store := &memStore{}
	// First run: the device is present at start and recorded.
	d := testDaemon(t, dir, &fakeSource{}, res, store, config.Main{SaveToJournald: true}, &syncBuffer{})
	runUntil(t, d, func() bool { return true })

	res.remove("loop7")
	d = testDaemon(t, dir, &fakeSource{items: records(1, "loop7")}, res, store, config.Main{SaveToJournald: true}, &syncBuffer{})
	runUntil(t, d, func() bool { return len(store.logged()) == 1 })
	ev := store.logged()[0]
	if ev.DevWWID != "loop-wwid" || ev.DevPath != "/dev/loop7" || ev.Ext("mount_point") != "/mnt/t" {
		t.Errorf("vanished device lost its identity: %+v", ev)
	}
	if ev.Ext("resolve_error") == "" {
		t.Error("no extension.resolve_error on an event whose device is gone")
	}

	// loop7 is attached again, to another image: events logged before
	// that still belong to the first one. The identities recorded say the
	// first instance was there an hour ago.
	dir = t.TempDir()
	ids, err := OpenIdentityStore(NewStateDirMust(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	ids.Record(loopResolver().devs["loop7"], nil, time.Now().Add(-time.Hour), 0)
	if err := ids.Save(); err != nil {
		t.Fatal(err)
	}
	items := records(1, "loop7")
	items[0].Record.Time = time.Now().Add(-10 * time.Minute)
	res.devs["loop7"] = sysfs.BlockInfo{KernelName: "loop7", MajorMinor: "7:7", DiskSeq: "32", BlkType: sysfs.TypeLoop,
		WWID: "other", BlkPath: "/dev/loop7"}
	d = testDaemon(t, dir, &fakeSource{items: items}, res, store, config.Main{SaveToJournald: true}, &syncBuffer{})
	runUntil(t, d, func() bool { return len(store.logged()) == 2 })
	ev = store.logged()[1]
	if ev.DevWWID != "loop-wwid" || ev.Ext("mount_point") != "/mnt/t" || !strings.Contains(ev.Ext("resolve_error"), "now another device") {
		t.Errorf("event from before a re-attach took the new device's identity: %+v", ev)
	}

	d = testDaemon(t, t.TempDir(), &fakeSource{items: records(1, "sdz")}, res, store, config.Main{SaveToJournald: true}, &syncBuffer{})
	runUntil(t, d, func() bool { return len(store.logged()) == 3 })
	if ev := store.logged()[2]; ev.Ext("resolve_error") == "" || ev.Kdev != "sdz" {
		t.Errorf("event on a never seen device: %+v", ev)
	}
}

// TestSlowSinkSheds: a sink that stalls (stdout into a pipe nobody reads)
// makes the pipeline shed, and the shed events are accounted for in one
// PERIPETY_EVENTS_SHED event.
func TestSlowSinkSheds(t *testing.T) {
	out := &syncBuffer{block: make(chan struct{})}
	d := testDaemon(t, t.TempDir(), &fakeSource{items: records(50, "loop7")}, loopResolver(), &memStore{}, config.Main{NotifyStdout: true}, out)
	d.opts.SinkQueueLen = 4
	go func() {
		// Let the pipeline fill the queue and shed, then let stdout go.
		for d.EventsEmitted() < 50 {
			time.Sleep(5 * time.Millisecond)
		}
		close(out.block)
	}()
	runUntil(t, d, func() bool {
		return slices.ContainsFunc(out.events(t), func(ev event.Event) bool { return ev.EventType == EventShed })
	})
	var lines uint64
	shed := 0
	for _, ev := range out.events(t) {
		if ev.EventType == EventStarted {
			continue
		}
		if ev.EventType == EventShed {
			shed++
			n, _ := strconv.ParseUint(ev.Ext("lines"), 10, 64)
			lines += n
			continue
		}
		lines += uint64(ev.Count)
	}
	if shed != 1 {
		t.Errorf("%d shed events, want 1", shed)
	}
	if lines != 50 {
		t.Errorf("stored and shed events account for %d lines, want 50", lines)
	}
}
