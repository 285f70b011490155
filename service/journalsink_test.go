package service

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/service/journal"
)

// fakeJournald is a journald as the sink sees it: it takes entries over a
// connection, stores them (at once when auto, else at flush), and when
// killed loses what it had taken and not stored.
type fakeJournald struct {
	mu     sync.Mutex
	up     bool
	auto   bool
	conn   bool
	dials  uint64
	queue  []event.Event
	stored []storedEntry
	// drop makes it lose the next entry of each id in it.
	drop map[string]bool
}

type storedEntry struct {
	ev event.Event
	at time.Time
}

func newFakeJournald(up, auto bool) *fakeJournald {
	return &fakeJournald{up: up, auto: auto, drop: map[string]bool{}}
}

func (j *fakeJournald) Write(ev event.Event) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.up {
		j.conn = false
		return fmt.Errorf("send event %s: %w", ev.EventID, journal.ErrUnreachable)
	}
	if !j.conn {
		j.conn = true
		j.dials++
	}
	if j.drop[ev.EventID] {
		delete(j.drop, ev.EventID)
		return nil
	}
	j.queue = append(j.queue, ev)
	if j.auto {
		j.flushLocked()
	}
	return nil
}

func (j *fakeJournald) flushLocked() {
	for _, ev := range j.queue {
		j.stored = append(j.stored, storedEntry{ev: ev, at: time.Now()})
	}
	j.queue = nil
}

func (j *fakeJournald) flush() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.flushLocked()
}

// kill stops it, losing what it had not stored.
func (j *fakeJournald) kill() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.up, j.conn, j.queue = false, false, nil
}

func (j *fakeJournald) start(auto bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.up, j.auto = true, auto
	if auto {
		j.flushLocked()
	}
}

func (j *fakeJournald) Dials() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.dials
}

func (j *fakeJournald) Close() error { return nil }

func (j *fakeJournald) ids(ctx context.Context, since time.Time, fn func(string) bool) error {
	j.mu.Lock()
	stored := slices.Clone(j.stored)
	j.mu.Unlock()
	for i := len(stored) - 1; i >= 0; i-- {
		if stored[i].at.Before(since) {
			return nil
		}
		if !fn(stored[i].ev.EventID) {
			return nil
		}
	}
	return nil
}

// counts returns how often each id is stored, and the ids in store order.
func (j *fakeJournald) counts() (map[string]int, []string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	m := map[string]int{}
	var order []string
	for _, e := range j.stored {
		m[e.ev.EventID]++
		order = append(order, e.ev.EventID)
	}
	return m, order
}

func sinkEvent(i int) event.Event {
	ev := spoolEvent(i)
	ev.EventID = "id-" + strconv.Itoa(i)
	return ev
}

