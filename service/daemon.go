// Package service is the Peripety daemon: it follows the kernel log (from
// journald, /dev/kmsg or a file), turns storage lines into events with the
// rule engine, gives each event the identity of its device, and delivers
// the events to the journald store, stdout and the D-Bus signal, keeping
// its position in a state directory so that a restart loses nothing and
// stores nothing twice.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peripety/peripety/config"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/service/journal"
	"github.com/peripety/peripety/service/sdjournal"
	"github.com/peripety/peripety/sysfs"
)

// Defaults of the daemon's options (docs/design.md, "Daemon peripetyd").
const (
	DefaultConfigPath = "/etc/peripetyd.conf"
	DefaultStateDir   = "/var/lib/peripety"
)

// Tunables of the pipeline.
const (
	// sourceQueueLen bounds the records read ahead of the pipeline.
	sourceQueueLen = 512
	// defaultSinkQueueLen bounds the events waiting for one sink.
	defaultSinkQueueLen = 4096
	// storeStall is how long the pipeline waits for a full queue of a sink
	// that keeps the stored copy (journald, stdout) before it sheds.
	storeStall = time.Second
	// checkpointInterval is how often the position may be saved.
	checkpointInterval = 50 * time.Millisecond
	// housekeeping is how often identities are saved and the watchdog's
	// heartbeat is renewed.
	housekeeping = time.Second
	// stopTimeout bounds how long a clean stop waits for a stuck sink.
	stopTimeout = 10 * time.Second
)

// Options configure a Daemon. The zero value of each field is the default.
type Options struct {
	// ConfigPath is --config; "" reads DefaultConfigPath, and its absence
	// means built-in defaults (a named file that is missing is an error).
	ConfigPath string
	// Source is --source.
	Source SourceSpec
	// Bus is --bus, for the D-Bus sink to serve on.
	Bus BusSpec
	// Root is --root: where /sys, /dev, /proc and /run are read ("/").
	Root string
	// StateDir is --state-dir (DefaultStateDir).
	StateDir string
	// Log takes the daemon's log (discarded when nil).
	Log *slog.Logger
	// Stdout takes the events when notify_stdout is set (os.Stdout).
	Stdout io.Writer
	// JournalSocket is the journald that stores events (the system one).
	JournalSocket string
	// Store, when set, stores events instead of journald (tests, benchmarks).
	Store EventWriter
	// Sinks are further sinks, always on: the D-Bus signal.
	Sinks []Sink
	// BeforeReady runs once the source is open, before READY=1 is sent:
	// the bus name is owned there.
	BeforeReady func(ctx context.Context) error
	// Resolver resolves devices (sysfs over Root when nil).
	Resolver Resolver
	// NewParser builds the rule engine from the config's user rules (the
	// built-in parsers when nil).
	NewParser func(user []parsers.UserRule) (Parser, error)
	// JournalRead is the journal the store's events are read back from
	// (the local journal; the directory of a journald namespace).
	JournalRead sdjournal.Source
	// StoredEvents reads back events from the store: to recognise those
	// stored before a crash, and for Query (a sdjournal.Store of
	// JournalRead, which Run closes, when nil).
	StoredEvents func(ctx context.Context, f event.Filter) ([]event.Event, error)
	// Notify sends an sd_notify(3) state (sd_notify itself when nil).
	Notify func(state string) error
	// SinkQueueLen bounds each sink's queue (defaultSinkQueueLen).
	SinkQueueLen int
}

// Daemon is peripetyd. Build it with New, run it with Run.
type Daemon struct {
	opts Options
	log  *slog.Logger
	src  Source

	mu  sync.Mutex
	cfg *config.Config

	reloads chan chan error
	pl      atomic.Pointer[pipeline]
	// store, when the daemon reads its own store, keeps journals open
	// between queries until Run ends.
	store *sdjournal.Store
}

