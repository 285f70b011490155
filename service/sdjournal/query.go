package sdjournal

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/service/journal"
)

// clause is one part of a journal match expression, in the shape
// sd_journal_add_match(3) can express: a clause holds when any of its terms
// holds; a term holds when all its FIELD=value matches do, matches on one
// field within a term being alternatives (sd-journal ORs them). The clauses
// of a plan must all hold (sd_journal_add_conjunction between them).
type clause [][]string

// Device identifiers are matched against the fields that can hold them: a
// path (it starts with /) against DEV_PATH and OWNERS_PATHS, anything else
// (kernel name, major:minor, WWID, UUID) against KDEV, DEV_WWID and
// OWNERS_WWIDS. Each term costs sd-journal a lookup per step, so the
// narrower plan is the faster query.
var (
	blkPathFields = []string{journal.FieldDevPath, journal.FieldOwnersPaths}
	blkIDFields   = []string{journal.FieldKdev, journal.FieldDevWWID, journal.FieldOwnersWWIDs}
)

// matchPlan returns the journal matches that preselect the entries f can
// accept: ours, of the wanted types, sub-systems, id and severity, on the
// device. The matches narrow; the decoded event is still checked with
// f.Match, which also covers what matches cannot (time, sub-system case).
func matchPlan(f *event.Filter) []clause {
	base := []string{journal.FieldIsPeripety + "=" + journal.IsPeripetyValue}
	for _, t := range f.EventTypes {
		base = append(base, journal.FieldEventType+"="+t)
	}
	for _, s := range f.SubSystems {
		base = append(base, journal.FieldSubSystem+"="+s)
		// Filter.Match takes any case; stored events carry the
		// canonical spelling.
		if c, ok := event.CanonicalSubSystem(s); ok && c != s {
			base = append(base, journal.FieldSubSystem+"="+c)
		}
	}
	if f.EventID != "" {
		base = append(base, journal.FieldEventID+"="+f.EventID)
	}
	if f.IncidentID != "" {
		base = append(base, journal.FieldIncident+"="+f.IncidentID)
	}
	if f.Severity != nil {
		// PRIORITY is the severity's number: this severe or more is
		// any priority from 0 up to it.
		for p := event.Emergency; p <= *f.Severity && p.Valid(); p++ {
			base = append(base, journal.FieldPriority+"="+strconv.Itoa(int(p)))
		}
	}
	plan := []clause{{base}}
	if len(f.Blk) == 0 {
		return plan
	}
	var paths, others []string
	for _, id := range f.Blk {
		switch {
		case id == "":
		case strings.HasPrefix(id, "/"):
			paths = append(paths, id)
		default:
			others = append(others, id)
		}
	}
	var blk clause
	for _, g := range []struct {
		fields, ids []string
	}{{blkIDFields, others}, {blkPathFields, paths}} {
		for _, field := range g.fields {
			if len(g.ids) == 0 {
				continue
			}
			var term []string
			for _, id := range g.ids {
				term = append(term, field+"="+id)
			}
			blk = append(blk, term)
		}
	}
	if len(blk) == 0 {
		// Only empty identifiers: nothing can match, and no match at
		// all would select everything.
		blk = clause{{journal.FieldKdev + "="}}
	}
	return append(plan, blk)
}

// outsideTime reports whether an EVENT_TIMESTAMP_USEC value puts the event
// outside f's time range. A value that does not parse says nothing: the
// decoded event decides.
func outsideTime(f *event.Filter, usec []byte) bool {
	n, err := strconv.ParseInt(string(usec), 10, 64)
	if err != nil {
		return false
	}
	ts := time.UnixMicro(n)
	return (!f.Since.IsZero() && ts.Before(f.Since)) || (!f.Until.IsZero() && ts.After(f.Until))
}

