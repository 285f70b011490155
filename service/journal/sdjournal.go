//go:build cgo

// The one file of the module that needs cgo: the readers, over sd-journal(3)
// through go-systemd's sdjournal (which loads libsystemd.so.0 at run time
// and needs <systemd/sd-journal.h>, from Debian's libsystemd-dev, to build).

package journal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/sdjournal"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
)

// CanRead says whether this build can read the journal.
const CanRead = true

// waitStep bounds one sd_journal_wait, so that a follower sees its context
// end within that time.
const waitStep = 200 * time.Millisecond

// reader is an open journal.
type reader struct {
	j   *sdjournal.Journal
	src Source
}

func open(src Source) (*reader, error) {
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
	return &reader{j: j, src: src}, nil
}

func (r *reader) Close() error { return r.j.Close() }

// apply installs a match plan.
func (r *reader) apply(plan []clause) error {
	for i, c := range plan {
		if i > 0 {
			if err := r.j.AddConjunction(); err != nil {
				return fmt.Errorf("%s: add conjunction: %w", r.src, err)
			}
		}
		for k, term := range c {
			if k > 0 {
				if err := r.j.AddDisjunction(); err != nil {
					return fmt.Errorf("%s: add disjunction: %w", r.src, err)
				}
			}
			for _, m := range term {
				if err := r.j.AddMatch(m); err != nil {
					return fmt.Errorf("%s: add match %q: %w", r.src, m, err)
				}
			}
		}
	}
	return nil
}

// get reads one field of the current entry.
func (r *reader) get(field string) ([]byte, bool, error) {
	v, err := r.j.GetDataValueBytes(field)
	switch {
	case errors.Is(err, syscall.ENOENT):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("%s: read %s: %w", r.src, field, err)
	}
	return v, true, nil
}

// event decodes the current entry.
func (r *reader) event() (event.Event, error) {
	rt, err := r.j.GetRealtimeUsec()
	if err != nil {
		return event.Event{}, fmt.Errorf("%s: read timestamp: %w", r.src, err)
	}
	return decodeEntry(r.get, rt)
}

// watch starts watching the journal files for changes. A follower must do
// so before it reads: sd_journal_wait sets its inotify watches up on first
// use, and an entry appended between a read that found nothing and that
// first wait would go unnoticed (sd_journal_get_fd(3)).
func (r *reader) watch() error {
	if n := r.j.Wait(0); n < 0 {
		return fmt.Errorf("%s: watch: %w", r.src, syscall.Errno(-n))
	}
	return nil
}

// wait waits for the journal to change, at most waitStep or until ctx ends.
func (r *reader) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if n := r.j.Wait(waitStep); n < 0 {
		return fmt.Errorf("%s: wait: %w", r.src, syscall.Errno(-n))
	}
	return ctx.Err()
}

// waitKernel waits for kernel entries: hinted by /dev/kmsg (kmsghint.go),
// hotPoll while journald may still be storing records the kernel printed,
// else waitStep or until the kernel prints. Without a hint it waits on the
// journal.
func (r *reader) waitKernel(ctx context.Context, hint *kmsgHint, hotUntil *time.Time) error {
	if hint == nil {
		return r.wait(ctx)
	}
	d := waitStep
	if time.Now().Before(*hotUntil) {
		d = hotPoll
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-hint.C:
		*hotUntil = time.Now().Add(hotSpan)
	case <-t.C:
	}
	// Take in what changed in the journal's files (a rotation, a new
	// file), without waiting.
	if n := r.j.Wait(0); n < 0 {
		return fmt.Errorf("%s: process changes: %w", r.src, syscall.Errno(-n))
	}
	return ctx.Err()
}

// Query returns the stored events f selects, oldest first. When more than
// f.EffectiveLimit() match, it returns the most recent ones (as
// `journalctl -n` does): a store holds history, and what a person or a
// client asking with a limit wants is what happened last.
//
// Type, sub-system, event id, severity and device identifiers are journal
// matches (the device's against KDEV, DEV_WWID, DEV_PATH and every OWNERS_*
// value), so only candidate entries are read. Time is checked on the
// small EVENT_TIMESTAMP_USEC field before the JSON is decoded, and every
// condition again on the decoded event. Entries stored before f.Since
// cannot hold a later event and end the scan; entries stored after
// f.Until may (a backlog is stored late), so they are looked at.
//
// The journal opened is kept open for the next Query of src (readers.go).
func Query(ctx context.Context, src Source, f event.Filter) ([]event.Event, error) {
	r, err := readers.get(src)
	if err != nil {
		return nil, err
	}
	out, err := query(ctx, r, f)
	if err != nil {
		r.Close()
		return nil, err
	}
	readers.put(src, r)
	return out, nil
}

// query runs Query on r, an open journal with no matches.
func query(ctx context.Context, r *reader, f event.Filter) ([]event.Event, error) {
	src := r.src
	if err := r.apply(matchPlan(&f)); err != nil {
		return nil, err
	}
	if err := r.j.SeekTail(); err != nil {
		return nil, fmt.Errorf("%s: seek tail: %w", src, err)
	}
	limit := f.EffectiveLimit()
	since := uint64(0)
	if !f.Since.IsZero() && f.Since.UnixMicro() > 0 {
		since = uint64(f.Since.UnixMicro())
	}
	timed := !f.Since.IsZero() || !f.Until.IsZero()
	var out []event.Event
	for len(out) < limit {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := r.j.Previous()
		if err != nil {
			return nil, fmt.Errorf("%s: previous entry: %w", src, err)
		}
		if n == 0 {
			break
		}
		if since > 0 {
			rt, err := r.j.GetRealtimeUsec()
			if err != nil {
				return nil, fmt.Errorf("%s: read timestamp: %w", src, err)
			}
			if rt < since {
				break
			}
		}
		if timed {
			v, ok, err := r.get(FieldTimestamp)
			if err != nil {
				return nil, err
			}
			if ok && outsideTime(&f, v) {
				continue
			}
		}
		ev, err := r.event()
		if err != nil {
			return nil, err
		}
		if f.Match(&ev) {
			out = append(out, ev)
		}
	}
	slices.Reverse(out)
	// Journal order is store order; a backlog read late may be stored
	// after newer events.
	slices.SortStableFunc(out, func(a, b event.Event) int { return a.Timestamp.Compare(b.Timestamp) })
	return out, nil
}

