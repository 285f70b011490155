// Package service is the Peripety daemon: it follows the kernel log (from
// journald, /dev/kmsg or a file), turns storage lines into events with the
// rule engine, gives each event the identity of its device, and delivers
// the events to the journald store, stdout and the D-Bus signal, keeping
// its position in a state directory so that a restart loses nothing and
// stores nothing twice.
package service

import (
	"context"
	"io"
	"log/slog"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peripety/peripety/config"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
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
	// Bus is --bus: the D-Bus sink serves there. The zero BusSpec is no
	// bus.
	Bus BusSpec
	// Version is the D-Bus Version property.
	Version string
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
	// Store, when set, stores events instead of journald (tests,
	// benchmarks); Run closes it when it ends, as it would its journald
	// writer.
	Store EventWriter
	// Resolver resolves devices (sysfs over Root when nil). Serving on a
	// bus needs a BusResolver.
	Resolver Resolver
	// NewParser builds the rule engine from the config's user rules (the
	// built-in parsers when nil).
	NewParser func(user []parsers.UserRule) (Parser, error)
	// JournalRead is the journal the store's events are read back from
	// (the local journal; the directory of a journald namespace).
	JournalRead sdjournal.Source
	// SourceJournal is the journal the journal source reads the kernel's
	// and the daemons' lines from: the local journal when zero (a
	// directory of journal files in tests and benchmarks).
	SourceJournal sdjournal.Source
	// StoredEvents reads back events from the store: to recognise those
	// stored before a crash, and for Query (a sdjournal.Store of
	// JournalRead, which Run closes, when nil).
	StoredEvents func(ctx context.Context, f event.Filter) ([]event.Event, error)
	// StoredIDs says which events the store holds: for the read-back, and
	// for the journald sink to know what journald stored (the
	// sdjournal.Store's IDs when StoredEvents is nil; else read through
	// StoredEvents).
	StoredIDs StoredIDs
	// SpoolMax bounds the journald sink's spool, in bytes
	// (defaultSpoolMax).
	SpoolMax int64
	// Notify sends an sd_notify(3) state (sd_notify itself when nil).
	Notify func(state string) error
	// SinkQueueLen bounds each sink's queue (defaultSinkQueueLen).
	SinkQueueLen int
}

// Daemon is peripetyd. Build it with New, run it with Run.
type Daemon struct {
	opts     Options
	log      *slog.Logger
	src      Source
	state    *StateDir
	hostname string

	mu  sync.Mutex
	cfg *config.Config

	reloads chan chan error
	pl      atomic.Pointer[pipeline]
	// counts are the events delivered, hookStats the hook runs, for the
	// metrics.
	counts    *eventCounts
	hookStats *hookStats
	// store, when the daemon reads its own store, keeps journals open
	// between queries until Run ends.
	store *sdjournal.Store
}

// New loads the config, creates the state directory and chooses the
// source; it opens nothing yet. A bad or missing named config file is an
// error.
func New(opts Options) (*Daemon, error) {
	opts = withDefaults(opts)
	cfg, err := loadConfig(opts.ConfigPath)
	if err != nil {
		return nil, err
	}
	st, err := NewStateDir(opts.StateDir)
	if err != nil {
		return nil, err
	}
	d := &Daemon{opts: opts, log: opts.Log, state: st, cfg: cfg, reloads: make(chan chan error),
		counts: newEventCounts(cfg.Metrics.MaxDevices), hookStats: newHookStats()}
	d.hostname, _ = os.Hostname()
	if d.opts.StoredEvents == nil {
		d.store = sdjournal.NewStore(opts.JournalRead)
		d.opts.StoredEvents = d.store.Query
		if d.opts.StoredIDs == nil {
			d.opts.StoredIDs = d.store.IDs
		}
	}
	if d.opts.StoredIDs == nil {
		d.opts.StoredIDs = idsOf(d.opts.StoredEvents)
	}
	d.src, err = NewSource(opts.Source, SourceEnv{Root: opts.Root, State: st, Hostname: d.hostname,
		Log: opts.Log.With("source", opts.Source.Kind), Journal: opts.SourceJournal})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// withDefaults fills in the default of each option left zero.
func withDefaults(opts Options) Options {
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
	if opts.Notify == nil {
		opts.Notify = sdNotify
	}
	if opts.SinkQueueLen <= 0 {
		opts.SinkQueueLen = defaultSinkQueueLen
	}
	return opts
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
	r, err := d.newRun()
	if err != nil {
		return err
	}
	defer r.closeSinks()
	if err := r.openSinks(); err != nil {
		return err
	}
	d.pl.Store(r.pl)
	defer d.pl.Store(nil)
	r.start(ctx)
	defer r.background.stop()
	d.log.Info("starting", "source", d.src.Name(), "position", r.cp.Pos, "state_dir", d.opts.StateDir)
	r.begin()
	return r.stop(r.loop(ctx))
}

func (d *Daemon) notify(state string) {
	if err := d.opts.Notify(state); err != nil {
		d.log.Warn("sd_notify", "state", state, "err", err)
	}
}

// idsOf reads stored ids through a store that only answers queries: every
// event, whatever since says.
func idsOf(query func(ctx context.Context, f event.Filter) ([]event.Event, error)) StoredIDs {
	return func(ctx context.Context, _ time.Time, fn func(id string) bool) error {
		evs, err := query(ctx, event.Filter{Limit: math.MaxInt})
		if err != nil {
			return err
		}
		for i := len(evs) - 1; i >= 0; i-- {
			if !fn(evs[i].EventID) {
				return nil
			}
		}
		return nil
	}
}
