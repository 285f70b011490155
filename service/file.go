package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/peripety/peripety/parsers/logfmt"
)

// FileSource replays a saved kernel log (any format logfmt.Reader reads:
// kmsg text, dmesg, journal JSON or export, syslog) and then follows it as
// `tail -f` does: a file that shrinks was truncated and is read again from
// its start; a path that names a new file was rotated, and the new file is
// read from its start once the old one is read to its end.
//
// Its position is the file's inode, the byte offset of a point where every
// byte before it had been read, and how many records came after it.
type FileSource struct {
	path string
	env  SourceEnv
	// poll is how often a file at its end is looked at again.
	poll time.Duration
	// boot is the time of the running boot, the clock given to records
	// that have only the time since boot (kmsg text, as `cat /dev/kmsg`
	// saves it): such a file is taken to be of the running boot.
	boot time.Time
}

// Name implements Source.
func (s *FileSource) Name() string { return "file:" + s.path }

// Key implements Source.
func (s *FileSource) Key() string { return "file:" + s.path }

const defaultFilePoll = 100 * time.Millisecond

// errTruncated ends reading a file that became shorter than what was read.
var errTruncated = errors.New("file truncated")

// filePos is a FileSource position.
type filePos struct {
	ino  uint64
	off  int64 // every byte before it was read when a reader started there
	skip int   // records read since off
}

func (p filePos) String() string {
	return strconv.FormatUint(p.ino, 10) + " " + strconv.FormatInt(p.off, 10) + " " + strconv.Itoa(p.skip)
}

func parseFilePos(s string) (filePos, bool) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return filePos{}, false
	}
	ino, err1 := strconv.ParseUint(f[0], 10, 64)
	off, err2 := strconv.ParseInt(f[1], 10, 64)
	skip, err3 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil || err3 != nil || off < 0 || skip < 0 {
		return filePos{}, false
	}
	return filePos{ino: ino, off: off, skip: skip}, true
}

// Run implements Source.
func (s *FileSource) Run(ctx context.Context, pos string, opened func(), fn func(Item) error) error {
	poll := s.poll
	if poll == 0 {
		poll = defaultFilePoll
	}
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	defer func() { f.Close() }()
	start := filePos{ino: inode(f)}
	if saved, ok := parseFilePos(pos); ok && saved.ino == start.ino {
		start = saved
	}
	opened()
	format := logfmt.FormatAuto
	for {
		fr := &followReader{ctx: ctx, f: f, path: s.path, off: start.off, poll: poll}
		if _, err := f.Seek(start.off, io.SeekStart); err != nil {
			return fmt.Errorf("seek %q: %w", s.path, err)
		}
		err := s.read(ctx, fr, &format, start, fn)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, errTruncated):
			start = filePos{ino: start.ino}
			s.env.Log.Info("log truncated, reading it from the start", "path", s.path)
		case errors.Is(err, errRotated):
			nf, err := os.Open(s.path)
			if err != nil {
				return fmt.Errorf("open rotated log: %w", err)
			}
			f.Close()
			f = nf
			start = filePos{ino: inode(f)}
			s.env.Log.Info("log rotated, reading the new file", "path", s.path)
		case err != nil:
			return err
		default:
			// Every byte was read: a new reader starts at the end, in the
			// format found, once the file grows.
			start = filePos{ino: start.ino, off: fr.off}
			if err := fr.waitGrowth(); err != nil {
				continue // truncated, rotated or stopped: handled above on the next round
			}
		}
	}
}

