// Package event defines the storage event model of Peripety: one Event per
// storage incident, with the JSON encoding fixed by docs/design.md ("Event
// model"; key names as in the original peripety examples).
package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// TimeLayout is the timestamp form of the JSON encoding: RFC 3339 with
// microseconds and the local offset.
const TimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// Event is one storage event.
type Event struct {
	EventID          string            `json:"event_id"`
	EventType        string            `json:"event_type"`
	Severity         Severity          `json:"severity"`
	SubSystem        string            `json:"sub_system"`
	Timestamp        time.Time         `json:"-"`
	Hostname         string            `json:"hostname"`
	Kdev             string            `json:"kdev"`
	DevWWID          string            `json:"dev_wwid"`
	DevPath          string            `json:"dev_path"`
	OwnersWWIDs      []string          `json:"owners_wwids"`
	OwnersPaths      []string          `json:"owners_paths"`
	Msg              string            `json:"msg"`
	RawMsg           string            `json:"raw_msg"`
	Extension        map[string]string `json:"extension"`
	RootCauseEventID string            `json:"root_cause_event_id"`
	IncidentID       string            `json:"incident_id"`
	Count            uint32            `json:"count"`
	Seq              uint64            `json:"seq"`
}

// wire is Event as encoded: the timestamp as text, nil slices and maps as
// empty ones so that consumers never see null.
type wire Event

type wireJSON struct {
	wire
	Timestamp json.RawMessage `json:"timestamp"`
}

// MarshalJSON encodes e with its timestamp in TimeLayout.
func (e Event) MarshalJSON() ([]byte, error) {
	w := wire(e)
	if w.OwnersWWIDs == nil {
		w.OwnersWWIDs = []string{}
	}
	if w.OwnersPaths == nil {
		w.OwnersPaths = []string{}
	}
	if w.Extension == nil {
		w.Extension = map[string]string{}
	}
	ts := `""`
	if !e.Timestamp.IsZero() {
		ts = strconv.Quote(e.Timestamp.Format(TimeLayout))
	}
	return json.Marshal(wireJSON{wire: w, Timestamp: json.RawMessage(ts)})
}

// UnmarshalJSON decodes an event. The timestamp may be RFC 3339 text or, as
// the original peripety wrote it, an integer of microseconds since the epoch.
// A missing count means 1.
func (e *Event) UnmarshalJSON(b []byte) error {
	if decodeJSONFast(e, b) {
		return nil
	}
	return e.unmarshalJSON(b)
}

// unmarshalJSON is UnmarshalJSON through encoding/json: every input
// decodeJSONFast declines, and the reference it is tested against.
func (e *Event) unmarshalJSON(b []byte) error {
	var w wireJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = Event(w.wire)
	ts := bytes.TrimSpace(w.Timestamp)
	switch {
	case len(ts) == 0 || string(ts) == "null" || string(ts) == `""`:
		e.Timestamp = time.Time{}
	case ts[0] == '"':
		var s string
		if err := json.Unmarshal(ts, &s); err != nil {
			return fmt.Errorf("timestamp: %w", err)
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("timestamp %q: %w", s, err)
		}
		e.Timestamp = t
	default:
		usec, err := strconv.ParseInt(string(ts), 10, 64)
		if err != nil {
			return fmt.Errorf("timestamp %s: not RFC 3339 text nor microseconds", ts)
		}
		e.Timestamp = time.UnixMicro(usec)
	}
	if e.Count == 0 {
		e.Count = 1
	}
	return nil
}

// Ext returns the extension value for key, or "" when absent.
func (e *Event) Ext(key string) string {
	return e.Extension[key]
}

// SetExt sets an extension key, creating the map when needed. An empty value
// is not stored.
func (e *Event) SetExt(key, value string) {
	if value == "" {
		return
	}
	if e.Extension == nil {
		e.Extension = make(map[string]string)
	}
	e.Extension[key] = value
}
