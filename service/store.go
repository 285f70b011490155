package service

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/service/journal"
)

// storedSince reads back the events the store holds from records at or
// after the checkpoint (or the first record read): after a crash the records after the checkpoint are
// read again, and their events that had been stored already are then
// recognised by id (ids are reproducible, see eventID) and not stored
// twice. The result counts each id, for events that share one.
func (d *Daemon) storedSince(ctx context.Context, store *sinkRunner, since time.Time) (map[string]int, error) {
	if !store.on.Load() || d.opts.StoredEvents == nil {
		return nil, nil
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

// storedInJournal reads events back from the journald store.
func storedInJournal(src journal.Source) func(ctx context.Context, f event.Filter) ([]event.Event, error) {
	return func(ctx context.Context, f event.Filter) ([]event.Event, error) {
		return journal.Query(ctx, src, f)
	}
}