// read delivers the records of one reader, skipping start.skip of them.
// It returns nil at the end of the file.
func (s *FileSource) read(ctx context.Context, fr *followReader, format *logfmt.Format, start filePos, fn func(Item) error) error {
	r, err := logfmt.NewReader(fr, *format)
	if err != nil {
		return fmt.Errorf("read %q: %w", s.path, err)
	}
	n := 0
	skips, reported := 0, map[logfmt.SkipReason]int{}
	for {
		rec, err := r.Next()
		if r.Skips() != skips {
			// A reason is told when it first comes, and again with its
			// count at the end of what the file holds.
			skips = r.Skips()
			s.reportSkips(r.Skipped(), reported, err == io.EOF)
		}
		if err == io.EOF {
			return fr.err // nil at a plain end of file
		}
		if err != nil {
			if fr.err != nil {
				return fr.err
			}
			return fmt.Errorf("read %q: %w", s.path, err)
		}
		*format = r.Format()
		n++
		if n <= start.skip {
			continue
		}
		if rec.Hostname == "" {
			rec.Hostname = s.env.Hostname
		}
		if rec.Time.IsZero() && rec.Monotonic > 0 {
			// A kmsg text file knows only the time since boot.
			if s.boot.IsZero() {
				if _, s.boot, err = bootTime(s.env); err != nil {
					return err
				}
			}
			rec.Time = s.boot.Add(rec.Monotonic)
		}
		pos := filePos{ino: start.ino, off: start.off, skip: n}
		if err := fn(Item{Record: rec, Pos: pos.String()}); err != nil {
			return err
		}
	}
}

// reportSkips logs what the reader skipped (lines too long, not of the
// format), which is counted, never an end of the source: a reason not
// reported before, and at the end of the file every count that changed.
func (s *FileSource) reportSkips(skips []logfmt.Skip, reported map[logfmt.SkipReason]int, atEnd bool) {
	for _, sk := range skips {
		n, seen := reported[sk.Reason]
		if (seen && !atEnd) || n == sk.Count {
			continue
		}
		reported[sk.Reason] = sk.Count
		s.env.Log.Warn("skipped input of the log", "path", s.path, "reason", string(sk.Reason), "count", sk.Count,
			"first_line", sk.FirstLine, "example", sk.Example)
	}
}

// errRotated ends reading a file whose path now names another file.
var errRotated = errors.New("file rotated")

// followReader reads a file to its end, waiting at the end while it grows
// and ending with io.EOF once it has stayed idle for one poll (so the
// reader above hands out the records it holds). A truncation or rotation
// seen at the end is kept in err, and ends the read.
type followReader struct {
	ctx  context.Context
	f    *os.File
	path string
	off  int64
	poll time.Duration
	err  error
}

func (r *followReader) Read(p []byte) (int, error) {
	for waited := false; ; waited = true {
		n, err := r.f.Read(p)
		r.off += int64(n)
		if n > 0 || (err != nil && err != io.EOF) {
			return n, err
		}
		if err := r.check(); err != nil {
			r.err = err
			return 0, io.EOF
		}
		if waited {
			return 0, io.EOF
		}
		if err := r.sleep(); err != nil {
			return 0, err
		}
	}
}

// waitGrowth waits at the end of the file until it grows; it returns an
// error when it was truncated or rotated instead, or ctx ended.
func (r *followReader) waitGrowth() error {
	for {
		st, err := r.f.Stat()
		if err != nil {
			return fmt.Errorf("stat %q: %w", r.path, err)
		}
		if st.Size() > r.off {
			return nil
		}
		if err := r.check(); err != nil {
			return err
		}
		if err := r.sleep(); err != nil {
			return err
		}
	}
}

func (r *followReader) sleep() error {
	t := time.NewTimer(r.poll)
	defer t.Stop()
	select {
	case <-r.ctx.Done():
		return r.ctx.Err()
	case <-t.C:
		return nil
	}
}

// check looks for a truncation or a rotation of the file at its end.
func (r *followReader) check() error {
	st, err := r.f.Stat()
	if err != nil {
		return fmt.Errorf("stat %q: %w", r.path, err)
	}
	if st.Size() < r.off {
		return errTruncated
	}
	if cur, err := os.Stat(r.path); err == nil && !os.SameFile(st, cur) {
		return errRotated
	}
	return nil
}

func inode(f *os.File) uint64 {
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return sys.Ino
	}
	return 0
}
