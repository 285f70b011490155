package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/service/sdjournal"
	"github.com/peripety/peripety/sysfs"
)

// FilterFlags are the event filters query and monitor share (docs/design.md,
// "CLI prpt").
type FilterFlags struct {
	Severity  string   `placeholder:"SEV" completes:"severity" help:"Only events this severe or more: emerg, alert, crit, err, warning, notice, info, debug (or 0-7)."`
	EventType []string `name:"event-type" placeholder:"T" completes:"event-type" help:"Only events of this type (repeat for any of several), e.g. FS_IO_ERROR."`
	SubSystem []string `name:"sub-system" placeholder:"S" completes:"sub-system" help:"Only events of this sub-system (repeat for any of several), e.g. ext4, SCSI."`
	Blk       string   `placeholder:"BLK" completes:"blk" help:"Only events on this block device or a device built on it: kernel name, major:minor, /dev path, WWID, FS UUID."`
	EventID   string   `name:"event-id" placeholder:"ID" help:"Only the event with this id."`
	Incident  string   `placeholder:"ID" help:"Only the events of this incident (prpt incidents lists them)."`
	Hostname  []string `placeholder:"HOST" help:"Only events logged by this host (repeat for any of several): journals copied from several hosts, or a daemon that collects them."`
	Root      string   `default:"/" type:"existingdir" placeholder:"DIR" help:"Where /sys, /dev and /proc are read from to expand --blk into every identifier of the device."`
}

// filter makes the shared event.Filter of the flags. With expandBlk (the
// journal read directly) --blk is expanded through the sysfs resolver into
// every identifier of the device, or kept as it is when no present device
// has that name (a failed disk may be gone while its events are not);
// without, the daemon expands it and the filter leaves it out.
func (f *FilterFlags) filter(expandBlk bool) (event.Filter, error) {
	var out event.Filter
	if f.Severity != "" {
		s, err := event.ParseSeverity(f.Severity)
		if err != nil {
			return out, fmt.Errorf("--severity: %w", err)
		}
		out.Severity = &s
	}
	out.EventTypes = f.EventType
	for _, s := range f.SubSystem {
		if c, ok := event.CanonicalSubSystem(s); ok {
			s = c
		}
		out.SubSystems = append(out.SubSystems, s)
	}
	out.EventID = f.EventID
	out.IncidentID = f.Incident
	out.Hostnames = f.Hostname
	if f.Blk != "" && expandBlk {
		ids, err := sysfs.NewResolver(f.Root).Identifiers(f.Blk)
		switch {
		case errors.Is(err, sysfs.ErrNotFound):
			ids = nil
		case err != nil:
			return out, fmt.Errorf("--blk %q: %w", f.Blk, err)
		}
		if !slices.Contains(ids, f.Blk) {
			ids = append(ids, f.Blk)
		}
		out.Blk = ids
	}
	return out, nil
}

// JournalFlags choose reading journald directly instead of the daemon.
type JournalFlags struct {
	Journal   bool     `help:"Read the events from the local journald directly, with no daemon."`
	Directory string   `placeholder:"DIR" help:"Read the journal files in DIR (copied from another host); implies --journal."`
	File      []string `placeholder:"F" sep:"none" help:"Read the journal file F (repeat for several); implies --journal."`
}

// localJournalAccess checks that the local system journal can be read
// when src is it (not files or a directory given by name).
func localJournalAccess(src sdjournal.Source) error {
	if src.Directory != "" || len(src.Files) > 0 {
		return nil
	}
	return checkJournalAccess()
}

// source returns the journal to read and whether one was asked for.
func (j *JournalFlags) source() (sdjournal.Source, bool, error) {
	if j.Directory != "" && len(j.File) > 0 {
		return sdjournal.Source{}, false, errors.New("--directory and --file cannot be used together")
	}
	src := sdjournal.Source{Directory: j.Directory, Files: j.File}
	return src, j.Journal || j.Directory != "" || len(j.File) > 0, nil
}

