package client

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	godbus "github.com/godbus/dbus/v5"
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
}

// Subscribe calls handle for each StorageEvent that passes s.Filter, in the
// daemon's order, until ctx ends (then it returns ctx's error), handle
// returns an error (returned as is) or the connection closes. When the seq
// of an event skips, the events in between that pass the filter are fetched
// with Query and handled first, so a slow reader or a full bus queue loses
// nothing that the daemon stored.
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
	rules := [][]godbus.MatchOption{ownerRule}
	for _, conds := range matchRules(f) {
		rules = append(rules, matchOptions(conds))
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
	var last event.Event // the last event seen, matching or not; Seq 0: none
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
				last = event.Event{} // a new daemon counts seq from the start
			}
			continue
		}
		if sig.Sender == "" || sig.Sender != owner || sig.Name != pdbus.SignalName || sig.Path != pdbus.ObjectPath || len(sig.Body) != 6 {
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
		if last.Seq > 0 && ev.Seq > last.Seq+1 {
			if err := c.fill(ctx, s, f, last, ev, handle); err != nil {
				return err
			}
		}
		if ev.Seq > 0 {
			last = ev
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

// fill handles the stored events between prev and next (by seq) that pass f.
func (c *Client) fill(ctx context.Context, s Subscription, f event.Filter, prev, next event.Event, handle func(event.Event) error) error {
	gap := next.Seq - prev.Seq - 1
	if gap > maxGapFill {
		if s.Missed != nil {
			s.Missed(prev.Seq+1, next.Seq-1, fmt.Errorf("%d events: %w", gap, ErrGapTooLarge))
		}
		return nil
	}
	q := s.Filter
	q.Filter = f
	q.Blk = s.Filter.Blk
	q.Filter.Blk = nil
	q.Since = prev.Timestamp.Add(-gapMargin)
	q.Until = next.Timestamp.Add(gapMargin)
	q.Limit = int(gap)
	evs, err := c.Query(ctx, q)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if s.Missed != nil {
			s.Missed(prev.Seq+1, next.Seq-1, err)
		}
		return nil
	}
	evs = slices.DeleteFunc(evs, func(e event.Event) bool { return e.Seq <= prev.Seq || e.Seq >= next.Seq || !f.Match(&e) })
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
