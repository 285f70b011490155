package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/service/journal"
)

// EventWriter is the event store as the journald sink uses it
// (*journal.Writer). Write's error wraps journal.ErrUnreachable when no
// store listens.
type EventWriter interface {
	Write(ev event.Event) error
	Close() error
}

// StoredIDs says which events the store holds: it calls fn with the id of
// each event stored at or after since (the store's own time of storing),
// newest first, until fn returns false (sdjournal.Store.IDs).
type StoredIDs func(ctx context.Context, since time.Time, fn func(id string) bool) error

// JournalSink stores events in journald (save_to_journald), so that none is
// lost while journald is down, restarting, slow, or not yet started:
//
//   - Emit appends the event to the spool in the state directory
//     (spool.go) and returns: the event is durable there, and the source
//     position may be saved past it.
//   - The sink's goroutine (drain) sends the spool to journald in order and
//     takes an event off the spool once it can be read back from the
//     journal (StoredIDs): journald may lose what it was sent but had not
//     written when it died. When no journald answers it tries again with
//     backoff; an event sent to a journald that went away, and not in the
//     journal once something sent later is, is sent again.
//   - The spool holds at most Options.SpoolMax bytes; past it, events are
//     shed and counted, and a PERIPETY_EVENTS_SHED event stored as soon as
//     there is room says how many of which type. When the state directory
//     cannot be written (read-only, full), events wait in memory instead,
//     up to memMax bytes, and a checkpoint is not saved while they do
//     (Holding).
//   - A restart finds the spool as the crash left it: the events in it
//     that journald stored already are not sent again.
type JournalSink struct {
	w      EventWriter
	stored StoredIDs
	log    *slog.Logger
	dir    string
	max    int64

	mu sync.Mutex
	// sp is nil while the spool cannot be opened; spRetry paces the tries
	// of a spool that failed (spRetry.failed says why).
	sp      *spool
	spRetry retry
	// mem are the events the spool could not take, in order after the
	// spool's; memSent of them are being sent.
	mem      []memRec
	memBytes int
	memSent  int
	shed     shedTally
	// leftover counts the ids of the events the spool held when opened,
	// and leftoverEnd is where they end.
	leftover    map[string]int
	leftoverEnd spoolPos
	// wake tells the drainer that there is something new to send.
	wake chan struct{}

	stop context.CancelFunc
	done chan struct{}
	// closing asks the drainer to finish what it holds, within closeWait.
	closing chan struct{}
}

// memRec is an event held in memory while the spool cannot take it.
type memRec struct {
	ev event.Event
	at time.Time
}

// Tunables of the journald sink.
const (
	// defaultSpoolMax bounds the spool (Options.SpoolMax).
	defaultSpoolMax = 32 << 20
	// memMax bounds the events held in memory while the state directory
	// cannot be written.
	memMax = 8 << 20
	// maxFlights bounds the events sent and not yet read back. It bounds
	// the sink's pace too: maxFlights every confirmEvery at most (512 made
	// a burst of 10,000 events take a second to reach journald). As many
	// as the spool gives back from memory (maxRecent).
	maxFlights = maxRecent
	// confirmEvery is how often the drainer reads back what it sent.
	confirmEvery = 50 * time.Millisecond
	// confirmMargin widens the read-back window, for clocks that differ
	// by a little (journald stamps an entry when it reads it).
	confirmMargin = time.Second
	// trustAfter is how long the drainer waits for an event sent to show
	// in the journal before it concludes that it cannot read back what
	// it writes (a journal it may not read, Storage=none), and trusts
	// journald from then on.
	trustAfter = 30 * time.Second
	// maxTries bounds the sends of one event that journald does not keep.
	maxTries = 4
	// backoffMin and backoffMax bound the wait between tries to reach a
	// journald that is not there, or to write a state directory that
	// failed.
	backoffMin = 50 * time.Millisecond
	backoffMax = 5 * time.Second
	// stateRetryMax bounds the wait before the state directory is tried
	// again.
	stateRetryMax = time.Minute
	// closeWait bounds how long Close waits for the spool to reach
	// journald; what is left stays in the spool for the next start.
	closeWait = 3 * time.Second
)

