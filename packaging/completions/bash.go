package main

import (
	"fmt"
	"strings"

	"github.com/peripety/peripety/internal/cmdtree"
)

// bashCompletion returns the bash script: `complete -F _prpt prpt` with
// functions that follow the command path through the words before the
// cursor (skipping flag values) and offer that command's subcommands,
// flags, or the values of the flag before the cursor.
func bashCompletion(root *cmdtree.Command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# bash completion for prpt(1).\n# %s\n\n", generatedBy)
	b.WriteString(`# _prpt_blk CUR: block devices present now: a path under /dev as a
# file name, else kernel and device-mapper names.
_prpt_blk() {
	if [[ $1 == /* ]]; then
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$1"))
		return
	fi
	local names=$(command ls /sys/class/block /dev/mapper 2>/dev/null | command grep -v -e '^/' -e '^$' -e ':$' -e '^control$')
	COMPREPLY=($(compgen -W "$names" -- "$1"))
}

# _prpt_path_step PATH WORD: the command path after WORD, or nothing.
_prpt_path_step() {
	case "$1|$2" in
`)
	root.Walk(func(c *cmdtree.Command) {
		for _, child := range c.Children {
			fmt.Fprintf(&b, "\t%q) echo %q ;;\n", c.Path+"|"+child.Name(), child.Path)
		}
	})
	b.WriteString(`	esac
}

# _prpt_takes_value PATH FLAG: whether FLAG takes a value under PATH.
_prpt_takes_value() {
	case "$1|$2" in
`)
	root.Walk(func(c *cmdtree.Command) {
		var words []string
		for _, f := range c.AllFlags() {
			if f.Kind != cmdtree.None {
				words = append(words, bashQuote(c.Path+"|--"+f.Long))
				if f.Short != "" {
					words = append(words, bashQuote(c.Path+"|-"+f.Short))
				}
			}
		}
		if len(words) > 0 {
			fmt.Fprintf(&b, "\t%s) return 0 ;;\n", strings.Join(words, " | "))
		}
	})
	b.WriteString(`	esac
	return 1
}

# _prpt_values PATH FLAG CUR: complete the value of FLAG.
_prpt_values() {
	case "$1|$2" in
`)
	root.Walk(func(c *cmdtree.Command) {
		for _, f := range c.AllFlags() {
			if f.Kind == cmdtree.None {
				continue
			}
			pat := bashQuote(c.Path + "|--" + f.Long)
			if f.Short != "" {
				pat += " | " + bashQuote(c.Path+"|-"+f.Short)
			}
			fmt.Fprintf(&b, "\t%s) %s ;;\n", pat, bashValues(f.Kind, f.Enum, "$3"))
		}
	})
	b.WriteString(`	esac
}

# _prpt_words PATH CUR: complete a word that is no flag value.
_prpt_words() {
	case "$2" in
	-*)
		case "$1" in
`)
	root.Walk(func(c *cmdtree.Command) {
		fmt.Fprintf(&b, "\t\t%s) COMPREPLY=($(compgen -W %s -- \"$2\")) ;;\n",
			bashQuote(c.Path), bashQuote(strings.Join(c.FlagWords(), " ")))
	})
	b.WriteString(`		esac
		return ;;
	esac
	case "$1" in
`)
	root.Walk(func(c *cmdtree.Command) {
		switch {
		case len(c.Children) > 0:
			fmt.Fprintf(&b, "\t%s) COMPREPLY=($(compgen -W %s -- \"$2\")) ;;\n",
				bashQuote(c.Path), bashQuote(strings.Join(c.ChildNames(), " ")))
		case len(c.Args) > 0:
			// Every argument completes alike: the first one's kind.
			p := c.Args[0]
			fmt.Fprintf(&b, "\t%s) %s ;;\n", bashQuote(c.Path), bashValues(p.Kind, p.Enum, "$2"))
		}
	})
	b.WriteString(`	esac
}

_prpt() {
	local cur=${COMP_WORDS[COMP_CWORD]} path= i w next
	COMPREPLY=()
	# Follow the subcommands before the cursor, skipping flag values
	# ("--flag value", and "--flag = value" as bash splits "--flag=value").
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == -* ]]; then
			if _prpt_takes_value "$path" "$w"; then
				((i++))
				[[ ${COMP_WORDS[i]} == = ]] && ((i++))
			fi
			continue
		fi
		next=$(_prpt_path_step "$path" "$w")
		[[ -n $next ]] && path=$next
	done
	# The value of the flag just before the cursor.
	local prev=${COMP_WORDS[COMP_CWORD-1]}
	[[ $cur == = ]] && cur= && prev=${COMP_WORDS[COMP_CWORD-1]}
	[[ $prev == = && COMP_CWORD -ge 2 ]] && prev=${COMP_WORDS[COMP_CWORD-2]}
	if [[ $prev == -* ]] && _prpt_takes_value "$path" "$prev"; then
		_prpt_values "$path" "$prev" "$cur"
		return
	fi
	_prpt_words "$path" "$cur"
}
complete -F _prpt prpt
`)
	return b.String()
}

func bashValues(kind cmdtree.Kind, enum []string, cur string) string {
	switch kind {
	case cmdtree.Enum:
		return fmt.Sprintf("COMPREPLY=($(compgen -W %s -- \"%s\"))", bashQuote(strings.Join(enum, " ")), cur)
	case cmdtree.File:
		return fmt.Sprintf("compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"%s\"))", cur)
	case cmdtree.Dir:
		return fmt.Sprintf("compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"%s\"))", cur)
	case cmdtree.Blk:
		return fmt.Sprintf("_prpt_blk \"%s\"", cur)
	}
	return ":"
}

func bashQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
