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
	var fields map[string]json.RawMessage
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
		clear(fields)
		if err := json.Unmarshal(line, &fields); err != nil {
			r.skip(SkipMalformed, r.lineNo, line)
			continue
		}
		e.reset()
		bad := false
		for k, raw := range fields {
			if !isJournalKey(k) {
				continue
			}
			v, err := journalJSONValue(raw)
			if err != nil {
				bad = true
				break
			}
			e.set(k, v)
		}
		if bad {
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
