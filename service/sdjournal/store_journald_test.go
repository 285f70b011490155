//go:build cgo

package sdjournal

import (
	"context"
	"fmt"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
)

// TestQueryKeptJournal checks that a journal a Store keeps for the next
// Query answers as a freshly opened one does, while events arrive and
// journald rotates and deletes files.
func TestQueryKeptJournal(t *testing.T) {
	p, w := privateStore(t)
	src := Source{Directory: p.Dir}
	st := testStore(t, src)
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	n := 0
	store := func(k int) {
		t.Helper()
		var evs []event.Event
		for range k {
			evs = append(evs, event.Event{EventID: fmt.Sprintf("e%d", n), EventType: "FS_MOUNTED", Severity: event.Info,
				Kdev: fmt.Sprintf("loop%d", n%2), Timestamp: t0.Add(time.Duration(n) * time.Second), Count: 1})
			n++
		}
		storeEvents(t, p, w, evs...)
	}
	journalctl := func(args ...string) {
		t.Helper()
		args = append([]string{"--namespace", p.Namespace}, args...)
		if out, err := exec.Command("journalctl", args...).CombinedOutput(); err != nil {
			t.Fatalf("journalctl %v: %v: %s", args, err, out)
		}
	}
	check := func(step string, wantN int) {
		t.Helper()
		for _, f := range []event.Filter{{}, {Blk: []string{"loop1"}}} {
			got, err := st.Query(context.Background(), f)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			r, err := Open(src)
			if err != nil {
				t.Fatal(err)
			}
			want, err := query(context.Background(), r, f)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ids(want), ids(got)); diff != "" {
				t.Errorf("%s, filter %+v: kept journal (-fresh +kept):\n%s", step, f, diff)
			}
			if len(f.Blk) == 0 && len(got) != wantN {
				t.Errorf("%s: %d events, want %d", step, len(got), wantN)
			}
		}
	}
	check("empty", 0)
	store(3)
	check("first events", 3)
	store(2)
	check("more events", 5)
	journalctl("--rotate")
	store(2)
	check("after rotation", 7)
	journalctl("--rotate")
	journalctl("--vacuum-files=1")
	store(1)
	check("after vacuum", 1)
	store(4)

	queryAtOnce(t, st, event.Filter{Blk: []string{"loop0"}}, 2)
}

// queryAtOnce runs Query from 8 goroutines at once, 5 times each: each
// Query has a journal of its own, and finds want events.
func queryAtOnce(t *testing.T, st *Store, f event.Filter, want int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				got, err := st.Query(context.Background(), f)
				if err == nil && len(got) != want {
					err = fmt.Errorf("%d events, want %d", len(got), want)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
