package service

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/peripety/peripety/config"
	"github.com/peripety/peripety/event"
)

// Sink is where the pipeline delivers events: the journald store, stdout,
// the D-Bus signal. Emit is called from one goroutine, in seq order.
type Sink interface {
	// Name names the sink in logs and in shed events.
	Name() string
	// Emit delivers one event. An error is logged and the event counted as
	// lost to this sink; it does not stop the pipeline.
	Emit(ctx context.Context, ev event.Event) error
	// Close releases what the sink holds. The daemon calls it once, when
	// Run ends and the sink's queue is delivered.
	Close() error
}

// batchSink is a Sink that takes the events queued for it together (the
// journald sink: one write to its spool for them). EmitBatch delivers evs
// in order, as Emit would each; an error counts them all as lost to it.
type batchSink interface {
	Sink
	EmitBatch(ctx context.Context, evs []event.Event) error
}

// maxBatch bounds the events a batchSink takes at once.
const maxBatch = 64

// readySink is a Sink with work to do once the source is open and before
// the daemon tells the service manager it is ready: the D-Bus sink owns its
// bus name there. Ready returns once that is done; what it starts runs
// until Close.
type readySink interface {
	Sink
	Ready(ctx context.Context) error
}

// losingSink is a Sink whose connection can be lost for good once it is
// ready (the D-Bus sink's): the daemon then stops with LostErr, and its
// service manager restarts it.
type losingSink interface {
	Sink
	Lost() <-chan struct{}
	LostErr() error
}

// reconfigurable is a Sink that takes a new config on reload (the hooks).
type reconfigurable interface {
	Sink
	reconfigure(cfg *config.Config)
}

// sinkKind is one row of sinkKinds.
type sinkKind struct {
	name string
	// durable sinks keep a copy of the events: a checkpoint waits for
	// them, and the pipeline waits storeStall for room in their queue
	// before it sheds.
	durable bool
	// store marks the event store: the sink whose events Query and the
	// read-back after a restart read (Options.StoredEvents).
	store bool
	// byOptions, when set, says whether the daemon's options want the
	// sink. Such a sink is opened as Run starts, and an error opening it
	// ends Run.
	byOptions func(o *Options) bool
	// byConfig, when set, says whether the config wants the sink. Such a
	// sink is opened when the config first wants it; an error opening it
	// is logged and leaves it off until a reload tries again (a host
	// without journald still gets its events on stdout and the bus).
	byConfig func(c *config.Config) bool
	// open opens the sink.
	open func(d *Daemon) (Sink, error)
}

// sinkKinds are the sinks the pipeline delivers to, in this order, with
// what enables each. A new sink is a file with its type and a row here.
var sinkKinds = []sinkKind{
	{name: "journald", durable: true, store: true, open: openJournalSink,
		byConfig: func(c *config.Config) bool { return c.Main.SaveToJournald }},
	{name: "stdout", durable: true, open: openStdoutSink,
		byConfig: func(c *config.Config) bool { return c.Main.NotifyStdout }},
	{name: "dbus", open: openBusSink,
		byOptions: func(o *Options) bool { return o.Bus.Kind != "" && o.Bus.Kind != "none" }},
	// Counting is cheap, and the counts are there for whichever endpoint
	// [metrics] opens at start (metrics.go).
	{name: "metrics", open: openMetricsSink,
		byOptions: func(*Options) bool { return true }},
	{name: "hooks", open: openHookSink,
		byConfig: func(c *config.Config) bool { return c.Hooks.Directory != "" || len(c.Hook) > 0 }},
}

// EventShed is the type of the event that stands for events a slow sink
// had to shed.
const EventShed = "PERIPETY_EVENTS_SHED"

// queued is one entry of a sink's queue: the event, and the seq up to which
// the sink is done once it is delivered (a shed summary covers a range).
type queued struct {
	ev   event.Event
	upTo uint64
}

// sinkRunner owns one sink: a bounded queue, the goroutine that drains it,
// and the tally of what had to be shed while the queue was full.
type sinkRunner struct {
	name string
	// sink is nil until the sink is opened; it is set before on.
	sink Sink
	log  *slog.Logger
	// durable sinks hold the stored copy: a checkpoint waits for them.
	durable bool
	// stall is how long offer may wait for room before shedding; it does
	// not wait again until the queue drained what it shed.
	stall time.Duration
	// on is whether the config wants the sink (notify_stdout,
	// save_to_journald); the pipeline offers events only to sinks that
	// are on.
	on atomic.Bool

	q    chan queued
	done atomic.Uint64 // the seq up to which every event is delivered or shed
	// failed counts the events Emit returned an error for, shedCount those
	// shed (the metrics).
	failed, shedCount atomic.Uint64

	// shed is used by the offering goroutine only.
	shed shedTally
}

func newSinkRunner(name string, durable bool, queueLen int, stall time.Duration, log *slog.Logger) *sinkRunner {
	return &sinkRunner{name: name, durable: durable, stall: stall, q: make(chan queued, queueLen),
		log: log.With("sink", name)}
}

