package client

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	godbus "github.com/godbus/dbus/v5"
	"github.com/peripety/peripety/correlate"
	pdbus "github.com/peripety/peripety/dbus"
	"github.com/peripety/peripety/event"
)

// maxMatchRules bounds the match rules one subscription adds: the filter's
// lists multiply (each rule holds one value per argument), and the bus
// limits rules per connection. Past the bound the bus filters on fewer
// arguments and the client filters the rest.
const maxMatchRules = 32

// gapMargin widens the time window of a gap Query: the timestamps of events
// need not follow their seq exactly (a coalesced storm keeps its first time).
const gapMargin = time.Minute

// Subscription says which events Subscribe delivers.
type Subscription struct {
	// Filter selects events as Query does; Since, Until and Limit are
	// ignored. EventTypes, Severity and SubSystems become bus match rules
	// (arg0, arg1, arg2 of StorageEvent), so the bus drops other events.
	Filter pdbus.QueryFilter
	// Missed, when set, learns of events that could not be delivered: a gap
	// in seq that Query could not fill (err says why, e.g. the caller may
	// not Query).
	Missed func(fromSeq, toSeq uint64, err error)
	// Incidents, when set, is called for each IncidentChanged signal (an
	// incident opened, changed state or grew), in order with the events;
	// an error it returns ends Subscribe.
	Incidents func(correlate.Incident) error
}

// Subscribe calls handle for each StorageEvent that passes s.Filter, in the
// daemon's order, until ctx ends (then it returns ctx's error), handle
// returns an error (returned as is) or the connection closes. Events lost
// on the way are fetched with Query and handled first, so a slow reader or
// a full bus queue loses nothing that the daemon stored: those of a signal
// key (dbus/chain.go) between the last one received and an event's
// prev_seq, and those a daemon's PERIPETY_EVENTS_SHED notice names. The
// seq numbers of the events the match rules leave out are never taken for
// losses, so a filtered subscription queries only when something was
// really lost.
func (c *Client) Subscribe(ctx context.Context, s Subscription, handle func(event.Event) error) error {
	return c.subscribe(ctx, s, handle, nil)
}

// subscribe is Subscribe; ready, when set, is called once the bus applies
// the match rules.
func (c *Client) subscribe(ctx context.Context, s Subscription, handle func(event.Event) error, ready func()) error {
	f := s.Filter.Filter
	f.Since, f.Until, f.Limit = time.Time{}, time.Time{}, 0
	if s.Filter.Blk != "" {
		f.Blk = c.identifiers(ctx, s.Filter.Blk)
	}
	sigs := make(chan *godbus.Signal, 64)
	c.conn.Signal(sigs)
	defer c.conn.RemoveSignal(sigs)
	ownerRule := []godbus.MatchOption{godbus.WithMatchSender("org.freedesktop.DBus"),
		godbus.WithMatchInterface("org.freedesktop.DBus"), godbus.WithMatchMember("NameOwnerChanged"),
		godbus.WithMatchArg(0, pdbus.BusName)}
	// The daemon's notices of events it shed reach every subscription,
	// whatever its rules (a message is delivered once however many match).
	rules := [][]godbus.MatchOption{ownerRule, matchOptions([]argMatch{{0, shedType}})}
	for _, conds := range matchRules(f) {
		rules = append(rules, matchOptions(conds))
	}
	if s.Incidents != nil {
		rules = append(rules, []godbus.MatchOption{godbus.WithMatchSender(pdbus.BusName), godbus.WithMatchObjectPath(pdbus.ObjectPath),
			godbus.WithMatchInterface(pdbus.Interface), godbus.WithMatchMember(pdbus.IncidentSignal)})
	}
	for i, r := range rules {
		if err := c.conn.AddMatchSignalContext(ctx, r...); err != nil {
			for _, added := range rules[:i] {
				c.conn.RemoveMatchSignal(added...)
			}
			return fmt.Errorf("subscribe: add match rule: %w", err)
		}
	}
	defer func() {
		for _, r := range rules {
			c.conn.RemoveMatchSignal(r...)
		}
	}()

	// Only the name's owner sends events: anyone may send a signal to
	// this connection alone, which no match rule filters. The owner is
	// looked up once the rules watch its changes.
	owner, err := c.owner(ctx)
	if err != nil {
		return err
	}
	if ready != nil {
		ready()
	}
	g := gaps{seen: make(map[pdbus.SignalKey]seen)}
	for {
		var sig *godbus.Signal
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.conn.Context().Done():
			return fmt.Errorf("subscribe: bus connection closed: %w", context.Cause(c.conn.Context()))
		case sig = <-sigs:
		}
		if sig.Name == "org.freedesktop.DBus.NameOwnerChanged" {
			if name, now, ok := ownerChange(sig); ok && name == pdbus.BusName {
				owner = now
				g = gaps{seen: make(map[pdbus.SignalKey]seen)} // a new daemon counts seq from the start
			}
			continue
		}
		if sig.Sender == "" || sig.Sender != owner {
			continue // not the daemon's
		}
		if sig.Name == pdbus.IncidentSignalName && sig.Path == pdbus.ObjectPath && s.Incidents != nil {
			if err := incidentSignal(sig, s.Incidents); err != nil {
				return err
			}
			continue
		}
		if sig.Name != pdbus.SignalName || sig.Path != pdbus.ObjectPath || len(sig.Body) != 6 {
			continue
		}
		m, ok := sig.Body[5].(map[string]godbus.Variant)
		if !ok {
			continue
		}
		ev, err := pdbus.DecodeEvent(m)
		if err != nil {
			continue // not an event this client understands
		}
		prev, _ := m[pdbus.PrevSeqKey].Value().(uint64)
		if err := c.fillGaps(ctx, s, f, &g, ev, prev, handle); err != nil {
			return err
		}
		if !f.Match(&ev) {
			continue
		}
		if err := handle(ev); err != nil {
			return err
		}
	}
}

