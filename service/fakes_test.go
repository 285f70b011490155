package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peripety/peripety/config"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/sysfs"
)

// fakeSource delivers its items after the one at pos (all when none is),
// then waits for ctx.
type fakeSource struct {
	items []Item
}

func (s *fakeSource) Name() string { return "fake" }
func (s *fakeSource) Key() string  { return "fake" }
func (s *fakeSource) Run(ctx context.Context, pos string, opened func(), fn func(Item) error) error {
	opened()
	start := 0
	for i, it := range s.items {
		if it.Pos == pos {
			start = i + 1
		}
	}
	for _, it := range s.items[start:] {
		if err := fn(it); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return ctx.Err()
}

// records makes n fake items "line i" on device dev, one per millisecond
// from now.
func records(n int, dev string) []Item {
	base := time.Now().Round(time.Microsecond)
	var out []Item
	for i := 1; i <= n; i++ {
		out = append(out, Item{
			Record: parsers.Record{Time: base.Add(time.Duration(i) * time.Millisecond), Message: fmt.Sprintf("%s: line %d", dev, i)},
			Pos:    fmt.Sprint(base.UnixMicro(), " ", i),
		})
	}
	return out
}

// fakeParser makes one event per record; a record whose message ends in
// " open" opens a group that the next record closes (one event for both).
type fakeParser struct {
	open *event.Event
	last time.Time
}

func (p *fakeParser) Push(rec parsers.Record, emit func(event.Event)) {
	dev, _, _ := strings.Cut(rec.Message, ":")
	if p.open != nil {
		p.open.Count++
		emit(*p.open)
		p.open = nil
		return
	}
	ev := event.Event{EventID: "parser-id", RootCauseEventID: "parser-id", EventType: "BLK_IO_ERROR", Severity: event.Error,
		SubSystem: event.SubBlock, Timestamp: rec.Time, Kdev: dev, RawMsg: rec.Message, Msg: rec.Message, Count: 1}
	if strings.HasSuffix(rec.Message, " open") {
		p.open, p.last = &ev, rec.Time
		return
	}
	emit(ev)
}

func (p *fakeParser) Flush(now time.Time, emit func(event.Event)) {
	if p.open != nil && !now.Before(p.last.Add(time.Second)) {
		emit(*p.open)
		p.open = nil
	}
}

func (p *fakeParser) NextDeadline() (time.Time, bool) {
	if p.open == nil {
		return time.Time{}, false
	}
	return p.last.Add(time.Second), true
}

func (p *fakeParser) Close(emit func(event.Event)) { p.Flush(p.last.Add(time.Hour), emit) }

// fakeResolver answers for the devices it has.
type fakeResolver struct {
	mu   sync.Mutex
	devs map[string]sysfs.BlockInfo
}

func (r *fakeResolver) ForEvent(kdev string) (sysfs.BlockInfo, map[string]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b, ok := r.devs[kdev]; ok {
		return b, map[string]string{"transport": "loop"}, nil
	}
	return sysfs.BlockInfo{}, nil, fmt.Errorf("resolve %q: %w", kdev, sysfs.ErrNotFound)
}

func (r *fakeResolver) ListBlocks() ([]sysfs.BlockInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []sysfs.BlockInfo
	for _, b := range r.devs {
		out = append(out, b)
	}
	return out, nil
}

func (r *fakeResolver) remove(kdev string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.devs, kdev)
}

// startStoreDaemon starts a daemon with opts that saves its events to
// opts.Store (an in-memory store of the test's), with no log, the loop
// resolver and no service notification unless opts says otherwise; stop
// ends it (startDaemon).
func startStoreDaemon(tb testing.TB, opts Options) (stop func()) {
	tb.Helper()
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Resolver == nil {
		opts.Resolver = loopResolver()
	}
	if opts.Notify == nil {
		opts.Notify = func(string) error { return nil }
	}
	d, err := New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	d.cfg = &config.Config{Main: config.Main{SaveToJournald: true}}
	return startDaemon(tb, d)
}

// startDaemon runs d until stop, which fails tb when Run returned an
// error.
func startDaemon(tb testing.TB, d *Daemon) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	return func() {
		tb.Helper()
		cancel()
		if err := <-done; err != nil {
			tb.Fatalf("Run: %v", err)
		}
	}
}

// memStore is an in-memory event store.
type memStore struct {
	mu  sync.Mutex
	evs []event.Event
}

func (s *memStore) Write(ev event.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evs = append(s.evs, ev)
	return nil
}

// Close implements EventWriter. A store outlives the daemons of a test.
func (s *memStore) Close() error { return nil }

func (s *memStore) events() []event.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]event.Event(nil), s.evs...)
}

// logged returns the events of kernel lines: all but the start events.
func (s *memStore) logged() []event.Event {
	var out []event.Event
	for _, ev := range s.events() {
		if ev.EventType != EventStarted {
			out = append(out, ev)
		}
	}
	return out
}

func (s *memStore) query(ctx context.Context, f event.Filter) ([]event.Event, error) {
	var out []event.Event
	for _, ev := range s.events() {
		if f.Match(&ev) {
			out = append(out, ev)
		}
	}
	return out, nil
}

// syncBuffer is a bytes.Buffer safe for the stdout sink and the test;
// block, when set, holds every Write until it is closed.
type syncBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	block chan struct{}
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	if b.block != nil {
		<-b.block
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (b *syncBuffer) events(t *testing.T) []event.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []event.Event
	for _, line := range strings.Split(strings.TrimSpace(b.b.String()), "\n") {
		if line == "" {
			continue
		}
		var ev event.Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("stdout line %q: %v", line, err)
		}
		out = append(out, ev)
	}
	return out
}

// testDaemon builds a daemon over fakes with cfg in force.
func testDaemon(t *testing.T, stateDir string, src Source, res Resolver, store *memStore, cfg config.Main, out *syncBuffer) *Daemon {
	t.Helper()
	d, err := New(Options{
		Source:       SourceSpec{Kind: "kmsg"},
		StateDir:     stateDir,
		Log:          slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Stdout:       out,
		Store:        store,
		StoredEvents: store.query,
		Resolver:     res,
		NewParser:    func([]parsers.UserRule) (Parser, error) { return &fakeParser{}, nil },
		Notify:       func(string) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	d.src = src
	d.cfg = &config.Config{Main: cfg}
	return d
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// runUntil runs d until cond holds (or 10 s pass), then stops it cleanly.
func runUntil(t *testing.T, d *Daemon, cond func() bool) {
	t.Helper()
	stop := startDaemon(t, d)
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			stop()
			t.Fatal("condition not reached within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
}

// testPipeline is a pipeline of fakeParser over res, with an identity
// store and correlation in a fresh state directory, the clock *now, and
// one stdout sink, on, whose queue the test reads.
func testPipeline(t *testing.T, res Resolver, now *time.Time) (*pipeline, *sinkRunner, *IdentityStore) {
	t.Helper()
	st := NewStateDirMust(t, t.TempDir())
	ids, err := OpenIdentityStore(st)
	if err != nil {
		t.Fatal(err)
	}
	sink := newSinkRunner("stdout", true, 16, 0, slog.New(slog.DiscardHandler))
	sink.on.Store(true)
	p := &pipeline{log: slog.New(slog.DiscardHandler), parser: &fakeParser{}, sinks: []*sinkRunner{sink},
		res:  &resolution{r: res, ids: ids, now: func() time.Time { return *now }},
		corr: openCorrelation(st, res, slog.New(slog.DiscardHandler))}
	return p, sink, ids
}
