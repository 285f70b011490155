package journal

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/peripety/peripety/event"
)

// clause is one part of a journal match expression, in the shape
// sd_journal_add_match(3) can express: a clause holds when any of its terms
// holds; a term holds when all its FIELD=value matches do, matches on one
// field within a term being alternatives (sd-journal ORs them). The clauses
// of a plan must all hold (sd_journal_add_conjunction between them).
type clause [][]string

// blkFields are the fields that carry a device identifier; Filter.Blk
// matches when any of them holds any identifier of the device.
var blkFields = []string{FieldKdev, FieldDevWWID, FieldDevPath, FieldOwnersWWIDs, FieldOwnersPaths}

// matchPlan returns the journal matches that preselect the entries f can
// accept: ours, of the wanted types, sub-systems and id, on the device.
// The matches narrow; the decoded event is still checked with f.Match,
// which also covers what matches cannot (severity, time, sub-system case).
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
	plan := []clause{{base}}
	var ids []string
	for _, id := range f.Blk {
		if id != "" {
			ids = append(ids, id)
		}
	}
	if len(f.Blk) > 0 {
		if len(ids) == 0 {
			// Only empty identifiers: nothing can match, and no match
			// at all would select everything.
			ids = []string{""}
		}
		var blk clause
		for _, field := range blkFields {
			var term []string
			for _, id := range ids {
				term = append(term, field+"="+id)
			}
			blk = append(blk, term)
		}
		plan = append(plan, blk)
	}
	return plan
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
		if jsErr = json.Unmarshal(js, &ev); jsErr == nil {
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