// owner returns the unique name of the owner of org.storage.Peripety1, ""
// when it has none.
func (c *Client) owner(ctx context.Context) (string, error) {
	var name string
	err := c.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetNameOwner", 0, pdbus.BusName).Store(&name)
	var derr godbus.Error
	if errors.As(err, &derr) && derr.Name == "org.freedesktop.DBus.Error.NameHasNoOwner" {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("subscribe: owner of %s: %w", pdbus.BusName, err)
	}
	return name, nil
}

// ownerChange reads a NameOwnerChanged signal, when the bus sent it.
func ownerChange(sig *godbus.Signal) (name, owner string, ok bool) {
	if sig.Sender != "org.freedesktop.DBus" || len(sig.Body) != 3 {
		return "", "", false
	}
	name, ok1 := sig.Body[0].(string)
	owner, ok2 := sig.Body[2].(string)
	return name, owner, ok1 && ok2
}

// ErrGapTooLarge is given to Subscription.Missed for a gap of more than
// maxGapFill events: the client does not query for it (a seq that jumps so
// far is more likely a fault than a loss), and the caller may Query.
var ErrGapTooLarge = errors.New("too many events missed to fetch them")

// maxGapFill bounds the events one gap fill asks for: a Query page.
const maxGapFill = pdbus.MaxQueryLimit

// gaps is what a subscription knows of the events it received, to tell the
// events it missed from those its match rules left out (dbus/chain.go).
type gaps struct {
	// first is the first numbered event received since the daemon
	// started (Seq 0: none yet), last the latest.
	first, last event.Event
	// seen is the latest seq and time received per signal key.
	seen map[pdbus.SignalKey]seen
}

type seen struct {
	seq uint64
	at  time.Time
}

// maxSeenKeys bounds the signal keys a subscription remembers; past it, it
// starts over from the event at hand.
const maxSeenKeys = 1 << 14

// fillGaps handles, before ev, the events that pass f and were lost before
// it: those of ev's signal key between the last one received and ev's
// prev_seq (prev), and those a daemon's shed notice (ev itself) names. It
// then counts ev as received.
func (c *Client) fillGaps(ctx context.Context, s Subscription, f event.Filter, g *gaps, ev event.Event, prev uint64, handle func(event.Event) error) error {
	if ev.EventType == shedType && ev.Seq == 0 {
		from, err1 := strconv.ParseUint(ev.Ext("first_seq"), 10, 64)
		to, err2 := strconv.ParseUint(ev.Ext("last_seq"), 10, 64)
		if err1 != nil || err2 != nil || from == 0 || to < from || !shedMayMatch(f, ev.Ext("event_types")) {
			return nil
		}
		since := time.Time{}
		if g.last.Seq > 0 {
			since = g.last.Timestamp
		}
		return c.fill(ctx, s, f, since, ev.Timestamp, from, to, func(*event.Event) bool { return true }, handle)
	}
	if ev.Seq == 0 {
		return nil
	}
	k := pdbus.KeyOf(&ev)
	if len(g.seen) >= maxSeenKeys {
		*g = gaps{seen: make(map[pdbus.SignalKey]seen)}
	}
	last, known := g.seen[k]
	if !known && g.first.Seq > 0 {
		// Every event of k after the first one received would have come.
		last = seen{seq: g.first.Seq, at: g.first.Timestamp}
	}
	if prev > last.seq && last.seq > 0 && ev.Seq > prev && mayMatch(f, &ev) {
		sameKey := func(e *event.Event) bool { return pdbus.KeyOf(e) == k }
		if err := c.fill(ctx, s, f, last.at, ev.Timestamp, last.seq+1, prev, sameKey, handle); err != nil {
			return err
		}
	}
	g.seen[k] = seen{seq: ev.Seq, at: ev.Timestamp}
	if g.first.Seq == 0 {
		g.first = ev
	}
	g.last = ev
	return nil
}