// openJournalSink opens the spool and starts the drainer, sending to the
// journald of Options.JournalSocket, or to Options.Store when it is set.
func openJournalSink(d *Daemon) (Sink, error) {
	var w EventWriter = d.opts.Store
	if w == nil {
		w = journal.NewWriter(d.opts.JournalSocket)
	}
	s := newJournalSink(w, d.opts.StoredIDs, d.state.Path(spoolDir), d.opts.SpoolMax, d.log.With("sink", "journald"))
	s.start()
	return s, nil
}

// spoolDir is the spool's directory in the state directory.
const spoolDir = "spool"

func newJournalSink(w EventWriter, stored StoredIDs, dir string, max int64, log *slog.Logger) *JournalSink {
	if max <= 0 {
		max = defaultSpoolMax
	}
	s := &JournalSink{w: w, stored: stored, log: log, dir: dir, max: max, wake: make(chan struct{}, 1),
		closing: make(chan struct{}), leftover: map[string]int{}}
	s.openSpool(time.Now())
	if s.sp != nil {
		// What the spool holds: the events the daemon took before it
		// stopped that journald had not yet stored, or may have.
		for {
			rec, ok, err := s.sp.next()
			if err != nil {
				s.log.Error("read spool", "err", err)
				break
			}
			if !ok {
				break
			}
			s.leftover[rec.ev.EventID]++
			s.leftoverEnd = rec.end
		}
		s.sp.rewind(s.sp.head)
		if n := len(s.leftover); n > 0 {
			s.log.Info("spool holds events from before the start", "events", n, "bytes", s.sp.size)
		}
	}
	return s
}

// openSpool opens the spool, or notes why it cannot.
func (s *JournalSink) openSpool(now time.Time) {
	sp, damaged, err := openSpool(s.dir, s.max)
	for _, d := range damaged {
		s.log.Error("spool damaged: events lost", "damage", d)
	}
	if err != nil {
		s.spoolFailed(err, now)
		return
	}
	s.sp = sp
}

// spoolFailed notes that the spool cannot take events; the first failure
// of a series is logged.
func (s *JournalSink) spoolFailed(err error, now time.Time) {
	if s.spRetry.fail(err, now) {
		s.log.Warn("cannot write the spool: events wait in memory until it can", "dir", s.dir, "err", err)
	}
}

// Name implements Sink.
func (s *JournalSink) Name() string { return "journald" }

// Emit implements Sink: ev is queued for journald, behind every event
// queued before. It never blocks on journald.
func (s *JournalSink) Emit(_ context.Context, ev event.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue(ev, time.Now())
	s.poke()
	return nil
}

// EmitBatch implements batchSink: evs are queued as Emit would queue each,
// the spool taking them in one write when it can (spool.appendAll).
func (s *JournalSink) EmitBatch(_ context.Context, evs []event.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	n := 0
	if s.shed.events == 0 && len(s.mem) == 0 && s.spoolUsable(now) {
		var err error
		n, err = s.sp.appendAll(evs, now)
		switch {
		case err != nil:
			s.spoolFailed(err, now)
		case n > 0:
			if ended := s.spRetry.succeed(); ended != nil {
				s.log.Info("the spool takes events again", "dir", s.dir, "failed", ended)
			}
		}
	}
	for _, ev := range evs[n:] {
		s.queue(ev, now)
	}
	s.poke()
	return nil
}

// queue queues ev behind every event queued (put), or sheds it when
// there is no room, after the summary of those shed before it once there
// is.
func (s *JournalSink) queue(ev event.Event, now time.Time) {
	if s.shed.events > 0 {
		sum := s.shedEvent()
		if !s.put(&sum, now, false) {
			s.shed.add(ev)
			return
		}
		s.log.Warn("spool had no room: events shed", "events", s.shed.events, "first_seq", s.shed.firstSeq, "last_seq", s.shed.lastSeq)
		s.shed = shedTally{}
	}
	if !s.put(&ev, now, false) {
		if s.shed.events == 0 {
			s.log.Error("spool full and journald not taking events: shedding them until there is room", "spool_max", s.max)
		}
		s.shed.add(ev)
	}
}

