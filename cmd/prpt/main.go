// Command prpt queries, monitors and parses Linux storage events.
package main

import (
	"os"

	"github.com/peripety/peripety/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.StdEnv()))
}
