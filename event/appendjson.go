package event

import (
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends e's JSON encoding to b: byte for byte what MarshalJSON
// gives, without reflection, for writers of many events (prpt parse -J spent
// a third of its time in MarshalJSON). A test holds the two together.
func (e *Event) AppendJSON(b []byte) ([]byte, error) {
	if !e.Severity.Valid() {
		return b, fmt.Errorf("invalid severity %d", e.Severity)
	}
	b = append(b, `{"event_id":`...)
	b = appendJSONString(b, e.EventID)
	b = append(b, `,"event_type":`...)
	b = appendJSONString(b, e.EventType)
	b = append(b, `,"severity":`...)
	b = appendJSONString(b, e.Severity.String())
	b = append(b, `,"sub_system":`...)
	b = appendJSONString(b, e.SubSystem)
	b = append(b, `,"hostname":`...)
	b = appendJSONString(b, e.Hostname)
	b = append(b, `,"kdev":`...)
	b = appendJSONString(b, e.Kdev)
	b = append(b, `,"dev_wwid":`...)
	b = appendJSONString(b, e.DevWWID)
	b = append(b, `,"dev_path":`...)
	b = appendJSONString(b, e.DevPath)
	b = append(b, `,"owners_wwids":`...)
	b = appendJSONStrings(b, e.OwnersWWIDs)
	b = append(b, `,"owners_paths":`...)
	b = appendJSONStrings(b, e.OwnersPaths)
	b = append(b, `,"msg":`...)
	b = appendJSONString(b, e.Msg)
	b = append(b, `,"raw_msg":`...)
	b = appendJSONString(b, e.RawMsg)
	b = append(b, `,"extension":{`...)
	keys := make([]string, 0, len(e.Extension))
	for k := range e.Extension {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, e.Extension[k])
	}
	b = append(b, `},"root_cause_event_id":`...)
	b = appendJSONString(b, e.RootCauseEventID)
	b = append(b, `,"incident_id":`...)
	b = appendJSONString(b, e.IncidentID)
	b = append(b, `,"count":`...)
	b = strconv.AppendUint(b, uint64(e.Count), 10)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, `,"timestamp":"`...)
	if !e.Timestamp.IsZero() {
		b = e.Timestamp.AppendFormat(b, TimeLayout)
	}
	return append(b, `"}`...), nil
}

func appendJSONStrings(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// jsonPlain says which ASCII bytes appendJSONString copies as they are:
// one look-up a byte rather than six comparisons.
var jsonPlain = func() (t [utf8.RuneSelf]bool) {
	for c := byte(0x20); c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString quotes s as encoding/json does: <, > and & escaped for
// HTML, bytes that are not UTF-8 as U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex, ones = "0123456789abcdef", 0x0101010101010101
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight bytes at a time while all are plain: a byte that
		// jsonPlain does not pass sets its high bit in bad (below 0x20:
		// the subtraction borrows; from 0x80 up: the byte itself; one of
		// the five: the zero byte of the xor borrows).
		for i+8 <= len(s) {
			w := s[i : i+8]
			x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
			q, bs, lt, gt, amp := x^(ones*'"'), x^(ones*'\\'), x^(ones*'<'), x^(ones*'>'), x^(ones*'&')
			bad := x | (x-ones*0x20)&^x | (q-ones)&^q | (bs-ones)&^bs | (lt-ones)&^lt | (gt-ones)&^gt | (amp-ones)&^amp
			if bad&(ones*0x80) != 0 {
				break
			}
			i += 8
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
