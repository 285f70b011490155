package sdjournal

import (
	"context"
	"sync"
	"time"

	"github.com/peripety/peripety/event"
)

// A Store keeps the journals its Query opened for the next Query. Opening a
// journal maps its files afresh, and the first touch of every mapped page
// then faults: for a device Query over 100,000 stored events that and
// sd_journal_close were a third of the time. A kept journal is refreshed
// (files rotated in or vacuumed away taken in) before it is used again, and
// closed once idle for keptIdle, so that it does not pin the space of
// journal files deleted since.
const (
	keptIdle = 30 * time.Second
	keptMax  = 2
)

// Store reads back the events stored in one journal. Its owner closes it,
// which closes the journals it keeps. It is safe for concurrent use: each
// Query or Follow reads through a journal of its own.
type Store struct {
	src  Source
	open func() (Journal, error)

	mu     sync.Mutex
	kept   []*keptJournal
	closed bool
}

// keptJournal is a journal a Store keeps, and the timer that closes it once
// it stayed unused for keptIdle.
type keptJournal struct {
	j     Journal
	timer *time.Timer
}

// NewStore reads the events stored in src. It opens nothing yet.
func NewStore(src Source) *Store {
	return newStore(src, func() (Journal, error) { return Open(src) })
}

// newStore reads through the journals open returns.
func newStore(src Source, open func() (Journal, error)) *Store {
	return &Store{src: src, open: open}
}

// String names the journal the store reads.
func (s *Store) String() string { return s.src.String() }

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
func (s *Store) Query(ctx context.Context, f event.Filter) ([]event.Event, error) {
	j, err := s.get()
	if err != nil {
		return nil, err
	}
	out, err := query(ctx, j, f)
	if err != nil {
		j.Close()
		return nil, err
	}
	s.put(j)
	return out, nil
}

// IDs calls fn with the event id of each event stored at or after since
// (the time journald received the entry, which is never before the daemon
// sent it), newest first, until fn returns false or the entries end. It
// reads one small field of each entry, not the event: for knowing which
// events are stored, over many entries, in little memory.
func (s *Store) IDs(ctx context.Context, since time.Time, fn func(id string) bool) error {
	j, err := s.get()
	if err != nil {
		return err
	}
	if err := storedIDs(ctx, j, since, fn); err != nil {
		j.Close()
		return err
	}
	s.put(j)
	return nil
}

// Follow calls fn with each event f selects that is stored after Follow
// starts, in store order, until ctx ends (then it returns ctx.Err()) or fn
// fails (then it returns that error). f.Limit and f.Since are not used.
func (s *Store) Follow(ctx context.Context, f event.Filter, fn func(event.Event) error) error {
	j, err := s.open()
	if err != nil {
		return err
	}
	defer j.Close()
	return follow(ctx, j, f, fn)
}

// Close closes the journals the store keeps; a Query running meanwhile
// closes its own when it is done.
func (s *Store) Close() error {
	s.mu.Lock()
	kept := s.kept
	s.kept, s.closed = nil, true
	s.mu.Unlock()
	var first error
	for _, k := range kept {
		k.timer.Stop()
		if err := k.j.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// get returns an open journal with no matches: a kept one when there is one
// that refreshes, else a new one.
func (s *Store) get() (Journal, error) {
	for {
		s.mu.Lock()
		if len(s.kept) == 0 {
			s.mu.Unlock()
			return s.open()
		}
		k := s.kept[len(s.kept)-1]
		s.kept = s.kept[:len(s.kept)-1]
		k.timer.Stop()
		s.mu.Unlock()
		k.j.FlushMatches()
		if err := k.j.Wait(0); err != nil {
			k.j.Close()
			continue
		}
		return k.j, nil
	}
}

// put keeps j for the next get, or closes it when enough are kept or the
// store is closed.
func (s *Store) put(j Journal) {
	// Watch from now on (the first call sets the inotify watches up and
	// looks at the directories again), so that the refresh in get sees
	// every file that appears or goes meanwhile.
	if err := j.Wait(0); err != nil {
		j.Close()
		return
	}
	s.mu.Lock()
	if s.closed || len(s.kept) >= keptMax {
		s.mu.Unlock()
		j.Close()
		return
	}
	k := &keptJournal{j: j}
	k.timer = time.AfterFunc(keptIdle, func() { s.expire(k) })
	s.kept = append(s.kept, k)
	s.mu.Unlock()
}

// expire closes k unless a get has taken it, or Close closed it, meanwhile.
func (s *Store) expire(k *keptJournal) {
	s.mu.Lock()
	i := -1
	for n, x := range s.kept {
		if x == k {
			i = n
		}
	}
	if i < 0 {
		s.mu.Unlock()
		return
	}
	s.kept = append(s.kept[:i], s.kept[i+1:]...)
	s.mu.Unlock()
	k.j.Close()
}
