// Package sdjournal reads the journal through sd-journal(3): Store reads
// back the events package journal stored (Query, Follow), and Journal is
// the thin cursor over sd-journal that Store and the daemon's journal
// source read through.
//
// Journal's one implementation, in sdjournal.go, is the only code of the
// module that needs cgo (it links libsystemd, and needs pkg-config and
// <systemd/sd-journal.h>, from Debian's libsystemd-dev, to build). What reads through it (the query loop, following, decoding)
// is pure Go and is tested with a fake cursor. A build without cgo has
// Open return ErrNoJournald.
package sdjournal

import (
	"errors"
	"strings"
	"time"
)

// Journal is an open journal and a position in it, one entry at a time
// (sd-journal(3)). Its errors name the journal. It is not safe for
// concurrent use.
type Journal interface {
	// AddMatch, AddDisjunction and AddConjunction build the filter of
	// the entries Next and Previous step to; FlushMatches drops it
	// (sd_journal_add_match(3)). A match is "FIELD=value".
	AddMatch(match string) error
	AddDisjunction() error
	AddConjunction() error
	FlushMatches()

	// SeekHead, SeekTail and SeekCursor place the position before the
	// first, after the last, or at the entry cursor names (or the next
	// one still stored); Next or Previous then steps onto an entry
	// (sd_journal_seek_head(3)). A cursor that does not parse is an
	// error wrapping ErrBadCursor.
	SeekHead() error
	SeekTail() error
	SeekCursor(cursor string) error
	// TestCursor says whether the current entry is the one cursor names.
	TestCursor(cursor string) bool
	// Next and Previous step to the next or previous entry that passes
	// the filter; ok is false at the end (sd_journal_next(3)).
	Next() (ok bool, err error)
	Previous() (ok bool, err error)

	// Data returns the value of one field of the current entry, without
	// its "FIELD=" prefix; ok is false when the entry has no such field
	// (sd_journal_get_data(3)).
	Data(field string) (value []byte, ok bool, err error)
	// Fields sets dst[name] to the value of each field of the current
	// entry named in names, as Data would, in one pass over the entry
	// (sd_journal_enumerate_data(3)); a field the entry lacks is left
	// out. The values are valid until the next call of Fields.
	Fields(dst map[string][]byte, names []string) error
	// Realtime is the current entry's __REALTIME_TIMESTAMP, in µs.
	Realtime() (usec uint64, err error)
	// Monotonic is the current entry's __MONOTONIC_TIMESTAMP, in µs:
	// its boot's monotonic clock when journald received it
	// (sd_journal_get_monotonic_usec(3)).
	Monotonic() (usec uint64, err error)
	// Cursor names the current entry (sd_journal_get_cursor(3)).
	Cursor() (string, error)
	// BootID is the boot id of the current boot, for a _BOOT_ID match.
	BootID() (string, error)

	// Wait waits up to d for the journal to change, and takes in the
	// changes (files rotated in or deleted); Wait(0) only takes them in.
	// The first call sets up the watch: a follower calls it before it
	// reads, so that nothing appended in between goes unnoticed
	// (sd_journal_wait(3), sd_journal_get_fd(3)).
	Wait(d time.Duration) error
	Close() error
}

// Source says which journal to open. The zero Source is the local system
// journal (every journal file of this machine, as journalctl reads it);
// Directory or Files open journals copied from another host.
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
	quoted := make([]string, len(list))
	for i, s := range list {
		quoted[i] = `"` + s + `"`
	}
	return strings.Join(quoted, ", ")
}

// ErrNoJournald is what Open returns in a build without cgo, which cannot
// link sd-journal.
var ErrNoJournald = errors.New("built without journald support (cgo and libsystemd-dev are needed to read the journal)")

// ErrBadCursor is wrapped by SeekCursor's error for a cursor sd-journal
// cannot parse (a damaged state file): the caller may start afresh.
var ErrBadCursor = errors.New("invalid journal cursor")

// WaitStep bounds one wait of a follower, so that it sees its context end
// within that time.
const WaitStep = 200 * time.Millisecond
