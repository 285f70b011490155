package logfmt

import (
	"strconv"
	"time"

	"github.com/peripety/peripety/parsers"
)

// journalEntry holds the fields of one journal entry a record is made of,
// as journalctl -o json and -o export give them.
type journalEntry struct {
	message                       []byte
	hasMessage                    bool
	priority, facility            string
	hostname, subsystem, device   string
	cursor, realtime, monotonic   string
	received                      string // __MONOTONIC_TIMESTAMP
	transport, identifier, isPrpt string
	comm, unit                    string
}

// set stores one field of the entry; the ones a record does not use are
// dropped without being copied.
func (e *journalEntry) set(key string, value []byte) {
	switch key {
	case "MESSAGE":
		e.message = append(e.message[:0], value...)
		e.hasMessage = true
	case "PRIORITY":
		e.priority = string(value)
	case "SYSLOG_FACILITY":
		e.facility = string(value)
	case "_HOSTNAME":
		e.hostname = string(value)
	case "_KERNEL_SUBSYSTEM":
		e.subsystem = internSubsystem(value)
	case "_KERNEL_DEVICE":
		e.device = string(value)
	case "__CURSOR":
		e.cursor = string(value)
	case "__REALTIME_TIMESTAMP":
		e.realtime = string(value)
	case "_SOURCE_MONOTONIC_TIMESTAMP":
		e.monotonic = string(value)
	case "__MONOTONIC_TIMESTAMP":
		e.received = string(value)
	case "_TRANSPORT":
		e.transport = string(value)
	case "SYSLOG_IDENTIFIER":
		e.identifier = string(value)
	case "IS_PERIPETY":
		e.isPrpt = string(value)
	case "_COMM":
		e.comm = string(value)
	case "_SYSTEMD_UNIT":
		e.unit = string(value)
	}
}

// setBytes is set for a key given as bytes.
func (e *journalEntry) setBytes(key, value []byte) { e.set(string(key), value) }

// isJournalKey reports whether set keeps the field key.
func isJournalKey(key []byte) bool {
	switch string(key) {
	case "MESSAGE", "PRIORITY", "SYSLOG_FACILITY", "_HOSTNAME", "_KERNEL_SUBSYSTEM", "_KERNEL_DEVICE",
		"__CURSOR", "__REALTIME_TIMESTAMP", "_SOURCE_MONOTONIC_TIMESTAMP", "__MONOTONIC_TIMESTAMP", "_TRANSPORT", "SYSLOG_IDENTIFIER",
		"IS_PERIPETY", "_COMM", "_SYSTEMD_UNIT":
		return true
	}
	return false
}

func (e *journalEntry) reset() {
	msg := e.message[:0]
	*e = journalEntry{message: msg}
}

// journalRecord turns a kernel or storage daemon's entry into a record, or
// says why it is skipped: only kernel entries (_TRANSPORT=kernel or
// SYSLOG_IDENTIFIER=kernel) and those of a daemon parsers.DaemonOf knows
// (by SYSLOG_IDENTIFIER, _COMM or _SYSTEMD_UNIT) are records, and never
// peripetyd's own (IS_PERIPETY=TRUE). Monotonic is the kernel's own
// timestamp (_SOURCE_MONOTONIC_TIMESTAMP), Time when the kernel printed
// the line: __REALTIME_TIMESTAMP, when journald read it, less how long
// after the kernel's timestamp that was (its __MONOTONIC_TIMESTAMP, same
// clock), as peripetyd's journal source reads it, so lines printed
// together group as printed however late journald read some of them; a
// daemon's entry, which has no kernel timestamp, is at its
// __REALTIME_TIMESTAMP. A missing PRIORITY gives parsers.LevelUnknown.
func (r *Reader) journalRecord(e *journalEntry) (parsers.Record, SkipReason, bool) {
	daemon := ""
	if e.transport != "kernel" && e.identifier != "kernel" {
		daemon = parsers.DaemonOf(e.identifier, e.comm, e.unit)
	}
	switch {
	case e.isPrpt == "TRUE":
		return parsers.Record{}, SkipPeripety, false
	case e.transport != "kernel" && e.identifier != "kernel" && daemon == "":
		return parsers.Record{}, SkipNotKernel, false
	case !e.hasMessage:
		return parsers.Record{}, SkipMalformed, false
	}
	rec := parsers.Record{
		Daemon:    daemon,
		Level:     parsers.LevelUnknown,
		Message:   r.message(daemon, e.message),
		Subsystem: e.subsystem,
		Device:    e.device,
		Hostname:  e.hostname,
	}
	if p, err := strconv.Atoi(e.priority); err == nil && p >= 0 && p <= 7 {
		rec.Level = p
	}
	if f, err := strconv.Atoi(e.facility); err == nil && f >= 0 {
		rec.Facility = f
	}
	if us, err := strconv.ParseInt(e.realtime, 10, 64); err == nil && us > 0 {
		rec.Time = time.UnixMicro(us).In(r.loc)
	}
	if us, err := strconv.ParseUint(e.monotonic, 10, 64); err == nil && us <= maxUsec {
		rec.Monotonic = time.Duration(us) * time.Microsecond
		recv, err := strconv.ParseUint(e.received, 10, 64)
		if late := time.Duration(recv-us) * time.Microsecond; err == nil && us > 0 && recv >= us && recv <= maxUsec && !rec.Time.IsZero() {
			rec.Time = rec.Time.Add(-late)
		}
	}
	r.cursor = e.cursor
	return rec, "", true
}
