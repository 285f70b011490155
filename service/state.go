package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// StateDir is the daemon's state directory (--state-dir): source positions
// and the identity store, each one file written atomically.
type StateDir struct {
	dir string
}

// NewStateDir uses dir, creating it when missing.
func NewStateDir(dir string) (*StateDir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create state dir: %w", err)
	}
	return &StateDir{dir: dir}, nil
}

// Path returns the path of a file in the state directory.
func (s *StateDir) Path(name string) string { return filepath.Join(s.dir, name) }

// Checkpoint is a source position saved once every event of the records up
// to it is stored.
type Checkpoint struct {
	// Pos is the source's own position text (see Source.Run).
	Pos string `json:"pos"`
	// Time is the time of the last record before Pos: events of records
	// read again after a restart are at least this recent.
	Time time.Time `json:"time"`
	// Handled is when the daemon handled the record before Pos: the
	// events of the records after it were stored later.
	Handled time.Time `json:"handled,omitzero"`
	// Parser is the parser's state at Pos (storm folding), gob-encoded:
	// a restart resumes it.
	Parser []byte `json:"parser,omitempty"`
}

// checkpointFile names the file of a source's checkpoint: "kmsg" →
// "position-kmsg.json"; characters other than letters, digits, '-' and
// '.' become '_'.
func checkpointFile(key string) string {
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, key)
	return "position-" + clean + ".json"
}

// LoadCheckpoint returns the saved checkpoint of the source with key, or the
// zero Checkpoint when none was saved.
func (s *StateDir) LoadCheckpoint(key string) (Checkpoint, error) {
	var cp Checkpoint
	err := s.load(checkpointFile(key), &cp)
	if errors.Is(err, os.ErrNotExist) {
		return Checkpoint{}, nil
	}
	return cp, err
}

// SaveCheckpoint stores cp for the source with key, durably.
func (s *StateDir) SaveCheckpoint(key string, cp Checkpoint) error {
	return s.save(checkpointFile(key), cp)
}

// ErrDamaged is wrapped by the error of a state file that does not decode
// (empty, cut short, garbage): it was put aside as <name>.corrupt, for a
// person to look at, and the daemon goes on without it.
var ErrDamaged = errors.New("damaged state file put aside")

func (s *StateDir) load(name string, v any) error {
	p := s.Path(name)
	b, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("read state: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		if rerr := os.Rename(p, p+".corrupt"); rerr != nil {
			return fmt.Errorf("read state %q: %w (and could not put it aside: %v)", p, err, rerr)
		}
		return fmt.Errorf("read state %q: %w: %w as %s.corrupt", p, err, ErrDamaged, name)
	}
	return nil
}

// retry paces the tries of a write to the state directory that failed
// (read-only, full): the next try is a second later, doubling up to
// stateRetryMax, and only the first failure of a series is worth a log line.
type retry struct {
	failed error
	next   time.Time
	wait   time.Duration
}

// due says whether to try now.
func (r *retry) due(now time.Time) bool { return r.failed == nil || !now.Before(r.next) }

// fail notes a failed try; it reports whether it is the first of a series.
func (r *retry) fail(err error, now time.Time) (first bool) {
	first = r.failed == nil
	if first {
		r.wait = time.Second
	} else {
		r.wait = min(2*r.wait, stateRetryMax)
	}
	r.failed, r.next = err, now.Add(r.wait)
	return first
}

// succeed notes a try that worked; it returns the failure it ends, if any.
func (r *retry) succeed() (ended error) {
	ended, r.failed = r.failed, nil
	return ended
}

// save writes v as JSON to name through a temporary file that is synced
// and renamed over it, then syncs the directory: after a crash the file
// holds either the old or the new content, never a mix.
func (s *StateDir) save(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode state %s: %w", name, err)
	}
	p := s.Path(name)
	tmp, err := os.CreateTemp(s.dir, "."+name+".tmp*")
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write state %q: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync state %q: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close state %q: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	d, err := os.Open(s.dir)
	if err != nil {
		return fmt.Errorf("sync state dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync state dir %q: %w", s.dir, err)
	}
	return nil
}
