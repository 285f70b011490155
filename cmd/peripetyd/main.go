// Command peripetyd is the Peripety storage event daemon (docs/design.md,
// "Daemon peripetyd"). It only wires flags, signals and logging to package
// service.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/alecthomas/kong"
	"golang.org/x/sys/unix"

	"github.com/peripety/peripety/cli"
	"github.com/peripety/peripety/service"
	"github.com/peripety/peripety/service/journal"
)

type flags struct {
	Config           string `help:"Config file (default ${default_config}; a missing default means built-in defaults)." type:"path" placeholder:"FILE"`
	Source           string `help:"Where kernel lines come from: auto, journal, kmsg or file:PATH." default:"auto"`
	Bus              string `help:"D-Bus bus to serve on: system, session, none or an address." default:"system"`
	Root             string `help:"Where /sys, /dev, /proc and /run/udev are read from." default:"/" type:"existingdir"`
	StateDir         string `help:"Where the source position, device identities and events not yet in journald are kept." default:"${default_state_dir}" type:"path"`
	JournalNamespace string `name:"journal-namespace" placeholder:"NS" help:"Store events in the journal namespace NS (systemd-journald@.service) instead of the system journal."`
	LogLevel         string `help:"Log level: debug, info, warn or error." default:"info" enum:"debug,info,warn,error"`
	LogTarget        string `help:"Where the daemon's own log goes: journal (journald's native protocol: its identifier and the level's priority), stderr, or auto: journal when standard error is a socket (a stream to journald, from systemd or the D-Bus launch helper) and journald answers, else stderr." default:"auto" enum:"auto,journal,stderr"`
}

// memoryLimit is the daemon's soft memory limit (runtime/debug) when
// GOMEMLIMIT does not set one: it runs in some tens of MiB, and the garbage
// of a burst of large calls (arguments of up to the bus's 32 MiB a
// message) is collected and given back before the process grows far past
// that.
const memoryLimit = 64 << 20

func main() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(memoryLimit)
	}
	var f flags
	kong.Parse(&f,
		kong.Name("peripetyd"),
		kong.Description("Peripety storage event daemon: kernel storage lines to structured events in journald and on D-Bus."),
		kong.Vars{"default_config": service.DefaultConfigPath, "default_state_dir": service.DefaultStateDir},
	)
	if err := run(f); err != nil {
		fmt.Fprintln(os.Stderr, "peripetyd:", err)
		os.Exit(1)
	}
}

func run(f flags) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.LogLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log, closeLog, err := newLogger(f.LogTarget, level)
	if err != nil {
		return fmt.Errorf("--log-target: %w", err)
	}
	defer closeLog()
	src, err := service.ParseSourceSpec(f.Source)
	if err != nil {
		return fmt.Errorf("--source: %w", err)
	}
	bus, err := service.ParseBusSpec(f.Bus)
	if err != nil {
		return fmt.Errorf("--bus: %w", err)
	}
	opts := service.Options{
		ConfigPath: f.Config,
		Source:     src,
		Bus:        bus,
		Version:    cli.Version,
		Root:       f.Root,
		StateDir:   f.StateDir,
		Log:        log,
	}
	if f.JournalNamespace != "" {
		if opts.JournalSocket, opts.JournalRead, err = service.JournalNamespace(f.JournalNamespace); err != nil {
			return fmt.Errorf("--journal-namespace: %w", err)
		}
	}
	d, err := service.New(opts)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := d.Reload(ctx); err != nil {
					log.Error("reload failed, old config kept", "err", err)
				}
			}
		}
	}()
	return d.Run(ctx)
}

// newLogger returns the daemon's logger for target (see flags.LogTarget)
// and a function that closes what it opened.
func newLogger(target string, level slog.Level) (*slog.Logger, func(), error) {
	opts := &slog.HandlerOptions{Level: level}
	text := slog.New(slog.NewTextHandler(os.Stderr, opts))
	if target == "stderr" || target == "auto" && !stderrIsSocket() {
		return text, func() {}, nil
	}
	w := journal.NewWriter(journal.DefaultSocket)
	err := w.Connect()
	switch {
	case err != nil && target == "auto":
		return text, func() {}, nil
	case err != nil:
		return nil, nil, err
	}
	return slog.New(journal.NewLogHandler(w, journal.Identifier, opts, os.Stderr)), func() { w.Close() }, nil
}

// stderrIsSocket tells whether standard error is a socket: a stream to
// journald, as systemd gives a service (JOURNAL_STREAM) and the D-Bus
// launch helper under systemd gives a service it activates (it files what
// it reads under the bus name at priority 4).
func stderrIsSocket() bool {
	var st unix.Stat_t
	return unix.Fstat(2, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFSOCK
}
