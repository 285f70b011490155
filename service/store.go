package service

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/service/journal"
)

// storedSince reads back the events the store holds from records at or
// after the checkpoint (or the first record read): after a crash the records after the checkpoint are
// read again, and their events that had been stored already are then
// recognised by id (ids are reproducible, see eventID) and not stored
// twice. The result counts each id, for events that share one.
//
// The store may not have taken in yet what a killed daemon sent it just
// before it died (journald reads its socket in order): marker is an event
// this run stored first, and once it can be read back so can everything
// sent before it.
func (r *run) storedSince(ctx context.Context, since time.Time, marker string) (map[string]int, error) {
	if !r.storing() {
		return nil, nil
	}
	d := r.d
	deadline := time.Now().Add(markerWait)
	for {
		evs, err := d.opts.StoredEvents(ctx, event.Filter{EventID: marker, Limit: 1})
		if err != nil {
			return nil, fmt.Errorf("read back start event: %w", err)
		}
		if len(evs) > 0 {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("start event %s not readable from the store after %v", marker, markerWait)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	evs, err := d.opts.StoredEvents(ctx, event.Filter{Since: since, Limit: math.MaxInt})
	if err != nil {
		return nil, fmt.Errorf("read stored events since %s: %w", since.Format(time.RFC3339Nano), err)
	}
	ids := make(map[string]int, len(evs))
	for _, ev := range evs {
		if ev.Seq != 0 { // shed summaries are not rebuilt from records
			ids[ev.EventID]++
		}
	}
	return ids, nil
}

// storing says whether the event store's sink is on.
func (r *run) storing() bool {
	for i, k := range sinkKinds {
		if k.store && r.sinks[i].on.Load() {
			return true
		}
	}
	return false
}

// markerWait bounds the wait for the start event to be readable.
const markerWait = 5 * time.Second

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

// EventWriter is the event store as the journald sink uses it
// (*journal.Writer).
type EventWriter interface {
	Write(ev event.Event) error
	Close() error
}

// JournalSink stores events in journald (save_to_journald).
type JournalSink struct {
	w EventWriter
}

// openJournalSink connects to the journald of Options.JournalSocket, or
// stores in Options.Store when it is set.
func openJournalSink(d *Daemon) (Sink, error) {
	if d.opts.Store != nil {
		return &JournalSink{w: d.opts.Store}, nil
	}
	w, err := journal.NewWriter(d.opts.JournalSocket)
	if err != nil {
		return nil, err
	}
	return &JournalSink{w: w}, nil
}

// Name implements Sink.
func (s *JournalSink) Name() string { return "journald" }

// Emit implements Sink. A failed send is tried again a few times, for a
// journald that is restarting.
func (s *JournalSink) Emit(ctx context.Context, ev event.Event) error {
	var err error
	for try := range journalTries {
		if err = s.w.Write(ev); err == nil {
			return nil
		}
		if try < journalTries-1 {
			select {
			case <-ctx.Done():
				return err
			case <-time.After(journalRetryWait << try):
			}
		}
	}
	return err
}

const (
	journalTries     = 4
	journalRetryWait = 50 * time.Millisecond
)

// Close implements Sink: it closes the writer.
func (s *JournalSink) Close() error { return s.w.Close() }
