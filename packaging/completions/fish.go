package main

import (
	"fmt"
	"strings"

	"github.com/peripety/peripety/internal/cmdtree"
)

// fishCompletion returns the fish script: a function that finds the
// command path of the command line, and one `complete` line per flag and
// subcommand, conditioned on that path.
func fishCompletion(root *cmdtree.Command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# fish completion for prpt(1).\n# %s\n\n", generatedBy)
	b.WriteString(`# __prpt_path: the command path of the command line before the cursor.
function __prpt_path
	set -l path ''
	set -l words (commandline -opc)
	set -e words[1]
	set -l skip 0
	for w in $words
		if test $skip -eq 1
			set skip 0
			continue
		end
		switch "$path|$w"
`)
	root.Walk(func(c *cmdtree.Command) {
		var pats []string
		for _, f := range c.AllFlags() {
			if f.Kind != cmdtree.None {
				pats = append(pats, fishQuote(c.Path+"|--"+f.Long))
				if f.Short != "" {
					pats = append(pats, fishQuote(c.Path+"|-"+f.Short))
				}
			}
		}
		if len(pats) > 0 {
			fmt.Fprintf(&b, "\t\t\tcase %s\n\t\t\t\tset skip 1\n", strings.Join(pats, " "))
		}
		for _, child := range c.Children {
			fmt.Fprintf(&b, "\t\t\tcase %s\n\t\t\t\tset path %s\n", fishQuote(c.Path+"|"+child.Name()), fishQuote(child.Path))
		}
	})
	b.WriteString(`		end
	end
	echo $path
end

# __prpt_blk: block devices present now: a path under /dev as a file name,
# else kernel and device-mapper names.
function __prpt_blk
	set -l cur (commandline -ct)
	if string match -q -- '/*' $cur
		__fish_complete_path $cur
		return
	end
	for f in /sys/class/block/* /dev/mapper/*
		set -l n (string split -r -m1 / -- $f)[-1]
		test $n = control; or echo $n
	end
end

# __prpt_at PATH...: whether the command line is at one of the paths.
function __prpt_at
	contains -- (__prpt_path) $argv
end

complete -c prpt -f
`)
	// Each flag is offered at the command that defines it and below.
	root.Walk(func(c *cmdtree.Command) {
		var at []string
		c.Walk(func(d *cmdtree.Command) { at = append(at, d.Path) })
		cond := "__prpt_at"
		for _, p := range at {
			cond += " " + fishQuote(p)
		}
		for _, f := range c.Flags {
			line := "complete -c prpt -n \"" + cond + "\" -l " + f.Long
			if f.Short != "" {
				line += " -s " + f.Short
			}
			line += fishValue(f.Kind, f.Enum) + " -d " + fishQuote(f.Help)
			b.WriteString(line + "\n")
		}
	})
	root.Walk(func(c *cmdtree.Command) {
		cond := "\"__prpt_at " + fishQuote(c.Path) + "\""
		for _, child := range c.Children {
			fmt.Fprintf(&b, "complete -c prpt -n %s -a %s -d %s\n", cond, fishQuote(child.Name()), fishQuote(child.Help))
		}
		if len(c.Children) == 0 && len(c.Args) > 0 {
			p := c.Args[0]
			if v := fishValue(p.Kind, p.Enum); v != "" {
				fmt.Fprintf(&b, "complete -c prpt -n %s%s\n", cond, strings.NewReplacer(" -r", "", " -x", " -f").Replace(v))
			}
		}
	})
	return b.String()
}

func fishValue(kind cmdtree.Kind, enum []string) string {
	switch kind {
	case cmdtree.Free:
		return " -r"
	case cmdtree.Enum:
		// -x: the listed words only, no file names beside them.
		return " -x -a " + fishQuote(strings.Join(enum, " "))
	case cmdtree.File:
		return " -r -F"
	case cmdtree.Dir:
		return " -r -a '(__fish_complete_directories)'"
	case cmdtree.Blk:
		return " -x -a '(__prpt_blk)'"
	}
	return ""
}

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}
