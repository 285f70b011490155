package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/peripety/peripety/config"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/hooks"
	"github.com/peripety/peripety/sysfs"
)

// HooksCmd is `prpt hooks`.
type HooksCmd struct {
	List HooksListCmd `cmd:"" help:"List the hooks peripetyd runs, and for which events."`
	Test HooksTestCmd `cmd:"" help:"Run the hooks now with a test event, as smartd -M test does."`
}

// hookFlags are what both hooks commands read the hooks with.
type hookFlags struct {
	Config string `placeholder:"FILE" help:"Configuration whose hooks to use (default: /etc/peripetyd.conf when it exists)."`
	Root   string `default:"/" placeholder:"DIR" help:"Where /sys, /dev and /proc are read from to expand the devices of the hooks' filters."`
}

// load reads the hooks as the daemon would.
func (f *hookFlags) load() (hooks.Set, error) {
	mustExist := f.Config != ""
	path := f.Config
	if path == "" {
		path = config.DefaultPath
	}
	cfg, err := config.Load(path, mustExist)
	if err != nil {
		return hooks.Set{}, err
	}
	r := sysfs.NewResolver(f.Root)
	return hooks.Load(cfg, func(blk string) ([]string, error) { return r.Identifiers(blk) })
}

// HooksListCmd is `prpt hooks list`.
type HooksListCmd struct {
	hookFlags
}

// Run prints each hook, where it comes from and what it runs for, then the
// files of the hooks directory that are not run and why.
func (c *HooksListCmd) Run(env *Env) error {
	set, err := c.load()
	if err != nil {
		return err
	}
	if len(set.Hooks) == 0 {
		fmt.Fprintln(env.Stdout, "No hooks.")
	}
	for i := range set.Hooks {
		h := &set.Hooks[i]
		fmt.Fprintf(env.Stdout, "%s\n  command: %s\n  from: %s\n  runs for: %s\n", h.Name, strings.Join(h.Argv, " "), h.Source, h.Describe())
	}
	writeSkipped(env.Stdout, set.Skipped)
	return nil
}

func writeSkipped(w io.Writer, skipped map[string]string) {
	paths := make([]string, 0, len(skipped))
	for p := range skipped {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fmt.Fprintf(w, "not run: %s: %s\n", p, skipped[p])
	}
}

// HooksTestCmd is `prpt hooks test`.
type HooksTestCmd struct {
	Event string   `placeholder:"FILE" help:"Run with the event in FILE (one JSON event, as query -J prints it; - for standard input) instead of a test event: then only the hooks whose filter selects it run, unless --all."`
	All   bool     `help:"With --event: run every hook, whatever its filter."`
	Hook  []string `placeholder:"NAME" help:"Run only the hook of this name (repeat for several)."`
	hookFlags
}

// Run runs the hooks, one after the other, with their timeouts but no
// dedup or rate limit, and prints how each went and what it wrote. A hook
// that fails makes the exit status 1.
func (c *HooksTestCmd) Run(env *Env) error {
	set, err := c.load()
	if err != nil {
		return err
	}
	ev, sample, err := c.event(env.Stdin)
	if err != nil {
		return err
	}
	ctx, stop := env.context()
	defer stop()
	extra := []string{}
	if sample {
		extra = append(extra, "PERIPETY_TEST=1")
	}
	ran, failed := 0, 0
	for i := range set.Hooks {
		h := &set.Hooks[i]
		if len(c.Hook) > 0 && !slices.Contains(c.Hook, h.Name) {
			continue
		}
		if !sample && !c.All && !h.Selects(&ev) {
			fmt.Fprintf(env.Stdout, "%s: not run: its filter does not select the event (%s)\n", h, h.Describe())
			continue
		}
		ran++
		res := hooks.Run(ctx, h, &ev, extra...)
		fmt.Fprintf(env.Stdout, "%s: %s\n", h, resultText(&res))
		if out := strings.TrimRight(string(res.Output), "\n"); out != "" {
			fmt.Fprintf(env.Stdout, "  | %s\n", strings.ReplaceAll(out, "\n", "\n  | "))
		}
		if res.Truncated {
			fmt.Fprintln(env.Stdout, "  | … (more output not kept)")
		}
		if res.Outcome != hooks.OK {
			failed++
		}
		if ctx.Err() != nil {
			break
		}
	}
	writeSkipped(env.Stdout, set.Skipped)
	switch {
	case ran == 0 && len(c.Hook) > 0:
		return fmt.Errorf("no hook named %s", strings.Join(c.Hook, ", "))
	case ran == 0 && len(set.Hooks) == 0:
		fmt.Fprintln(env.Stdout, "No hooks: put executables in /etc/peripetyd/hooks.d or add [[hook]] entries to peripetyd.conf.")
	case failed > 0:
		return fmt.Errorf("%d of %d hooks failed", failed, ran)
	}
	return nil
}

func resultText(r *hooks.Result) string {
	d := r.Duration.Round(time.Millisecond)
	switch r.Outcome {
	case hooks.OK:
		return fmt.Sprintf("ok in %v", d)
	case hooks.NotRun:
		return fmt.Sprintf("could not run: %v", r.Err)
	}
	return fmt.Sprintf("%s after %v: %v", r.Outcome, d, r.Err)
}

// event is the event to run the hooks with: --event's, or a test event
// (sample true).
func (c *HooksTestCmd) event(stdin io.Reader) (ev event.Event, sample bool, err error) {
	if c.Event == "" {
		return testEvent(), true, nil
	}
	var b []byte
	if c.Event == "-" {
		b, err = io.ReadAll(stdin)
	} else {
		b, err = os.ReadFile(c.Event)
	}
	if err != nil {
		return ev, false, fmt.Errorf("--event: %w", err)
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return ev, false, fmt.Errorf("--event %s: not one JSON event (as prpt query -J prints one a line): %w", c.Event, err)
		}
		return ev, false, fmt.Errorf("--event %s: %w", c.Event, err)
	}
	return ev, false, nil
}

// testEvent is the event `prpt hooks test` runs the hooks with: a medium
// error on a disk that is not there, saying it is a test.
func testEvent() event.Event {
	host, _ := os.Hostname()
	id := uuid.NewString()
	ev := event.Event{
		EventID: id, RootCauseEventID: id, EventType: "SCSI_MEDIUM_ERROR", Severity: event.Error, SubSystem: event.SubSCSI,
		Timestamp: time.Now().Round(time.Microsecond), Hostname: host,
		Kdev: "sdzz", DevWWID: "naa.5000000000000000", DevPath: "/dev/disk/by-id/wwn-0x5000000000000000",
		Msg:    "TEST EVENT from prpt hooks test: medium error at sector 2048 (no disk is failing)",
		RawMsg: "sd 9:0:0:0: [sdzz] tag#0 Sense Key : Medium Error [current]", Count: 1,
	}
	ev.SetExt("mount_point", "/srv/peripety-test")
	ev.SetExt("sense_key", "Medium Error")
	ev.SetExt("test", "true")
	return ev
}
