package service

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/gob"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
)

// Parser is the rule engine as the pipeline drives it (*parsers.Parser):
// records in, events out through emit, open groups closed by Flush once
// their deadline passes.
type Parser interface {
	Push(rec parsers.Record, emit func(event.Event))
	Flush(now time.Time, emit func(event.Event))
	// NextDeadline is the record time at which Flush has work; ok is
	// false when no group is open.
	NextDeadline() (deadline time.Time, ok bool)
	Close(emit func(event.Event))
}

// idNamespace makes event ids reproducible: the id is derived from the
// event's source, time, type, device and first line, so that an event
// rebuilt from records read again after a crash has the id it was stored
// with, and is recognised and not stored twice.
var idNamespace = uuid.MustParse("6c0d3c0e-9a55-4a3e-8f47-2b8f6d1c7a11")

// A storm summary's text counts what it folded: its id comes from its
// first record (time, type, device, line) and the storm mark instead, so a
// summary rebuilt after a restart has the id it was stored with whatever
// it counts (parsers.IsStormSummary).
func eventID(sourceKey string, ev *event.Event) string {
	text := ev.Msg
	if parsers.IsStormSummary(ev) {
		text = "\x00storm"
	}
	// uuid.NewSHA1(idNamespace, key), without its allocations (a hash,
	// the key, the sum) at every event.
	var buf [512]byte
	b := append(buf[:0], idNamespace[:]...)
	b = append(append(b, sourceKey...), 0)
	b = append(strconv.AppendInt(b, ev.Timestamp.UnixMicro(), 10), 0)
	for _, f := range []string{ev.EventType, ev.SubSystem, ev.Kdev, ev.RawMsg} {
		b = append(append(b, f...), 0)
	}
	sum := sha1.Sum(append(b, text...))
	var id uuid.UUID
	copy(id[:], sum[:])
	id[6] = id[6]&0x0f | 0x50 // version 5: SHA-1
	id[8] = id[8]&0x3f | 0x80 // the RFC 4122 variant
	return id.String()
}

// offeredCheckpoint is a checkpoint waiting for the durable sinks to
// deliver every event up to seq; state is the parser's at it.
type offeredCheckpoint struct {
	cp    Checkpoint
	seq   uint64
	state *parsers.State
}

// resumable is a Parser whose state across records can be saved with a
// checkpoint and resumed after a restart (*parsers.Parser: storm folding).
type resumable interface {
	Parser
	Snapshot() (parsers.State, bool)
	Storming() bool
	FoldDue() (time.Time, bool)
	Resume(parsers.State)
}

// stateEvery is the least time between two states taken for checkpoints
// while a storm folds.
const stateEvery = 20 * time.Millisecond

// foldGrace is how much later than its window's end, in wall-clock time, a
// storm summary is flushed when no record comes: the records of its window
// that a lagging source brings late still fold into it.
const foldGrace = time.Second

// resumeGrace is how long a source has, after a restart, to bring the
// records after the checkpoint before the parser's windows count
// wall-clock time.
const resumeGrace = 2 * time.Second

// pipeline is the part of the daemon between the source and the sinks:
// parser, resolution, ids and seq numbers, fan-out. Its methods run on
// the pipeline goroutine only, except where noted.
type pipeline struct {
	log       *slog.Logger
	sourceKey string
	hostname  string
	parser    Parser
	res       *resolution
	corr      *correlation
	sinks     []*sinkRunner

	// stored holds ids of events already in the store from before a
	// restart, for the records read again: they are not delivered twice.
	stored map[string]int
	// readBack, when set, fills stored; it is called once, with the time
	// of the first record (readBackOnce).
	readBack func(first time.Time)
	// resumed: the parser resumed a state saved with the checkpoint, and
	// may emit before the first record.
	resumed bool

	// emitted is the seq of the last event delivered: seqs are gap-free
	// from 1 within one run.
	emitted atomic.Uint64
	// read counts the source's items handled (the metrics).
	read atomic.Uint64

	// lastPos and lastTime are the position and record time of the last
	// item handled, lastWall the wall-clock time it was handled.
	lastPos  string
	lastTime time.Time
	lastWall time.Time

	// waits holds the events waiting for a mount to show or a device to
	// appear, or for the daemon's line that caused them, and those behind
	// them (wait.go).
	waits waits
	// followsDaemons: the source reads the storage daemons' lines beside
	// the kernel's (the journal source), so a kernel event a daemon's
	// action causes waits for the daemon's line (causeLane).
	followsDaemons bool

	cpMu   sync.Mutex
	latest *offeredCheckpoint
	// stateAt is when the parser's state was last taken.
	stateAt time.Time
}