func startSink(t *testing.T, j *fakeJournald, dir string, max int64) *JournalSink {
	t.Helper()
	s := newJournalSink(j, j.ids, dir, max, slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	s.start()
	return s
}

// waitStored waits until every id of evs is stored.
func waitStored(t *testing.T, j *fakeJournald, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m, _ := j.counts()
		all := true
		for i := range n {
			if m["id-"+strconv.Itoa(i)] == 0 {
				all = false
			}
		}
		if all {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stored %d distinct events of %d within 10s", len(m), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// exactlyOnce checks that events 0..n-1 are each stored once, and nothing
// else but what other allows.
func exactlyOnce(t *testing.T, j *fakeJournald, n int) {
	t.Helper()
	time.Sleep(3 * confirmEvery) // a duplicate would come now
	m, _ := j.counts()
	for i := range n {
		if c := m["id-"+strconv.Itoa(i)]; c != 1 {
			t.Errorf("event %d stored %d times, want once", i, c)
		}
	}
}

// TestJournalSinkNoJournaldAtStart: events taken while no journald
// listens are stored, in order, once it does.
func TestJournalSinkNoJournaldAtStart(t *testing.T) {
	j := newFakeJournald(false, true)
	s := startSink(t, j, t.TempDir(), 0)
	for i := range 100 {
		if err := s.Emit(context.Background(), sinkEvent(i)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if _, order := j.counts(); len(order) > 0 {
		t.Fatalf("stored %d events with journald down", len(order))
	}
	j.start(true)
	waitStored(t, j, 100)
	s.Close()
	exactlyOnce(t, j, 100)
	_, order := j.counts()
	for i, id := range order {
		if id != "id-"+strconv.Itoa(i) {
			t.Fatalf("store order %v: not the order taken", order[:i+1])
		}
	}
}

// TestJournalSinkJournaldKilled: journald dies with events taken and not
// stored; a new one gets them, once each.
func TestJournalSinkJournaldKilled(t *testing.T) {
	j := newFakeJournald(true, false)
	s := startSink(t, j, t.TempDir(), 0)
	defer s.Close()
	for i := range 50 {
		s.Emit(context.Background(), sinkEvent(i))
	}
	time.Sleep(100 * time.Millisecond)
	j.flush() // the first 50 stored
	for i := 50; i < 80; i++ {
		s.Emit(context.Background(), sinkEvent(i))
	}
	time.Sleep(50 * time.Millisecond)
	j.kill() // 50-79 taken and lost
	for i := 80; i < 100; i++ {
		s.Emit(context.Background(), sinkEvent(i))
	}
	j.start(true)
	waitStored(t, j, 100)
	exactlyOnce(t, j, 100)
}

// TestJournalSinkDropped: an entry journald did not keep while it kept later
// ones is sent again.
func TestJournalSinkDropped(t *testing.T) {
	j := newFakeJournald(true, true)
	j.drop["id-3"] = true
	s := startSink(t, j, t.TempDir(), 0)
	defer s.Close()
	for i := range 10 {
		s.Emit(context.Background(), sinkEvent(i))
	}
	waitStored(t, j, 10)
	exactlyOnce(t, j, 10)
}

// TestJournalSinkRestart: the daemon stopped (as by SIGKILL: no Close)
// while journald had taken events it had not yet stored, and some it had
// never been sent. The next sink sends each missing event once, and none
// that journald stores late.
func TestJournalSinkRestart(t *testing.T) {
	dir := t.TempDir()
	j := newFakeJournald(true, false)
	s := startSink(t, j, dir, 0)
	for i := range 20 {
		s.Emit(context.Background(), sinkEvent(i))
	}
	time.Sleep(100 * time.Millisecond)
	s.stop() // killed: the drainer ends, nothing is closed
	<-s.done
	j.mu.Lock()
	j.stored = append(j.stored, storedEntry{ev: j.queue[0], at: time.Now()})
	j.queue = j.queue[1:] // 0 stored, 1-19 still in journald's socket
	j.mu.Unlock()
	// Events 20-29 were taken but never sent.
	s.mu.Lock()
	for i := 20; i < 30; i++ {
		ev := sinkEvent(i)
		if err := s.sp.append(&ev, time.Now(), false); err != nil {
			t.Fatal(err)
		}
	}
	s.mu.Unlock()

	s2 := startSink(t, j, dir, 0)
	defer s2.Close()
	if got := len(s2.Leftover()); got != 30 {
		t.Errorf("leftover ids: %d, want 30", got)
	}
	s2.Emit(context.Background(), sinkEvent(30))
	time.Sleep(100 * time.Millisecond)
	j.start(true) // journald stores its socket's backlog, then the rest
	waitStored(t, j, 31)
	exactlyOnce(t, j, 31)
}

// TestJournalSinkFull: past its bound the spool sheds, counts, and stores
// a PERIPETY_EVENTS_SHED event once it has room.
func TestJournalSinkFull(t *testing.T) {
	j := newFakeJournald(false, true)
	s := startSink(t, j, t.TempDir(), 4<<10)
	defer s.Close()
	for i := range 100 {
		s.Emit(context.Background(), sinkEvent(i))
	}
	j.start(true)
	time.Sleep(200 * time.Millisecond)
	s.Emit(context.Background(), sinkEvent(100))
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, order := j.counts()
		if slices.Contains(order, "id-100") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("event after the shedding not stored: %v", order)
		}
		time.Sleep(10 * time.Millisecond)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var stored, shedLines int
	for _, e := range j.stored {
		if e.ev.EventType == EventShed {
			n, _ := strconv.Atoi(e.ev.Ext("lines"))
			shedLines += n
			continue
		}
		stored++
	}
	if stored+shedLines != 101 || shedLines == 0 {
		t.Errorf("%d stored and %d shed, want 101 in all and some shed", stored, shedLines)
	}
}

// TestJournalSinkReadOnlyState: a state directory that cannot be written
// holds events in memory (Holding) until journald stored them.
func TestJournalSinkReadOnlyState(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes a read-only directory: tests/faults covers a read-only mount")
	}
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	j := newFakeJournald(false, true)
	s := startSink(t, j, filepath.Join(dir, spoolDir), 0)
	defer s.Close()
	for i := range 10 {
		s.Emit(context.Background(), sinkEvent(i))
	}
	if !s.Holding() {
		t.Error("events taken without a spool: not Holding")
	}
	j.start(true)
	waitStored(t, j, 10)
	time.Sleep(3 * confirmEvery)
	if s.Holding() {
		t.Error("Holding after journald stored everything")
	}
	exactlyOnce(t, j, 10)
}

// TestDrainerTrust: a journal that never shows what is sent (read back
// from another journal, Storage=none) is trusted after trustAfter, not
// before, and not for an event sent after a long quiet.
func TestDrainerTrust(t *testing.T) {
	now := time.Now()
	d := &drainer{lastOK: now.Add(-time.Hour)}
	d.flights = []flight{{sent: now.Add(-time.Second)}}
	if d.unseen(now) {
		t.Error("an event sent a second ago after an hour of quiet: taken as unseen")
	}
	d.flights = []flight{{sent: now.Add(-trustAfter - time.Second)}}
	if !d.unseen(now) {
		t.Error("an event sent over trustAfter ago, nothing read back since: not unseen")
	}
	d.lastOK = now.Add(-time.Second)
	if d.unseen(now) {
		t.Error("an old event, but one sent later read back: taken as unseen")
	}
}
