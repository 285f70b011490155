package hooks

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/peripety/peripety/event"
)

// Skip is why an event selected by a hook did not run it.
type Skip string

// The reasons a run is skipped, as the metrics label them.
const (
	// Deduplicated: the hook ran for the event's incident within its
	// dedup window.
	Deduplicated Skip = "dedup"
	// RateLimited: the hook ran its rate limit's worth of runs lately.
	RateLimited Skip = "rate_limit"
	// Stopping: the daemon stopped while the run waited for a slot.
	Stopping Skip = "stopping"
)

// maxDedupKeys bounds the incidents a hook remembers for dedup.
const maxDedupKeys = 4096

// Dispatcher runs hooks for events: at most maxRunning at once, each hook
// once per incident within its dedup window, and no more often than its
// rate limit allows. Its state (what ran when) is kept per hook name and
// source, so a reload keeps it.
type Dispatcher struct {
	slots  chan struct{}
	report func(Result)
	skip   func(*Hook, *event.Event, Skip)
	now    func() time.Time

	// runs is the context of the runs; Close ends it.
	runs   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	state map[string]*hookState
}

// hookState is what a Dispatcher remembers of one hook.
type hookState struct {
	// tokens and filled are its rate limiter: a bucket of RateLimit runs
	// refilled evenly over RateInterval.
	tokens float64
	filled time.Time
	// suppressed counts the events its rate limit kept from it since it
	// last ran: the next run is told (PERIPETY_SUPPRESSED).
	suppressed uint64
	// ran is when it last ran for each incident.
	ran map[string]time.Time
}

// NewDispatcher runs at most maxRunning hooks at once. report hears of
// every run as it ends, skip of every run not made; both are called from
// the Dispatcher's goroutines and must be safe for that.
func NewDispatcher(maxRunning int, report func(Result), skip func(*Hook, *event.Event, Skip)) *Dispatcher {
	ctx, cancel := context.WithCancel(context.Background())
	return &Dispatcher{slots: make(chan struct{}, max(maxRunning, 1)), report: report, skip: skip, now: time.Now,
		runs: ctx, cancel: cancel, state: map[string]*hookState{}}
}

// Dispatch starts, in goroutines of its own, every hook of hooks that
// selects ev and may run now. It waits for a free slot before each start;
// when ctx ends first, the hooks not started are skipped (Stopping) and it
// returns ctx's error.
func (d *Dispatcher) Dispatch(ctx context.Context, hooks []Hook, ev *event.Event) error {
	for i := range hooks {
		h := &hooks[i]
		if !h.Selects(ev) {
			continue
		}
		extra, skip := d.admit(h, ev)
		if skip != "" {
			d.skip(h, ev, skip)
			continue
		}
		select {
		case d.slots <- struct{}{}:
		case <-ctx.Done():
			for j := i; j < len(hooks); j++ {
				if hooks[j].Selects(ev) {
					d.skip(&hooks[j], ev, Stopping)
				}
			}
			return ctx.Err()
		}
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			defer func() { <-d.slots }()
			d.report(Run(d.runs, h, ev, extra...))
		}()
	}
	return nil
}

// admit decides whether h may run for ev now, and takes what the run uses
// up: its place in the dedup window, a token of its rate limit. It returns
// the environment the run adds, or why it is skipped.
func (d *Dispatcher) admit(h *Hook, ev *event.Event) ([]string, Skip) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	st := d.state[h.Name+"\x00"+h.Source]
	if st == nil {
		st = &hookState{tokens: float64(h.RateLimit), filled: now, ran: map[string]time.Time{}}
		d.state[h.Name+"\x00"+h.Source] = st
	}
	key := dedupKey(ev)
	if h.Dedup > 0 {
		if at, ok := st.ran[key]; ok && now.Sub(at) < h.Dedup {
			return nil, Deduplicated
		}
	}
	if h.RateLimit > 0 {
		rate := float64(h.RateLimit) / h.RateInterval.Seconds()
		st.tokens = min(float64(h.RateLimit), st.tokens+now.Sub(st.filled).Seconds()*rate)
		st.filled = now
		if st.tokens < 1 {
			st.suppressed++
			return nil, RateLimited
		}
		st.tokens--
	}
	if h.Dedup > 0 {
		st.remember(key, now, h.Dedup)
	}
	var extra []string
	if st.suppressed > 0 {
		extra = append(extra, "PERIPETY_SUPPRESSED="+strconv.FormatUint(st.suppressed, 10))
		st.suppressed = 0
	}
	return extra, ""
}

// remember notes a run for incident key at now, forgetting the incidents
// whose window is over when the table is full, and the oldest one when it
// is still full.
func (st *hookState) remember(key string, now time.Time, window time.Duration) {
	if len(st.ran) >= maxDedupKeys {
		oldest, oldestAt := "", now
		for k, at := range st.ran {
			if now.Sub(at) >= window {
				delete(st.ran, k)
			} else if at.Before(oldestAt) {
				oldest, oldestAt = k, at
			}
		}
		if len(st.ran) >= maxDedupKeys {
			delete(st.ran, oldest)
		}
	}
	st.ran[key] = now
}

// Running is how many hooks run now.
func (d *Dispatcher) Running() int { return len(d.slots) }

// Close waits at most grace for the runs under way to end, then stops
// them (SIGTERM, then SIGKILL) and waits for that.
func (d *Dispatcher) Close(grace time.Duration) {
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		d.cancel()
		<-done
	}
	d.cancel()
}
