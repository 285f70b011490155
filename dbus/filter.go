package dbus

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	godbus "github.com/godbus/dbus/v5"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/sysfs"
)

// QueryFilter is a Query filter as it travels on the bus: event.Filter with
// the device as the one identifier the caller gave (the daemon expands it to
// every identifier of the device, as BlockInfo resolves it).
type QueryFilter struct {
	event.Filter
	// Blk is the `blk` key: any identifier BlockInfo takes, "" for none.
	Blk string
}

// filterKeys are the keys Query takes, with their signatures, for errors.
var filterKeys = []string{"since (t, x or s)", "until (t, x or s)", "severity (s)", "event_types (as)",
	"sub_systems (as)", "hostnames (as)", "blk (s)", "event_id (s)", "incident_id (s)", "before (s)",
	"limit (any integer type)"}

// DecodeFilter reads the a{sv} filter of Query. since and until are
// microseconds since the epoch, as t or x (the type a client's bindings
// give a plain integer: python3-dbus and gdbus send x or i), or s (what
// journalctl --since takes, event.ParseTimeSpec, relative to now); limit is
// any integer type whose value fits (y, n, q, i, u, x, t). An unknown key,
// a wrong type or a bad value is an error that says which key and what it
// takes.
func DecodeFilter(m map[string]godbus.Variant, now time.Time) (QueryFilter, error) {
	var q QueryFilter
	if len(m) > len(filterKeys) {
		return QueryFilter{}, fmt.Errorf("%d filter keys: Query takes %s", len(m), strings.Join(filterKeys, ", "))
	}
	for _, key := range slices.Sorted(maps.Keys(m)) {
		v := m[key]
		if err := bounded(v); err != nil {
			return QueryFilter{}, fmt.Errorf("filter key %s: %w", quote(key), err)
		}
		var err error
		switch key {
		case "since":
			q.Since, err = decodeTime(v, now)
		case "until":
			q.Until, err = decodeTime(v, now)
		case "severity":
			var s string
			if s, err = variantAs[string](v); err == nil {
				var sev event.Severity
				sev, err = event.ParseSeverity(s)
				q.Severity = &sev
			}
		case "event_types":
			q.EventTypes, err = variantAs[[]string](v)
		case "sub_systems":
			q.SubSystems, err = variantAs[[]string](v)
		case "blk":
			if q.Blk, err = variantAs[string](v); err == nil && strings.TrimSpace(q.Blk) == "" {
				err = fmt.Errorf("empty device")
			}
		case "hostnames":
			q.Hostnames, err = variantAs[[]string](v)
		case "event_id":
			q.EventID, err = variantAs[string](v)
		case "incident_id":
			q.IncidentID, err = variantAs[string](v)
		case "before":
			var c string
			if c, err = variantAs[string](v); err == nil {
				var cur event.Cursor
				cur, err = event.ParseCursor(c)
				q.Before = &cur
			}
		case "limit":
			q.Limit, err = decodeLimit(v)
		default:
			return QueryFilter{}, fmt.Errorf("unknown filter key %s: Query takes %s", quote(key), strings.Join(filterKeys, ", "))
		}
		if err != nil {
			return QueryFilter{}, fmt.Errorf("filter key %s: %w", quote(key), err)
		}
	}
	return q, nil
}

// boundedFilter checks an a{sv} filter against the bounds of limits.go:
// at most 16 keys, each value bounded.
func boundedFilter(m map[string]godbus.Variant) error {
	if len(m) > 16 {
		return fmt.Errorf("%d filter keys: at most 16", len(m))
	}
	for k, v := range m {
		if err := bounded(v); err != nil {
			return fmt.Errorf("filter key %s: %w", quote(k), err)
		}
	}
	return nil
}

// bounded checks a filter value against the bounds of limits.go.
func bounded(v godbus.Variant) error {
	switch x := v.Value().(type) {
	case string:
		if len(x) > MaxArgLen {
			return fmt.Errorf("a value of %d bytes: at most %d", len(x), MaxArgLen)
		}
	case []string:
		if len(x) > MaxListLen {
			return fmt.Errorf("a list of %d values: at most %d", len(x), MaxListLen)
		}
		for _, s := range x {
			if len(s) > MaxArgLen {
				return fmt.Errorf("a value of %d bytes: at most %d", len(s), MaxArgLen)
			}
		}
	}
	return nil
}