// queryJournal reads the events f selects from src directly.
func queryJournal(ctx context.Context, src sdjournal.Source, f event.Filter) ([]event.Event, error) {
	st := sdjournal.NewStore(src)
	defer st.Close()
	return st.Query(ctx, f)
}

// QueryCmd is `prpt query`.
type QueryCmd struct {
	JSON  bool     `short:"J" name:"json" help:"Print one JSON event object per line."`
	Since string   `placeholder:"S" help:"Only events at or after S, as journalctl takes it: now, today, yesterday, -1h, \"1 hour ago\", @EPOCH, YYYY-MM-DD, \"YYYY-MM-DD HH:MM:SS\", HH:MM or RFC 3339."`
	Until string   `placeholder:"S" help:"Only events at or before S (forms as --since)."`
	Boot  BootFlag `short:"b" placeholder:"[ID][±N]" help:"Only events of one boot, as journalctl -b takes it: alone or 0 the current boot, -1 the one before, 1 the first in the journal, a boot ID (journalctl --list-boots), or an ID and an offset from it."`
	Limit int      `placeholder:"N" help:"Print at most the latest N events (default 1000)."`
	FilterFlags
	JournalFlags
}

// Run prints the stored events the filters select, oldest first.
func (c *QueryCmd) Run(env *Env) error {
	src, direct, err := c.source()
	if err != nil {
		return err
	}
	f, err := c.filter(direct)
	if err != nil {
		return err
	}
	if err := timeRange(&f, c.Since, c.Until, c.Boot, direct, src); err != nil {
		return err
	}
	if c.Limit < 0 {
		return fmt.Errorf("--limit %d: want a positive number", c.Limit)
	}
	f.Limit = c.Limit
	ctx, stop := env.context()
	defer stop()
	var evs []event.Event
	if !direct {
		if evs, err = busQuery(ctx, busFilter(f, c.Blk)); err != nil {
			return err
		}
	} else if err := localJournalAccess(src); err != nil {
		return err
	} else if evs, err = queryJournal(ctx, src, f); err != nil {
		return fmt.Errorf("query %s: %w", src, err)
	}
	w := bufio.NewWriter(env.Stdout)
	ew := &eventWriter{w: w, asJSON: c.JSON}
	for i := range evs {
		if err := ew.write(&evs[i]); err != nil {
			return err
		}
	}
	return w.Flush()
}

// timeRange sets f's time range from --since, --until and --boot, as
// query and summary take them; direct and src say which journal a boot
// is looked up in.
func timeRange(f *event.Filter, sinceSpec, untilSpec string, b BootFlag, direct bool, src sdjournal.Source) error {
	now := time.Now()
	for _, t := range []struct {
		flag, spec string
		dst        *time.Time
	}{{"--since", sinceSpec, &f.Since}, {"--until", untilSpec, &f.Until}} {
		if t.spec == "" {
			continue
		}
		var err error
		if *t.dst, err = event.ParseTimeSpec(t.spec, now); err != nil {
			return fmt.Errorf("%s: %w", t.flag, err)
		}
	}
	if b.Set {
		since, until, err := bootRange(b, !direct || src.Directory == "" && len(src.Files) == 0,
			func() ([]boot, error) { return listBoots(context.Background(), src) })
		if err != nil {
			return err
		}
		f.Since, f.Until = later(f.Since, since), earlier(f.Until, until)
	}
	return nil
}

// context is the context of a command: env.Context, else one that ends on
// SIGINT or SIGTERM.
func (env *Env) context() (context.Context, context.CancelFunc) {
	if env.Context != nil {
		return context.WithCancel(env.Context)
	}
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// later returns the later of two range starts, zero standing for none.
func later(a, b time.Time) time.Time {
	if a.IsZero() || b.After(a) {
		return b
	}
	return a
}

// earlier returns the earlier of two range ends, zero standing for none.
func earlier(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}
