// Package journal stores Peripety events in systemd-journald and reads them
// back, and reads the kernel's own entries for the daemon.
//
// Writing speaks journald's native protocol over its datagram socket
// (https://systemd.io/JOURNAL_NATIVE_PROTOCOL/), in pure Go. Reading goes
// through sd-journal(3) (go-systemd's sdjournal, cgo); a build without cgo
// has every reader return ErrNoJournald.
//
// One event is one journal entry with the fields of docs/design.md ("journald
// fields"), so `journalctl IS_PERIPETY=TRUE EVENT_TYPE=FS_IO_ERROR` works
// with no tool of ours; the JSON field holds the whole event and is what
// the readers decode.
package journal

import "errors"

// The journal fields of a stored event (docs/design.md, "journald fields").
// OWNERS_WWIDS and OWNERS_PATHS appear once per owner; each extension key
// k is stored as ExtPrefix + FieldName(k).
const (
	FieldIsPeripety  = "IS_PERIPETY"
	FieldPriority    = "PRIORITY"
	FieldMessage     = "MESSAGE"
	FieldEventID     = "EVENT_ID"
	FieldEventType   = "EVENT_TYPE"
	FieldSubSystem   = "SUB_SYSTEM"
	FieldSeverity    = "SEVERITY"
	FieldKdev        = "KDEV"
	FieldDevWWID     = "DEV_WWID"
	FieldDevPath     = "DEV_PATH"
	FieldOwnersWWIDs = "OWNERS_WWIDS"
	FieldOwnersPaths = "OWNERS_PATHS"
	FieldRootCause   = "ROOT_CAUSE_EVENT_ID"
	FieldCount       = "COUNT"
	FieldSeq         = "SEQ"
	FieldTimestamp   = "EVENT_TIMESTAMP_USEC"
	FieldIdentifier  = "SYSLOG_IDENTIFIER"
	FieldJSON        = "JSON"
	ExtPrefix        = "EXT_"

	// IsPeripetyValue marks an entry as ours; the collector skips such
	// entries, so the daemon never reads back what it wrote.
	IsPeripetyValue = "TRUE"
	// Identifier is the SYSLOG_IDENTIFIER of stored events.
	Identifier = "peripetyd"
)

// DefaultSocket is the native protocol socket of the system journald.
const DefaultSocket = "/run/systemd/journal/socket"

// ErrNoJournald is returned by every reader of a build without cgo, which
// cannot link sd-journal.
var ErrNoJournald = errors.New("built without journald support (cgo and libsystemd-dev are needed to read the journal)")

// ErrBadCursor is wrapped by ReadKernel's error for a cursor sd-journal
// cannot parse (a damaged state file): the caller may start afresh.
var ErrBadCursor = errors.New("invalid journal cursor")

// Source says which journal a reader opens. The zero Source is the local
// system journal (every journal file of this machine, as journalctl reads
// it); Directory or Files open journals copied from another host.
type Source struct {
	// Directory is a directory of journal files (`journalctl --directory`).
	Directory string
	// Files are journal files (`journalctl --file`).
	Files []string
}

// String names the source for errors.
func (s Source) String() string {
	switch {
	case s.Directory != "":
		return "journal directory " + s.Directory
	case len(s.Files) > 0:
		return "journal files " + joinQuoted(s.Files)
	}
	return "local journal"
}

func joinQuoted(list []string) string {
	out := ""
	for i, s := range list {
		if i > 0 {
			out += ", "
		}
		out += `"` + s + `"`
	}
	return out
}
