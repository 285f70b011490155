package logfmt

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/peripety/peripety/parsers"
)

// nextJournalJSON reads `journalctl -o json`: one object a line, each field
// a string, null (a value journalctl leaves out), an array of byte values
// (a value that is not UTF-8), or an array of those (a repeated field, of
// which the first value is used).
func (r *Reader) nextJournalJSON() (parsers.Record, error) {
	var e journalEntry
	for {
		line, err := r.readLine()
		if errors.Is(err, errTooLong) {
			r.skip(SkipTooLong, r.lineNo, line)
			continue
		}
		if err != nil {
			return parsers.Record{}, err
		}
		if len(line) == 0 {
			continue
		}
		var fields journalJSONFields
		if err := json.Unmarshal(line, &fields); err != nil || !fields.set(&e) {
			r.skip(SkipMalformed, r.lineNo, line)
			continue
		}
		rec, why, ok := r.journalRecord(&e)
		if !ok {
			r.skip(why, r.lineNo, line)
			continue
		}
		r.recLine = r.lineNo
		return rec, nil
	}
}

// journalJSONFields are the fields of a JSON entry a record is made of;
// encoding/json skips the others without decoding them.
type journalJSONFields struct {
	Message    json.RawMessage `json:"MESSAGE"`
	Priority   json.RawMessage `json:"PRIORITY"`
	Facility   json.RawMessage `json:"SYSLOG_FACILITY"`
	Hostname   json.RawMessage `json:"_HOSTNAME"`
	Subsystem  json.RawMessage `json:"_KERNEL_SUBSYSTEM"`
	Device     json.RawMessage `json:"_KERNEL_DEVICE"`
	Cursor     json.RawMessage `json:"__CURSOR"`
	Realtime   json.RawMessage `json:"__REALTIME_TIMESTAMP"`
	Monotonic  json.RawMessage `json:"_SOURCE_MONOTONIC_TIMESTAMP"`
	Transport  json.RawMessage `json:"_TRANSPORT"`
	Identifier json.RawMessage `json:"SYSLOG_IDENTIFIER"`
	IsPeripety json.RawMessage `json:"IS_PERIPETY"`
}

// set decodes the fields into e and reports whether they all decode.
func (f *journalJSONFields) set(e *journalEntry) bool {
	e.reset()
	for _, kv := range [...]struct {
		key string
		raw json.RawMessage
	}{
		{"MESSAGE", f.Message}, {"PRIORITY", f.Priority}, {"SYSLOG_FACILITY", f.Facility},
		{"_HOSTNAME", f.Hostname}, {"_KERNEL_SUBSYSTEM", f.Subsystem}, {"_KERNEL_DEVICE", f.Device},
		{"__CURSOR", f.Cursor}, {"__REALTIME_TIMESTAMP", f.Realtime},
		{"_SOURCE_MONOTONIC_TIMESTAMP", f.Monotonic}, {"_TRANSPORT", f.Transport},
		{"SYSLOG_IDENTIFIER", f.Identifier}, {"IS_PERIPETY", f.IsPeripety},
	} {
		if kv.raw == nil {
			continue
		}
		v, err := journalJSONValue(kv.raw)
		if err != nil {
			return false
		}
		e.set(kv.key, v)
	}
	return true
}

// journalJSONValue decodes one field value of journalctl -o json.
func journalJSONValue(raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 {
		return nil, errors.New("empty value")
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return []byte(s), nil
	case 'n':
		return nil, nil
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
		if len(items) == 0 {
			return nil, nil
		}
		if items[0][0] == '"' || items[0][0] == '[' || items[0][0] == 'n' {
			return journalJSONValue(items[0]) // a repeated field
		}
		b := make([]byte, len(items))
		for i, it := range items {
			var n uint8
			if err := json.Unmarshal(it, &n); err != nil {
				return nil, fmt.Errorf("byte %d: %w", i, err)
			}
			b[i] = n
		}
		return b, nil
	}
	return nil, fmt.Errorf("unexpected value %.20s", raw)
}