// DaemonFollower is a Source that reads the storage daemons' lines beside
// the kernel's as they are logged (*JournalSource): the pipeline then
// holds a kernel event a daemon's action may have caused for the daemon's
// line (causeLane).
type DaemonFollower interface {
	FollowsDaemons() bool
}

// handle takes one source item through the pipeline.
func (p *pipeline) handle(it Item) {
	p.read.Add(1)
	t := it.Record.Time
	if it.Own != nil {
		t = it.Own.Timestamp
	}
	p.readBackOnce(t)
	if it.Own != nil {
		p.emit(*it.Own)
	} else {
		p.parser.Push(it.Record, p.emit)
	}
	p.lastPos = it.Pos
	p.lastWall = time.Now()
	if it.Own == nil {
		p.lastTime = parsers.RecordClock(it.Record)
	} else {
		p.lastTime = it.Own.Timestamp
	}
	p.offerCheckpoint()
}

// readBackOnce reads back what the store holds before the first event of
// the run that may have been stored before: that of the first record, or
// of the parser's state resumed from the checkpoint (first is then the
// checkpoint's record time).
func (p *pipeline) readBackOnce(first time.Time) {
	if p.readBack != nil {
		p.readBack(first)
		p.readBack = nil
	}
}

// flushDue says when the parser next has work: deadline is in record time,
// at is the wall-clock time it falls due. The parser's clock is record time
// (a replayed log runs in the past), so its deadline is reached when as
// much wall-clock time has passed since the last record as record time
// separates the deadline from that record.
//
// A storm summary is due foldGrace later in wall-clock time: its window
// holds what its records' times put in it, and records of the window that
// come late (a source that lags) must still be in it, or a restart that
// reads them again would fold them otherwise.
func (p *pipeline) flushDue() (deadline, at time.Time, ok bool) {
	deadline, ok = p.parser.NextDeadline()
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	at = p.lastWall.Add(deadline.Sub(p.lastTime))
	if rp, isR := p.parser.(resumable); isR {
		if due, fold := rp.FoldDue(); fold && !due.After(deadline) {
			at = at.Add(foldGrace)
		}
	}
	return deadline, at, true
}

// flush closes the parser's groups whose deadline (record time) passed.
func (p *pipeline) flush(deadline time.Time) {
	if p.resumed {
		p.readBackOnce(p.lastTime)
	}
	p.parser.Flush(deadline, p.emit)
	p.offerCheckpoint()
}

// closeParser emits every open group: after it, every record handled is
// covered by emitted events.
func (p *pipeline) closeParser() {
	if p.resumed {
		p.readBackOnce(p.lastTime)
	}
	p.parser.Close(p.emit)
	p.retry(true)
}

// swapParser closes the current parser and continues with next (reload).
func (p *pipeline) swapParser(next Parser) {
	p.closeParser()
	p.parser = next
}

// offerCheckpoint makes the position of the last item a checkpoint once
// the parser holds no open group: every record up to it then has its events
// emitted, and once the durable sinks delivered them the position may be
// saved. While a group is open the checkpoint stays at the position before
// its first record, so a crash re-reads the whole group.
//
// A parser that folds a storm (resumable) has its state saved with the
// checkpoint instead, so that a storm does not hold the position back; the
// state is taken at most every stateEvery.
func (p *pipeline) offerCheckpoint() {
	if p.lastPos == "" || len(p.waits.held) > 0 || len(p.waits.lane.held) > 0 {
		return
	}
	var state *parsers.State
	if rp, ok := p.parser.(resumable); ok && rp.Storming() {
		now := time.Now()
		if now.Sub(p.stateAt) < stateEvery {
			return
		}
		st, ok := rp.Snapshot()
		if !ok {
			return
		}
		state, p.stateAt = &st, now
	} else if _, open := p.parser.NextDeadline(); open {
		return
	}
	p.cpMu.Lock()
	p.latest = &offeredCheckpoint{cp: Checkpoint{Pos: p.lastPos, Time: p.lastTime, Handled: p.lastWall}, seq: p.emitted.Load(), state: state}
	p.cpMu.Unlock()
}

