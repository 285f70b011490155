package service

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/service/journal"
)

// drainer is the JournalSink's goroutine: it sends what the sink queued
// to journald, in order, and takes it off the queue once it can be read
// back from the journal.
//
// An event journald was sent may yet be lost: journald reads its socket in
// order, but one that dies (or is killed) loses what it had not written.
// The drainer numbers the connections to journald (epochs); an event not
// in the journal is taken as lost, and sent again, once an event sent
// after it on a later connection is in the journal, or one sent after it on
// the same connection is (journald dropped it). At start, events the spool
// holds from before may have been sent by the daemon that stopped: none of
// them is sent again before an event of this run (the marker) shows in the
// journal, after which each that is not there is known not to be.
type drainer struct {
	s *JournalSink
	// flights are the events taken off the queue and not yet known
	// stored, in queue order.
	flights []flight
	// epoch counts the connections to journald; dials is the writer's
	// count of connections at the last look.
	epoch int
	dials uint64
	// sends numbers the sends; okEpoch is the latest epoch an event was
	// read back from, okSent the latest send, per epoch, of an event read
	// back.
	sends   uint64
	okEpoch int
	okSent  map[int]uint64
	// lastOK is when an event was last read back.
	lastOK time.Time
	// down: journald was not reachable; the next try is at retryAt,
	// after wait, which doubles up to backoffMax.
	down    bool
	retryAt time.Time
	wait    time.Duration
	// tries counts the failed sends of an event, by id.
	tries       map[string]int
	lastConfirm time.Time
	readErr     bool
	// trust: what is sent is taken as stored (the journal cannot be read
	// back).
	trust bool
	// settling: events from before the start wait for marker to show.
	settling bool
	marker   *flight
	// known are ids found in the journal before they were sent.
	known map[string]bool
	// lost counts events journald did not keep however often sent.
	lost int
	// headSaved is when the spool's head was last saved.
	headSaved time.Time
}

// headEvery is the least time between two saves of the spool's head.
const headEvery = time.Second

// flight is an event taken off the sink's queue.
type flight struct {
	ev event.Event
	// mem: held in memory, not the spool; else its record is at pos and
	// ends at end.
	mem      bool
	pos, end spoolPos
	at       time.Time // when it was queued
	sent     time.Time
	sendNo   uint64 // its send's number
	epoch    int
	tries    int
	ok       bool
}

// dialer is an EventWriter that counts its connections (*journal.Writer).
type dialer interface{ Dials() uint64 }

