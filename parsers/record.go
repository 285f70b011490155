// Package parsers turns kernel log records, and the log lines of the
// user-space storage daemons (daemons.go), into storage events: the rule
// engine (built-in and user rules), per-subsystem and per-daemon rule
// tables, multi-line grouping of one failure's lines into one event, and
// storm folding.
package parsers

import "time"

// Record is one log record as a source (journald, /dev/kmsg, a saved log)
// delivers it: the kernel's, or a storage daemon's when Daemon is set.
// Message holds the whole record: a printk with an embedded newline is one
// Record whose Message contains "\n".
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
	// Daemon is the user-space storage daemon that logged the record, by
	// its name in Daemons ("multipathd"), as DaemonOf finds it from the
	// journal's SYSLOG_IDENTIFIER, _COMM and _SYSTEMD_UNIT or a syslog
	// line's tag; "" for the kernel. Only the rules of that daemon take
	// the record, and no kernel rule does; its Level is the priority it
	// was logged at, which the rules do not trust (daemons.go).
	Daemon string
}

// LevelUnknown is the Level of a record whose source does not say it.
const LevelUnknown = -1