// resume gives the parser the state saved with cp, if any.
func (p *pipeline) resume(cp Checkpoint) error {
	rp, ok := p.parser.(resumable)
	if !ok || len(cp.Parser) == 0 {
		return nil
	}
	var st parsers.State
	if err := gob.NewDecoder(bytes.NewReader(cp.Parser)).Decode(&st); err != nil {
		return fmt.Errorf("decode the parser state saved with the position: %w", err)
	}
	rp.Resume(st)
	// The parser's deadlines run on record time from the checkpoint's
	// record on, as if it had been read resumeGrace from now: the source
	// has that long to bring the records after it before a storm being
	// folded is taken as over. What the parser emits before the first
	// record comes may have been stored before.
	p.lastTime, p.lastWall = cp.Time, time.Now().Add(resumeGrace)
	p.resumed = true
	return nil
}

// latestCheckpoint is called from the checkpointer goroutine.
func (p *pipeline) latestCheckpoint() *offeredCheckpoint {
	p.cpMu.Lock()
	defer p.cpMu.Unlock()
	return p.latest
}

// emit finishes an event from the parser (or the source) and hands it to
// the sinks.
func (p *pipeline) emit(ev event.Event) {
	ev.Kdev = deviceName(ev.Kdev)
	if ev.Hostname == "" {
		ev.Hostname = p.hostname
	}
	if ev.Count == 0 {
		ev.Count = 1
	}
	old := ev.EventID
	ev.EventID = eventID(p.sourceKey, &ev)
	if ev.RootCauseEventID == old {
		ev.RootCauseEventID = ev.EventID
	}
	if p.stored[ev.EventID] > 0 {
		p.stored[ev.EventID]--
		p.log.Debug("event already stored before restart", "event_id", ev.EventID, "event_type", ev.EventType)
		return
	}
	now := p.res.now()
	if p.waits.lane.enter(ev, now, p.res.live(&ev), p.followsDaemons) {
		p.releaseLane(now, false)
		return
	}
	p.enter(ev, now)
}

// enter holds ev behind the held events of its device, or places it.
func (p *pipeline) enter(ev event.Event, now time.Time) {
	if p.waits.holds(ev.Kdev) {
		p.waits.behind(ev, now)
		p.retry(false)
		return
	}
	p.place(ev, now, false)
}

// releaseLane lets the events out of the cause lane that wait no longer
// (every one with force).
func (p *pipeline) releaseLane(now time.Time, force bool) {
	for _, ev := range p.waits.lane.release(now, force) {
		p.enter(ev, now)
	}
}

// deviceName is kdev without the NUL and other control bytes a garbled
// line can put in it: no kernel device name has them, and they would end
// up in journal fields and on terminals.
func deviceName(kdev string) string {
	if strings.IndexFunc(kdev, func(r rune) bool { return r < 0x20 || r == 0x7f }) < 0 {
		return kdev
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, kdev)
}

// place is the one way an event goes from emission to the sinks: it looks
// ev's device up, resolves ev, links it to its root cause and incident
// and delivers it; unless ev is a live event that waits (wait.go: its
// mount does not show yet, its device is not there yet) and its wait,
// begun at since, is not over: then it is held, to be placed again
// (retry). A zero since waits for nothing. appeared says that ev waited
// for its device to appear (or was held behind one of its device that
// did): the device found now is the one its line named before it existed.
func (p *pipeline) place(ev event.Event, since time.Time, appeared bool) {
	now := p.res.now()
	waitM := !since.IsZero() && mountEvents[ev.EventType] && now.Before(since.Add(mountWaitFor(&ev)))
	waitP := !since.IsZero() && mountEvents[ev.EventType] && now.Before(since.Add(waitProbe.wait()))
	waitD := !since.IsZero() && now.Before(since.Add(waitDevice.wait()))
	// The notices are taken before the lookup, so no change is missed.
	var mNotice, dNotice <-chan struct{}
	if waitM {
		mNotice = p.res.notice(waitMount)
	}
	if waitD || waitP {
		dNotice = p.res.notice(waitDevice)
	}
	l := p.res.lookUp(&ev)
	l.appeared = appeared
	switch {
	case waitM && p.res.awaitsMount(&ev, l):
		p.waits.await(ev, waitMount, now, since, mNotice)
		return
	case waitP && p.res.awaitsProbe(&ev, l):
		p.waits.await(ev, waitProbe, now, since, dNotice)
		return
	case waitD && p.res.awaitsDevice(&ev, l):
		p.waits.await(ev, waitDevice, now, since, dNotice)
		return
	}
	info := p.res.resolve(&ev, l)
	p.corr.link(&ev, info)
	p.deliver(ev)
}

// logClock is the time of the log as the pipeline reckons it at now: the
// last record's time, and as much wall-clock time since it was handled
// (a replayed log runs in the past).
func (p *pipeline) logClock(now time.Time) time.Time {
	if p.lastTime.IsZero() {
		return now
	}
	return p.lastTime.Add(now.Sub(p.lastWall))
}