// drain runs the drainer until ctx ends, or, once the sink is closing,
// until it holds nothing or journald is not there.
func (s *JournalSink) drain(ctx context.Context) {
	d := &drainer{s: s, okSent: map[int]uint64{}, tries: map[string]int{}, known: map[string]bool{},
		wait: backoffMin, lastOK: time.Now()}
	d.settle(ctx)
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	closing := s.closing
	for {
		now := time.Now()
		if !d.down || !now.Before(d.retryAt) {
			d.send(now)
		}
		if d.pending() && now.Sub(d.lastConfirm) >= confirmEvery {
			d.confirm(ctx, now)
		}
		d.ack(now)
		if closing == nil && (d.down || !d.pending() && !d.queued()) {
			return
		}
		var next time.Duration
		switch {
		case !d.down && d.queued() && len(d.flights) < maxFlights && (!d.settling || d.marker == nil):
			continue // taken off the queue after all in flight were read back
		case d.down:
			next = time.Until(d.retryAt)
		case d.pending():
			next = confirmEvery - time.Since(d.lastConfirm)
		default:
			next = time.Hour
		}
		t.Reset(max(next, time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		case <-closing:
			closing = nil
		}
	}
}

// pending says whether events were sent and not yet read back.
func (d *drainer) pending() bool {
	if d.marker != nil {
		return true
	}
	for _, f := range d.flights {
		if !f.ok {
			return true
		}
	}
	return false
}

// queued says whether the sink holds events not yet taken.
func (d *drainer) queued() bool {
	s := d.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return (s.sp != nil && s.sp.unread()) || s.memSent < len(s.mem)
}

// settle looks up, at start, which of the events the spool holds from
// before are in the journal already. When some are not, they are held back
// until the marker, the first event queued in this run, is read back.
func (d *drainer) settle(ctx context.Context) {
	s := d.s
	s.mu.Lock()
	n := len(s.leftover)
	s.mu.Unlock()
	if n == 0 {
		return
	}
	if d.lookUpLeftover(ctx) {
		return
	}
	d.settling = true
	s.mu.Lock()
	if s.sp != nil {
		s.sp.rd = s.leftoverEnd
	}
	s.mu.Unlock()
}

// lookUpLeftover notes which events of the spool from before are in the
// journal; it reports whether all are.
func (d *drainer) lookUpLeftover(ctx context.Context) bool {
	s := d.s
	s.mu.Lock()
	want := make(map[string]bool, len(s.leftover))
	for id := range s.leftover {
		if !d.known[id] {
			want[id] = true
		}
	}
	since := time.Now()
	if s.sp != nil {
		// The first record's time bounds the read back.
		rd := s.sp.rd
		s.sp.rewind(s.sp.head)
		if rec, ok, err := s.sp.next(); err == nil && ok {
			since = rec.at
		}
		s.sp.rd = rd
	}
	s.mu.Unlock()
	if len(want) == 0 {
		return true
	}
	err := s.stored(ctx, since.Add(-confirmMargin), func(id string) bool {
		if want[id] {
			d.known[id] = true
			delete(want, id)
		}
		return len(want) > 0
	})
	if err != nil {
		s.log.Warn("read back the spool's events from the journal", "err", err)
		return false
	}
	return len(want) == 0
}

// take takes the next event off the sink's queue: the spool's, then those
// held in memory.
func (d *drainer) take() (flight, bool) {
	s := d.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sp != nil && s.sp.unread() {
		rec, ok, err := s.sp.next()
		if err != nil {
			// A record the spool cannot give back: the rest of its
			// segment is lost; its end stands for it in the queue.
			s.log.Error("spool damaged: the rest of a segment lost", "err", err)
			skip := spoolPos{seg: s.sp.nextSeg(s.sp.rd.seg)}
			if s.sp.rd.seg == s.sp.segs[len(s.sp.segs)-1] {
				if rerr := s.sp.rotate(); rerr != nil {
					s.spoolFailed(rerr, time.Now())
					return flight{}, false
				}
			}
			s.sp.rd = skip
			return flight{end: skip, ok: true}, true
		}
		if ok {
			return flight{ev: rec.ev, pos: rec.pos, end: rec.end, at: rec.at}, true
		}
	}
	if s.memSent < len(s.mem) {
		m := s.mem[s.memSent]
		s.memSent++
		return flight{ev: m.ev, mem: true, at: m.at}, true
	}
	return flight{}, false
}

// untake puts f, the last event taken, back.
func (d *drainer) untake(f flight) {
	s := d.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.mem {
		s.memSent--
	} else {
		s.sp.rewind(f.pos)
	}
}

// send sends what the queue holds, while there is room in flight.
func (d *drainer) send(now time.Time) {
	for len(d.flights) < maxFlights && (!d.settling || d.marker == nil) {
		f, ok := d.take()
		if !ok {
			return
		}
		if f.ok || d.known[f.ev.EventID] {
			delete(d.known, f.ev.EventID)
			f.ok = true
			d.flights = append(d.flights, f)
			continue
		}
		if !d.write(&f, now) {
			d.untake(f)
			return
		}
		if d.settling {
			m := f // f itself stays off the heap
			d.marker = &m
			return
		}
		d.flights = append(d.flights, f)
	}
}

// write sends f; false when it was not sent and should be tried later.
func (d *drainer) write(f *flight, now time.Time) bool {
	s := d.s
	err := s.w.Write(f.ev)
	if dl, ok := s.w.(dialer); ok {
		if n := dl.Dials(); n != d.dials {
			// A new connection: what went over the old one may be
			// lost with the journald it reached.
			if d.dials != 0 {
				d.epoch++
			}
			d.dials = n
		}
	}
	if err == nil {
		if d.down {
			s.log.Info("journald reachable again: sending the events that waited")
			d.down, d.wait = false, backoffMin
		}
		delete(d.tries, f.ev.EventID)
		d.sends++
		f.sent, f.sendNo, f.epoch = now, d.sends, d.epoch
		f.ok = d.trust
		return true
	}
	unreachable := errors.Is(err, journal.ErrUnreachable)
	if !unreachable && !errors.Is(err, os.ErrDeadlineExceeded) {
		// journald answers but refuses this event: a few more tries.
		d.tries[f.ev.EventID]++
		if d.tries[f.ev.EventID] >= maxTries {
			s.log.Error("journald does not take an event: given up", "event_id", f.ev.EventID, "event_type", f.ev.EventType, "err", err)
			delete(d.tries, f.ev.EventID)
			d.lost++
			f.ok = true
			return true
		}
	}
	if !d.down {
		s.log.Warn("journald not taking events: they wait in the spool", "err", err)
	}
	if unreachable {
		d.epoch++
	}
	d.down, d.retryAt = true, now.Add(d.wait)
	d.wait = min(2*d.wait, backoffMax)
	return false
}

// confirm reads back which events in flight the journal holds, and sends
// again those it lost.
func (d *drainer) confirm(ctx context.Context, now time.Time) {
	s := d.s
	d.lastConfirm = now
	need := map[string][]*flight{}
	since := now
	for _, f := range d.inFlight() {
		if !f.ok {
			need[f.ev.EventID] = append(need[f.ev.EventID], f)
			if f.sent.Before(since) {
				since = f.sent
			}
		}
	}
	if len(need) == 0 {
		return
	}
	err := s.stored(ctx, since.Add(-confirmMargin), func(id string) bool {
		for _, f := range need[id] {
			f.ok = true
			d.lastOK = now
			d.okEpoch = max(d.okEpoch, f.epoch)
			d.okSent[f.epoch] = max(d.okSent[f.epoch], f.sendNo)
		}
		delete(need, id)
		return len(need) > 0
	})
	if err != nil {
		if !d.readErr {
			s.log.Warn("read back the events sent to journald", "err", err)
			d.readErr = true
		}
		return
	}
	d.readErr = false
	if m := d.marker; m != nil && m.ok {
		d.endSettling(ctx)
	}
	for _, f := range d.inFlight() {
		if f.ok || d.down {
			continue
		}
		if d.okEpoch > f.epoch || d.okSent[f.epoch] > f.sendNo {
			d.resend(f, now)
		}
	}
	if !d.trust && !d.down && d.unseen(now) {
		s.log.Warn("events sent to journald do not show in the journal read back: trusting journald to keep them",
			"waited", trustAfter)
		d.trust = true
		for _, f := range d.inFlight() {
			f.ok = true
		}
		if d.marker != nil {
			d.endSettling(ctx)
		}
	}
}

// unseen says whether an event sent trustAfter ago or more is not in the
// journal, nor anything sent since: what is written cannot be read back.
func (d *drainer) unseen(now time.Time) bool {
	for _, f := range d.inFlight() {
		if !f.ok && now.Sub(f.sent) > trustAfter && d.lastOK.Before(f.sent) {
			return true
		}
	}
	return false
}

// inFlight is the marker, if any, and the flights.
func (d *drainer) inFlight() []*flight {
	out := make([]*flight, 0, len(d.flights)+1)
	if d.marker != nil {
		out = append(out, d.marker)
	}
	for i := range d.flights {
		out = append(out, &d.flights[i])
	}
	return out
}

// endSettling: the marker shows; the events from before that the journal
// does not hold now were never stored, and go in order from the spool's
// head.
func (d *drainer) endSettling(ctx context.Context) {
	s := d.s
	d.known[d.marker.ev.EventID] = true
	d.marker, d.settling = nil, false
	d.lookUpLeftover(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sp != nil {
		s.sp.rd = s.sp.head
	}
	s.memSent = 0
}

// resend sends f again: journald lost it.
func (d *drainer) resend(f *flight, now time.Time) {
	f.tries++
	if f.tries >= maxTries {
		d.s.log.Error("journald did not keep an event however often sent: given up", "event_id", f.ev.EventID,
			"event_type", f.ev.EventType, "sends", f.tries)
		d.lost++
		f.ok = true
		return
	}
	tries := f.tries
	if d.write(f, now) {
		f.tries = tries
	}
}

// ack takes the events known stored at the head of the flights off the
// queue.
func (d *drainer) ack(now time.Time) {
	n := 0
	for n < len(d.flights) && d.flights[n].ok {
		n++
	}
	if n == 0 {
		return
	}
	s := d.s
	s.mu.Lock()
	for _, f := range d.flights[:n] {
		if f.mem {
			s.memBytes -= eventSize(&s.mem[0].ev)
			s.mem[0] = memRec{}
			s.mem = s.mem[1:]
			s.memSent--
		} else {
			s.sp.ack(f.end)
		}
	}
	if len(s.mem) == 0 {
		s.mem = nil
	}
	// The head is saved at most every headEvery: one that is behind after
	// a crash costs only a look in the journal at start (settle).
	if s.sp != nil && now.Sub(d.headSaved) >= headEvery {
		d.headSaved = now
		if err := s.sp.saveHead(); err != nil && s.spRetry.failed == nil {
			s.spoolFailed(err, now)
		}
	}
	s.mu.Unlock()
	d.flights = append(d.flights[:0], d.flights[n:]...)
}
