// Package membackend is a small real Backend of the D-Bus server for tests:
// events in memory, filtered with event.Filter as the journal store filters
// them, and block devices from the sysfs resolver over the live system.
package membackend

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/sysfs"
)

// Backend implements dbus.Backend.
type Backend struct {
	resolver *sysfs.Resolver

	mu      sync.Mutex
	events  []event.Event
	reloads int
	// QueryErr, when set, is what Query fails with.
	QueryErr error
	// queryDelay is how long each Query takes (SetQueryDelay).
	queryDelay time.Duration
}

// SetQueryDelay makes each Query take d.
func (b *Backend) SetQueryDelay(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.queryDelay = d
}

// New returns a Backend with no events that resolves devices under /.
func New() *Backend {
	return &Backend{resolver: sysfs.NewResolver("/")}
}

// Add stores events.
func (b *Backend) Add(evs ...event.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events = append(b.events, evs...)
}

// Query implements dbus.Backend.
func (b *Backend) Query(ctx context.Context, f event.Filter) ([]event.Event, error) {
	b.mu.Lock()
	delay := b.queryDelay
	b.mu.Unlock()
	time.Sleep(delay)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.QueryErr != nil {
		return nil, b.QueryErr
	}
	// The latest that match, in the order of queries, as the journal
	// store gives them.
	var out []event.Event
	for i := len(b.events) - 1; i >= 0 && len(out) < f.EffectiveLimit(); i-- {
		if f.Match(&b.events[i]) {
			out = append(out, b.events[i])
		}
	}
	slices.SortFunc(out, func(a, b event.Event) int { return event.Compare(&a, &b) })
	return out, ctx.Err()
}

// BlockInfo implements dbus.Backend.
func (b *Backend) BlockInfo(id string) (sysfs.BlockInfo, error) { return b.resolver.BlockInfo(id) }

// ListBlocks implements dbus.Backend.
func (b *Backend) ListBlocks() ([]sysfs.BlockInfo, error) { return b.resolver.ListBlocks() }

// Identifiers implements dbus.Backend.
func (b *Backend) Identifiers(id string) ([]string, error) { return b.resolver.Identifiers(id) }

// Reload implements dbus.Backend.
func (b *Backend) Reload(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reloads++
	return nil
}

// Reloads is how many times Reload was called.
func (b *Backend) Reloads() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reloads
}

// Sources implements dbus.Backend.
func (b *Backend) Sources() []string { return []string{"kmsg"} }