// apply installs a match plan on j.
func apply(j Journal, plan []clause) error {
	for i, c := range plan {
		if i > 0 {
			if err := j.AddConjunction(); err != nil {
				return err
			}
		}
		for k, term := range c {
			if k > 0 {
				if err := j.AddDisjunction(); err != nil {
					return err
				}
			}
			for _, m := range term {
				if err := j.AddMatch(m); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// readEvent decodes j's current entry.
func readEvent(j Journal) (event.Event, error) {
	rt, err := j.Realtime()
	if err != nil {
		return event.Event{}, err
	}
	return journal.DecodeEntry(j.Data, rt)
}

// query runs Store.Query on j, an open journal with no matches: it scans
// back from the tail and stops at limit events or at the first entry
// stored before f.Since.
func query(ctx context.Context, j Journal, f event.Filter) ([]event.Event, error) {
	if err := apply(j, matchPlan(&f)); err != nil {
		return nil, err
	}
	if err := j.SeekTail(); err != nil {
		return nil, err
	}
	limit := f.EffectiveLimit()
	if b := f.Before; b != nil && (f.Until.IsZero() || b.Time.Before(f.Until)) {
		// Nothing after the cursor's time can come before it: skipped
		// on the small timestamp field (Match breaks the tie).
		f.Until = b.Time
	}
	since := uint64(0)
	if !f.Since.IsZero() && f.Since.UnixMicro() > 0 {
		since = uint64(f.Since.UnixMicro())
	}
	timed := !f.Since.IsZero() || !f.Until.IsZero()
	var out []event.Event
	for len(out) < limit {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ok, err := j.Previous()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if since > 0 {
			rt, err := j.Realtime()
			if err != nil {
				return nil, err
			}
			if rt < since {
				break
			}
		}
		if timed {
			v, ok, err := j.Data(journal.FieldTimestamp)
			if err != nil {
				return nil, err
			}
			if ok && outsideTime(&f, v) {
				continue
			}
		}
		ev, err := readEvent(j)
		if err != nil {
			return nil, err
		}
		if f.Match(&ev) {
			out = append(out, ev)
		}
	}
	// Journal order is store order; a backlog read late may be stored
	// after newer events. Ties of time go by id, the order of pages
	// (event.Compare).
	slices.SortFunc(out, func(a, b event.Event) int { return event.Compare(&a, &b) })
	return out, nil
}

// follow runs Store.Follow on j, a newly opened journal.
func follow(ctx context.Context, j Journal, f event.Filter, fn func(event.Event) error) error {
	if err := j.Wait(0); err != nil {
		return err
	}
	if err := apply(j, matchPlan(&f)); err != nil {
		return err
	}
	// Step onto the last entry stored so far, so that Next moves only
	// to new ones.
	if err := j.SeekTail(); err != nil {
		return err
	}
	if _, err := j.Previous(); err != nil {
		return err
	}
	f.Since = time.Time{}
	for {
		ok, err := j.Next()
		if err != nil {
			return err
		}
		if !ok {
			if err := wait(ctx, j); err != nil {
				return err
			}
			continue
		}
		ev, err := readEvent(j)
		if err != nil {
			return err
		}
		if f.Match(&ev) {
			if err := fn(ev); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// wait waits for the journal to change, at most WaitStep or until ctx ends.
func wait(ctx context.Context, j Journal) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := j.Wait(WaitStep); err != nil {
		return err
	}
	return ctx.Err()
}

// storedIDs runs Store.IDs on j, an open journal with no matches: newest first,
// reading only the EVENT_ID field.
func storedIDs(ctx context.Context, j Journal, since time.Time, fn func(id string) bool) error {
	if err := j.AddMatch(journal.FieldIsPeripety + "=" + journal.IsPeripetyValue); err != nil {
		return err
	}
	if err := j.SeekTail(); err != nil {
		return err
	}
	floor := uint64(max(since.UnixMicro(), 0))
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		ok, err := j.Previous()
		if err != nil || !ok {
			return err
		}
		rt, err := j.Realtime()
		if err != nil {
			return err
		}
		if rt < floor {
			return nil
		}
		id, ok, err := j.Data(journal.FieldEventID)
		if err != nil {
			return err
		}
		if ok && !fn(string(id)) {
			return nil
		}
	}
}
