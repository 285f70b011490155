// Package journal stores Peripety events in systemd-journald: Writer speaks
// journald's native protocol over its datagram socket
// (https://systemd.io/JOURNAL_NATIVE_PROTOCOL/), in pure Go, as go-systemd's
// journal package does. Reading the store back is package sdjournal's.
//
// One event is one journal entry with the fields of docs/design.md
// ("journald fields"), so `journalctl IS_PERIPETY=TRUE EVENT_TYPE=FS_IO_ERROR`
// works with no tool of ours; the JSON field holds the whole event, and
// DecodeEntry turns an entry back into its event.
package journal

// The journal fields of a stored event (docs/design.md, "journald fields").
// OWNERS_WWIDS and OWNERS_PATHS appear once per owner; each extension key
// k is stored as ExtPrefix + FieldName(k).
const (
	FieldIsPeripety  = "IS_PERIPETY"
	FieldPriority    = "PRIORITY"
	FieldMessage     = "MESSAGE"
	FieldMessageID   = "MESSAGE_ID"
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
	FieldIncident    = "INCIDENT_ID"
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
