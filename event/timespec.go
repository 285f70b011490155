package event

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ParseTimeSpec reads a time as journalctl --since and --until take it
// (systemd.time(7), "PARSING TIMESTAMPS"), relative to now and in now's
// location:
//
//   - now, today, yesterday, tomorrow (midnight);
//   - @EPOCH: seconds since the epoch, with a fraction if wanted;
//   - a time span before or after now: -1h, +30min, "1 hour ago",
//     "2h 30min left" (units usec/us, msec/ms, s/sec/second(s),
//     m/min/minute(s), h/hr/hour(s), d/day(s), w/week(s), M/month(s),
//     y/year(s); a bare number is seconds);
//   - a date and time: "2018-05-21", "2018-05-21 10:00", "2018-05-21
//     10:00:00.5", "10:00" (today), a weekday before it ("Mon 2018-05-21"),
//     a "T" between date and time, and a zone after it (UTC, Z, +02:00,
//     -0500, or a name such as Europe/Berlin);
//   - RFC 3339.
func ParseTimeSpec(s string, now time.Time) (time.Time, error) {
	t := strings.TrimSpace(s)
	bad := func(why string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("unknown time %q: %s; want what journalctl --since takes: now, today, yesterday, "+
			"tomorrow, @EPOCH, -1h, \"1 hour ago\", +30min, YYYY-MM-DD, \"YYYY-MM-DD HH:MM:SS\", HH:MM or RFC 3339", s, why)
	}
	if t == "" {
		return bad("empty")
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	switch strings.ToLower(t) {
	case "now":
		return now, nil
	case "today":
		return day, nil
	case "yesterday":
		return day.AddDate(0, 0, -1), nil
	case "tomorrow":
		return day.AddDate(0, 0, 1), nil
	}
	if rest, ok := strings.CutPrefix(t, "@"); ok {
		secs, err := strconv.ParseFloat(rest, 64)
		if err != nil || math.IsNaN(secs) || math.IsInf(secs, 0) || math.Abs(secs) > 1e11 {
			return bad("not seconds since the epoch after @")
		}
		whole, frac := math.Modf(secs)
		return time.Unix(int64(whole), int64(math.Round(frac*1e9))).In(now.Location()), nil
	}
	if v, err := time.Parse(time.RFC3339Nano, t); err == nil {
		return v, nil
	}
	// A span before or after now.
	sign, span := 0, t
	switch {
	case strings.HasPrefix(t, "-"):
		sign, span = -1, t[1:]
	case strings.HasPrefix(t, "+"):
		sign, span = 1, t[1:]
	case strings.HasSuffix(t, " ago"):
		sign, span = -1, strings.TrimSuffix(t, " ago")
	case strings.HasSuffix(t, " left"):
		sign, span = 1, strings.TrimSuffix(t, " left")
	}
	if sign != 0 {
		d, err := ParseTimeSpan(span)
		if err != nil {
			return bad(err.Error())
		}
		return now.Add(time.Duration(sign) * d), nil
	}
	if v, ok := parseTimestamp(t, now); ok {
		return v, nil
	}
	return bad("not a date, time or span")
}

// spanUnits are the units of a time span (systemd.time(7), "PARSING TIME
// SPANS"); "m" is minutes and "M" months, as there.
var spanUnits = map[string]time.Duration{
	"usec": time.Microsecond, "us": time.Microsecond, "µs": time.Microsecond, "μs": time.Microsecond,
	"msec": time.Millisecond, "ms": time.Millisecond,
	"seconds": time.Second, "second": time.Second, "sec": time.Second, "s": time.Second, "": time.Second,
	"minutes": time.Minute, "minute": time.Minute, "min": time.Minute, "m": time.Minute,
	"hours": time.Hour, "hour": time.Hour, "hr": time.Hour, "h": time.Hour,
	"days": 24 * time.Hour, "day": 24 * time.Hour, "d": 24 * time.Hour,
	"weeks": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "w": 7 * 24 * time.Hour,
	// A month is 30.44 days and a year 365.25, as systemd counts them.
	"months": 2629800 * time.Second, "month": 2629800 * time.Second, "M": 2629800 * time.Second,
	"years": 31557600 * time.Second, "year": 31557600 * time.Second, "y": 31557600 * time.Second,
}

// ParseTimeSpan reads a time span as systemd does: numbers each followed by
// a unit, with or without blanks between them ("1h30min", "2 hours 5 min",
// "1.5d"); a bare number is seconds.
func ParseTimeSpan(s string) (time.Duration, error) {
	rest := strings.TrimSpace(s)
	if rest == "" {
		return 0, fmt.Errorf("empty time span")
	}
	var total float64
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("time span %q: %q is not a number", s, rest)
		}
		n, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("time span %q: %q is not a number", s, rest[:i])
		}
		rest = strings.TrimLeft(rest[i:], " ")
		j := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsLetter(r) })
		if j < 0 {
			j = len(rest)
		}
		unit, ok := spanUnits[rest[:j]]
		if !ok {
			return 0, fmt.Errorf("time span %q: unknown unit %q", s, rest[:j])
		}
		total += n * float64(unit)
		if total > float64(math.MaxInt64/2) {
			return 0, fmt.Errorf("time span %q is too long", s)
		}
		rest = strings.TrimLeft(rest[j:], " ")
	}
	return time.Duration(total), nil
}

