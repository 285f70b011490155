package logfmt

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/peripety/peripety/parsers"
)

// MaxRecordSize bounds one line, one record and one journal field. Longer
// input is skipped and counted, so a Reader's memory stays bounded whatever
// it reads.
const MaxRecordSize = 1 << 20

// readSize is the Reader's buffer: large reads, few system calls.
const readSize = 256 << 10

// SkipReason says why a Reader skipped some of its input.
type SkipReason string

// The reasons a Reader skips input.
const (
	SkipTooLong       SkipReason = "longer than 1 MiB"
	SkipMalformed     SkipReason = "not a record of the format"
	SkipOrphan        SkipReason = "continuation line without a record"
	SkipNotKernel     SkipReason = "not from the kernel or a storage daemon"
	SkipPeripety      SkipReason = "peripety's own event"
	SkipJournalMarker SkipReason = "journalctl marker line"
	SkipTruncated     SkipReason = "truncated at the end of the input"
	SkipUndetected    SkipReason = "first line too long to tell the format from"
)

// Skip counts the input a Reader skipped for one reason.
type Skip struct {
	Reason SkipReason
	// Count is how many lines (or journal entries) were skipped.
	Count int
	// FirstLine is the line number (from 1) where the first one started.
	FirstLine int64
	// Example is the start of the first one, or what was wrong with it.
	Example string
}

// Reader reads kernel log records from a stream in one Format. It keeps no
// more than one record in memory.
type Reader struct {
	br     *bufio.Reader
	format Format
	next   func() (parsers.Record, error)
	err    error // sticky: the error Next returns from now on

	lineNo  int64  // number of the line readLine returned last
	recLine int64  // line the record Next returned last started on
	long    []byte // a line longer than the bufio buffer, put together
	rec     []byte // the record being put together
	scratch []byte // decoded journal JSON strings
	text    []byte // a kmsg record's text with its escapes decoded
	// filter, when set, says which record texts are wanted (SetFilter).
	filter func(daemon string, text []byte) bool
	skips  []Skip
	nskips int
	cursor string
	host   string // the hostname of the syslog line before
	// lastStamp is the timestamp of the syslog line before, lastTime
	// what it was parsed to.
	lastStamp []byte
	lastTime  time.Time

	// loc is where times without an offset are (dmesg -T, syslog); now
	// gives the year syslog timestamps omit. Tests set both.
	loc *time.Location
	now func() time.Time
}

// NewReader returns a Reader of r in format f. FormatAuto detects the
// format from the first lines when Next is first called.
func NewReader(r io.Reader, f Format) (*Reader, error) {
	if _, err := ParseFormat(string(f)); err != nil {
		return nil, err
	}
	rd := &Reader{
		br:     bufio.NewReaderSize(r, readSize),
		format: f,
		loc:    time.Local,
		now:    time.Now,
	}
	rd.setFormat(f)
	return rd, nil
}

func (r *Reader) setFormat(f Format) {
	r.format = f
	switch f {
	case FormatKmsg:
		r.next = r.nextKmsg
	case FormatDmesg:
		r.next = r.nextDmesg
	case FormatJournalJSON:
		r.next = r.nextJournalJSON
	case FormatJournalExport:
		r.next = r.nextJournalExport
	case FormatSyslog:
		r.next = r.nextSyslog
	case FormatAuto:
		r.next = r.detect
	}
}

// Next returns the next record, or io.EOF at the end of the input. Input
// that is not a kernel record of the format is skipped and counted (see
// Skipped); an error other than io.EOF is a read error or, with FormatAuto,
// input whose format cannot be told, and ends the stream.
func (r *Reader) Next() (parsers.Record, error) {
	if r.err != nil {
		return parsers.Record{}, r.err
	}
	var rec parsers.Record
	var err error
	if r.format == FormatKmsg {
		// Called directly, not through the method value: for the format
		// of the largest logs, one copy of the record less.
		rec, err = r.nextKmsg()
	} else {
		rec, err = r.next()
	}
	if err != nil {
		r.err = err
	}
	return rec, err
}

// SetFilter makes the reader build the Message of a record only when want
// says yes to its text (the lines joined with "\n", escapes decoded) and
// its daemon (parsers.Record.Daemon, "" for the kernel); other records
// come with an empty Message and everything else as read. A reader in
// front of a parsers.Parser sets RuleSet.Wants, which says no only to
// records no rule takes: most lines of a kernel log, whose Message
// strings would be garbage at once. want must not keep text.
func (r *Reader) SetFilter(want func(daemon string, text []byte) bool) { r.filter = want }

// message returns text, a record of daemon's ("" the kernel's), as its
// Message, or "" when the filter does not want it.
func (r *Reader) message(daemon string, text []byte) string {
	if r.filter != nil && !r.filter(daemon, text) {
		return ""
	}
	return string(text)
}