// EncodeFilter returns the a{sv} form of q, the inverse of DecodeFilter:
// times as t, or as RFC 3339 text before the epoch. q.Filter.Blk is not
// sent: set q.Blk.
func EncodeFilter(q QueryFilter) map[string]godbus.Variant {
	m := map[string]godbus.Variant{}
	if !q.Since.IsZero() {
		m["since"] = encodeTime(q.Since)
	}
	if !q.Until.IsZero() {
		m["until"] = encodeTime(q.Until)
	}
	if q.Severity != nil {
		m["severity"] = godbus.MakeVariant(q.Severity.String())
	}
	if len(q.EventTypes) > 0 {
		m["event_types"] = godbus.MakeVariant(q.EventTypes)
	}
	if len(q.SubSystems) > 0 {
		m["sub_systems"] = godbus.MakeVariant(q.SubSystems)
	}
	if q.Blk != "" {
		m["blk"] = godbus.MakeVariant(q.Blk)
	}
	if len(q.Hostnames) > 0 {
		m["hostnames"] = godbus.MakeVariant(q.Hostnames)
	}
	if q.EventID != "" {
		m["event_id"] = godbus.MakeVariant(q.EventID)
	}
	if q.IncidentID != "" {
		m["incident_id"] = godbus.MakeVariant(q.IncidentID)
	}
	if q.Before != nil {
		m["before"] = godbus.MakeVariant(q.Before.String())
	}
	if q.Limit > 0 {
		m["limit"] = godbus.MakeVariant(uint32(min(q.Limit, math.MaxUint32)))
	}
	return m
}

func encodeTime(t time.Time) godbus.Variant {
	if us := t.UnixMicro(); us >= 0 {
		return godbus.MakeVariant(uint64(us))
	}
	return godbus.MakeVariant(t.Format(time.RFC3339Nano))
}

// decodeTime reads a since or until value, to the microsecond (the
// resolution of the journal and of the t form).
func decodeTime(v godbus.Variant, now time.Time) (time.Time, error) {
	switch x := v.Value().(type) {
	case uint64:
		if x > math.MaxInt64 {
			return time.Time{}, fmt.Errorf("%d microseconds is out of range", x)
		}
		return time.UnixMicro(int64(x)), nil
	case int64:
		return time.UnixMicro(x), nil
	case string:
		t, err := event.ParseTimeSpec(x, now)
		return t.Truncate(time.Microsecond), err
	}
	return time.Time{}, fmt.Errorf("type %s, want t or x (microseconds since the epoch) or s (what journalctl --since takes: "+
		"-1h, \"1 hour ago\", @EPOCH, today, 2018-05-21, \"2018-05-21 10:00:00\"…)", v.Signature())
}

// decodeLimit reads a limit of any integer type: 0 or more, at most
// math.MaxInt32 (larger asks for everything, as that does).
func decodeLimit(v godbus.Variant) (int, error) {
	var n int64
	switch x := v.Value().(type) {
	case byte:
		n = int64(x)
	case int16:
		n = int64(x)
	case uint16:
		n = int64(x)
	case int32:
		n = int64(x)
	case uint32:
		n = int64(x)
	case int64:
		n = x
	case uint64:
		n = int64(min(x, math.MaxInt32))
	default:
		return 0, fmt.Errorf("type %s, want an integer (y, n, q, i, u, x or t)", v.Signature())
	}
	if n < 0 {
		return 0, fmt.Errorf("%d is negative: want 0 (the default, 1000) or more", n)
	}
	return int(min(n, math.MaxInt32)), nil
}

func variantAs[T any](v godbus.Variant) (T, error) {
	x, ok := v.Value().(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("type %s, want %s", v.Signature(), godbus.SignatureOf(zero))
	}
	return x, nil
}

func usecOf(t time.Time) uint64 {
	if us := t.UnixMicro(); us > 0 {
		return uint64(us)
	}
	return 0
}

// Identifiers lists the names an event may carry for the device info
// describes (kernel name, major:minor, WWID, UUID, paths), starting with
// given, the name a caller gave: the event.Filter.Blk of a `blk` filter.
func Identifiers(given string, info *sysfs.BlockInfo) []string {
	ids := []string{given}
	for _, id := range []string{info.KernelName, info.MajorMinor, info.WWID, info.UUID, info.BlkPath, info.PreferredBlkPath} {
		if id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}