// shedEvent is the PERIPETY_EVENTS_SHED event of what the sink shed.
func (s *JournalSink) shedEvent() event.Event {
	ev := s.shed.event("journald")
	ev.Msg = fmt.Sprintf("journald was not taking events and the spool (%d bytes) was full: %d events (%d kernel lines, seq %d to %d) were not stored: %s",
		s.max, s.shed.events, s.shed.lines, s.shed.firstSeq, s.shed.lastSeq, ev.Ext("event_types"))
	return ev
}

// put queues ev, appended at at, behind every event queued: in the spool,
// or in memory while the spool fails. It reports false when neither has
// room; with force (the last shed summary, at Close) it goes past the
// bounds.
func (s *JournalSink) put(ev *event.Event, at time.Time, force bool) bool {
	if len(s.mem) == 0 && s.spoolUsable(at) {
		err := s.sp.append(ev, at, force)
		switch {
		case err == nil:
			if ended := s.spRetry.succeed(); ended != nil {
				s.log.Info("the spool takes events again", "dir", s.dir, "failed", ended)
			}
			return true
		case errors.Is(err, errSpoolFull):
			return false
		}
		s.spoolFailed(err, at)
	}
	if !force && s.memBytes >= memMax {
		return false
	}
	s.mem = append(s.mem, memRec{ev: *ev, at: at})
	s.memBytes += eventSize(ev)
	return true
}

// spoolUsable says whether to try the spool: it works, or it failed and
// its retry time has come.
func (s *JournalSink) spoolUsable(now time.Time) bool {
	if !s.spRetry.due(now) {
		return false
	}
	if s.sp == nil {
		s.openSpool(now)
	}
	return s.sp != nil
}

// eventSize estimates the memory an event holds.
func eventSize(ev *event.Event) int {
	n := 256 + len(ev.Msg) + len(ev.RawMsg) + len(ev.Kdev) + len(ev.DevPath) + len(ev.DevWWID)
	for k, v := range ev.Extension {
		n += len(k) + len(v) + 32
	}
	for _, o := range ev.OwnersPaths {
		n += len(o) + 16
	}
	for _, o := range ev.OwnersWWIDs {
		n += len(o) + 16
	}
	return n
}

func (s *JournalSink) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Holding says whether events are held in memory only: the state directory
// failed, and journald has not stored them yet. A checkpoint saved now
// could pass them.
func (s *JournalSink) Holding() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.mem) > 0
}

// Sync makes the spool durable against a crash of the host, before a
// checkpoint past its events is saved.
func (s *JournalSink) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sp == nil || s.spRetry.failed != nil {
		return nil
	}
	return s.sp.sync()
}

// Leftover returns the ids of the events the spool held when the sink was
// opened, each with how often it was there: events taken by the daemon
// before it stopped, which journald may not have stored yet.
func (s *JournalSink) Leftover() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.leftover
}

func (s *JournalSink) start() {
	ctx, stop := context.WithCancel(context.Background())
	s.stop, s.done = stop, make(chan struct{})
	go func() { defer close(s.done); s.drain(ctx) }()
}

// Close implements Sink: the drainer sends what the spool holds for at
// most closeWait; what is left stays for the next start.
func (s *JournalSink) Close() error {
	close(s.closing)
	select {
	case <-s.done:
	case <-time.After(closeWait):
		s.stop()
		<-s.done
	}
	s.stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if s.shed.events > 0 {
		sum := s.shedEvent()
		if !s.put(&sum, time.Now(), true) || len(s.mem) > 0 {
			err = fmt.Errorf("%d events shed for want of room in the spool could not be reported in journald", s.shed.events)
		}
	}
	if n := len(s.mem); n > 0 {
		err = errors.Join(err, fmt.Errorf("%d events held in memory were not stored by journald", n))
	}
	if s.sp != nil {
		err = errors.Join(err, s.sp.close())
	}
	return errors.Join(err, s.w.Close())
}
