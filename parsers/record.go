// Package parsers turns kernel log records into storage events: the rule
// engine (built-in and user rules), per-subsystem rule tables, multi-line
// grouping of one failure's lines into one event, and storm folding.
package parsers

import "time"

// Record is one kernel log record as a source (journald, /dev/kmsg, a saved
// log) delivers it. Message holds the whole record: a printk with an embedded
// newline is one Record whose Message contains "\n".
type Record struct {
	// Time is the wall-clock time the record was logged; zero when the
	// source does not know it (dmesg without a boot time).
	Time time.Time
	// Monotonic is the time since boot (the kmsg timestamp); 0 if unknown.
	Monotonic time.Duration
	// Level is the syslog level 0-7, or LevelUnknown when the source
	// carries none (syslog text, plain dmesg): then the rule that takes
	// the line gives the level the kernel prints it at. Facility is 0 for
	// kernel records.
	Level    int
	Facility int
	// Seq is the kmsg sequence number, when the source has one.
	Seq uint64
	// Message is the record text with kmsg \xNN escapes decoded.
	Message string
	// Subsystem and Device are the kmsg dictionary's SUBSYSTEM= and DEVICE=
	// (journald's _KERNEL_SUBSYSTEM and _KERNEL_DEVICE), when present.
	Subsystem string
	Device    string
	// Hostname is the host that logged the record, when the source says.
	Hostname string
}

// LevelUnknown is the Level of a record whose source does not say it.
const LevelUnknown = -1
