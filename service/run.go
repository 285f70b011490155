package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peripety/peripety/config"
	"github.com/peripety/peripety/sysfs"
)

// run is one Run of the daemon: what it opened, and the goroutines it
// started, each part stopped in its turn.
type run struct {
	d   *Daemon
	log *slog.Logger
	cfg *config.Config
	ids *IdentityStore
	pl  *pipeline
	// corr is the pipeline's correlation stage, which outlives a run's
	// sinks: its state is saved last.
	corr *correlation
	// cp is where the source resumes; at is when the run began.
	cp     Checkpoint
	at     time.Time
	blocks []sysfs.BlockInfo
	// sinks are the runners of sinkKinds, row by row.
	sinks []*sinkRunner
	// heartbeat is when the pipeline goroutine last came round its loop
	// (UnixNano), for the watchdog.
	heartbeat atomic.Int64

	src *sourceTask
	// lost is closed when a sink's connection is lost for good (the
	// bus's): the run stops with lostErr.
	lost    <-chan struct{}
	lostErr func() error
	// The goroutines of the run, by when they stop: the sinks once their
	// queues are delivered, the checkpointer and the identity and incident
	// savers before their last save, the metrics endpoints once everything
	// is counted, the rest (keep-alive, device watch) last.
	sinkTasks, checkpoints, identities, incidents, metrics, background *group
}

// group is goroutines of the run that stop together: stop cancels their
// context and waits for them to return. Stopping twice is stopping once.
type group struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newGroup(parent context.Context) *group {
	ctx, cancel := context.WithCancel(parent)
	return &group{ctx: ctx, cancel: cancel}
}

// start runs fn in a goroutine of the group.
func (g *group) start(fn func(ctx context.Context)) {
	g.wg.Add(1)
	go func() { defer g.wg.Done(); fn(g.ctx) }()
}

func (g *group) stop() {
	g.cancel()
	g.wg.Wait()
}

// newRun reads what the run starts from: the identities recorded, the
// devices present, the rules, the saved position; and builds the
// pipeline, with a runner for each sink.
func (d *Daemon) newRun() (*run, error) {
	r := &run{d: d, log: d.log, cfg: d.Config(), at: time.Now()}
	var err error
	if r.ids, err = OpenIdentityStore(d.state); err != nil {
		d.log.Error("starting without the identities of devices seen before", "err", err)
	}
	if r.blocks, err = d.opts.Resolver.ListBlocks(); err != nil {
		d.log.Warn("list block devices", "err", err)
	}
	mono, _ := monotonic() // 0 when unreadable: first seen now
	for _, b := range r.blocks {
		r.ids.Record(b, nil, r.at, mono)
	}
	r.corr = openCorrelation(d.state, d.opts.Resolver, d.log.With("component", "correlation"))
	r.corr.learn(r.blocks, r.at)
	parser, err := d.opts.NewParser(r.cfg.Rules)
	if err != nil {
		return nil, fmt.Errorf("build rules: %w", err)
	}
	if r.cp, err = d.state.LoadCheckpoint(d.src.Key()); err != nil {
		d.log.Warn("saved position unreadable, starting from the beginning", "err", err)
		r.cp = Checkpoint{}
	}
	for _, k := range sinkKinds {
		stall := time.Duration(0)
		if k.durable {
			stall = storeStall
		}
		r.sinks = append(r.sinks, newSinkRunner(k.name, k.durable, d.opts.SinkQueueLen, stall, d.log))
	}
	r.pl = &pipeline{
		log:       d.log.With("component", "pipeline"),
		sourceKey: d.src.Key(),
		hostname:  d.hostname,
		parser:    parser,
		res: &resolution{r: d.opts.Resolver, ids: r.ids, now: time.Now, mono: func() time.Duration {
			d, _ := monotonic()
			return d
		}},
		corr:  r.corr,
		sinks: r.sinks,
	}
	if f, ok := d.src.(DaemonFollower); ok {
		r.pl.followsDaemons = f.FollowsDaemons()
	}
	if err := r.pl.resume(r.cp); err != nil {
		d.log.Warn("saved parser state unusable: a storm folding at the stop is folded afresh", "err", err)
	}
	return r, nil
}

