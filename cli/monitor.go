package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/peripety/peripety/correlate"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/service/sdjournal"
)

// MonitorCmd is `prpt monitor`: the filters of query, without the time
// range and limit, which a stream of new events has no use for.
type MonitorCmd struct {
	JSON   bool `short:"J" name:"json" help:"Print one JSON event object per line."`
	Notify bool `help:"Also show desktop notifications in plain language (org.freedesktop.Notifications on the session bus), warning and worse unless --severity says: one per incident, updated as it grows and when it recovers or closes; one per event outside incidents, a storm of those counted in one."`
	FilterFlags
	JournalFlags
}

// Run prints each new event the filters select as it is stored, until
// SIGINT or SIGTERM (env.Context, in tests).
func (c *MonitorCmd) Run(env *Env) error {
	src, direct, err := c.source()
	if err != nil {
		return err
	}
	f, err := c.filter(direct)
	if err != nil {
		return err
	}
	ctx, stop := env.context()
	defer stop()
	w := bufio.NewWriter(env.Stdout)
	ew := &eventWriter{w: w, asJSON: c.JSON}
	handle := func(ev event.Event) error {
		if err := ew.write(&ev); err != nil {
			return err
		}
		// Each event as it comes, not when a buffer fills.
		return w.Flush()
	}
	var incident func(correlate.Incident) error
	if c.Notify {
		n, err := newDesktopNotifier(ctx)
		if err != nil {
			return err
		}
		defer n.Close()
		if f.Severity != nil {
			n.min = *f.Severity
		}
		in := newIncidentNotifier(n, time.Now)
		write := handle
		handle = func(ev event.Event) error {
			if err := write(ev); err != nil {
				return err
			}
			return in.event(ctx, ev)
		}
		incident = func(inc correlate.Incident) error { return in.incident(ctx, inc) }
	}
	if !direct {
		return busMonitor(ctx, busFilter(f, c.Blk), handle, incident, func(msg string) { fmt.Fprintf(env.Stderr, "prpt: %s\n", msg) })
	}
	if err := localJournalAccess(src); err != nil {
		return err
	}
	st := sdjournal.NewStore(src)
	defer st.Close()
	err = st.Follow(ctx, f, handle)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return fmt.Errorf("monitor %s: %w", src, err)
}