// timestampLayouts are the date and time forms systemd reads, with ".000"
// standing for any fraction of a second (time.Parse takes one after
// seconds whatever the layout says).
var timestampLayouts = []string{
	"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02",
	"06-01-02 15:04:05", "06-01-02 15:04", "06-01-02",
	"15:04:05", "15:04",
}

// parseTimestamp reads "[weekday ]date[ time][ zone]" or "time[ zone]".
func parseTimestamp(t string, now time.Time) (time.Time, bool) {
	words := strings.Fields(t)
	if len(words) > 1 && isWeekday(words[0]) {
		words = words[1:]
	}
	loc := now.Location()
	if n := len(words); n > 1 {
		if l, ok := zone(words[n-1]); ok {
			loc, words = l, words[:n-1]
		}
	}
	text := strings.Join(words, " ")
	for _, layout := range timestampLayouts {
		v, err := time.ParseInLocation(layout, text, loc)
		if err != nil {
			continue
		}
		if !strings.HasPrefix(layout, "2006") && !strings.HasPrefix(layout, "06") {
			// A time alone is today's (in the zone given).
			d := now.In(loc)
			v = time.Date(d.Year(), d.Month(), d.Day(), v.Hour(), v.Minute(), v.Second(), v.Nanosecond(), loc)
		}
		return v, true
	}
	return time.Time{}, false
}

func isWeekday(w string) bool {
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := d.String()
		if strings.EqualFold(w, name) || strings.EqualFold(w, name[:3]) {
			return true
		}
	}
	return false
}

// zone reads a time zone word: UTC, GMT, Z, a numeric offset (+02:00,
// -0500, +02) or a zoneinfo name (Europe/Berlin).
func zone(w string) (*time.Location, bool) {
	switch strings.ToUpper(w) {
	case "UTC", "GMT", "Z":
		return time.UTC, true
	}
	if w[0] == '+' || w[0] == '-' {
		digits := strings.ReplaceAll(w[1:], ":", "")
		if len(digits) == 2 {
			digits += "00"
		}
		if len(digits) != 4 || strings.Trim(digits, "0123456789") != "" {
			return nil, false
		}
		h, _ := strconv.Atoi(digits[:2])
		m, _ := strconv.Atoi(digits[2:])
		if h > 14 || m > 59 {
			return nil, false
		}
		off := h*3600 + m*60
		if w[0] == '-' {
			off = -off
		}
		return time.FixedZone(w, off), true
	}
	if strings.Contains(w, "/") {
		if l, err := time.LoadLocation(w); err == nil {
			return l, true
		}
	}
	return nil, false
}
