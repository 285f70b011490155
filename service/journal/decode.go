package journal

import (
	"fmt"
	"strconv"
	"time"

	"github.com/peripety/peripety/event"
)

// EntryGetter reads one field of the current journal entry; ok is false
// when the entry has no such field.
type EntryGetter func(field string) (value []byte, ok bool, err error)

// DecodeEntry turns a stored entry into its event: the JSON field when it
// decodes, else (an entry some other writer marked IS_PERIPETY=TRUE, or a
// JSON field damaged) what the single-valued fields say, with
// extension.decode_error telling why. realtime (µs) stands in for a
// missing timestamp.
func DecodeEntry(get EntryGetter, realtime uint64) (event.Event, error) {
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
	ev.IncidentID = str(FieldIncident)
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
