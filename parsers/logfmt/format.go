package logfmt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/peripety/peripety/parsers"
)

// Format names a kernel log format a Reader reads.
type Format string

// The formats a Reader reads.
const (
	// FormatAuto detects one of the others from the first lines.
	FormatAuto Format = "auto"
	// FormatKmsg is the text form of /dev/kmsg (see DecodeKmsg), one
	// record per line with its " KEY=value" dictionary lines after it.
	FormatKmsg Format = "kmsg"
	// FormatDmesg is what dmesg(1) prints: "[    5.001063] text", with -r
	// "<6>[    5.001063] text", with -x "kern  :err   : [    5.001063] text",
	// with -T "[Wed Nov 25 16:03:04 2026] text" (local time). Without -r
	// or -x records get parsers.LevelUnknown.
	FormatDmesg Format = "dmesg"
	// FormatJournalJSON is `journalctl -o json`: one JSON object a line.
	FormatJournalJSON Format = "journal-json"
	// FormatJournalExport is `journalctl -o export`, the Journal Export
	// Format (systemd.io/JOURNAL_EXPORT_FORMATS).
	FormatJournalExport Format = "journal-export"
	// FormatSyslog is `journalctl -o short`, short-iso, short-precise,
	// short-full and classic /var/log/messages or kern.log text: only
	// "kernel:" lines and those a storage daemon's tag names
	// ("multipathd[812]:") are records, with parsers.LevelUnknown; a dmesg timestamp
	// after "kernel:" becomes the record's Monotonic time. A timestamp
	// without a year takes the current one (the year before, if that
	// would put it more than a day in the future).
	FormatSyslog Format = "syslog"
)

// Formats lists the format names ParseFormat accepts.
var Formats = []Format{FormatAuto, FormatDmesg, FormatKmsg, FormatJournalJSON, FormatJournalExport, FormatSyslog}

// ParseFormat returns the Format named s.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown log format %q: want one of %s", s, strings.Join(names, ", "))
}

// ErrUnknownFormat is returned by Next under FormatAuto when the first lines
// of the input are in none of the formats.
var ErrUnknownFormat = errors.New("cannot tell the log format")

// detect is Next under FormatAuto before the format is known.
func (r *Reader) detect() (parsers.Record, error) {
	f, err := r.sniff()
	if err != nil {
		return parsers.Record{}, err
	}
	r.setFormat(f)
	return r.next()
}

// sniff looks at the buffered start of the input, reading more only while
// no complete line decides, so that a live stream is not held up.
func (r *Reader) sniff() (Format, error) {
	want := 1
	for {
		_, err := r.br.Peek(want)
		buf, _ := r.br.Peek(r.br.Buffered())
		if f, ok := sniffLines(buf, err != nil); ok {
			return f, nil
		}
		if err == nil && r.br.Buffered() == r.br.Size() && bytes.IndexByte(buf, '\n') < 0 {
			// A first line longer than the buffer says nothing: it is
			// skipped, and the lines after it tell.
			example := append([]byte(nil), clip(buf)...)
			if _, err := r.readLine(); err != nil && !errors.Is(err, errTooLong) {
				return "", err
			}
			r.skip(SkipUndetected, r.lineNo, example)
			want = 1
			continue
		}
		if err != nil || r.br.Buffered() == r.br.Size() {
			if len(buf) == 0 && errors.Is(err, io.EOF) {
				return "", io.EOF
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return "", fmt.Errorf("read: %w", err)
			}
			first, _, _ := bytes.Cut(buf, []byte{'\n'})
			return "", fmt.Errorf("%w from its first line %q: name it (%s)", ErrUnknownFormat, clip(first), "dmesg, kmsg, journal-json, journal-export or syslog")
		}
		want = r.br.Buffered() + 1
	}
}

// sniffLines returns the format of the first line of buf that tells one; a
// last line without "\n" counts only when atEnd.
func sniffLines(buf []byte, atEnd bool) (Format, bool) {
	for len(buf) > 0 {
		line, rest, complete := bytes.Cut(buf, []byte{'\n'})
		if !complete && !atEnd {
			if len(line) > 0 && line[0] == '{' {
				return FormatJournalJSON, true
			}
			return "", false
		}
		if f, ok := sniffLine(line, complete); ok {
			return f, true
		}
		buf = rest
	}
	return "", false
}

func sniffLine(line []byte, complete bool) (Format, bool) {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	switch {
	case len(line) == 0:
		return "", false
	case line[0] == '{':
		return FormatJournalJSON, true
	case isKmsgHeader(line):
		return FormatKmsg, true
	case bytes.HasPrefix(line, []byte("-- ")):
		return FormatSyslog, true
	case isJournalFieldName(line) && complete:
		// A binary field's name on a line of its own.
		return FormatJournalExport, true
	}
	if key, _, ok := bytes.Cut(line, []byte{'='}); ok && isJournalFieldName(key) {
		return FormatJournalExport, true
	}
	if _, _, ok := parseSyslogTime(line); ok {
		return FormatSyslog, true
	}
	if _, ok := parseDmesgPrefix(line); ok {
		return FormatDmesg, true
	}
	return "", false
}

// isKmsgHeader reports whether line starts "digits,digits,digits,".
func isKmsgHeader(line []byte) bool {
	for field := 0; field < 3; field++ {
		i := 0
		for i < len(line) && line[i] >= '0' && line[i] <= '9' {
			i++
		}
		if i == 0 || i == len(line) || line[i] != ',' {
			return false
		}
		line = line[i+1:]
	}
	return true
}

// isJournalFieldName reports whether b is a journal field name: upper-case
// letters, digits and '_', not starting with a digit, at most 64 bytes.
func isJournalFieldName(b []byte) bool {
	if len(b) == 0 || len(b) > 64 || (b[0] >= '0' && b[0] <= '9') {
		return false
	}
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
