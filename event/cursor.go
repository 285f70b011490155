package event

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cursor marks an event in the order queries return events: by
// timestamp, then by event id. A page of a query ends at its first event;
// the page before it is what passes Filter.Before set to that event's
// cursor (docs/design.md, "D-Bus API": Query's `before`).
type Cursor struct {
	Time    time.Time
	EventID string
}

// CursorOf is ev's cursor.
func CursorOf(ev *Event) Cursor { return Cursor{Time: ev.Timestamp, EventID: ev.EventID} }

// String is the cursor as the D-Bus filter takes it: the timestamp in
// microseconds since the epoch, a slash, the event id.
func (c Cursor) String() string {
	return strconv.FormatInt(c.Time.UnixMicro(), 10) + "/" + c.EventID
}

// ParseCursor reads what Cursor.String writes.
func ParseCursor(s string) (Cursor, error) {
	us, id, ok := strings.Cut(s, "/")
	n, err := strconv.ParseInt(us, 10, 64)
	if !ok || err != nil || id == "" {
		return Cursor{}, fmt.Errorf("cursor %.80q: want <microseconds>/<event id>, as a previous reply's cursor key gives", s)
	}
	return Cursor{Time: time.UnixMicro(n), EventID: id}, nil
}

// Compare orders events as queries return them: by timestamp (to the
// microsecond, the store's resolution), then by event id.
func Compare(a, b *Event) int {
	return CompareCursors(CursorOf(a), CursorOf(b))
}

// CompareCursors orders cursors as Compare orders their events.
func CompareCursors(a, b Cursor) int {
	if c := cmp.Compare(a.Time.UnixMicro(), b.Time.UnixMicro()); c != 0 {
		return c
	}
	return cmp.Compare(a.EventID, b.EventID)
}
