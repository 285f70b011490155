// Package cli implements the prpt command line (kong): parse, rules, info,
// list, query, monitor, summary and hooks.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/alecthomas/kong"
)

// Version is the version prpt and peripetyd report; the build sets it with
// -ldflags "-X github.com/peripety/peripety/cli.Version=…".
var Version = "0.1.0"

// Env is what every command runs with: its output streams, and the
// context that ends a long-running command (monitor); with none, such a
// command runs until SIGINT or SIGTERM.
type Env struct {
	Stdout  io.Writer
	Stderr  io.Writer
	Stdin   io.Reader
	Context context.Context
}

// CLI is the prpt command line.
type CLI struct {
	Version kong.VersionFlag `help:"Print the version and exit."`

	Parse   ParseCmd   `cmd:"" help:"Parse a saved kernel log into storage events, offline."`
	Rules   RulesCmd   `cmd:"" help:"List the rules, or test which rule each line of a log hits."`
	Info    InfoCmd    `cmd:"" help:"Show the identity and stack of one block device."`
	List    ListCmd    `cmd:"" help:"List the top-level block devices."`
	Query   QueryCmd   `cmd:"" help:"Query stored storage events."`
	Monitor MonitorCmd `cmd:"" help:"Follow storage events as they happen."`
	Summary SummaryCmd `cmd:"" help:"Count stored storage events per host, device, type and severity."`
	Hooks   HooksCmd   `cmd:"" help:"List the hooks run for storage events, or run them now with a test event."`

	Incidents IncidentsCmd `cmd:"" help:"List the incidents: each storage failure, its root cause and what followed."`
	Incident  IncidentCmd  `cmd:"" help:"Tell the story of one incident: its root cause, then what followed, layer by layer."`
	Status    StatusCmd    `cmd:"" help:"Show the current conditions of the block devices (paths, arrays, pools, filesystems)."`
}

// Main runs prpt with args (without the program name) and returns the exit
// status: 0 on success, 1 on any error, the command line's included
// (printed to env.Stderr as "prpt: <message>"), as docs/design.md ("CLI
// prpt") fixes.
func Main(args []string, env Env) int {
	var c CLI
	exit := -1
	parser, err := kong.New(&c, append(options(),
		kong.UsageOnError(),
		kong.Writers(env.Stdout, env.Stderr),
		kong.Exit(func(code int) { exit = code }),
		kong.Bind(&env),
	)...)
	if err != nil {
		fmt.Fprintf(env.Stderr, "prpt: %v\n", err)
		return 1
	}
	ctx, err := parser.Parse(joinValues(args))
	if exit >= 0 {
		// kong exits with 0 after --help and --version, and with its
		// own status (80) after some usage errors.
		return min(exit, 1)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "prpt: %v\n", err)
		return 1
	}
	if err := ctx.Run(); err != nil {
		fmt.Fprintf(env.Stderr, "prpt: %v\n", err)
		return 1
	}
	return 0
}

// options shape prpt's command line: its name, description and the
// variables of its tags.
func options() []kong.Option {
	return []kong.Option{
		kong.Name("prpt"),
		kong.Description("Query, monitor and parse Linux storage events (Peripety)."),
		kong.Vars{"version": Version},
	}
}

// Parser returns prpt's command line as Main parses it, without Main's
// streams and exit: for what describes the command line from it (the shell
// completions, the manual page's tests).
func Parser() (*kong.Kong, error) {
	return kong.New(&CLI{}, options()...)
}

// StdEnv is the process's own streams.
func StdEnv() Env { return Env{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin} }
