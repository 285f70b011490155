package journal

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/peripety/peripety/event"
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
	blkPathFields = []string{FieldDevPath, FieldOwnersPaths}
	blkIDFields   = []string{FieldKdev, FieldDevWWID, FieldOwnersWWIDs}
)

// matchPlan returns the journal matches that preselect the entries f can
// accept: ours, of the wanted types, sub-systems, id and severity, on the
// device. The matches narrow; the decoded event is still checked with
// f.Match, which also covers what matches cannot (time, sub-system case).
func matchPlan(f *event.Filter) []clause {
	base := []string{FieldIsPeripety + "=" + IsPeripetyValue}
	for _, t := range f.EventTypes {
		base = append(base, FieldEventType+"="+t)
	}
	for _, s := range f.SubSystems {
		base = append(base, FieldSubSystem+"="+s)
		// Filter.Match takes any case; stored events carry the
		// canonical spelling.
		if c, ok := event.CanonicalSubSystem(s); ok && c != s {
			base = append(base, FieldSubSystem+"="+c)
		}
	}
	if f.EventID != "" {
		base = append(base, FieldEventID+"="+f.EventID)
	}
	if f.Severity != nil {
		// PRIORITY is the severity's number: this severe or more is
		// any priority from 0 up to it.
		for p := event.Emergency; p <= *f.Severity && p.Valid(); p++ {
			base = append(base, FieldPriority+"="+strconv.Itoa(int(p)))
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
		blk = clause{{FieldKdev + "="}}
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

// entryGetter reads one field of the current journal entry; ok is false
// when the entry has no such field.
type entryGetter func(field string) (value []byte, ok bool, err error)

// decodeEntry turns a stored entry into its event: the JSON field when it
// decodes, else (an entry some other writer marked IS_PERIPETY=TRUE, or a
// JSON field damaged) what the single-valued fields say, with
// extension.decode_error telling why. realtime (µs) stands in for a
// missing timestamp.
func decodeEntry(get entryGetter, realtime uint64) (event.Event, error) {
	var ev event.Event
	js, ok, err := get(FieldJSON)
	if err != nil {
		return ev, err
	}
	var jsErr error
	if ok {
		// UnmarshalJSON directly: json.Unmarshal would first scan the
		// whole field once more to validate it, and the fast path
		// declines whatever it does not fully check.
		if jsErr = ev.UnmarshalJSON(js); jsErr == nil {
			if ev.Timestamp.IsZero() {
				ev.Timestamp = time.UnixMicro(int64(realtime))
			}
			return ev, nil
		}
		ev = event.Event{}
	} else {
		jsErr = fmt.Errorf("no %s field", FieldJSON)
	}
	str := func(field string) string {
		v, _, e := get(field)
		if e != nil && err == nil {
			err = e
		}
		return string(v)
	}
	ev.EventID = str(FieldEventID)
	ev.EventType = str(FieldEventType)
	ev.SubSystem = str(FieldSubSystem)
	ev.Kdev = str(FieldKdev)
	ev.DevWWID = str(FieldDevWWID)
	ev.DevPath = str(FieldDevPath)
	ev.Msg = str(FieldMessage)
	ev.RootCauseEventID = str(FieldRootCause)
	ev.Hostname = str("_HOSTNAME")
	ev.Severity = event.Info
	if p, e := strconv.Atoi(str(FieldPriority)); e == nil && event.Severity(p).Valid() {
		ev.Severity = event.Severity(p)
	}
	ev.Count = 1
	if c, e := strconv.ParseUint(str(FieldCount), 10, 32); e == nil && c > 0 {
		ev.Count = uint32(c)
	}
	ev.Timestamp = time.UnixMicro(int64(realtime))
	ev.SetExt("decode_error", jsErr.Error())
	return ev, err
}
