package sdjournal

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
)

// TestStoreKeepsJournals: a Store reads through the journal it kept from
// the last Query, refreshed; opens a new one when the kept one fails or it
// keeps none; and closes what it keeps when it is closed.
func TestStoreKeepsJournals(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	var opened []*fakeJournal
	st := newStore(Source{Directory: "/fake"}, func() (Journal, error) {
		j := newFakeJournal(fakeEvents(t0)...)
		opened = append(opened, j)
		return j, nil
	})
	ctx := context.Background()
	query := func(f event.Filter, want ...string) {
		t.Helper()
		got, err := st.Query(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, ids(got)); diff != "" {
			t.Errorf("event ids (-want +got):\n%s", diff)
		}
	}
	query(event.Filter{Blk: []string{"loop7"}}, "e4")
	// The kept journal answers with the last query's matches gone.
	query(event.Filter{EventTypes: []string{"FS_UNMOUNTED"}}, "e5")
	if len(opened) != 1 || opened[0].closed {
		t.Fatalf("%d journals opened (first closed: %v), want one kept open", len(opened), opened[0].closed)
	}

	// A kept journal that fails to refresh is closed and replaced.
	opened[0].waitErr = errors.New("gone")
	query(event.Filter{Limit: 1}, "e2")
	if len(opened) != 2 || !opened[0].closed {
		t.Errorf("%d journals opened, first closed %v: want the failing one closed and a new one", len(opened), opened[0].closed)
	}

	// A query that fails closes its journal instead of keeping it.
	opened[1].dataErr = errors.New("boom")
	if _, err := st.Query(ctx, event.Filter{}); err == nil {
		t.Fatal("query over a failing journal: no error")
	}
	if !opened[1].closed {
		t.Error("the journal of a failed query is kept")
	}

	query(event.Filter{Limit: 1}, "e2")
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if !opened[2].closed {
		t.Error("Close left a kept journal open")
	}
	// After Close, a query still answers, and keeps nothing.
	query(event.Filter{Limit: 1}, "e2")
	if !opened[3].closed {
		t.Error("a journal was kept after Close")
	}
}
