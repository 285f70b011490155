// Package membackend is a small real Backend of the D-Bus server for tests:
// events in memory, filtered with event.Filter as the journal store filters
// them, incidents and device conditions as the test puts them, and block
// devices from the sysfs resolver over the live system.
package membackend

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/peripety/peripety/correlate"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/sysfs"
)

// Backend implements dbus.Backend.
type Backend struct {
	resolver *sysfs.Resolver

	mu         sync.Mutex
	events     []event.Event
	reloads    int
	incidents  []correlate.Incident // most recently changed last
	version    uint64
	conditions []correlate.DeviceConditions
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

// PutIncident adds inc, or replaces the incident with its id, as changed
// now.
func (b *Backend) PutIncident(inc correlate.Incident) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.version++
	inc.Version = b.version
	b.incidents = slices.DeleteFunc(b.incidents, func(i correlate.Incident) bool { return i.ID == inc.ID })
	b.incidents = append(b.incidents, inc)
}

// Incidents implements dbus.Backend.
func (b *Backend) Incidents() []correlate.Incident {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := slices.Clone(b.incidents)
	slices.Reverse(out)
	return out
}

// Incident implements dbus.Backend.
func (b *Backend) Incident(id string) (correlate.Incident, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := slices.IndexFunc(b.incidents, func(inc correlate.Incident) bool { return inc.ID == id })
	if i < 0 {
		return correlate.Incident{}, false
	}
	return b.incidents[i], true
}

// IncidentsChanged implements dbus.Backend.
func (b *Backend) IncidentsChanged(since uint64) ([]correlate.Incident, uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []correlate.Incident
	for _, inc := range b.incidents {
		if inc.Version > since {
			out = append(out, inc)
		}
	}
	return out, b.version
}

// SetConditions sets what Conditions returns.
func (b *Backend) SetConditions(dcs []correlate.DeviceConditions) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.conditions = dcs
}

// Conditions implements dbus.Backend.
func (b *Backend) Conditions() ([]correlate.DeviceConditions, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.conditions), nil
}