// openSinks opens the sinks the options want, and those the config wants.
func (r *run) openSinks() error {
	for i, k := range sinkKinds {
		if k.byOptions == nil || !k.byOptions(&r.d.opts) {
			continue
		}
		s, err := k.open(r.d)
		if err != nil {
			return err
		}
		r.sinks[i].sink = s
		r.sinks[i].on.Store(true)
	}
	r.applyConfig(r.cfg)
	return nil
}

// applyConfig turns the sinks of the config on or off as cfg says,
// opening each when it is first wanted.
func (r *run) applyConfig(cfg *config.Config) {
	for i, k := range sinkKinds {
		if k.byConfig == nil {
			continue
		}
		s, want := r.sinks[i], k.byConfig(cfg)
		if want && s.sink == nil {
			sink, err := k.open(r.d)
			if err != nil {
				r.log.Error("sink unavailable, its events are not delivered", "sink", k.name, "err", err)
			} else {
				s.sink = sink
			}
		} else if rs, ok := s.sink.(reconfigurable); ok && want {
			rs.reconfigure(cfg)
		}
		s.on.Store(want && s.sink != nil)
	}
}

// closeSinks closes the sinks opened, once their queues are delivered.
func (r *run) closeSinks() {
	for _, s := range r.sinks {
		if s.sink == nil {
			continue
		}
		if err := s.sink.Close(); err != nil {
			r.log.Error("close sink", "sink", s.name, "err", err)
		}
	}
}

// start starts every part: the sinks' goroutines, the checkpointer, the
// identity saver, the keep-alive, the device watch and the identity store's
// follower of its changes, and the source.
func (r *run) start(ctx context.Context) {
	// The sinks outlive ctx: a clean stop delivers their queues.
	r.sinkTasks = newGroup(context.WithoutCancel(ctx))
	for _, s := range r.sinks {
		r.sinkTasks.start(s.run)
	}
	r.checkpoints = newGroup(ctx)
	r.checkpoints.start(func(ctx context.Context) { r.pl.runCheckpoints(ctx, r.d.state, checkpointInterval) })
	// Identities are saved beside the pipeline, whose events must not
	// wait for an fsync.
	r.identities = newGroup(ctx)
	r.identities.start(func(ctx context.Context) { r.ids.saveEvery(ctx, housekeeping, r.log) })
	r.incidents = newGroup(ctx)
	r.incidents.start(func(ctx context.Context) { r.corr.saveEvery(ctx, incidentsSave) })
	r.heartbeat.Store(time.Now().UnixNano())
	r.background = newGroup(ctx)
	r.background.start(r.keepAlive)
	if c, ok := r.d.opts.Resolver.(DeviceChangeTeller); ok {
		r.background.start(func(ctx context.Context) { r.ids.follow(ctx, r.d.opts.Resolver, c.DeviceChanges()) })
	}
	if w, ok := r.d.opts.Resolver.(interface{ Watch(context.Context) error }); ok {
		// Device changes stale the resolver's cache as they happen.
		r.background.start(func(ctx context.Context) {
			if err := w.Watch(ctx); err != nil {
				r.log.Warn("watch block devices; resolving without a cache", "err", err)
			}
		})
	}
	r.src = startSource(ctx, r.d.src, r.cp.Pos)
	r.startMetrics(ctx)
}