// New loads the config and chooses the source; it opens nothing yet. A bad
// or missing named config file is an error.
func New(opts Options) (*Daemon, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.StateDir == "" {
		opts.StateDir = DefaultStateDir
	}
	if opts.Root == "" {
		opts.Root = "/"
	}
	if opts.Source.Kind == "" {
		opts.Source.Kind = "auto"
	}
	if opts.Resolver == nil {
		opts.Resolver = sysfs.NewResolver(opts.Root)
	}
	if opts.NewParser == nil {
		opts.NewParser = newRuleParser
	}
	var store *sdjournal.Store
	if opts.StoredEvents == nil {
		store = sdjournal.NewStore(opts.JournalRead)
		opts.StoredEvents = store.Query
	}
	if opts.Notify == nil {
		opts.Notify = sdNotify
	}
	if opts.SinkQueueLen <= 0 {
		opts.SinkQueueLen = defaultSinkQueueLen
	}
	cfg, err := loadConfig(opts.ConfigPath)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	st, err := NewStateDir(opts.StateDir)
	if err != nil {
		return nil, err
	}
	src, err := NewSource(opts.Source, SourceEnv{Root: opts.Root, State: st, Hostname: host,
		Log: opts.Log.With("source", opts.Source.Kind)})
	if err != nil {
		return nil, err
	}
	return &Daemon{opts: opts, log: opts.Log, src: src, cfg: cfg, reloads: make(chan chan error), store: store}, nil
}

// Sources names the source the daemon reads (the D-Bus Sources property).
func (d *Daemon) Sources() []string { return []string{d.src.Name()} }

// EventsEmitted is how many events the daemon delivered in this run (the
// D-Bus EventsEmitted property); it is also the seq of the last one.
func (d *Daemon) EventsEmitted() uint64 {
	if pl := d.pl.Load(); pl != nil {
		return pl.emitted.Load()
	}
	return 0
}

// Query returns the stored events f selects, oldest first
// (sdjournal.Store.Query): the D-Bus Query method.
func (d *Daemon) Query(ctx context.Context, f event.Filter) ([]event.Event, error) {
	return d.opts.StoredEvents(ctx, f)
}

// Config returns the config in force.
func (d *Daemon) Config() *config.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

