package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/service/journal"
)

// MonitorCmd is `prpt monitor`: the filters of query, without the time
// range and limit, which a stream of new events has no use for.
type MonitorCmd struct {
	JSON bool `short:"J" name:"json" help:"Print one JSON event object per line."`
	FilterFlags
	JournalFlags
}

// Run prints each new event the filters select as it is stored, until
// SIGINT or SIGTERM (env.Context, in tests).
func (c *MonitorCmd) Run(env *Env) error {
	f, err := c.filter()
	if err != nil {
		return err
	}
	src, direct, err := c.source()
	if err != nil {
		return err
	}
	if !direct {
		return errNoDaemonPath
	}
	ctx, stop := env.context()
	defer stop()
	w := bufio.NewWriter(env.Stdout)
	ew := &eventWriter{w: w, asJSON: c.JSON}
	err = journal.Follow(ctx, src, f, func(ev event.Event) error {
		if err := ew.write(&ev); err != nil {
			return err
		}
		// Each event as it comes, not when a buffer fills.
		return w.Flush()
	})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return fmt.Errorf("monitor %s: %w", src, err)
}