// begin delivers the daemon's start event, and the devices present when
// dump_blk_info_at_start is set. The events stored from records read again
// are read back when the first record comes (readBackSince).
func (r *run) begin() {
	started := startedEvent(r.d.src.Name(), r.cp.Pos, r.at)
	started.Hostname = r.pl.hostname
	r.pl.readBack = func(first time.Time) {
		// Not the run's context: on a clean stop the records read are
		// still handled.
		stored, err := r.storedSince(context.Background(), r.readBackSince(first))
		if err != nil {
			r.log.Warn("read back events stored before the restart; some may be stored twice", "err", err)
		}
		r.pl.stored = stored
	}
	r.pl.deliver(started)
	if r.cfg.Main.DumpBlkInfoAtStart {
		for _, b := range r.blocks {
			r.pl.emit(blkInfoEvent(b, r.at))
		}
	}
}

// readBackSince is the store time from which events of records read again
// may be stored: the events of records after the checkpoint were sent
// after the record at it was handled (Checkpoint.Handled). A checkpoint
// saved before it was recorded gives its record time; with none, the first
// record's (first) bounds it: a record's events are stored after it was
// logged.
func (r *run) readBackSince(first time.Time) time.Time {
	switch {
	case r.cp.Pos == "":
		return first
	case !r.cp.Handled.IsZero():
		return r.cp.Handled.Add(-readBackMargin)
	}
	return r.cp.Time
}

// stop stops the run cleanly after its loop ended with runErr: the source
// first, then whatever it had read, then the parser's open groups, then the
// sinks' queues, then the position and the identities. It returns runErr,
// or else the source's error.
func (r *run) stop(runErr error) error {
	r.d.notify("STOPPING=1")
	if err := r.src.stop(r.pl.handle); runErr == nil && err != nil && !errors.Is(err, context.Canceled) {
		runErr = fmt.Errorf("source %s: %w", r.d.src.Name(), err)
	}
	r.pl.closeParser()
	r.drainSinks()
	r.checkpoints.stop()
	if err := r.pl.finalCheckpoint(r.d.state); err != nil {
		r.log.Error("save position", "err", err)
	}
	r.identities.stop()
	if err := r.ids.Save(); err != nil {
		r.log.Error("save identities", "err", err)
	}
	r.incidents.stop()
	if err := r.corr.save(); err != nil {
		r.log.Error("save incidents", "err", err)
	}
	r.metrics.stop()
	r.log.Info("stopped", "events", r.pl.emitted.Load())
	return runErr
}

// drainSinks closes the sinks' queues and waits for them to be delivered,
// for at most stopTimeout; then it stops the sinks that are stuck.
func (r *run) drainSinks() {
	for _, s := range r.sinks {
		s.closeQueue()
	}
	drained := make(chan struct{})
	go func() { r.sinkTasks.wg.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(stopTimeout):
		r.log.Error("sinks did not drain in time, stopping them", "timeout", stopTimeout)
		r.sinkTasks.stop()
	}
}

// sourceTask runs the source in a goroutine of its own, ahead of the
// pipeline by at most sourceQueueLen items.
type sourceTask struct {
	items  chan Item
	opened chan struct{}
	err    chan error
	cancel context.CancelFunc
}

