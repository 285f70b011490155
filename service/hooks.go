package service

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/peripety/peripety/config"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/hooks"
	"github.com/peripety/peripety/metrics"
)

// hookSink runs the administrator's hooks for the events delivered
// (package hooks): the scripts of [hooks] directory, read again when the
// directory changes, and the [[hook]] entries, read again on reload.
type hookSink struct {
	log   *slog.Logger
	disp  *hooks.Dispatcher
	stats *hookStats
	// expand expands a hook's devices (the resolver's Identifiers), nil
	// when the resolver cannot.
	expand hooks.Expand

	mu  sync.Mutex
	cfg *config.Config
	set hooks.Set
	// dirTime is the directory's modification time when it was read.
	dirTime time.Time
	// limited holds the hooks whose rate limit is cutting runs, told once.
	limited map[string]bool
}

// hookGrace is how long a stop waits for the hooks running to end before
// it stops them.
const hookGrace = 5 * time.Second

func openHookSink(d *Daemon) (Sink, error) {
	s := &hookSink{log: d.log.With("sink", "hooks"), stats: d.hookStats, limited: map[string]bool{}}
	if r, ok := d.opts.Resolver.(interface {
		Identifiers(string) ([]string, error)
	}); ok {
		s.expand = r.Identifiers
	}
	cfg := d.Config()
	s.disp = hooks.NewDispatcher(cfg.Hooks.MaxRunning, s.ran, s.skipped)
	d.hookStats.setRunning(s.disp.Running)
	s.reconfigure(cfg)
	return s, nil
}

// Name implements Sink.
func (s *hookSink) Name() string { return "hooks" }

// Emit implements Sink: it starts the hooks that select ev and may run
// now, waiting for a free slot when max_running are running.
func (s *hookSink) Emit(ctx context.Context, ev event.Event) error {
	s.mu.Lock()
	if s.cfg.Hooks.Directory != "" && s.dirChanged() {
		s.load()
	}
	set := s.set.Hooks
	s.mu.Unlock()
	if len(set) == 0 {
		return nil
	}
	return s.disp.Dispatch(ctx, set, &ev)
}

// Close implements Sink: it waits hookGrace for the hooks running, then
// stops them.
func (s *hookSink) Close() error {
	s.disp.Close(hookGrace)
	return nil
}

// reconfigure takes the hooks of cfg (a reload).
func (s *hookSink) reconfigure(cfg *config.Config) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg = cfg
	s.load()
}

// dirChanged says whether the hooks directory changed since it was read.
func (s *hookSink) dirChanged() bool {
	st, err := os.Stat(s.cfg.Hooks.Directory)
	if err != nil {
		return !s.dirTime.IsZero()
	}
	return !st.ModTime().Equal(s.dirTime)
}

// load reads the hooks of s.cfg and says which it runs; s.mu is held.
func (s *hookSink) load() {
	s.dirTime = time.Time{}
	if st, err := os.Stat(s.cfg.Hooks.Directory); err == nil {
		s.dirTime = st.ModTime()
	}
	set, err := hooks.Load(s.cfg, s.expand)
	if err != nil {
		s.log.Error("hooks not read; keeping those in force", "err", err)
		return
	}
	s.set = set
	for path, why := range set.Skipped {
		s.log.Warn("hook not run", "path", path, "reason", why)
	}
	for i := range set.Hooks {
		h := &set.Hooks[i]
		s.log.Info("hook", "hook", h.Name, "command", strings.Join(h.Argv, " "), "source", h.Source, "runs_for", h.Describe())
	}
}

// ran logs and counts a run that ended.
func (s *hookSink) ran(res hooks.Result) {
	h := res.Hook
	s.stats.ran(h.Name, res.Outcome)
	s.mu.Lock()
	delete(s.limited, h.Name)
	s.mu.Unlock()
	attrs := []any{"hook", h.Name, "event_id", res.Event.EventID, "event_type", res.Event.EventType,
		"outcome", string(res.Outcome), "duration", res.Duration.Round(time.Millisecond)}
	if out := strings.TrimSpace(string(res.Output)); out != "" {
		if res.Truncated {
			out += " …"
		}
		attrs = append(attrs, "output", out)
	}
	if res.Outcome == hooks.OK {
		s.log.Info("hook ran", attrs...)
		return
	}
	attrs = append(attrs, "exit_code", res.ExitCode, "err", res.Err)
	s.log.Error("hook failed", attrs...)
}

// skipped counts a run not made; a rate limit that starts cutting runs is
// logged once, until the hook runs again.
func (s *hookSink) skipped(h *hooks.Hook, ev *event.Event, why hooks.Skip) {
	s.stats.skipped(h.Name, why)
	if why != hooks.RateLimited {
		s.log.Debug("hook not run for event", "hook", h.Name, "event_id", ev.EventID, "reason", string(why))
		return
	}
	s.mu.Lock()
	first := !s.limited[h.Name]
	s.limited[h.Name] = true
	s.mu.Unlock()
	if first {
		s.log.Warn("hook rate limit reached; events are not passed to it until it refills", "hook", h.Name,
			"rate_limit", h.RateLimit, "rate_interval", h.RateInterval, "event_id", ev.EventID)
	}
}

// hookStats count the hook runs of the daemon, for the metrics.
type hookStats struct {
	mu      sync.Mutex
	runs    map[[2]string]uint64 // hook, outcome
	skips   map[[2]string]uint64 // hook, reason
	running func() int
}

func newHookStats() *hookStats {
	return &hookStats{runs: map[[2]string]uint64{}, skips: map[[2]string]uint64{}}
}

func (h *hookStats) ran(name string, o hooks.Outcome) {
	h.mu.Lock()
	h.runs[[2]string{name, string(o)}]++
	h.mu.Unlock()
}

func (h *hookStats) skipped(name string, why hooks.Skip) {
	h.mu.Lock()
	h.skips[[2]string{name, string(why)}]++
	h.mu.Unlock()
}

func (h *hookStats) setRunning(f func() int) {
	h.mu.Lock()
	h.running = f
	h.mu.Unlock()
}

// families are the hook metrics.
func (h *hookStats) families() []metrics.Family {
	runs := metrics.Family{Name: "peripety_hook_runs_total", Kind: metrics.Counter,
		Help:   "Hook runs that ended, by hook and outcome (ok, failed, timeout, not_run, stopping): all but ok are failures.",
		Labels: []string{"hook", "outcome"}}
	skips := metrics.Family{Name: "peripety_hook_skipped_total", Kind: metrics.Counter,
		Help:   "Events a hook selected but did not run for, by hook and reason (dedup: its incident ran it lately; rate_limit; stopping).",
		Labels: []string{"hook", "reason"}}
	running := metrics.Family{Name: "peripety_hooks_running", Kind: metrics.Gauge, Help: "Hooks running now."}
	h.mu.Lock()
	defer h.mu.Unlock()
	cmpKeys := func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) }
	for _, k := range sortedKeys(h.runs, cmpKeys) {
		runs.Add(float64(h.runs[k]), k[0], k[1])
	}
	for _, k := range sortedKeys(h.skips, cmpKeys) {
		skips.Add(float64(h.skips[k]), k[0], k[1])
	}
	n := 0
	if h.running != nil {
		n = h.running()
	}
	running.Add(float64(n))
	return []metrics.Family{runs, skips, running}
}
