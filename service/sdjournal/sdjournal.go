//go:build cgo

// The one file of the module that needs cgo: Journal over sd-journal(3),
// through go-systemd's sdjournal.

package sdjournal

import (
	"bytes"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/sdjournal"
)

// CanRead says whether this build can read the journal.
const CanRead = true

// cursor is Journal over an open sd_journal.
type cursor struct {
	j   *sdjournal.Journal
	src Source
}

// Open opens the journal src names.
func Open(src Source) (Journal, error) {
	var j *sdjournal.Journal
	var err error
	switch {
	case src.Directory != "":
		j, err = sdjournal.NewJournalFromDir(src.Directory)
	case len(src.Files) > 0:
		j, err = sdjournal.NewJournalFromFiles(src.Files...)
	default:
		j, err = sdjournal.NewJournal()
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", src, err)
	}
	// No size cap on what get_data returns: JSON and MESSAGE fields may
	// be larger than the default 64 KiB.
	if err := j.SetDataThreshold(0); err != nil {
		j.Close()
		return nil, fmt.Errorf("open %s: %w", src, err)
	}
	return &cursor{j: j, src: src}, nil
}

func (c *cursor) AddMatch(m string) error {
	if err := c.j.AddMatch(m); err != nil {
		return fmt.Errorf("%s: add match %q: %w", c.src, m, err)
	}
	return nil
}

func (c *cursor) AddDisjunction() error {
	if err := c.j.AddDisjunction(); err != nil {
		return fmt.Errorf("%s: add disjunction: %w", c.src, err)
	}
	return nil
}

func (c *cursor) AddConjunction() error {
	if err := c.j.AddConjunction(); err != nil {
		return fmt.Errorf("%s: add conjunction: %w", c.src, err)
	}
	return nil
}

func (c *cursor) FlushMatches() { c.j.FlushMatches() }

func (c *cursor) SeekHead() error {
	if err := c.j.SeekHead(); err != nil {
		return fmt.Errorf("%s: seek head: %w", c.src, err)
	}
	return nil
}

func (c *cursor) SeekTail() error {
	if err := c.j.SeekTail(); err != nil {
		return fmt.Errorf("%s: seek tail: %w", c.src, err)
	}
	return nil
}

func (c *cursor) SeekCursor(cur string) error {
	err := c.j.SeekCursor(cur)
	switch {
	case errors.Is(err, syscall.EINVAL):
		return fmt.Errorf("%s: seek to cursor %q: %w", c.src, cur, ErrBadCursor)
	case err != nil:
		return fmt.Errorf("%s: seek to cursor %q: %w", c.src, cur, err)
	}
	return nil
}

func (c *cursor) TestCursor(cur string) bool { return c.j.TestCursor(cur) == nil }

func (c *cursor) Next() (bool, error) {
	n, err := c.j.Next()
	if err != nil {
		return false, fmt.Errorf("%s: next entry: %w", c.src, err)
	}
	return n > 0, nil
}

func (c *cursor) Previous() (bool, error) {
	n, err := c.j.Previous()
	if err != nil {
		return false, fmt.Errorf("%s: previous entry: %w", c.src, err)
	}
	return n > 0, nil
}

func (c *cursor) Data(field string) ([]byte, bool, error) {
	// GetDataBytes and a cut, not GetDataValueBytes: its split allocates
	// on every call, and the follower calls this for every field it reads.
	v, err := c.j.GetDataBytes(field)
	switch {
	case errors.Is(err, syscall.ENOENT):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("%s: read %s: %w", c.src, field, err)
	}
	_, val, ok := bytes.Cut(v, []byte{'='})
	if !ok {
		return nil, false, fmt.Errorf("%s: read %s: no '=' in the field's data", c.src, field)
	}
	return val, true, nil
}

func (c *cursor) Realtime() (uint64, error) {
	rt, err := c.j.GetRealtimeUsec()
	if err != nil {
		return 0, fmt.Errorf("%s: read timestamp: %w", c.src, err)
	}
	return rt, nil
}

func (c *cursor) Monotonic() (uint64, error) {
	m, err := c.j.GetMonotonicUsec()
	if err != nil {
		return 0, fmt.Errorf("%s: read monotonic timestamp: %w", c.src, err)
	}
	return m, nil
}

func (c *cursor) Cursor() (string, error) {
	cur, err := c.j.GetCursor()
	if err != nil {
		return "", fmt.Errorf("%s: read cursor: %w", c.src, err)
	}
	return cur, nil
}

func (c *cursor) BootID() (string, error) {
	id, err := c.j.GetBootID()
	if err != nil {
		return "", fmt.Errorf("%s: read boot id: %w", c.src, err)
	}
	return id, nil
}

func (c *cursor) Wait(d time.Duration) error {
	if n := c.j.Wait(d); n < 0 {
		return fmt.Errorf("%s: wait: %w", c.src, syscall.Errno(-n))
	}
	return nil
}

func (c *cursor) Close() error { return c.j.Close() }
