//go:build cgo

package sdjournal

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/service/journal"
)

// privateStore starts a journald of the test's own and a Writer to it.
func privateStore(t *testing.T) (*testenv.PrivateJournal, *journal.Writer) {
	t.Helper()
	testenv.Journald(t) // the root and binary checks, with their skip reasons
	p, err := testenv.NewPrivateJournal(t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	w := journal.NewWriter(p.Socket)
	t.Cleanup(func() { w.Close() })
	return p, w
}

// storeEvents writes evs and waits until journald has them in its files.
func storeEvents(t testing.TB, p *testenv.PrivateJournal, w *journal.Writer, evs ...event.Event) {
	t.Helper()
	for _, ev := range evs {
		if err := w.Write(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Sync(); err != nil {
		t.Fatal(err)
	}
}

// testStore reads src until the test ends.
func testStore(t *testing.T, src Source) *Store {
	t.Helper()
	st := NewStore(src)
	t.Cleanup(func() { st.Close() })
	return st
}

// stack is a small store: a SCSI disk under multipath under an LV with
// ext4, a loop device with xfs, events a minute apart.
func stack(t0 time.Time) []event.Event {
	mk := func(i int, typ, sub string, sev event.Severity, kdev, wwid, path string, ownW, ownP []string) event.Event {
		return event.Event{EventID: fmt.Sprintf("e%d", i), EventType: typ, SubSystem: sub, Severity: sev,
			Timestamp: t0.Add(time.Duration(i) * time.Minute), Hostname: "h1", Kdev: kdev, DevWWID: wwid, DevPath: path,
			OwnersWWIDs: ownW, OwnersPaths: ownP, Msg: typ + " on " + kdev, Count: 1, Seq: uint64(i)}
	}
	lv := []string{"LVM-lv1", "mpath-3600a"}
	lvp := []string{"/dev/mapper/mpatha", "/dev/sdc", "/dev/sdd"}
	return []event.Event{
		mk(0, "FS_MOUNTED", event.SubExt4, event.Info, "dm-3", "fs-uuid-1", "/dev/mapper/vg-lv", lv, lvp),
		mk(1, "SCSI_MEDIUM_ERROR", event.SubSCSI, event.Critical, "sdc", "naa.600a", "/dev/disk/by-id/wwn-0x600a", nil, nil),
		inIncident(mk(2, "DM_MPATH_PATH_FAILED", event.SubMultipath, event.Warning, "8:32", "mpath-3600a", "/dev/mapper/mpatha", nil, []string{"/dev/sdc"})),
		inIncident(mk(3, "FS_IO_ERROR", event.SubExt4, event.Error, "dm-3", "fs-uuid-1", "/dev/mapper/vg-lv", lv, lvp)),
		mk(4, "FS_MOUNTED", event.SubXFS, event.Info, "loop7", "fs-uuid-2", "/dev/loop7", nil, nil),
		mk(5, "FS_UNMOUNTED", event.SubExt4, event.Info, "dm-3", "fs-uuid-1", "/dev/mapper/vg-lv", lv, lvp),
	}
}

// inIncident puts ev in the incident of the path failure e2.
func inIncident(ev event.Event) event.Event {
	ev.RootCauseEventID, ev.IncidentID = "e2", "inc-e2"
	return ev
}

func TestQuery(t *testing.T) {
	p, w := privateStore(t)
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	storeEvents(t, p, w, stack(t0)...)
	sev := func(s event.Severity) *event.Severity { return &s }
	tests := []struct {
		name string
		f    event.Filter
		want []string
	}{
		{"all", event.Filter{}, []string{"e0", "e1", "e2", "e3", "e4", "e5"}},
		{"since", event.Filter{Since: t0.Add(2 * time.Minute)}, []string{"e2", "e3", "e4", "e5"}},
		{"until", event.Filter{Until: t0.Add(2 * time.Minute)}, []string{"e0", "e1", "e2"}},
		{"since and until", event.Filter{Since: t0.Add(time.Minute), Until: t0.Add(3 * time.Minute)}, []string{"e1", "e2", "e3"}},
		{"severity", event.Filter{Severity: sev(event.Error)}, []string{"e1", "e3"}},
		{"types OR'ed", event.Filter{EventTypes: []string{"FS_MOUNTED", "FS_IO_ERROR"}}, []string{"e0", "e3", "e4"}},
		{"sub-system any case", event.Filter{SubSystems: []string{"EXT4"}}, []string{"e0", "e3", "e5"}},
		{"sub-systems", event.Filter{SubSystems: []string{"xfs", "SCSI"}}, []string{"e1", "e4"}},
		{"type and sub-system", event.Filter{EventTypes: []string{"FS_MOUNTED"}, SubSystems: []string{"xfs"}}, []string{"e4"}},
		{"event id", event.Filter{EventID: "e2"}, []string{"e2"}},
		{"incident", event.Filter{IncidentID: "inc-e2"}, []string{"e2", "e3"}},
		{"blk kdev", event.Filter{Blk: []string{"loop7", "7:7"}}, []string{"e4"}},
		{"blk wwid", event.Filter{Blk: []string{"naa.600a"}}, []string{"e1"}},
		{"blk dev path", event.Filter{Blk: []string{"/dev/mapper/vg-lv"}}, []string{"e0", "e3", "e5"}},
		{"blk owner wwid", event.Filter{Blk: []string{"mpath-3600a"}}, []string{"e0", "e2", "e3", "e5"}},
		{"blk owner path (second owner)", event.Filter{Blk: []string{"/dev/sdd"}}, []string{"e0", "e3", "e5"}},
		{"blk any identifier", event.Filter{Blk: []string{"sdc", "8:32", "/dev/sdc"}}, []string{"e0", "e1", "e2", "e3", "e5"}},
		{"blk and severity", event.Filter{Blk: []string{"/dev/sdc"}, Severity: sev(event.Warning)}, []string{"e2", "e3"}},
		{"blk unknown", event.Filter{Blk: []string{"sdz"}}, []string{}},
		{"limit keeps the latest", event.Filter{Limit: 2}, []string{"e4", "e5"}},
		{"limit with filter", event.Filter{Limit: 2, SubSystems: []string{"ext4"}}, []string{"e3", "e5"}},
		{"no match", event.Filter{EventTypes: []string{"NOPE"}}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := testStore(t, Source{Directory: p.Dir}).Query(context.Background(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("event ids (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("decoded in full", func(t *testing.T) {
		got, err := testStore(t, Source{Directory: p.Dir}).Query(context.Background(), event.Filter{EventID: "e3"})
		if err != nil {
			t.Fatal(err)
		}
		want := stack(t0)[3:4]
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
			t.Errorf("event (-want +got):\n%s", diff)
		}
	})
}

// TestQueryLargeEvents reads back events whose JSON is beyond
// sd-journal's default 64 KiB data threshold and beyond a datagram.
func TestQueryLargeEvents(t *testing.T) {
	p, w := privateStore(t)
	want := []event.Event{
		{EventID: "multi-line", EventType: "FS_ERROR", Severity: event.Error, Msg: "one\ntwo\n", Count: 1},
		{EventID: "large", EventType: "FS_ERROR", Severity: event.Error, Msg: strings.Repeat("0123456789abcdef", 20<<10), Count: 1,
			OwnersPaths: []string{strings.Repeat("/dev/x", 100)}},
	}
	storeEvents(t, p, w, want...)
	got, err := testStore(t, Source{Directory: p.Dir}).Query(context.Background(), event.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(event.Event{}, "Timestamp")); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// TestQueryCopiedFiles reads journal files copied elsewhere, as from
// another host: --directory and --file.
func TestQueryCopiedFiles(t *testing.T) {
	p, w := privateStore(t)
	storeEvents(t, p, w, stack(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))...)
	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join(p.Dir, "*.journal"))
	if err != nil || len(files) == 0 {
		t.Fatalf("journal files in %s: %v, %v", p.Dir, files, err)
	}
	var copies []string
	for _, f := range files {
		dst := filepath.Join(dir, filepath.Base(f))
		if out, err := exec.Command("cp", f, dst).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v: %s", err, out)
		}
		copies = append(copies, dst)
	}
	for _, src := range []Source{{Directory: dir}, {Files: copies}} {
		t.Run(src.String(), func(t *testing.T) {
			got, err := testStore(t, src).Query(context.Background(), event.Filter{EventTypes: []string{"FS_MOUNTED"}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"e0", "e4"}, ids(got)); diff != "" {
				t.Errorf("event ids (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("missing directory", func(t *testing.T) {
		_, err := testStore(t, Source{Directory: filepath.Join(dir, "nope")}).Query(context.Background(), event.Filter{})
		if err == nil || !strings.Contains(err.Error(), "nope") {
			t.Errorf("err = %v, want one naming the directory", err)
		}
	})
}

// TestQueryLocal queries the system journal (the default source), where
// other tests store events too: the filter keeps to this test's.
func TestQueryLocal(t *testing.T) {
	testenv.Journald(t)
	w := journal.NewWriter("")
	defer w.Close()
	kdev := "test-" + uuid.NewString()
	evs := stack(time.Now().Add(-time.Hour))
	for i := range evs {
		evs[i].EventID = uuid.NewString()
		evs[i].Kdev = kdev
		if err := w.Write(evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	testenv.SyncJournal(t)
	got, err := testStore(t, Source{}).Query(context.Background(), event.Filter{Blk: []string{kdev}, EventTypes: []string{"FS_MOUNTED"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{evs[0].EventID, evs[4].EventID}, ids(got)); diff != "" {
		t.Errorf("event ids (-want +got):\n%s", diff)
	}
}

func TestFollow(t *testing.T) {
	p, w := privateStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan event.Event, 100)
	done := make(chan error, 1)
	st := testStore(t, Source{Directory: p.Dir})
	f := event.Filter{EventTypes: []string{"PROBE", "FS_MOUNTED"}}
	go func() {
		done <- st.Follow(ctx, f, func(ev event.Event) error {
			got <- ev
			return nil
		})
	}()
	// Follow starts at the end of the journal: probe until it answers.
	deadline := time.After(10 * time.Second)
probe:
	for {
		storeEvents(t, p, w, event.Event{EventID: "probe", EventType: "PROBE", Severity: event.Debug})
		select {
		case <-got:
			break probe
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("Follow delivered no probe within 10s")
		}
	}
	evs := stack(time.Now())
	storeEvents(t, p, w, evs...)
	var seen []string
	for len(seen) < 2 {
		select {
		case ev := <-got:
			if ev.EventType != "PROBE" {
				seen = append(seen, ev.EventID)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Follow delivered %v, then nothing for 10s", seen)
		}
	}
	if diff := cmp.Diff([]string{"e0", "e4"}, seen); diff != "" {
		t.Errorf("followed events (-want +got):\n%s", diff)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Follow returned %v after cancel, want context.Canceled", err)
	}
}

func TestFollowCallbackError(t *testing.T) {
	p, w := privateStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stop := errors.New("stop")
	done := make(chan error, 1)
	st := testStore(t, Source{Directory: p.Dir})
	go func() {
		done <- st.Follow(ctx, event.Filter{}, func(event.Event) error { return stop })
	}()
	for {
		storeEvents(t, p, w, event.Event{EventID: "x", EventType: "PROBE", Severity: event.Debug})
		select {
		case err := <-done:
			if !errors.Is(err, stop) {
				t.Errorf("Follow = %v, want the callback's error", err)
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}