// Format returns the reader's format; with FormatAuto, the one detected
// once Next has been called.
func (r *Reader) Format() Format { return r.format }

// Skipped returns what the reader skipped so far, one Skip per reason, in
// the order the reasons first occurred.
func (r *Reader) Skipped() []Skip {
	return append([]Skip(nil), r.skips...)
}

// Line returns the line number (from 1) where the record Next returned
// last started.
func (r *Reader) Line() int64 { return r.recLine }

// Cursor returns the journal cursor (__CURSOR) of the record Next returned
// last, for the journal formats; "" otherwise.
func (r *Reader) Cursor() string { return r.cursor }

// Skips is how many lines (or entries) the reader skipped so far, for
// every reason: cheaper than Skipped, to see whether it changed.
func (r *Reader) Skips() int { return r.nskips }

func (r *Reader) skip(reason SkipReason, line int64, example []byte) {
	r.nskips++
	for i := range r.skips {
		if r.skips[i].Reason == reason {
			r.skips[i].Count++
			return
		}
	}
	r.skips = append(r.skips, Skip{Reason: reason, Count: 1, FirstLine: line, Example: string(clip(example))})
}

// errTooLong reports a line longer than MaxRecordSize, already discarded.
var errTooLong = errors.New("line longer than MaxRecordSize")

// readLine returns the next line without its "\n" (and a "\r" before it),
// valid until the next read. A last line without "\n" is returned too; then
// io.EOF. A line longer than MaxRecordSize is read to its end, discarded and
// reported as errTooLong, with its first bytes.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	r.lineNo++
	if err == nil && len(line) <= MaxRecordSize+1 {
		// The common case, without the checks below.
		line = line[:len(line)-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		return line, nil
	}
	if errors.Is(err, bufio.ErrBufferFull) {
		r.long = append(r.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = r.br.ReadSlice('\n')
			if len(r.long)+len(line) > MaxRecordSize+2 {
				return r.discardLine(err)
			}
			r.long = append(r.long, line...)
		}
		line = r.long
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read line %d: %w", r.lineNo, err)
	}
	if len(line) == 0 && err != nil {
		r.lineNo--
		return nil, io.EOF
	}
	line = bytes.TrimSuffix(line, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if len(line) > MaxRecordSize {
		return line[:64], errTooLong
	}
	return line, nil
}

// discardLine reads past the end of an over-long line, keeping its first
// bytes (in r.long) for the skip's example.
func (r *Reader) discardLine(err error) ([]byte, error) {
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = r.br.ReadSlice('\n')
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read line %d: %w", r.lineNo, err)
	}
	return r.long[:64], errTooLong
}

// continues reports whether the next line, not read yet, starts with a
// blank: a continuation of the record before it. (So a record is returned
// once the next line has started, or the input has ended.)
func (r *Reader) continues() bool {
	b, err := r.br.Peek(1)
	return err == nil && (b[0] == ' ' || b[0] == '\t')
}

// skipContinuations reads past the continuation lines of a record that is
// skipped.
func (r *Reader) skipContinuations() error {
	for r.continues() {
		if _, err := r.readLine(); err != nil && !errors.Is(err, errTooLong) {
			return err
		}
	}
	return nil
}

// recordLine returns the next line that can start a record, skipping and
// counting over-long lines (with their continuations) and continuation
// lines without a record; empty lines are passed over. r.lineNo is its
// number.
func (r *Reader) recordLine() ([]byte, error) {
	for {
		line, err := r.readLine()
		switch {
		case err == nil && len(line) > 0 && line[0] != ' ' && line[0] != '\t':
			return line, nil
		case errors.Is(err, errTooLong):
			r.skip(SkipTooLong, r.lineNo, line)
			if err := r.skipContinuations(); err != nil {
				return nil, err
			}
		case err != nil:
			return nil, err
		case len(line) == 0:
		default:
			r.skip(SkipOrphan, r.lineNo, line)
		}
	}
}

// appendContinuation adds one continuation line to r.rec, dropping up to
// indent leading blanks (the width of the prefix the first line had), and
// reports false when the record would grow past MaxRecordSize.
func (r *Reader) appendContinuation(line []byte, indent int) bool {
	n := 0
	for n < indent && n < len(line) && (line[n] == ' ' || line[n] == '\t') {
		n++
	}
	line = line[n:]
	if len(r.rec)+1+len(line) > MaxRecordSize {
		return false
	}
	r.rec = append(r.rec, '\n')
	r.rec = append(r.rec, line...)
	return true
}

// readContinuations appends the continuation lines that follow to r.rec
// (see appendContinuation) and reports whether they all fit.
func (r *Reader) readContinuations(indent int) (bool, error) {
	fits := true
	for r.continues() {
		line, err := r.readLine()
		switch {
		case errors.Is(err, errTooLong):
			fits = false
		case err != nil:
			return false, err
		case fits:
			fits = r.appendContinuation(line, indent)
		}
	}
	return fits, nil
}
