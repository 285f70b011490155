package sdjournal

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/service/journal"
)

// fakeJournal is a Journal over entries in memory, in store order, with
// sd-journal's match semantics: the entries that pass are those for which
// every clause (AddConjunction) has a term (AddDisjunction) whose matches
// all hold, matches on one field within a term being alternatives.
type fakeJournal struct {
	entries []fakeEntry
	pos     int // the current entry; -1 before the head, len(entries) after the tail
	plan    [][][]string
	// visited counts the entries stepped onto, decoded counts JSON reads.
	visited, decoded int
	// dataErr, when set, is what Data fails with.
	dataErr error
	// onWait, when set, is called by Wait with a timeout: the journal
	// changes there.
	onWait func(j *fakeJournal)
	// waitErr, when set, is what Wait fails with.
	waitErr error
	closed  bool
}

type fakeEntry struct {
	fields              map[string][]string
	realtime, monotonic uint64
}

// storedAt is the entry of ev as the writer stores it, stored at the given
// time.
func storedAt(ev event.Event, stored time.Time) fakeEntry {
	js, err := json.Marshal(ev)
	if err != nil {
		panic(err) // test data only
	}
	f := map[string][]string{
		journal.FieldIsPeripety: {journal.IsPeripetyValue},
		journal.FieldEventID:    {ev.EventID},
		journal.FieldEventType:  {ev.EventType},
		journal.FieldSubSystem:  {ev.SubSystem},
		journal.FieldPriority:   {strconv.Itoa(int(ev.Severity))},
		journal.FieldKdev:       {ev.Kdev},
		journal.FieldDevWWID:    {ev.DevWWID},
		journal.FieldDevPath:    {ev.DevPath},
		journal.FieldTimestamp:  {strconv.FormatInt(ev.Timestamp.UnixMicro(), 10)},
		journal.FieldJSON:       {string(js)},
	}
	f[journal.FieldOwnersWWIDs] = ev.OwnersWWIDs
	f[journal.FieldOwnersPaths] = ev.OwnersPaths
	return fakeEntry{fields: f, realtime: uint64(stored.UnixMicro())}
}

func newFakeJournal(entries ...fakeEntry) *fakeJournal {
	return &fakeJournal{entries: entries, pos: -1}
}

func (j *fakeJournal) AddMatch(m string) error {
	if !strings.Contains(m, "=") {
		return fmt.Errorf("bad match %q", m)
	}
	if len(j.plan) == 0 {
		j.plan = [][][]string{{{}}}
	}
	c := j.plan[len(j.plan)-1]
	c[len(c)-1] = append(c[len(c)-1], m)
	return nil
}

func (j *fakeJournal) AddDisjunction() error {
	if len(j.plan) > 0 {
		j.plan[len(j.plan)-1] = append(j.plan[len(j.plan)-1], []string{})
	}
	return nil
}

func (j *fakeJournal) AddConjunction() error {
	j.plan = append(j.plan, [][]string{{}})
	return nil
}

func (j *fakeJournal) FlushMatches() { j.plan = nil }

// passes says whether entry e passes the matches.
func (j *fakeJournal) passes(e fakeEntry) bool {
	for _, c := range j.plan {
		if !slices.ContainsFunc(c, func(term []string) bool { return termHolds(term, e) }) {
			return false
		}
	}
	return true
}

func termHolds(term []string, e fakeEntry) bool {
	byField := map[string][]string{}
	for _, m := range term {
		f, v, _ := strings.Cut(m, "=")
		byField[f] = append(byField[f], v)
	}
	for f, values := range byField {
		if !slices.ContainsFunc(e.fields[f], func(v string) bool { return slices.Contains(values, v) }) {
			return false
		}
	}
	return true
}

func (j *fakeJournal) SeekHead() error { j.pos = -1; return nil }
func (j *fakeJournal) SeekTail() error { j.pos = len(j.entries); return nil }

func (j *fakeJournal) SeekCursor(cur string) error {
	i, err := strconv.Atoi(strings.TrimPrefix(cur, "c"))
	if err != nil || !strings.HasPrefix(cur, "c") {
		return fmt.Errorf("seek to cursor %q: %w", cur, ErrBadCursor)
	}
	j.pos = min(i, len(j.entries)) - 1
	return nil
}

func (j *fakeJournal) TestCursor(cur string) bool { return cur == "c"+strconv.Itoa(j.pos) }

// step moves to the next entry that passes in direction by; at the end it
// stays where it was, so that entries appended later come next.
func (j *fakeJournal) step(by int) (bool, error) {
	from := j.pos
	for {
		j.pos += by
		if j.pos < 0 || j.pos >= len(j.entries) {
			j.pos = from
			return false, nil
		}
		if j.passes(j.entries[j.pos]) {
			j.visited++
			return true, nil
		}
	}
}

func (j *fakeJournal) Next() (bool, error)     { return j.step(1) }
func (j *fakeJournal) Previous() (bool, error) { return j.step(-1) }

func (j *fakeJournal) current() (fakeEntry, error) {
	if j.pos < 0 || j.pos >= len(j.entries) {
		return fakeEntry{}, errors.New("no current entry")
	}
	return j.entries[j.pos], nil
}

func (j *fakeJournal) Data(field string) ([]byte, bool, error) {
	if j.dataErr != nil {
		return nil, false, j.dataErr
	}
	e, err := j.current()
	if err != nil {
		return nil, false, err
	}
	if field == journal.FieldJSON {
		j.decoded++
	}
	v, ok := e.fields[field]
	if !ok || len(v) == 0 {
		return nil, false, nil
	}
	return []byte(v[0]), true, nil
}

func (j *fakeJournal) Fields(dst map[string][]byte, names []string) error {
	for _, name := range names {
		v, ok, err := j.Data(name)
		if err != nil {
			return err
		}
		if ok {
			dst[name] = v
		}
	}
	return nil
}

func (j *fakeJournal) Realtime() (uint64, error) {
	e, err := j.current()
	return e.realtime, err
}

func (j *fakeJournal) Monotonic() (uint64, error) {
	e, err := j.current()
	return e.monotonic, err
}

func (j *fakeJournal) Cursor() (string, error) {
	if _, err := j.current(); err != nil {
		return "", err
	}
	return "c" + strconv.Itoa(j.pos), nil
}

func (j *fakeJournal) BootID() (string, error) { return "boot", nil }

func (j *fakeJournal) Wait(d time.Duration) error {
	if j.waitErr != nil {
		return j.waitErr
	}
	if d > 0 && j.onWait != nil {
		j.onWait(j)
	}
	return nil
}

func (j *fakeJournal) Close() error {
	if j.closed {
		return errors.New("closed twice")
	}
	j.closed = true
	return nil
}
