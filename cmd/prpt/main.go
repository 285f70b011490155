// Command prpt queries, monitors and parses Linux storage events.
package main

import (
	"os"
	"runtime/debug"

	"github.com/google/uuid"

	"github.com/peripety/peripety/cli"
)

func main() {
	// Event ids from a buffer of random bytes, not a getrandom call each:
	// `prpt parse` makes one for every event of a log.
	uuid.EnableRandPool()
	// prpt's live heap is a few MB while `prpt parse` turns over some
	// hundred bytes per event, so with the default target the collector
	// runs every few thousand events; twice the target saves about a
	// tenth of its CPU time for a few MB more. GOGC still rules if set.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(200)
	}
	os.Exit(cli.Main(os.Args[1:], cli.StdEnv()))
}
