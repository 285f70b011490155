package event

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// decodeJSONFast decodes the JSON object b into e without reflection, for
// readers of many stored events (a journal Query spent a sixth of its time
// in encoding/json). It takes the shape AppendJSON writes (any key order,
// any whitespace) and gives up, returning false with e untouched, on
// anything else: a string with an escape, an unknown, repeated or
// differently spelled key, null, a number that is not a plain unsigned
// integer, a severity or timestamp that does not parse. UnmarshalJSON then
// decodes with encoding/json, which is the reference; a test holds the two
// together.
func decodeJSONFast(e *Event, b []byte) bool {
	p := fastParser{b: b}
	var ev Event
	var seen uint32
	var tsSet bool
	var ts time.Time
	p.space()
	if !p.byte('{') {
		return false
	}
	p.space()
	if !p.byte('}') {
		for {
			key, ok := p.str()
			if !ok {
				return false
			}
			p.space()
			if !p.byte(':') {
				return false
			}
			p.space()
			bit := uint32(0)
			switch key {
			case "event_id":
				bit = 1 << 0
				ev.EventID, ok = p.str()
			case "event_type":
				bit = 1 << 1
				ev.EventType, ok = p.str()
			case "severity":
				bit = 1 << 2
				var s string
				if s, ok = p.str(); ok {
					var err error
					ev.Severity, err = ParseSeverity(s)
					ok = err == nil
				}
			case "sub_system":
				bit = 1 << 3
				ev.SubSystem, ok = p.str()
			case "hostname":
				bit = 1 << 4
				ev.Hostname, ok = p.str()
			case "kdev":
				bit = 1 << 5
				ev.Kdev, ok = p.str()
			case "dev_wwid":
				bit = 1 << 6
				ev.DevWWID, ok = p.str()
			case "dev_path":
				bit = 1 << 7
				ev.DevPath, ok = p.str()
			case "owners_wwids":
				bit = 1 << 8
				ev.OwnersWWIDs, ok = p.strs()
			case "owners_paths":
				bit = 1 << 9
				ev.OwnersPaths, ok = p.strs()
			case "msg":
				bit = 1 << 10
				ev.Msg, ok = p.str()
			case "raw_msg":
				bit = 1 << 11
				ev.RawMsg, ok = p.str()
			case "extension":
				bit = 1 << 12
				ev.Extension, ok = p.strMap()
			case "root_cause_event_id":
				bit = 1 << 13
				ev.RootCauseEventID, ok = p.str()
			case "incident_id":
				bit = 1 << 17
				ev.IncidentID, ok = p.str()
			case "count":
				bit = 1 << 14
				var n uint64
				n, ok = p.uint(32)
				ev.Count = uint32(n)
			case "seq":
				bit = 1 << 15
				ev.Seq, ok = p.uint(64)
			case "timestamp":
				bit = 1 << 16
				ts, ok = p.timestamp()
				tsSet = true
			default:
				return false
			}
			if !ok || seen&bit != 0 {
				return false
			}
			seen |= bit
			p.space()
			if p.byte('}') {
				break
			}
			if !p.byte(',') {
				return false
			}
			p.space()
		}
	}
	p.space()
	if p.i != len(p.b) {
		return false
	}
	if tsSet {
		ev.Timestamp = ts
	}
	if ev.Count == 0 {
		ev.Count = 1
	}
	*e = ev
	return true
}

// fastParser reads the JSON decodeJSONFast takes.
type fastParser struct {
	b []byte
	i int
}

func (p *fastParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// byte consumes c when it comes next.
func (p *fastParser) byte(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a string with no escapes and no control characters, in valid
// UTF-8 (encoding/json would change invalid bytes to U+FFFD).
func (p *fastParser) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start, ascii := p.i, true
	for ; p.i < len(p.b); p.i++ {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !ascii && !utf8.Valid(s) {
				return "", false
			}
			return string(s), true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// strs reads an array of strings; [] is an empty, non-nil slice, as
// encoding/json gives.
func (p *fastParser) strs() ([]string, bool) {
	if !p.byte('[') {
		return nil, false
	}
	list := []string{}
	p.space()
	if p.byte(']') {
		return list, true
	}
	for {
		s, ok := p.str()
		if !ok {
			return nil, false
		}
		list = append(list, s)
		p.space()
		if p.byte(']') {
			return list, true
		}
		if !p.byte(',') {
			return nil, false
		}
		p.space()
	}
}

// strMap reads an object of strings; {} is an empty, non-nil map. A
// repeated key gives up (encoding/json keeps the last).
func (p *fastParser) strMap() (map[string]string, bool) {
	if !p.byte('{') {
		return nil, false
	}
	m := map[string]string{}
	p.space()
	if p.byte('}') {
		return m, true
	}
	for {
		k, ok := p.str()
		if !ok {
			return nil, false
		}
		p.space()
		if !p.byte(':') {
			return nil, false
		}
		p.space()
		v, ok := p.str()
		if !ok {
			return nil, false
		}
		if _, dup := m[k]; dup {
			return nil, false
		}
		m[k] = v
		p.space()
		if p.byte('}') {
			return m, true
		}
		if !p.byte(',') {
			return nil, false
		}
		p.space()
	}
}

// digits reads a JSON integer without sign, fraction or exponent.
func (p *fastParser) digits() ([]byte, bool) {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	d := p.b[start:p.i]
	if len(d) == 0 || (len(d) > 1 && d[0] == '0') {
		return nil, false
	}
	if p.i < len(p.b) {
		switch p.b[p.i] {
		case '.', 'e', 'E':
			return nil, false
		}
	}
	return d, true
}

func (p *fastParser) uint(bits int) (uint64, bool) {
	d, ok := p.digits()
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(string(d), 10, bits)
	return n, err == nil
}

// timestamp reads RFC 3339 text ("" for none) or microseconds since the
// epoch, as UnmarshalJSON takes them.
func (p *fastParser) timestamp() (time.Time, bool) {
	if p.i < len(p.b) && p.b[p.i] == '"' {
		s, ok := p.str()
		if !ok {
			return time.Time{}, false
		}
		if s == "" {
			return time.Time{}, true
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		return t, err == nil
	}
	d, ok := p.digits()
	if !ok {
		return time.Time{}, false
	}
	usec, err := strconv.ParseInt(string(d), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMicro(usec), true
}