// Follow calls fn with each event f selects that is stored after Follow
// starts, in store order, until ctx ends (then it returns ctx.Err()) or fn
// fails (then it returns that error). f.Limit and f.Since are not used.
func Follow(ctx context.Context, src Source, f event.Filter, fn func(event.Event) error) error {
	r, err := open(src)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.watch(); err != nil {
		return err
	}
	if err := r.apply(matchPlan(&f)); err != nil {
		return err
	}
	// Step onto the last entry stored so far, so that Next moves only
	// to new ones.
	if err := r.j.SeekTail(); err != nil {
		return fmt.Errorf("%s: seek tail: %w", src, err)
	}
	if _, err := r.j.Previous(); err != nil {
		return fmt.Errorf("%s: last entry: %w", src, err)
	}
	f.Since = time.Time{}
	for {
		n, err := r.j.Next()
		if err != nil {
			return fmt.Errorf("%s: next entry: %w", src, err)
		}
		if n == 0 {
			if err := r.wait(ctx); err != nil {
				return err
			}
			continue
		}
		ev, err := r.event()
		if err != nil {
			return err
		}
		if f.Match(&ev) {
			if err := fn(ev); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// ReadKernel follows the kernel's own entries in the local journal and
// calls fn with each as a parsers.Record and the entry's cursor, until ctx
// ends (then it returns ctx.Err()) or fn fails (then it returns that error).
// It starts after the entry cursor names when cursor is not "" (an entry
// rotated away since: at the next one still stored), else at the start of
// the current boot, so lines logged before the daemon started are read
// too. A caller that saves the cursor of each record it has handled and
// passes the last one back resumes with nothing lost and nothing twice. A
// cursor sd-journal cannot parse gives an error wrapping ErrBadCursor.
// It sees a new entry within milliseconds when it can read /dev/kmsg
// (waitKernel), else as late as journald tells (up to about 250ms).
func ReadKernel(ctx context.Context, cursor string, fn func(rec parsers.Record, cursor string) error) error {
	r, err := open(Source{})
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.watch(); err != nil {
		return err
	}
	// Without /dev/kmsg (no root, no such device) the follower waits on
	// the journal alone, and sees entries as late as journald tells.
	var hint *kmsgHint
	var hotUntil time.Time
	if h, err := openKmsgHint("/dev/kmsg"); err == nil {
		hint = h
		hintCtx, stopHint := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); h.run(hintCtx) }()
		defer func() { stopHint(); <-done }()
	}
	plan := []clause{{kernelMatches}}
	if cursor == "" {
		boot, err := r.j.GetBootID()
		if err != nil {
			return fmt.Errorf("read boot id: %w", err)
		}
		plan[0][0] = append(slices.Clone(kernelMatches), fieldBootID+"="+boot)
	}
	if err := r.apply(plan); err != nil {
		return err
	}
	skip := false
	if cursor != "" {
		if err := r.j.SeekCursor(cursor); err != nil {
			if errors.Is(err, syscall.EINVAL) {
				return fmt.Errorf("seek to cursor %q: %w", cursor, ErrBadCursor)
			}
			return fmt.Errorf("seek to cursor %q: %w", cursor, err)
		}
		skip = true
	} else if err := r.j.SeekHead(); err != nil {
		return fmt.Errorf("seek head: %w", err)
	}
	for {
		n, err := r.j.Next()
		if err != nil {
			return fmt.Errorf("%s: next entry: %w", r.src, err)
		}
		if n == 0 {
			if err := r.waitKernel(ctx, hint, &hotUntil); err != nil {
				return err
			}
			continue
		}
		if skip {
			// The first entry after seeking is the cursor's own, unless
			// it has been rotated away.
			skip = false
			if r.j.TestCursor(cursor) == nil {
				continue
			}
		}
		rec, cur, err := r.kernelRecord()
		if err != nil {
			return err
		}
		if err := fn(rec, cur); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// kernelRecord reads the current kernel entry.
func (r *reader) kernelRecord() (parsers.Record, string, error) {
	fields := make(map[string][]byte, len(kernelFields))
	for _, name := range kernelFields {
		v, ok, err := r.get(name)
		if err != nil {
			return parsers.Record{}, "", err
		}
		if ok {
			fields[name] = v
		}
	}
	rt, err := r.j.GetRealtimeUsec()
	if err != nil {
		return parsers.Record{}, "", fmt.Errorf("%s: read timestamp: %w", r.src, err)
	}
	cur, err := r.j.GetCursor()
	if err != nil {
		return parsers.Record{}, "", fmt.Errorf("%s: read cursor: %w", r.src, err)
	}
	rec, err := kernelRecord(fields, rt)
	if err != nil {
		return rec, "", fmt.Errorf("entry %s: %w", cur, err)
	}
	return rec, cur, nil
}