func startSource(ctx context.Context, src Source, pos string) *sourceTask {
	ctx, cancel := context.WithCancel(ctx)
	t := &sourceTask{items: make(chan Item, sourceQueueLen), opened: make(chan struct{}), err: make(chan error, 1), cancel: cancel}
	go func() {
		defer close(t.items)
		t.err <- src.Run(ctx, pos, func() { close(t.opened) }, func(it Item) error {
			select {
			case t.items <- it:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	return t
}

// stop stops the source, hands what it had read to handle, and returns the
// source's error.
func (t *sourceTask) stop(handle func(Item)) error {
	t.cancel()
	for it := range t.items {
		handle(it)
	}
	return <-t.err
}

// loop is the pipeline goroutine: items from the source, the parser's
// deadlines, held events, reloads, housekeeping, until ctx ends or
// the source stops.
func (r *run) loop(ctx context.Context) error {
	flushes, retries := newAlarm(), newAlarm()
	defer flushes.stop()
	defer retries.stop()
	tick := time.NewTicker(housekeeping)
	defer tick.Stop()
	opened := r.src.opened
	for {
		deadline, at, due := r.pl.flushDue()
		flushC := flushes.at(at, due)
		retryAt, retryDue := r.pl.waits.due()
		retryC := retries.at(retryAt, retryDue)
		select {
		case <-ctx.Done():
			return nil
		case <-opened:
			opened = nil
			if err := r.ready(ctx); err != nil {
				return err
			}
		case <-r.lost:
			err := r.lostErr()
			r.log.Error("stopping: a restart connects again", "err", err)
			return err
		case it, ok := <-r.src.items:
			if !ok {
				return nil // the source stopped; stop reports its error
			}
			r.pl.handle(it)
		case <-flushC:
			flushes.fired()
			if len(r.src.items) > 0 {
				// Records are waiting: they move record time on
				// themselves, and a window closes where they put it.
				continue
			}
			r.pl.flush(deadline)
		case <-retryC:
			retries.fired()
			r.pl.retry(false)
		case <-r.pl.waits.mountNotice:
			r.pl.noticed(waitMount)
		case <-r.pl.waits.deviceNotice:
			r.pl.noticed(waitDevice)
		case done := <-r.d.reloads:
			done <- r.reload()
		case <-tick.C:
			r.heartbeat.Store(time.Now().UnixNano())
			r.corr.tick(r.pl.logClock(time.Now()))
			for _, s := range r.sinks {
				s.flushShed()
			}
		}
	}
}

// alarm is a timer the loop sets to a wall-clock time, resetting it only
// when that time changes.
type alarm struct {
	t     *time.Timer
	armed time.Time
}

func newAlarm() *alarm { return &alarm{t: time.NewTimer(time.Hour)} }

// at returns the channel that fires at t, or nil when nothing is due.
func (a *alarm) at(t time.Time, due bool) <-chan time.Time {
	if !due {
		return nil
	}
	if !t.Equal(a.armed) {
		a.t.Reset(time.Until(t))
		a.armed = t
	}
	return a.t.C
}

// fired notes that the channel fired: the next at sets it again.
func (a *alarm) fired() { a.armed = time.Time{} }

func (a *alarm) stop() { a.t.Stop() }

// ready readies the sinks that have work to do before the daemon is ready
// (the bus name), then tells the service manager.
func (r *run) ready(ctx context.Context) error {
	for _, s := range r.sinks {
		if rs, ok := s.sink.(readySink); ok {
			if err := rs.Ready(ctx); err != nil {
				return fmt.Errorf("sink %s: %w", s.name, err)
			}
		}
		if ls, ok := s.sink.(losingSink); ok {
			r.lost, r.lostErr = ls.Lost(), ls.LostErr
		}
	}
	r.d.notify("READY=1")
	r.d.notify("STATUS=reading " + r.d.src.Name())
	r.log.Info("ready", "source", r.d.src.Name())
	return nil
}

// reload applies a new config to the running pipeline.
func (r *run) reload() error {
	d := r.d
	cfg, err := loadConfig(d.opts.ConfigPath)
	if err != nil {
		r.log.Error("reload: keeping the config in force", "err", err)
		return err
	}
	parser, err := d.opts.NewParser(cfg.Rules)
	if err != nil {
		r.log.Error("reload: keeping the config in force", "err", err)
		return fmt.Errorf("build rules: %w", err)
	}
	r.pl.swapParser(parser)
	d.mu.Lock()
	if metricsConfigChanged(d.cfg, cfg) {
		r.log.Warn("reload: [metrics] changes apply at the next start (systemctl restart peripetyd)")
	}
	d.cfg = cfg
	d.mu.Unlock()
	r.applyConfig(cfg)
	r.log.Info("reloaded", "config", configName(d.opts.ConfigPath), "rules", len(cfg.Rules))
	return nil
}
