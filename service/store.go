package service

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/peripety/peripety/event"
)

// storedSince returns the ids of the events the store holds that records
// read again after a restart may give again, each with how often it is
// there: those stored since since (see run.readBackSince), and those the
// journald sink's spool held when it opened, which journald may not have
// stored yet. Ids are reproducible (see eventID), so such events are
// recognised and not stored twice. At most maxReadBack ids are read, the
// newest.
func (r *run) storedSince(ctx context.Context, since time.Time) (map[string]int, error) {
	sink := r.journalSink()
	if sink == nil {
		return nil, nil
	}
	ids := map[string]int{}
	n := 0
	err := r.d.opts.StoredIDs(ctx, since, func(id string) bool {
		ids[id]++
		n++
		return n < maxReadBack
	})
	for id, c := range sink.Leftover() {
		ids[id] = max(ids[id], c)
	}
	if err != nil {
		return ids, fmt.Errorf("read stored events since %s: %w", since.Format(time.RFC3339Nano), err)
	}
	if n >= maxReadBack {
		r.log.Warn("read back only the newest stored events; an older one read again may be stored twice",
			"read", n, "since", since)
	}
	return ids, nil
}

// spoolingSink is a store's sink that queues events on disk before they
// are stored (the journald sink's spool): those it held when it opened
// may not be stored yet.
type spoolingSink interface {
	Sink
	Leftover() map[string]int
}

// journalSink returns the store's sink when it is on.
func (r *run) journalSink() spoolingSink {
	for i, k := range sinkKinds {
		if k.store && r.sinks[i].on.Load() {
			js, _ := r.sinks[i].sink.(spoolingSink)
			return js
		}
	}
	return nil
}

// maxReadBack bounds the ids read back at start: what it reads is the
// journal's pages for each entry, which count in the daemon's RSS.
const maxReadBack = 1 << 14

// readBackMargin is how much earlier than the checkpoint's handling the
// read-back starts, for a clock that was slewed a little meanwhile.
const readBackMargin = 5 * time.Second

// EventStarted is the type of the event a daemon stores as it starts.
const EventStarted = "PERIPETY_DAEMON_STARTED"

// startedEvent says the daemon started and where it resumes.
func startedEvent(source, pos string, at time.Time) event.Event {
	where := "from the start"
	if pos != "" {
		where = "after position " + pos
	}
	ev := event.Event{
		EventID:   uuid.NewString(),
		EventType: EventStarted,
		Severity:  event.Info,
		SubSystem: event.SubPeripety,
		Timestamp: at.Round(time.Microsecond),
		Msg:       fmt.Sprintf("peripetyd started, reading %s %s", source, where),
		Count:     1,
	}
	ev.RootCauseEventID = ev.EventID
	ev.SetExt("source", source)
	ev.SetExt("position", pos)
	return ev
}
