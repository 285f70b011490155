// Command completions prints the bash, zsh or fish completion script of
// prpt, generated from the kong command tree prpt parses with, so that the
// scripts always offer exactly prpt's commands, flags and values:
//
//	go run ./packaging/completions bash >/usr/share/bash-completion/completions/prpt
//	go run ./packaging/completions zsh  >/usr/share/zsh/vendor-completions/_prpt
//	go run ./packaging/completions fish >/usr/share/fish/vendor_completions.d/prpt.fish
//
// `make install` runs it.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/peripety/peripety/cli"
	"github.com/peripety/peripety/internal/cmdtree"
)

const generatedBy = "Generated from prpt's command tree by packaging/completions; do not edit."

var shells = map[string]func(*cmdtree.Command) string{
	"bash": bashCompletion,
	"zsh":  zshCompletion,
	"fish": fishCompletion,
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run prints the script for the shell args name and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || shells[args[0]] == nil {
		fmt.Fprintln(stderr, "usage: completions bash|zsh|fish")
		return 2
	}
	root, err := prptTree()
	if err != nil {
		fmt.Fprintf(stderr, "completions: %v\n", err)
		return 1
	}
	fmt.Fprint(stdout, shells[args[0]](root))
	return 0
}

// prptTree builds prpt's kong model as cli.Main does.
func prptTree() (*cmdtree.Command, error) {
	k, err := cli.Parser()
	if err != nil {
		return nil, fmt.Errorf("build prpt's command tree: %w", err)
	}
	root := cmdtree.FromKong(k.Model.Node)
	root.Resolve(cli.CompletionWords)
	return root, nil
}