// shedType is the daemon's notice of events a slow sink shed
// (service.EventShed).
const shedType = "PERIPETY_EVENTS_SHED"

// mayMatch says whether events of ev's signal key can pass f: what f asks
// of the event type, severity and sub-system, which the key fixes.
func mayMatch(f event.Filter, ev *event.Event) bool {
	f.Blk, f.EventID, f.Hostnames = nil, "", nil
	return f.Match(ev)
}

// shedMayMatch says whether a shed notice whose event_types extension is
// types ("FS_IO_ERROR=3,BLK_IO_ERROR=1") may stand for events f selects.
func shedMayMatch(f event.Filter, types string) bool {
	if len(f.EventTypes) == 0 {
		return true
	}
	for _, part := range strings.Split(types, ",") {
		name, _, _ := strings.Cut(part, "=")
		if slices.Contains(f.EventTypes, name) {
			return true
		}
	}
	return false
}

// fill handles the stored events numbered from to to (inclusive), stored
// between since and until (widened by gapMargin), that pass f and keep.
func (c *Client) fill(ctx context.Context, s Subscription, f event.Filter, since, until time.Time, from, to uint64,
	keep func(*event.Event) bool, handle func(event.Event) error) error {
	if to-from+1 > maxGapFill {
		if s.Missed != nil {
			s.Missed(from, to, fmt.Errorf("%d events: %w", to-from+1, ErrGapTooLarge))
		}
		return nil
	}
	q := s.Filter
	q.Filter = f
	q.Blk = s.Filter.Blk
	q.Filter.Blk = nil
	if !since.IsZero() {
		q.Since = since.Add(-gapMargin)
	}
	q.Until = until.Add(gapMargin)
	// A page: the window holds other events than the gap's too.
	q.Limit = pdbus.MaxQueryLimit
	evs, err := c.Query(ctx, q)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if s.Missed != nil {
			s.Missed(from, to, err)
		}
		return nil
	}
	evs = slices.DeleteFunc(evs, func(e event.Event) bool { return e.Seq < from || e.Seq > to || !f.Match(&e) || !keep(&e) })
	slices.SortFunc(evs, func(a, b event.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, e := range evs {
		if err := handle(e); err != nil {
			return err
		}
	}
	return nil
}

// identifiers expands a device as the daemon does for Query; a device the
// daemon cannot resolve is matched by the name given.
func (c *Client) identifiers(ctx context.Context, blk string) []string {
	info, err := c.BlockInfo(ctx, blk)
	if err != nil {
		return []string{blk}
	}
	return pdbus.Identifiers(blk, &info)
}

// argMatch is one argN='value' condition of a match rule.
type argMatch struct {
	Arg   int
	Value string
}

// matchRules turns f into the argument conditions of bus match rules on
// StorageEvent: one rule per combination of an event type (arg0), a
// severity name (arg1) and a sub-system (arg2). When the combinations exceed
// maxMatchRules, severity, then sub-system, then event type are left to the
// client. No condition at all is one rule that takes every event.
func matchRules(f event.Filter) [][]argMatch {
	var sevs []string
	if f.Severity != nil {
		for s := event.Emergency; s <= *f.Severity; s++ {
			sevs = append(sevs, s.String())
		}
	}
	// Sub-systems match in any case locally, but the bus compares exactly:
	// send the canonical spellings, or leave them all to the client.
	var subs []string
	for _, s := range f.SubSystems {
		c, ok := event.CanonicalSubSystem(s)
		if !ok {
			subs = nil
			break
		}
		subs = append(subs, c)
	}
	types := f.EventTypes
	size := func() int { return max(1, len(types)) * max(1, len(sevs)) * max(1, len(subs)) }
	for _, drop := range []*[]string{&sevs, &subs, &types} {
		if size() > maxMatchRules {
			*drop = nil
		}
	}
	rules := [][]argMatch{nil}
	for arg, values := range [][]string{types, sevs, subs} {
		if len(values) == 0 {
			continue
		}
		var next [][]argMatch
		for _, r := range rules {
			for _, v := range values {
				next = append(next, append(slices.Clip(r), argMatch{arg, v}))
			}
		}
		rules = next
	}
	return rules
}

// matchOptions is the whole match rule of StorageEvent with conds.
func matchOptions(conds []argMatch) []godbus.MatchOption {
	opts := []godbus.MatchOption{godbus.WithMatchSender(pdbus.BusName), godbus.WithMatchObjectPath(pdbus.ObjectPath),
		godbus.WithMatchInterface(pdbus.Interface), godbus.WithMatchMember(pdbus.Signal)}
	for _, c := range conds {
		opts = append(opts, godbus.WithMatchArg(c.Arg, c.Value))
	}
	return opts
}
