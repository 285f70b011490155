package logfmt

import (
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// This file scans the one-level JSON objects of journalctl -o json without
// encoding/json's reflection, which costs ten times the rest of reading a
// record. It decodes only the values of the fields asked for and steps
// over the others, checking that they are well formed.

var errJSON = errors.New("malformed JSON")

// scanJSONObject calls field for every member of the object that is line
// (white space around allowed). want tells which keys to decode; field
// gets their values: a string's text, the bytes of an array of numbers,
// the first value of an array of those, nil for null. buf is scratch
// space for decoded strings, returned for reuse.
func scanJSONObject(line, buf []byte, want func(key []byte) bool, field func(key, value []byte)) ([]byte, error) {
	if buf == nil {
		buf = make([]byte, 0, 256) // so that an empty string is not nil
	}
	s := jsonScanner{b: line}
	s.space()
	if !s.eat('{') {
		return buf, errJSON
	}
	s.space()
	if s.eat('}') {
		return buf, s.end()
	}
	for {
		s.space()
		keyStart := len(buf)
		var err error
		if buf, err = s.str(buf); err != nil {
			return buf, err
		}
		s.space()
		if !s.eat(':') {
			return buf, errJSON
		}
		s.space()
		key := buf[keyStart:]
		if want(key) {
			var value []byte
			if buf, value, err = s.value(buf, 0); err != nil {
				return buf, err
			}
			field(buf[keyStart:keyStart+len(key)], value)
		} else if err := s.skip(0); err != nil {
			return buf, err
		}
		buf = buf[:keyStart]
		s.space()
		if s.eat('}') {
			return buf, s.end()
		}
		if !s.eat(',') {
			return buf, errJSON
		}
	}
}

type jsonScanner struct {
	b []byte
	i int
}

func (s *jsonScanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

func (s *jsonScanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *jsonScanner) end() error {
	s.space()
	if s.i != len(s.b) {
		return errJSON
	}
	return nil
}

// maxDepth bounds nesting in skipped values.
const maxDepth = 64

// value decodes a field value (see scanJSONObject), appending decoded text
// to buf; value aliases buf or is nil.
func (s *jsonScanner) value(buf []byte, depth int) ([]byte, []byte, error) {
	if s.i >= len(s.b) {
		return buf, nil, errJSON
	}
	start := len(buf)
	switch s.b[s.i] {
	case '"':
		buf, err := s.str(buf)
		return buf, buf[start:], err
	case 'n':
		return buf, nil, s.literal("null")
	case '[':
		s.i++
		s.space()
		if s.eat(']') {
			return buf, nil, nil
		}
		if s.i < len(s.b) && (s.b[s.i] == '"' || s.b[s.i] == '[' || s.b[s.i] == 'n') {
			if depth > 0 {
				return buf, nil, errJSON
			}
			// A repeated field: the first value, the others checked.
			buf, v, err := s.value(buf, depth+1)
			if err != nil {
				return buf, nil, err
			}
			for {
				s.space()
				if s.eat(']') {
					return buf, v, nil
				}
				if !s.eat(',') {
					return buf, nil, errJSON
				}
				s.space()
				if err := s.skip(depth + 1); err != nil {
					return buf, nil, err
				}
			}
		}
		for { // bytes
			n := 0
			digits := 0
			if len(s.b)-s.i > 1 && s.b[s.i] == '0' && s.b[s.i+1] >= '0' && s.b[s.i+1] <= '9' {
				return buf, nil, fmt.Errorf("%w: number with a leading zero", errJSON)
			}
			for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
				n = n*10 + int(s.b[s.i]-'0')
				s.i++
				digits++
				if n > 255 {
					return buf, nil, fmt.Errorf("%w: byte value over 255", errJSON)
				}
			}
			if digits == 0 {
				return buf, nil, errJSON
			}
			buf = append(buf, byte(n))
			s.space()
			if s.eat(']') {
				return buf, buf[start:], nil
			}
			if !s.eat(',') {
				return buf, nil, errJSON
			}
			s.space()
		}
	}
	return buf, nil, fmt.Errorf("%w: unexpected value", errJSON)
}

func (s *jsonScanner) literal(word string) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return errJSON
	}
	s.i += len(word)
	return nil
}

// skip steps over any JSON value.
func (s *jsonScanner) skip(depth int) error {
	if depth > maxDepth || s.i >= len(s.b) {
		return errJSON
	}
	switch c := s.b[s.i]; {
	case c == '"':
		_, err := s.str(nil)
		return err
	case c == 'n':
		return s.literal("null")
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	case c == '[' || c == '{':
		close := byte(']')
		if c == '{' {
			close = '}'
		}
		s.i++
		s.space()
		if s.eat(close) {
			return nil
		}
		for {
			s.space()
			if c == '{' {
				if _, err := s.str(nil); err != nil {
					return err
				}
				s.space()
				if !s.eat(':') {
					return errJSON
				}
				s.space()
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			s.space()
			if s.eat(close) {
				return nil
			}
			if !s.eat(',') {
				return errJSON
			}
		}
	}
	return errJSON
}

// number steps over a JSON number.
func (s *jsonScanner) number() error {
	s.eat('-')
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(s.b) && s.b[s.i] == '0' {
		s.i++
	} else if digits() == 0 {
		return errJSON
	}
	if s.eat('.') && digits() == 0 {
		return errJSON
	}
	if s.eat('e') || s.eat('E') {
		if !s.eat('+') {
			s.eat('-')
		}
		if digits() == 0 {
			return errJSON
		}
	}
	return nil
}

// str decodes the string at s.i, appending its text to buf (buf nil: only
// checked). Bytes that are not UTF-8 are kept as they are.
func (s *jsonScanner) str(buf []byte) ([]byte, error) {
	if !s.eat('"') {
		return buf, errJSON
	}
	for {
		start := s.i
		for s.i < len(s.b) && s.b[s.i] != '"' && s.b[s.i] != '\\' && s.b[s.i] >= 0x20 {
			s.i++
		}
		buf = append(buf, s.b[start:s.i]...)
		if s.i >= len(s.b) || s.b[s.i] < 0x20 {
			return buf, errJSON
		}
		if s.b[s.i] == '"' {
			s.i++
			return buf, nil
		}
		s.i++ // the backslash
		if s.i >= len(s.b) {
			return buf, errJSON
		}
		c := s.b[s.i]
		s.i++
		switch c {
		case '"', '\\', '/':
			buf = append(buf, c)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return buf, errJSON
			}
			if utf16.IsSurrogate(r) {
				save := s.i
				if s.eat('\\') && s.eat('u') {
					if r2, ok := s.hex4(); ok {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							buf = utf8.AppendRune(buf, dec)
							continue
						}
					}
				}
				s.i = save
				r = utf8.RuneError
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return buf, errJSON
		}
	}
}

func (s *jsonScanner) hex4() (rune, bool) {
	if len(s.b)-s.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		v, ok := unhex(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	s.i += 4
	return r, true
}
