// Command peripetyd is the Peripety storage event daemon.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "peripetyd: not implemented yet")
	os.Exit(1)
}