// offer queues ev, or sheds it when the queue stays full. Events shed are
// folded into one PERIPETY_EVENTS_SHED event queued as soon as there is
// room, ahead of the events after them.
func (r *sinkRunner) offer(ev event.Event) {
	if !r.flushShed() {
		r.addShed(ev)
		return
	}
	select {
	case r.q <- queued{ev: ev, upTo: ev.Seq}:
		return
	default:
	}
	if r.stall > 0 {
		t := time.NewTimer(r.stall)
		select {
		case r.q <- queued{ev: ev, upTo: ev.Seq}:
			t.Stop()
			return
		case <-t.C:
		}
	}
	r.log.Warn("sink queue full, shedding events", "queue", cap(r.q))
	r.addShed(ev)
}

// addShed tallies ev as shed.
func (r *sinkRunner) addShed(ev event.Event) {
	r.shed.add(ev)
	r.shedCount.Add(1)
}

// flushShed queues the summary of what was shed, if any, when there is
// room; it reports whether nothing shed is left waiting.
func (r *sinkRunner) flushShed() bool {
	if r.shed.events == 0 {
		return true
	}
	select {
	case r.q <- queued{ev: r.shed.event(r.name), upTo: r.shed.lastSeq}:
		r.shed = shedTally{}
		return true
	default:
		return false
	}
}

// closeQueue delivers a pending shed summary, waiting for room, and closes
// the queue; run returns once it has drained it.
func (r *sinkRunner) closeQueue() {
	if r.shed.events > 0 {
		r.q <- queued{ev: r.shed.event(r.name), upTo: r.shed.lastSeq}
		r.shed = shedTally{}
	}
	close(r.q)
}

// run delivers the queue until it is closed and drained. ctx only bounds
// each delivery: a clean stop drains the queue. A batchSink is given what
// the queue holds, up to maxBatch, at once.
func (r *sinkRunner) run(ctx context.Context) {
	var batch []event.Event
	for q := range r.q {
		bs, ok := r.sink.(batchSink)
		if !ok {
			if err := r.sink.Emit(ctx, q.ev); err != nil {
				r.failed.Add(1)
				r.log.Error("deliver event", "event_id", q.ev.EventID, "event_type", q.ev.EventType, "err", err)
			}
			r.done.Store(q.upTo)
			continue
		}
		batch = append(batch[:0], q.ev)
		upTo := r.takeMore(&batch, q.upTo)
		if err := bs.EmitBatch(ctx, batch); err != nil {
			r.failed.Add(uint64(len(batch)))
			r.log.Error("deliver events", "events", len(batch), "first_event_id", batch[0].EventID, "err", err)
		}
		clear(batch) // the events' strings and maps are the sink's now
		r.done.Store(upTo)
	}
}

// takeMore adds to batch what the queue holds, without waiting, up to
// maxBatch events; it returns the seq up to which they go, upTo when none
// is added.
func (r *sinkRunner) takeMore(batch *[]event.Event, upTo uint64) uint64 {
	for len(*batch) < maxBatch {
		select {
		case q, ok := <-r.q:
			if !ok {
				return upTo
			}
			*batch = append(*batch, q.ev)
			upTo = q.upTo
		default:
			return upTo
		}
	}
	return upTo
}

// shedTally counts the events shed since the queue last had room.
type shedTally struct {
	events, lines     uint64
	firstSeq, lastSeq uint64
	types             map[string]uint64
	first, last       time.Time
}

func (t *shedTally) add(ev event.Event) {
	if t.events == 0 {
		t.firstSeq, t.first = ev.Seq, ev.Timestamp
		t.types = map[string]uint64{}
	}
	t.events++
	t.lines += uint64(max(ev.Count, 1))
	t.lastSeq, t.last = max(t.lastSeq, ev.Seq), ev.Timestamp
	t.types[ev.EventType]++
}

// event is the PERIPETY_EVENTS_SHED event standing for the tally. Its seq
// is 0: it is not one of the pipeline's numbered events, it says which of
// them (first_seq to last_seq) this sink did not get.
func (t *shedTally) event(sink string) event.Event {
	types := slices.Sorted(maps.Keys(t.types))
	parts := make([]string, len(types))
	for i, ty := range types {
		parts[i] = ty + "=" + strconv.FormatUint(t.types[ty], 10)
	}
	id := uuid.NewString()
	ev := event.Event{
		EventID:          id,
		RootCauseEventID: id,
		EventType:        EventShed,
		Severity:         event.Warning,
		SubSystem:        event.SubPeripety,
		Timestamp:        t.last,
		Msg: fmt.Sprintf("sink %s was too slow: %d events (%d kernel lines, seq %d to %d) were shed: %s",
			sink, t.events, t.lines, t.firstSeq, t.lastSeq, strings.Join(parts, ", ")),
		Count: uint32(min(t.events, 1<<32-1)),
	}
	ev.SetExt("sink", sink)
	ev.SetExt("lines", strconv.FormatUint(t.lines, 10))
	ev.SetExt("first_seq", strconv.FormatUint(t.firstSeq, 10))
	ev.SetExt("last_seq", strconv.FormatUint(t.lastSeq, 10))
	ev.SetExt("event_types", strings.Join(parts, ","))
	return ev
}
