package event

import (
	"slices"
	"strings"
	"time"
)

// DefaultLimit is how many events a query returns when the filter sets no
// limit (docs/design.md, "D-Bus API": Query's `limit` defaults to 1000).
const DefaultLimit = 1000

// Filter selects events: the one filter type shared by `prpt query`,
// `prpt monitor`, the journald query and the D-Bus Query method. Zero
// fields select everything.
type Filter struct {
	// Since and Until bound the event timestamp (inclusive); zero is open.
	Since, Until time.Time
	// Severity, when set, selects events this severe or more.
	Severity *Severity
	// EventTypes and SubSystems select events with any of the listed values.
	EventTypes []string
	SubSystems []string
	// Blk lists identifiers of one device (kernel name, major:minor, WWID,
	// /dev paths…, as a resolver expands what the user gave); an event
	// matches when its kdev, dev_wwid, dev_path or any owner's WWID or path
	// is among them.
	Blk []string
	// EventID selects one event.
	EventID string
	// IncidentID selects the events of one incident.
	IncidentID string
	// Hostnames select events logged by any of the hosts (case ignored).
	Hostnames []string
	// Before, when set, selects the events that come before it in the
	// order of queries (Compare): the page before one that began there.
	Before *Cursor
	// Limit caps how many events a query returns (0: DefaultLimit).
	Limit int
}

// Match reports whether ev passes every condition of f except Limit.
func (f *Filter) Match(ev *Event) bool {
	switch {
	case !f.Since.IsZero() && ev.Timestamp.Before(f.Since),
		!f.Until.IsZero() && ev.Timestamp.After(f.Until),
		f.Severity != nil && !ev.Severity.AtLeast(*f.Severity),
		len(f.EventTypes) > 0 && !slices.Contains(f.EventTypes, ev.EventType),
		len(f.SubSystems) > 0 && !containsFold(f.SubSystems, ev.SubSystem),
		f.EventID != "" && ev.EventID != f.EventID,
		f.IncidentID != "" && ev.IncidentID != f.IncidentID,
		len(f.Hostnames) > 0 && !containsFold(f.Hostnames, ev.Hostname),
		f.Before != nil && CompareCursors(CursorOf(ev), *f.Before) >= 0:
		return false
	}
	if len(f.Blk) == 0 {
		return true
	}
	for _, id := range f.Blk {
		if id == "" {
			continue // an empty identifier names no device
		}
		if id == ev.Kdev || id == ev.DevWWID || id == ev.DevPath ||
			slices.Contains(ev.OwnersWWIDs, id) || slices.Contains(ev.OwnersPaths, id) {
			return true
		}
	}
	return false
}

// EffectiveLimit is Limit, or DefaultLimit when Limit is 0.
func (f *Filter) EffectiveLimit() int {
	if f.Limit <= 0 {
		return DefaultLimit
	}
	return f.Limit
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
