package event

import (
	"fmt"
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
		f.IncidentID != "" && ev.IncidentID != f.IncidentID:
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

// ParseTimeSpec reads the time forms `prpt query --since` and the D-Bus
// Query filter take: `now`, `today`, `yesterday`, `tomorrow`, `2018-05-21`,
// `2018-05-21 10:00:00` (local time, as journalctl reads them) or RFC 3339.
func ParseTimeSpec(s string, now time.Time) (time.Time, error) {
	t := strings.TrimSpace(s)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	switch strings.ToLower(t) {
	case "now":
		return now, nil
	case "today":
		return day, nil
	case "yesterday":
		return day.AddDate(0, 0, -1), nil
	case "tomorrow":
		return day.AddDate(0, 0, 1), nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if v, err := time.ParseInLocation(layout, t, now.Location()); err == nil {
			return v, nil
		}
	}
	if v, err := time.Parse(time.RFC3339Nano, t); err == nil {
		return v, nil
	}
	return time.Time{}, fmt.Errorf("unknown time %q: want now, today, yesterday, tomorrow, YYYY-MM-DD, \"YYYY-MM-DD HH:MM:SS\" or RFC 3339", s)
}