// Reload re-reads the config (SIGHUP, the D-Bus Reload method). A bad file
// leaves the config in force and the error says why, naming file and line.
// When Run is not running it only loads the config.
func (d *Daemon) Reload(ctx context.Context) error {
	if d.pl.Load() == nil {
		cfg, err := loadConfig(d.opts.ConfigPath)
		if err != nil {
			return err
		}
		d.mu.Lock()
		d.cfg = cfg
		d.mu.Unlock()
		return nil
	}
	done := make(chan error, 1)
	select {
	case d.reloads <- done:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run follows the source until ctx ends, then stops cleanly: records read
// are handled, open groups closed, every queue delivered, the position
// saved. It returns nil after a clean stop, or the error that ended it.
func (d *Daemon) Run(ctx context.Context) error {
	if d.store != nil {
		defer d.store.Close()
	}
	st, err := NewStateDir(d.opts.StateDir)
	if err != nil {
		return err
	}
	ids, err := OpenIdentityStore(st)
	if err != nil {
		return err
	}
	now := time.Now()
	blocks, err := d.opts.Resolver.ListBlocks()
	if err != nil {
		d.log.Warn("list block devices", "err", err)
	}
	for _, b := range blocks {
		ids.Record(b, nil, now)
	}
	cfg := d.Config()
	parser, err := d.opts.NewParser(cfg.Rules)
	if err != nil {
		return fmt.Errorf("build rules: %w", err)
	}
	cp, err := st.LoadCheckpoint(d.src.Key())
	if err != nil {
		d.log.Warn("saved position unreadable, starting from the beginning", "err", err)
		cp = Checkpoint{}
	}

	stdout := newSinkRunner(NewStdoutSink(d.opts.Stdout), true, d.opts.SinkQueueLen, storeStall, d.log)
	store := newSinkRunner(&JournalSink{w: d.opts.Store}, true, d.opts.SinkQueueLen, storeStall, d.log)
	runners := []*sinkRunner{store, stdout}
	for _, s := range d.opts.Sinks {
		r := newSinkRunner(s, false, d.opts.SinkQueueLen, 0, d.log)
		r.on.Store(true)
		runners = append(runners, r)
	}
	defer d.closeStore(store)
	d.applySinks(cfg, store, stdout)

	pl := &pipeline{
		log:       d.log.With("component", "pipeline"),
		sourceKey: d.src.Key(),
		parser:    parser,
		res:       &resolution{r: d.opts.Resolver, ids: ids, now: time.Now},
		sinks:     runners,
	}
	started := startedEvent(d.src.Name(), cp.Pos, now)
	// The events stored from records read again are read back when the
	// first record comes: from the checkpoint's time, or, with no
	// checkpoint, that record's.
	pl.readBack = func(first time.Time) {
		since := cp.Time
		if cp.Pos == "" {
			since = first
		}
		// Not ctx: on a clean stop the records read are still handled.
		stored, err := d.storedSince(context.WithoutCancel(ctx), store, since, started.EventID)
		if err != nil {
			d.log.Warn("read back events stored before the restart; some may be stored twice", "err", err)
		}
		pl.stored = stored
	}
	pl.hostname, _ = os.Hostname()
	d.pl.Store(pl)
	defer d.pl.Store(nil)

	sinkCtx, cancelSinks := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSinks()
	var sinkWG sync.WaitGroup
	for _, r := range runners {
		sinkWG.Add(1)
		go func() { defer sinkWG.Done(); r.run(sinkCtx) }()
	}
	cpCtx, stopCheckpoints := context.WithCancel(ctx)
	var cpWG sync.WaitGroup
	cpWG.Add(1)
	go func() { defer cpWG.Done(); pl.runCheckpoints(cpCtx, st, checkpointInterval) }()
	defer func() { stopCheckpoints(); cpWG.Wait() }()
	// Identities are saved beside the pipeline, whose events must not wait
	// for an fsync.
	idCtx, stopIDs := context.WithCancel(ctx)
	var idWG sync.WaitGroup
	idWG.Add(1)
	go func() { defer idWG.Done(); ids.saveEvery(idCtx, housekeeping, d.log) }()
	defer func() { stopIDs(); idWG.Wait() }()

	var heartbeat atomic.Int64
	heartbeat.Store(time.Now().UnixNano())
	var bgWG sync.WaitGroup
	bgCtx, stopBG := context.WithCancel(ctx)
	defer func() { stopBG(); bgWG.Wait() }()
	bgWG.Add(1)
	go func() { defer bgWG.Done(); d.keepAlive(bgCtx, &heartbeat, pl) }()
	if w, ok := d.opts.Resolver.(interface{ Watch(context.Context) error }); ok {
		// Device changes stale the resolver's cache as they happen.
		bgWG.Add(1)
		go func() {
			defer bgWG.Done()
			if err := w.Watch(bgCtx); err != nil {
				d.log.Warn("watch block devices; resolving without a cache", "err", err)
			}
		}()
	}

	// The source runs in its own goroutine, ahead of the pipeline by at
	// most sourceQueueLen records.
	srcCtx, stopSource := context.WithCancel(ctx)
	defer stopSource()
	items := make(chan Item, sourceQueueLen)
	opened := make(chan struct{})
	srcErr := make(chan error, 1)
	go func() {
		defer close(items)
		srcErr <- d.src.Run(srcCtx, cp.Pos, func() { close(opened) }, func(it Item) error {
			select {
			case items <- it:
				return nil
			case <-srcCtx.Done():
				return srcCtx.Err()
			}
		})
	}()
	d.log.Info("starting", "source", d.src.Name(), "position", cp.Pos, "state_dir", d.opts.StateDir)

	started.Hostname = pl.hostname
	pl.deliver(started)
	if cfg.Main.DumpBlkInfoAtStart {
		for _, b := range blocks {
			pl.emit(blkInfoEvent(b, now))
		}
	}

	runErr := d.loop(ctx, pl, items, opened, srcErr, store, stdout, &heartbeat)

	// Clean stop: the source first, then whatever it had read, then the
	// parser's open groups, then the sinks' queues, then the position.
	d.notify("STOPPING=1")
	stopSource()
	for it := range items {
		pl.handle(it)
	}
	if err := <-srcErr; runErr == nil && err != nil && !errors.Is(err, context.Canceled) {
		runErr = fmt.Errorf("source %s: %w", d.src.Name(), err)
	}
	pl.closeParser()
	for _, r := range runners {
		r.closeQueue()
	}
	drained := make(chan struct{})
	go func() { sinkWG.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(stopTimeout):
		d.log.Error("sinks did not drain in time, stopping them", "timeout", stopTimeout)
		cancelSinks()
		<-drained
	}
	stopCheckpoints()
	cpWG.Wait()
	if err := pl.finalCheckpoint(st); err != nil {
		d.log.Error("save position", "err", err)
	}
	stopIDs()
	idWG.Wait()
	if err := ids.Save(); err != nil {
		d.log.Error("save identities", "err", err)
	}
	d.log.Info("stopped", "events", pl.emitted.Load())
	return runErr
}

// loop is the pipeline goroutine: items from the source, the parser's
// deadlines, reloads, housekeeping, until ctx ends or the source stops.
func (d *Daemon) loop(ctx context.Context, pl *pipeline, items <-chan Item, opened <-chan struct{},
	srcErr <-chan error, store, stdout *sinkRunner, heartbeat *atomic.Int64) error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var armed time.Time
	// retryTimer looks held mount events up again (pipeline.retry).
	retryTimer := time.NewTimer(time.Hour)
	defer retryTimer.Stop()
	var retryArmed time.Time
	tick := time.NewTicker(housekeeping)
	defer tick.Stop()
	for {
		deadline, at, due := pl.flushDue()
		var timerC <-chan time.Time
		if due {
			if !at.Equal(armed) {
				timer.Reset(time.Until(at))
				armed = at
			}
			timerC = timer.C
		}
		var retryC <-chan time.Time
		if at, ok := pl.mounts.due(); ok {
			if !at.Equal(retryArmed) {
				retryTimer.Reset(time.Until(at))
				retryArmed = at
			}
			retryC = retryTimer.C
		}
		select {
		case <-ctx.Done():
			return nil
		case <-opened:
			opened = nil
			if d.opts.BeforeReady != nil {
				if err := d.opts.BeforeReady(ctx); err != nil {
					return fmt.Errorf("before ready: %w", err)
				}
			}
			d.notify("READY=1")
			d.notify("STATUS=reading " + d.src.Name())
			d.log.Info("ready", "source", d.src.Name())
		case it, ok := <-items:
			if !ok {
				return nil // the source stopped; Run reports its error
			}
			pl.handle(it)
		case <-timerC:
			armed = time.Time{}
			pl.flush(deadline)
		case <-retryC:
			retryArmed = time.Time{}
			pl.retry(false)
		case <-pl.mounts.notice:
			pl.mountsChanged()
		case done := <-d.reloads:
			done <- d.reload(pl, store, stdout)
		case <-tick.C:
			heartbeat.Store(time.Now().UnixNano())
			for _, r := range pl.sinks {
				r.flushShed()
			}
		}
	}
}

// reload applies a new config to the running pipeline.
func (d *Daemon) reload(pl *pipeline, store, stdout *sinkRunner) error {
	cfg, err := loadConfig(d.opts.ConfigPath)
	if err != nil {
		d.log.Error("reload: keeping the config in force", "err", err)
		return err
	}
	parser, err := d.opts.NewParser(cfg.Rules)
	if err != nil {
		d.log.Error("reload: keeping the config in force", "err", err)
		return fmt.Errorf("build rules: %w", err)
	}
	pl.swapParser(parser)
	d.mu.Lock()
	d.cfg = cfg
	d.mu.Unlock()
	d.applySinks(cfg, store, stdout)
	d.log.Info("reloaded", "config", configName(d.opts.ConfigPath), "rules", len(cfg.Rules))
	return nil
}

// applySinks turns the stdout and journald sinks on or off as cfg says,
// connecting to journald when it is first wanted. When journald cannot be
// reached the store stays off and the reason is logged: a host without
// journald still gets its events on stdout and the bus.
func (d *Daemon) applySinks(cfg *config.Config, store, stdout *sinkRunner) {
	stdout.on.Store(cfg.Main.NotifyStdout)
	js := store.sink.(*JournalSink)
	if cfg.Main.SaveToJournald && js.w == nil {
		w, err := journal.NewWriter(d.opts.JournalSocket)
		if err != nil {
			d.log.Error("journald store unavailable, events are not stored", "err", err)
		} else {
			js.w = w
		}
	}
	store.on.Store(cfg.Main.SaveToJournald && js.w != nil)
}

func (d *Daemon) closeStore(store *sinkRunner) {
	if w, ok := store.sink.(*JournalSink).w.(*journal.Writer); ok && w != nil {
		w.Close()
	}
}

func (d *Daemon) notify(state string) {
	if err := d.opts.Notify(state); err != nil {
		d.log.Warn("sd_notify", "state", state, "err", err)
	}
}
