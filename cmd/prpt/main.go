// Command prpt queries, monitors and parses Linux storage events.
package main

import (
	"os"

	"github.com/google/uuid"

	"github.com/peripety/peripety/cli"
)

func main() {
	// Event ids from a buffer of random bytes, not a getrandom call each:
	// `prpt parse` makes one for every event of a log.
	uuid.EnableRandPool()
	os.Exit(cli.Main(os.Args[1:], cli.StdEnv()))
}
