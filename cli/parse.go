package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/peripety/peripety/config"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/parsers/logfmt"
	"github.com/peripety/peripety/sysfs"
)

// ParseCmd is `prpt parse`: the daemon's parsers over a saved kernel log,
// offline.
type ParseCmd struct {
	JSON   bool   `short:"J" help:"Print one JSON event object per line."`
	Format string `default:"auto" help:"Format of the log: auto (detected from the first lines), dmesg, kmsg, journal-json, journal-export or syslog."`
	Config string `placeholder:"FILE" help:"Configuration whose user rules apply too (default: /etc/peripetyd.conf when it exists)."`
	Enrich bool   `help:"Resolve each event's device on this machine (or under --root): WWID, path, owners."`
	Root   string `placeholder:"DIR" default:"/" help:"Where /sys, /dev, /proc and /run/udev are read from for --enrich."`
	File   string `arg:"" optional:"" default:"-" help:"The log; - or nothing reads standard input."`
}

// Run parses the log and prints its events; a summary of the input that
// was skipped goes to stderr.
func (c *ParseCmd) Run(env *Env) error {
	rs, r, name, closeIn, err := openLog(c.File, c.Format, c.Config, env.Stdin)
	if err != nil {
		return err
	}
	defer closeIn()
	p := parsers.NewParser(rs, parsers.Options{})
	// Most records of a kernel log are no rule's: skip making their text.
	// The reading goroutine has a Prefilter of its own, which hands the
	// rules it found for a line to the parser with the record.
	pre := rs.NewPrefilter()
	r.SetFilter(pre.Wants)

	out := bufio.NewWriterSize(env.Stdout, 64<<10)
	ew := eventWriter{w: out, asJSON: c.JSON}
	var resolver *sysfs.Resolver
	if c.Enrich {
		resolver = sysfs.NewResolver(c.Root)
	}
	var writeErr error
	emit := func(ev event.Event) {
		if writeErr != nil {
			return
		}
		if resolver != nil {
			enrich(resolver, &ev)
		}
		writeErr = ew.write(&ev)
	}
	ctx := env.Context
	if ctx == nil {
		ctx = context.Background()
	}
	batches := readBatches(ctx, r, pre)
	defer batches.close()
	for writeErr == nil {
		batch := batches.next(ctx)
		for i := 0; i < len(batch.recs) && writeErr == nil; i++ {
			p.PushPrefiltered(batch.recs[i], batch.found[i], emit)
		}
		if errors.Is(batch.err, io.EOF) {
			break
		}
		if batch.err != nil {
			return fmt.Errorf("%s: %w", name, batch.err)
		}
		batches.recycle(batch)
	}
	batches.close()
	p.Close(emit)
	if writeErr == nil {
		writeErr = out.Flush()
	}
	if writeErr != nil {
		return fmt.Errorf("write: %w", writeErr)
	}
	if s := skipSummary(r.Skipped()); s != "" {
		fmt.Fprintf(env.Stderr, "prpt: %s: %s\n", name, s)
	}
	return nil
}

// loadRuleSet compiles the built-in rules and the user rules of the config
// file: the one named (which must exist), else the default one if present.
func loadRuleSet(path string) (*parsers.RuleSet, error) {
	mustExist := path != ""
	if path == "" {
		path = config.DefaultPath
	}
	cfg, err := config.Load(path, mustExist)
	if err != nil {
		return nil, err
	}
	rs, err := parsers.NewRuleSet(cfg.Rules)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	return rs, nil
}

// openLog prepares what `prpt parse` and `prpt rules test` read: the rule
// set of the config file and a reader of the log (stdin for "-") in the named
// format. It returns the log's name for messages and a function that closes it.
func openLog(file, format, configPath string, stdin io.Reader) (*parsers.RuleSet, *logfmt.Reader, string, func(), error) {
	f, err := logfmt.ParseFormat(format)
	if err != nil {
		return nil, nil, "", nil, err
	}
	rs, err := loadRuleSet(configPath)
	if err != nil {
		return nil, nil, "", nil, err
	}
	in, name, closeIn := io.Reader(stdin), "standard input", func() {}
	if file != "-" {
		fh, err := os.Open(file)
		if err != nil {
			return nil, nil, "", nil, fmt.Errorf("open log: %w", err)
		}
		in, name, closeIn = fh, file, func() { fh.Close() }
	}
	r, err := logfmt.NewReader(in, f)
	if err != nil {
		closeIn()
		return nil, nil, "", nil, err
	}
	return rs, r, name, closeIn, nil
}

// eventWriter prints events: one JSON object, or one readable line each.
type eventWriter struct {
	w      *bufio.Writer
	asJSON bool
	buf    []byte
}

func (ew *eventWriter) write(ev *event.Event) error {
	if !ew.asJSON {
		_, err := io.WriteString(ew.w, eventLine(ev))
		return err
	}
	var err error
	if ew.buf, err = ev.AppendJSON(ew.buf[:0]); err != nil {
		return err
	}
	ew.buf = append(ew.buf, '\n')
	_, err = ew.w.Write(ew.buf)
	return err
}

// eventLine is the readable form of an event: time, host, sub-system,
// severity, type, device and message. A time or host the log does not
// give (dmesg -r, /dev/kmsg records) is left out rather than shown as a
// placeholder; an unknown sub-system, type or device prints as "-". The
// message is shown as it is: an event that stands for several (a storm
// summary, lines the kernel's rate limit suppressed) says how many.
func eventLine(ev *event.Event) string {
	var b strings.Builder
	if !ev.Timestamp.IsZero() {
		b.WriteString(ev.Timestamp.Format("2006-01-02 15:04:05.000000"))
		b.WriteByte(' ')
	}
	if ev.Hostname != "" {
		b.WriteString(printable(ev.Hostname))
		b.WriteByte(' ')
	}
	msg, _, _ := strings.Cut(ev.Msg, "\n")
	fmt.Fprintf(&b, "%s %s %s %s: %s\n", dash(ev.SubSystem), ev.Severity, dash(ev.EventType), dash(ev.Kdev), printable(msg))
	return b.String()
}

// dash is s as printable prints it, "-" when empty.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return printable(s)
}

// enrich fills in the device identity of an event from the resolver. An
// event whose device cannot be resolved keeps its kdev and says why in
// extension resolve_error.
func enrich(r *sysfs.Resolver, ev *event.Event) {
	if ev.Kdev == "" {
		return
	}
	info, ext, err := r.ForEvent(ev.Kdev)
	if err != nil {
		ev.SetExt("resolve_error", err.Error())
		return
	}
	sysfs.FillEvent(ev, info, ext)
}

// skipSummary says how much input was skipped and why, or "" for none.
func skipSummary(skips []logfmt.Skip) string {
	if len(skips) == 0 {
		return ""
	}
	total := 0
	parts := make([]string, len(skips))
	for i, s := range skips {
		total += s.Count
		parts[i] = fmt.Sprintf("%d %s (first at line %d)", s.Count, s.Reason, s.FirstLine)
	}
	return fmt.Sprintf("skipped %d: %s", total, strings.Join(parts, ", "))
}
