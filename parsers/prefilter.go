package parsers

import (
	"bytes"
	"unsafe"
)

// Prefilter is RuleSet.Wants for a reader in front of a Parser on another
// goroutine (logfmt.Reader.SetFilter, `prpt parse`): it keeps the candidate
// rules of the one-line kernel text it said yes to last, and Found hands
// them over with the record, so that the Parser does not look the line up
// a second time. A Prefilter is not safe for concurrent use; what Found
// gives is, once the Prefilter has given it.
type Prefilter struct {
	rs     *RuleSet
	wanted []byte
	cand   []int32
}

// Prefiltered is what a Prefilter found of one record (Parser.PushPrefiltered).
// The zero value says nothing.
type Prefiltered struct {
	cand  []int32
	found bool
}

// NewPrefilter returns a Prefilter over rs.
func (rs *RuleSet) NewPrefilter() *Prefilter {
	return &Prefilter{rs: rs, cand: make([]int32, 0, maxCandidates)}
}

// Wants is RuleSet.Wants.
func (f *Prefilter) Wants(daemon string, text []byte) bool {
	f.wanted = f.wanted[:0]
	if daemon != "" || bytes.IndexByte(text, '\n') >= 0 {
		return f.rs.Wants(daemon, text)
	}
	// A view of text, not a copy: it lives only during the call.
	line := unsafe.String(unsafe.SliceData(text), len(text))
	trimmed := line
	for trimmed != "" && trimmed[0] == ' ' {
		trimmed = trimmed[1:]
	}
	cand := f.rs.kernel.candidates(f.rs.rules, line, trimmed, f.cand[:0])
	if !f.rs.anyNeedle(cand, line, trimmed) {
		return false
	}
	f.cand = cand
	f.wanted = append(f.wanted, text...)
	return true
}

// Found returns what Wants found of rec, a record read through it last,
// with the candidates appended to buf (whose growth it returns): a
// Prefiltered of its own when Wants said yes to rec's one-line kernel text
// last, else the zero value.
func (f *Prefilter) Found(rec *Record, buf []int32) ([]int32, Prefiltered) {
	if len(f.wanted) == 0 || rec.Daemon != "" || rec.Message != string(f.wanted) {
		return buf, Prefiltered{}
	}
	n := len(buf)
	buf = append(buf, f.cand...)
	return buf, Prefiltered{cand: buf[n:len(buf):len(buf)], found: true}
}
