package logfmt

import (
	"bytes"
	"time"

	"github.com/peripety/peripety/parsers"
)

// nextDmesg reads dmesg(1) output. dmesg prints the lines after the first
// of a multi-line record indented to the width of the prefix and without a
// timestamp; they are joined back into one record.
func (r *Reader) nextDmesg() (parsers.Record, error) {
	for {
		line, err := r.recordLine()
		if err != nil {
			return parsers.Record{}, err
		}
		start := r.lineNo
		p, ok := parseDmesgPrefix(line)
		if !ok {
			r.skip(SkipMalformed, start, line)
			continue
		}
		rec := parsers.Record{Level: p.level, Facility: p.facility, Monotonic: p.mono}
		if p.ctime != nil {
			t, err := time.ParseInLocation(dmesgCtime, string(p.ctime), r.loc)
			if err != nil {
				r.skip(SkipMalformed, start, line)
				continue
			}
			rec.Time = t
		}
		r.rec = append(r.rec[:0], line[p.textAt:]...)
		fits, err := r.readContinuations(p.textAt)
		if err != nil {
			return parsers.Record{}, err
		}
		if !fits {
			r.skip(SkipTooLong, start, r.rec)
			continue
		}
		rec.Message = r.message("", r.rec)
		r.recLine = start
		return rec, nil
	}
}

// dmesgCtime is the layout of `dmesg -T` timestamps.
const dmesgCtime = "Mon Jan _2 15:04:05 2006"

// dmesgPrefix is what parseDmesgPrefix reads from the start of a line.
type dmesgPrefix struct {
	level, facility int
	mono            time.Duration
	// ctime is the `dmesg -T` date, parsed by the caller in its location.
	ctime []byte
	// textAt is the offset of the message text in the line.
	textAt int
}

// parseDmesgPrefix reads the "<prio>" of dmesg -r or the "fac  :level : "
// of dmesg -x, then the "[seconds]" or "[date]" timestamp, then a caller id
// "[  T123]" the kernel adds with CONFIG_PRINTK_CALLER. A line needs a
// prefix or a timestamp (or both).
func parseDmesgPrefix(line []byte) (dmesgPrefix, bool) {
	p := dmesgPrefix{level: parsers.LevelUnknown}
	rest := line
	prefixed := false
	if len(rest) > 0 && rest[0] == '<' {
		end := bytes.IndexByte(rest, '>')
		if end < 2 {
			return p, false
		}
		prio, tail, err := kmsgField(rest[1:end], "priority")
		if err != nil || tail != nil || prio > maxPrio {
			return p, false
		}
		p.level, p.facility = int(prio&7), int(prio>>3)
		rest = rest[end+1:]
		prefixed = true
	} else if fac, lvl, tail, ok := cutDmesgX(rest); ok {
		p.level, p.facility = lvl, fac
		rest = tail
		prefixed = true
	}
	if len(rest) > 0 && rest[0] == '[' {
		end := bytes.IndexByte(rest, ']')
		if end < 0 {
			return p, false
		}
		stamp := bytes.TrimSpace(rest[1:end])
		if d, ok := parseSeconds(stamp); ok {
			p.mono = d
		} else if len(stamp) == len(dmesgCtime) || len(stamp) == len(dmesgCtime)+1 {
			p.ctime = stamp
		} else {
			return p, false
		}
		rest = rest[end+1:]
		if len(rest) > 0 && rest[0] == ' ' {
			rest = rest[1:]
		}
		rest = cutCaller(rest)
	} else if !prefixed {
		return p, false
	}
	p.textAt = len(line) - len(rest)
	return p, true
}

// cutCaller drops a leading "[  T123] " or "[    C1] " printk caller id.
func cutCaller(b []byte) []byte {
	if len(b) < 4 || b[0] != '[' {
		return b
	}
	end := bytes.IndexByte(b, ']')
	if end < 0 || end > 16 {
		return b
	}
	id := bytes.TrimLeft(b[1:end], " ")
	if len(id) < 2 || (id[0] != 'T' && id[0] != 'C') {
		return b
	}
	for _, c := range id[1:] {
		if c < '0' || c > '9' {
			return b
		}
	}
	b = b[end+1:]
	if len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return b
}

// cutDmesgX reads the "kern  :err   : " prefix of dmesg -x (--decode).
func cutDmesgX(b []byte) (facility, level int, rest []byte, ok bool) {
	facName, b, ok := cutPadded(b)
	if !ok {
		return 0, 0, nil, false
	}
	lvlName, b, ok := cutPadded(b)
	if !ok || len(b) == 0 || b[0] != ' ' {
		return 0, 0, nil, false
	}
	facility, level = -1, -1
	for i, n := range facilityNames {
		if string(facName) == n {
			facility = i
		}
	}
	for i, n := range levelNames {
		if string(lvlName) == n {
			level = i
		}
	}
	if facility < 0 || level < 0 {
		return 0, 0, nil, false
	}
	return facility, level, b[1:], true
}

// cutPadded reads a short name padded with spaces up to a ':'.
func cutPadded(b []byte) (name, rest []byte, ok bool) {
	i := bytes.IndexByte(b, ':')
	if i < 1 || i > 10 {
		return nil, nil, false
	}
	return bytes.TrimRight(b[:i], " "), b[i+1:], true
}

// The names dmesg -x prints, indexed by facility and by level.
var (
	facilityNames = [...]string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "res0", "res1", "res2", "res3", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}
	levelNames    = [...]string{"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"}
)

// parseSeconds reads "5.001063" (seconds since boot, up to nanoseconds).
func parseSeconds(b []byte) (time.Duration, bool) {
	secs, frac, ok := bytes.Cut(b, []byte{'.'})
	if !ok || len(secs) == 0 || len(secs) > 10 || len(frac) == 0 || len(frac) > 9 {
		return 0, false
	}
	var s, f int64
	for _, c := range secs {
		if c < '0' || c > '9' {
			return 0, false
		}
		s = s*10 + int64(c-'0')
	}
	for i := 0; i < 9; i++ {
		f *= 10
		if i < len(frac) {
			c := frac[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			f += int64(c - '0')
		}
	}
	return time.Duration(s)*time.Second + time.Duration(f), true
}
