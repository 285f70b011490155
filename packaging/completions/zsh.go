package main

import (
	"fmt"
	"strings"

	"github.com/peripety/peripety/internal/cmdtree"
)

// zshCompletion returns the zsh script (#compdef): one _arguments function
// per command, subcommands offered with _describe.
func zshCompletion(root *cmdtree.Command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#compdef prpt\n# zsh completion for prpt(1).\n# %s\n", generatedBy)
	b.WriteString(`
# _prpt_blk: block devices present now: a path under /dev as a file name,
# else kernel and device-mapper names.
_prpt_blk() {
	if [[ $PREFIX == /* ]]; then
		_files
		return
	fi
	local -a names
	names=(/sys/class/block/*(N:t) /dev/mapper/*(N:t))
	names=(${names:#control})
	compadd -a names
}
`)
	root.Walk(func(c *cmdtree.Command) {
		fmt.Fprintf(&b, "\n%s() {\n", zshFunc(c))
		b.WriteString("\tlocal curcontext=$curcontext state line\n\ttypeset -A opt_args\n\t_arguments -C -s -S")
		for _, f := range c.AllFlags() {
			b.WriteString(" \\\n\t\t" + zshFlagSpec(f))
		}
		if len(c.Children) > 0 {
			fmt.Fprintf(&b, " \\\n\t\t'1:command:%s' \\\n\t\t'*::argument:->command'\n", zshFunc(c)+"_commands")
			b.WriteString("\tif [[ $state == command ]]; then\n\t\tcase $line[1] in\n")
			for _, child := range c.Children {
				fmt.Fprintf(&b, "\t\t%s) %s ;;\n", child.Name(), zshFunc(child))
			}
			b.WriteString("\t\tesac\n\tfi\n}\n")
			fmt.Fprintf(&b, "\n%s_commands() {\n\tlocal -a commands=(\n", zshFunc(c))
			for _, child := range c.Children {
				fmt.Fprintf(&b, "\t\t%s\n", zshQuote(strings.ReplaceAll(child.Name(), ":", `\:`)+":"+child.Help))
			}
			b.WriteString("\t)\n\t_describe -t commands command commands\n}\n")
			return
		}
		for i, p := range c.Args {
			colon := ":"
			if p.Optional {
				colon = "::"
			}
			if i == len(c.Args)-1 {
				colon = "*" + colon
			}
			action := zshAction(p.Kind, p.Enum)
			fmt.Fprintf(&b, " \\\n\t\t%s", zshQuote(colon+zshEscape(p.Help)+":"+action))
		}
		b.WriteString("\n}\n")
	})
	b.WriteString("\n_prpt \"$@\"\n")
	return b.String()
}

func zshFunc(c *cmdtree.Command) string {
	if c.Path == "" {
		return "_prpt"
	}
	return "_prpt_" + strings.NewReplacer(" ", "_", "-", "_").Replace(c.Path)
}

func zshFlagSpec(f cmdtree.Flag) string {
	names := "--" + f.Long
	excl := ""
	if f.Short != "" {
		excl = fmt.Sprintf("(-%s --%s)", f.Short, f.Long)
		names = fmt.Sprintf("{-%s,--%s}", f.Short, f.Long)
	}
	if f.Repeat {
		excl = "*"
	}
	eq := ""
	value := ""
	if f.Kind != cmdtree.None {
		eq = "="
		value = ":" + strings.ToLower(f.Long) + ":" + zshAction(f.Kind, f.Enum)
	}
	spec := "[" + zshEscape(f.Help) + "]" + value
	if f.Short != "" {
		// {-J,--json}'[help]': the brace expansion must stay outside quotes;
		// each name gets "=" only as a long option.
		if eq != "" {
			names = fmt.Sprintf("{-%s,--%s=}", f.Short, f.Long)
		}
		return zshQuote(excl) + names + zshQuote(spec)
	}
	return zshQuote(excl + names + eq + spec)
}

func zshAction(kind cmdtree.Kind, enum []string) string {
	switch kind {
	case cmdtree.Enum:
		return "(" + strings.Join(enum, " ") + ")"
	case cmdtree.File:
		return "_files"
	case cmdtree.Dir:
		return "_files -/"
	case cmdtree.Blk:
		return "_prpt_blk"
	}
	return " "
}

// zshEscape escapes what _arguments treats specially in a description.
func zshEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, ":", `\:`).Replace(s)
}

func zshQuote(s string) string {
	if s == "" {
		return ""
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
