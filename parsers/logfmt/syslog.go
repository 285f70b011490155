package logfmt

import (
	"bytes"
	"time"

	"github.com/peripety/peripety/parsers"
)

// nextSyslog reads syslog text: "TIME HOST TAG: text" lines, of which only
// those tagged "kernel:" or by a storage daemon ("multipathd[812]:", see
// parsers.DaemonOf) are records. journalctl prints the further lines of a
// multi-line message indented to the message's column; they are joined
// back into one record.
func (r *Reader) nextSyslog() (parsers.Record, error) {
	for {
		line, err := r.recordLine()
		if err != nil {
			return parsers.Record{}, err
		}
		start := r.lineNo
		if bytes.HasPrefix(line, []byte("-- ")) {
			r.skip(SkipJournalMarker, start, line)
			continue
		}
		layout, n, ok := parseSyslogTime(line)
		if !ok {
			r.skip(SkipMalformed, start, line)
			continue
		}
		t, err := r.syslogTime(layout, line[:n])
		if err != nil {
			r.skip(SkipMalformed, start, line)
			continue
		}
		host, rest, ok1 := bytes.Cut(bytes.TrimLeft(line[n:], " "), []byte{' '})
		tag, text, _ := bytes.Cut(rest, []byte{' '})
		if !ok1 || len(host) == 0 {
			r.skip(SkipMalformed, start, line)
			continue
		}
		daemon := ""
		if string(tag) != "kernel:" {
			daemon = tagDaemon(tag)
		}
		if string(tag) != "kernel:" && daemon == "" {
			r.skip(SkipNotKernel, start, line)
			if err := r.skipContinuations(); err != nil {
				return parsers.Record{}, err
			}
			continue
		}
		if string(host) != r.host { // a log is mostly of one host
			r.host = string(host)
		}
		rec := parsers.Record{Time: t, Level: parsers.LevelUnknown, Hostname: r.host, Daemon: daemon}
		indent := len(line) - len(text)
		if daemon == "" && len(text) > 0 && text[0] == '[' {
			if end := bytes.IndexByte(text, ']'); end > 0 {
				if d, ok := parseSeconds(bytes.TrimSpace(text[1:end])); ok {
					rec.Monotonic = d
					text = bytes.TrimPrefix(text[end+1:], []byte{' '})
				}
			}
		}
		r.rec = append(r.rec[:0], text...)
		fits, err := r.readContinuations(indent)
		if err != nil {
			return parsers.Record{}, err
		}
		if !fits {
			r.skip(SkipTooLong, start, r.rec)
			continue
		}
		rec.Message = r.message(daemon, r.rec)
		r.recLine = start
		return rec, nil
	}
}

// tagDaemon returns the storage daemon a syslog tag ("multipathd[812]:",
// "smartd:") names, "" for none.
func tagDaemon(tag []byte) string {
	name, ok := bytes.CutSuffix(tag, []byte{':'})
	if !ok {
		return ""
	}
	if i := bytes.IndexByte(name, '['); i > 0 && name[len(name)-1] == ']' {
		name = name[:i]
	}
	return parsers.DaemonOf(string(name), "", "")
}

// The timestamp layouts of syslog text.
const (
	// /var/log/messages, journalctl -o short and short-precise (with a
	// fraction after the seconds, which time.Parse accepts unasked).
	syslogBSD = "Jan _2 15:04:05"
	// journalctl -o short-iso (older systemd: +0000) and rsyslog RFC 3339.
	syslogISO      = "2006-01-02T15:04:05Z07:00"
	syslogISOShort = "2006-01-02T15:04:05Z0700"
	// journalctl -o short-full.
	syslogFull = "Mon 2006-01-02 15:04:05 MST"
)

// syslogTime parses a timestamp parseSyslogTime found. A zone abbreviation
// other than UTC or the reader's own zone's counts as UTC (time.Parse).
func (r *Reader) syslogTime(layout string, stamp []byte) (time.Time, error) {
	if bytes.Equal(stamp, r.lastStamp) { // lines of one second share it
		return r.lastTime, nil
	}
	t, err := r.parseSyslogStamp(layout, stamp)
	if err == nil {
		r.lastStamp = append(r.lastStamp[:0], stamp...)
		r.lastTime = t
	}
	return t, err
}

func (r *Reader) parseSyslogStamp(layout string, stamp []byte) (time.Time, error) {
	t, err := time.ParseInLocation(layout, string(stamp), r.loc)
	if err != nil || layout != syslogBSD {
		return t, err
	}
	now := r.now().In(r.loc)
	t = time.Date(now.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), r.loc)
	if t.After(now.Add(24 * time.Hour)) {
		t = t.AddDate(-1, 0, 0)
	}
	return t, nil
}

// parseSyslogTime recognises the timestamp that starts a syslog line and
// returns its layout and length.
func parseSyslogTime(line []byte) (layout string, n int, ok bool) {
	switch {
	case len(line) >= 15 && isMonth(line[:3]) && line[3] == ' ' &&
		(isDigit(line[4]) || line[4] == ' ') && isDigit(line[5]) && line[6] == ' ' && isClock(line[7:15]):
		return syslogBSD, 15 + fractionLen(line[15:]), true
	case len(line) >= 20 && isDate(line[:10]) && line[10] == 'T' && isClock(line[11:19]):
		n := 19 + fractionLen(line[19:])
		z := line[n:]
		switch {
		case len(z) >= 1 && z[0] == 'Z':
			return syslogISO, n + 1, true
		case len(z) >= 6 && (z[0] == '+' || z[0] == '-') && z[3] == ':':
			return syslogISO, n + 6, true
		case len(z) >= 5 && (z[0] == '+' || z[0] == '-'):
			return syslogISOShort, n + 5, true
		}
	case len(line) >= 25 && isWeekday(line[:3]) && line[3] == ' ' && isDate(line[4:14]) &&
		line[14] == ' ' && isClock(line[15:23]) && line[23] == ' ':
		zone := line[24:]
		if i := bytes.IndexByte(zone, ' '); i >= 0 {
			zone = zone[:i]
		}
		if len(zone) > 0 {
			return syslogFull, 24 + len(zone), true
		}
	}
	return "", 0, false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isClock reports whether b is "hh:mm:ss".
func isClock(b []byte) bool {
	return len(b) == 8 && isDigit(b[0]) && isDigit(b[1]) && b[2] == ':' && isDigit(b[3]) && isDigit(b[4]) &&
		b[5] == ':' && isDigit(b[6]) && isDigit(b[7])
}

// isDate reports whether b is "yyyy-mm-dd".
func isDate(b []byte) bool {
	return len(b) == 10 && isDigit(b[0]) && isDigit(b[1]) && isDigit(b[2]) && isDigit(b[3]) && b[4] == '-' &&
		isDigit(b[5]) && isDigit(b[6]) && b[7] == '-' && isDigit(b[8]) && isDigit(b[9])
}

// fractionLen is the length of a ".123456" that starts b, or 0.
func fractionLen(b []byte) int {
	if len(b) < 2 || b[0] != '.' || !isDigit(b[1]) {
		return 0
	}
	n := 1
	for n < len(b) && isDigit(b[n]) {
		n++
	}
	return n
}

func isMonth(b []byte) bool {
	switch string(b) {
	case "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec":
		return true
	}
	return false
}

func isWeekday(b []byte) bool {
	switch string(b) {
	case "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun":
		return true
	}
	return false
}
