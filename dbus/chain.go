package dbus

import "github.com/peripety/peripety/event"

// Gaps among the events a client selects.
//
// Each StorageEvent names its predecessor: prev_seq, the seq of the last
// event the daemon emitted with the same five leading arguments
// (event_type, severity, sub_system, dev_wwid, dev_path), 0 when none is
// known. A match rule can only select on those arguments, so whatever a
// client's rules are, it receives every event of each argument tuple it
// receives one of: it tracks the last seq it saw per tuple, and an event
// whose prev_seq is later than that says the events in between were lost
// (a full queue on the bus, a client too slow). The gaps the global seq
// shows are not losses for a client with match rules: they are the events
// its rules left out.
//
// Events a slow D-Bus sink of the daemon had to shed are never emitted, so
// no chain shows them; the daemon emits a PERIPETY_EVENTS_SHED event
// instead, whose extension gives the seq range shed (first_seq, last_seq)
// and the types (event_types).

// PrevSeqKey is the key of prev_seq in a StorageEvent's dictionary.
const PrevSeqKey = "prev_seq"

// SignalKey is the five leading arguments of a StorageEvent: what a match
// rule can select on.
type SignalKey struct {
	EventType, Severity, SubSystem, DevWWID, DevPath string
}

// KeyOf returns the signal arguments of ev, as D-Bus strings (UTF-8).
func KeyOf(ev *event.Event) SignalKey {
	return SignalKey{validText(ev.EventType), ev.Severity.String(), validText(ev.SubSystem), validText(ev.DevWWID), validText(ev.DevPath)}
}

// maxChainKeys bounds the argument tuples a chain remembers; past it the
// chain starts over, and the next event of each tuple names no
// predecessor (prev_seq 0: unknown, never taken for a gap).
const maxChainKeys = 1 << 14

// chain remembers, per argument tuple, the seq of the last event emitted.
// It is used by Emit's one goroutine.
type chain struct {
	last map[SignalKey]uint64
}

// next returns the predecessor of an event of key k numbered seq, and
// makes it the last of k. Events without a seq (0: the daemon's shed
// notices) are no link of any chain.
func (c *chain) next(k SignalKey, seq uint64) uint64 {
	if seq == 0 {
		return 0
	}
	if c.last == nil || len(c.last) >= maxChainKeys {
		c.last = make(map[SignalKey]uint64)
	}
	prev := c.last[k]
	c.last[k] = seq
	return prev
}