// noticed places every event waiting for k again now: what it waits for
// changed.
func (p *pipeline) noticed(k waitKind) {
	p.waits.changed(k, p.res.now())
	p.retry(false)
}

// retry places again the held events that are due, each delivered once
// what it waits for shows or its wait is over or ended, then the events
// held behind it; the events of the cause lane that wait no longer come
// first. With force (a stop, a reload) it delivers every held event now,
// as resolved now.
func (p *pipeline) retry(force bool) {
	now := p.res.now()
	p.releaseLane(now, force)
	for _, h := range p.waits.take() {
		switch {
		case h.kind == waitNone && p.waits.holds(h.ev.Kdev):
			p.waits.keep(h) // still behind one of its device
		case h.kind != waitNone && !force && !h.ended && now.Before(h.retryAt):
			p.waits.keep(h)
		case force || h.ended:
			p.place(h.ev, time.Time{}, h.device)
		case h.kind != waitNone || !h.since.IsZero():
			p.place(h.ev, h.since, h.device)
		default:
			p.place(h.ev, now, h.device)
		}
	}
	p.waits.settle()
	p.offerCheckpoint()
}

// deliver numbers ev and offers it to every enabled sink.
func (p *pipeline) deliver(ev event.Event) {
	ev.Seq = p.emitted.Load() + 1
	for _, s := range p.sinks {
		if s.on.Load() {
			s.offer(ev)
		}
	}
	p.emitted.Store(ev.Seq)
}

// delivered returns the seq up to which every durable sink that is on is
// done.
func (p *pipeline) delivered() uint64 {
	upTo := p.emitted.Load()
	for _, s := range p.sinks {
		if s.durable && s.on.Load() {
			upTo = min(upTo, s.done.Load())
		}
	}
	return upTo
}

// runCheckpoints saves the newest checkpoint whose events are delivered,
// at most every interval, until ctx ends. A target is taken and saved once
// the sinks reach it, so a steady stream still advances the position. A
// state directory that cannot be written (read-only, full) is tried again
// with backoff, and said once in the log, not at every interval.
func (p *pipeline) runCheckpoints(ctx context.Context, st *StateDir, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var target, saved *offeredCheckpoint
	var r retry
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if target == nil {
			if l := p.latestCheckpoint(); l != saved {
				target = l
			}
		}
		now := time.Now()
		if target == nil || p.delivered() < target.seq || p.holding() || !r.due(now) {
			continue
		}
		if err := p.save(st, target); err != nil {
			if r.fail(err, now) {
				p.log.Error("cannot save the position: retrying, a restart meanwhile reads records again", "err", err)
			}
			continue
		}
		if ended := r.succeed(); ended != nil {
			p.log.Info("position saved again", "failed", ended)
		}
		saved, target = target, nil
	}
}

// holding says whether a durable sink holds events that a crash now would
// lose (the journald sink's, kept in memory while the state directory
// fails): no position may be saved then.
func (p *pipeline) holding() bool {
	for _, s := range p.sinks {
		if h, ok := s.sink.(interface{ Holding() bool }); ok && s.durable && s.on.Load() && h.Holding() {
			return true
		}
	}
	return false
}

// save makes the durable sinks' copies durable, then saves the checkpoint
// with the parser's state.
func (p *pipeline) save(st *StateDir, oc *offeredCheckpoint) error {
	cp := oc.cp
	if oc.state != nil {
		var b bytes.Buffer
		if err := gob.NewEncoder(&b).Encode(oc.state); err != nil {
			return fmt.Errorf("encode the parser state: %w", err)
		}
		cp.Parser = b.Bytes()
	}
	for _, s := range p.sinks {
		if sy, ok := s.sink.(interface{ Sync() error }); ok && s.durable && s.on.Load() {
			if err := sy.Sync(); err != nil {
				return err
			}
		}
	}
	return st.SaveCheckpoint(p.sourceKey, cp)
}

// finalCheckpoint saves the last position once the parser is closed and
// the sinks drained.
func (p *pipeline) finalCheckpoint(st *StateDir) error {
	l := p.latestCheckpoint()
	if l == nil {
		return nil
	}
	if d := p.delivered(); d < l.seq {
		return fmt.Errorf("save final checkpoint: sinks delivered up to seq %d of %d", d, l.seq)
	}
	if p.holding() {
		return fmt.Errorf("save final checkpoint: events held in memory are not stored yet")
	}
	return p.save(st, l)
}
