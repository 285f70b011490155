package packaging

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the generated completions under packaging/completions")

// The completion scripts are generated from prpt's kong tree, so they can
// only go stale by not being regenerated, which TestCompletionsUpToDate
// catches: `go test ./packaging -run TestCompletionsUpToDate -update`.
const generatedBy = "Generated from prpt's command tree by packaging/completions_test.go:\n" +
	"# go test ./packaging -run TestCompletionsUpToDate -update. Do not edit."

var completionFiles = map[string]func(*command) string{
	"completions/prpt.bash": bashCompletion,
	"completions/_prpt":     zshCompletion,
	"completions/prpt.fish": fishCompletion,
}

func TestCompletionsUpToDate(t *testing.T) {
	root := commandTree(t)
	for file, gen := range completionFiles {
		t.Run(filepath.Base(file), func(t *testing.T) {
			want := gen(root)
			if *update {
				if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (generate it with -update)", err)
			}
			if diff := cmp.Diff(want, string(got)); diff != "" {
				t.Errorf("%s is stale; regenerate with -update (-want +got):\n%s", file, diff)
			}
		})
	}
}

// --- bash ---------------------------------------------------------------

func bashCompletion(root *command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# bash completion for prpt(1).\n# %s\n\n", generatedBy)
	b.WriteString(`# _prpt_path_step PATH WORD: the command path after WORD, or nothing.
_prpt_path_step() {
	case "$1|$2" in
`)
	root.walk(func(c *command) {
		for _, child := range c.children {
			fmt.Fprintf(&b, "\t%q) echo %q ;;\n", c.path+"|"+child.name(), child.path)
		}
	})
	b.WriteString(`	esac
}

# _prpt_takes_value PATH FLAG: whether FLAG takes a value under PATH.
_prpt_takes_value() {
	case "$1|$2" in
`)
	root.walk(func(c *command) {
		var words []string
		for _, f := range c.allFlags() {
			if f.kind != valueNone {
				words = append(words, bashQuote(c.path+"|--"+f.long))
				if f.short != "" {
					words = append(words, bashQuote(c.path+"|-"+f.short))
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
	root.walk(func(c *command) {
		for _, f := range c.allFlags() {
			if f.kind == valueNone {
				continue
			}
			pat := bashQuote(c.path + "|--" + f.long)
			if f.short != "" {
				pat += " | " + bashQuote(c.path+"|-"+f.short)
			}
			fmt.Fprintf(&b, "\t%s) %s ;;\n", pat, bashValues(f.kind, f.enum, "$3"))
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
	root.walk(func(c *command) {
		fmt.Fprintf(&b, "\t\t%s) COMPREPLY=($(compgen -W %s -- \"$2\")) ;;\n",
			bashQuote(c.path), bashQuote(strings.Join(c.flagWords(), " ")))
	})
	b.WriteString(`		esac
		return ;;
	esac
	case "$1" in
`)
	root.walk(func(c *command) {
		switch {
		case len(c.children) > 0:
			fmt.Fprintf(&b, "\t%s) COMPREPLY=($(compgen -W %s -- \"$2\")) ;;\n",
				bashQuote(c.path), bashQuote(strings.Join(c.childNames(), " ")))
		case len(c.positional) > 0:
			// Every argument completes alike: the first one's kind.
			p := c.positional[0]
			fmt.Fprintf(&b, "\t%s) %s ;;\n", bashQuote(c.path), bashValues(p.kind, p.enum, "$2"))
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

func bashValues(kind valueKind, enum []string, cur string) string {
	switch kind {
	case valueEnum:
		return fmt.Sprintf("COMPREPLY=($(compgen -W %s -- \"%s\"))", bashQuote(strings.Join(enum, " ")), cur)
	case valueFile:
		return fmt.Sprintf("compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"%s\"))", cur)
	case valueDir:
		return fmt.Sprintf("compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"%s\"))", cur)
	}
	return ":"
}

func bashQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// --- zsh ----------------------------------------------------------------

func zshCompletion(root *command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#compdef prpt\n# zsh completion for prpt(1).\n# %s\n", generatedBy)
	root.walk(func(c *command) {
		fmt.Fprintf(&b, "\n%s() {\n", zshFunc(c))
		b.WriteString("\tlocal curcontext=$curcontext state line\n\ttypeset -A opt_args\n\t_arguments -C -s -S")
		for _, f := range c.allFlags() {
			b.WriteString(" \\\n\t\t" + zshFlagSpec(f))
		}
		if len(c.children) > 0 {
			fmt.Fprintf(&b, " \\\n\t\t'1:command:%s' \\\n\t\t'*::argument:->command'\n", zshFunc(c)+"_commands")
			b.WriteString("\tif [[ $state == command ]]; then\n\t\tcase $line[1] in\n")
			for _, child := range c.children {
				fmt.Fprintf(&b, "\t\t%s) %s ;;\n", child.name(), zshFunc(child))
			}
			b.WriteString("\t\tesac\n\tfi\n}\n")
			fmt.Fprintf(&b, "\n%s_commands() {\n\tlocal -a commands=(\n", zshFunc(c))
			for _, child := range c.children {
				fmt.Fprintf(&b, "\t\t%s\n", zshQuote(strings.ReplaceAll(child.name(), ":", `\:`)+":"+child.help))
			}
			b.WriteString("\t)\n\t_describe -t commands command commands\n}\n")
			return
		}
		for i, p := range c.positional {
			colon := ":"
			if p.optional {
				colon = "::"
			}
			if i == len(c.positional)-1 {
				colon = "*" + colon
			}
			action := zshAction(p.kind, p.enum)
			fmt.Fprintf(&b, " \\\n\t\t%s", zshQuote(colon+zshEscape(p.help)+":"+action))
		}
		b.WriteString("\n}\n")
	})
	b.WriteString("\n_prpt \"$@\"\n")
	return b.String()
}

func zshFunc(c *command) string {
	if c.path == "" {
		return "_prpt"
	}
	return "_prpt_" + strings.NewReplacer(" ", "_", "-", "_").Replace(c.path)
}

func zshFlagSpec(f flagSpec) string {
	names := "--" + f.long
	excl := ""
	if f.short != "" {
		excl = fmt.Sprintf("(-%s --%s)", f.short, f.long)
		names = fmt.Sprintf("{-%s,--%s}", f.short, f.long)
	}
	if f.repeat {
		excl = "*"
	}
	eq := ""
	value := ""
	if f.kind != valueNone {
		eq = "="
		value = ":" + strings.ToLower(f.long) + ":" + zshAction(f.kind, f.enum)
	}
	spec := "[" + zshEscape(f.help) + "]" + value
	if f.short != "" {
		// {-J,--json}'[help]': the brace expansion must stay outside quotes;
		// each name gets "=" only as a long option.
		if eq != "" {
			names = fmt.Sprintf("{-%s,--%s=}", f.short, f.long)
		}
		return zshQuote(excl) + names + zshQuote(spec)
	}
	return zshQuote(excl + names + eq + spec)
}

func zshAction(kind valueKind, enum []string) string {
	switch kind {
	case valueEnum:
		return "(" + strings.Join(enum, " ") + ")"
	case valueFile:
		return "_files"
	case valueDir:
		return "_files -/"
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

// --- fish ---------------------------------------------------------------

func fishCompletion(root *command) string {
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
	root.walk(func(c *command) {
		var pats []string
		for _, f := range c.allFlags() {
			if f.kind != valueNone {
				pats = append(pats, fishQuote(c.path+"|--"+f.long))
				if f.short != "" {
					pats = append(pats, fishQuote(c.path+"|-"+f.short))
				}
			}
		}
		if len(pats) > 0 {
			fmt.Fprintf(&b, "\t\t\tcase %s\n\t\t\t\tset skip 1\n", strings.Join(pats, " "))
		}
		for _, child := range c.children {
			fmt.Fprintf(&b, "\t\t\tcase %s\n\t\t\t\tset path %s\n", fishQuote(c.path+"|"+child.name()), fishQuote(child.path))
		}
	})
	b.WriteString(`		end
	end
	echo $path
end

# __prpt_at PATH...: whether the command line is at one of the paths.
function __prpt_at
	contains -- (__prpt_path) $argv
end

complete -c prpt -f
`)
	// Each flag is offered at the command that defines it and below.
	root.walk(func(c *command) {
		var at []string
		c.walk(func(d *command) { at = append(at, d.path) })
		cond := "__prpt_at"
		for _, p := range at {
			cond += " " + fishQuote(p)
		}
		for _, f := range c.flags {
			line := "complete -c prpt -n \"" + cond + "\" -l " + f.long
			if f.short != "" {
				line += " -s " + f.short
			}
			line += fishValue(f.kind, f.enum) + " -d " + fishQuote(f.help)
			b.WriteString(line + "\n")
		}
	})
	root.walk(func(c *command) {
		cond := "\"__prpt_at " + fishQuote(c.path) + "\""
		for _, child := range c.children {
			fmt.Fprintf(&b, "complete -c prpt -n %s -a %s -d %s\n", cond, fishQuote(child.name()), fishQuote(child.help))
		}
		if len(c.children) == 0 && len(c.positional) > 0 {
			p := c.positional[0]
			if v := fishValue(p.kind, p.enum); v != "" {
				fmt.Fprintf(&b, "complete -c prpt -n %s%s\n", cond, strings.Replace(v, " -r", "", 1))
			}
		}
	})
	return b.String()
}

func fishValue(kind valueKind, enum []string) string {
	switch kind {
	case valueFree:
		return " -r"
	case valueEnum:
		return " -r -a " + fishQuote(strings.Join(enum, " "))
	case valueFile:
		return " -r -F"
	case valueDir:
		return " -r -a '(__fish_complete_directories)'"
	}
	return ""
}

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

// --- running the scripts ----------------------------------------------------

// completionCase is a command line, the cursor at its end, and the words
// the completion must offer; derived from the tree so that every command,
// flag and enum is exercised.
type completionCase struct {
	line string
	want []string
}

func completionCases(root *command) []completionCase {
	var cases []completionCase
	root.walk(func(c *command) {
		prefix := strings.TrimSpace("prpt " + c.path)
		if len(c.children) > 0 {
			cases = append(cases, completionCase{prefix + " ", c.childNames()})
		}
		cases = append(cases, completionCase{prefix + " --", longFlags(c)})
		for _, f := range c.allFlags() {
			if f.kind == valueEnum {
				cases = append(cases, completionCase{prefix + " --" + f.long + " ", f.enum})
			}
		}
	})
	return cases
}

func longFlags(c *command) []string {
	var w []string
	for _, f := range c.allFlags() {
		w = append(w, "--"+f.long)
	}
	sort.Strings(w)
	return w
}

func TestBashCompletion(t *testing.T) {
	bash := lookPath(t, "bash")
	script, err := filepath.Abs("completions/prpt.bash")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range completionCases(commandTree(t)) {
		t.Run(tc.line, func(t *testing.T) {
			// COMP_WORDS as bash splits the line; a trailing space is an
			// empty current word.
			words := strings.Fields(tc.line)
			if strings.HasSuffix(tc.line, " ") {
				words = append(words, "")
			}
			var quoted []string
			for _, w := range words {
				quoted = append(quoted, bashQuote(w))
			}
			prog := fmt.Sprintf("source %s\nCOMP_WORDS=(%s)\nCOMP_CWORD=%d\n_prpt\nprintf '%%s\\n' \"${COMPREPLY[@]}\"\n",
				bashQuote(script), strings.Join(quoted, " "), len(words)-1)
			got := runLines(t, exec.Command(bash, "--norc", "--noprofile", "-c", prog))
			if diff := cmp.Diff(sorted(tc.want), sorted(got)); diff != "" {
				t.Errorf("completing %q (-want +got):\n%s", tc.line, diff)
			}
		})
	}
}

func TestFishCompletion(t *testing.T) {
	fish := lookPath(t, "fish")
	script, err := filepath.Abs("completions/prpt.fish")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range completionCases(commandTree(t)) {
		t.Run(tc.line, func(t *testing.T) {
			prog := fmt.Sprintf("source %s; complete -C %s", fishQuote(script), fishQuote(tc.line))
			cmd := exec.Command(fish, "--no-config", "-c", prog)
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
			var got []string
			for _, l := range runLines(t, cmd) {
				word, _, _ := strings.Cut(l, "\t") // the description follows a tab
				got = append(got, strings.TrimPrefix(word, lastWord(tc.line)))
			}
			want := tc.want
			if strings.HasSuffix(tc.line, "--") {
				want = nil
				for _, w := range tc.want {
					want = append(want, strings.TrimPrefix(w, "--"))
				}
			}
			if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
				t.Errorf("completing %q (-want +got):\n%s", tc.line, diff)
			}
		})
	}
}

// zshCapture completes each command line given after the fpath directory
// in an interactive zsh on a pseudo-terminal (zsh/zpty), as a user pressing
// Tab would, with compadd wrapped to print every match it is given, and
// prints "LINE<TAB>MATCH" for each.
const zshCapture = `zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT='' RPROMPT='' PS2=''"
zpty -w z "fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd() { local -a __hits; builtin compadd -O __hits "$@"; (( $#__hits )) && print -rl -- "HIT:"${^__hits}; builtin compadd "$@" }'
zpty -w z 'zstyle ":completion:*" list-prompt ""; LISTMAX=100000'
# Tab completes, then marks the end of its output and clears the line, in
# one widget: nothing is typed ahead of a completion still running.
zpty -w z '__capture() { zle complete-word; zle -I; print -r -- "CAPTURE""-END"; zle kill-whole-line }; zle -N __capture; bindkey "^I" __capture'
zpty -w z "print -r -- RE''ADY"
while zpty -r z line; do [[ $line == READY* ]] && break; done
shift
for l in "$@"; do
  zpty -w -n z "$l"$'\t'
  while zpty -r z line; do
    [[ $line == *CAPTURE-END* ]] && break
    [[ $line == *HIT:* ]] && print -r -- "$l"$'\t'${${line##*HIT:}%%$'\r'*}
  done
done
zpty -d z
`

// TestZshCompletion completes the cases of the bash and fish tests in a
// real interactive zsh with compinit, as a user pressing Tab would.
func TestZshCompletion(t *testing.T) {
	zsh := lookPath(t, "zsh")
	out, err := exec.Command(zsh, "-n", "completions/_prpt").CombinedOutput()
	if err != nil {
		t.Fatalf("zsh -n completions/_prpt: %v\n%s", err, out)
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "capture.zsh")
	if err := os.WriteFile(script, []byte(zshCapture), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "_prpt"), []byte(readFile(t, "completions/_prpt")), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := completionCases(commandTree(t))
	args := []string{"-f", script, dir}
	for _, tc := range cases {
		args = append(args, tc.line)
	}
	// A capture that waits for output that never comes must fail, not hang.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, zsh, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "ZDOTDIR="+dir)
	got := map[string][]string{}
	for _, l := range runLines(t, cmd) {
		line, match, _ := strings.Cut(l, "\t")
		if !slices.Contains(got[line], match) {
			got[line] = append(got[line], match)
		}
	}
	for _, tc := range cases {
		if diff := cmp.Diff(sorted(tc.want), sorted(got[tc.line])); diff != "" {
			t.Errorf("completing %q (-want +got):\n%s", tc.line, diff)
		}
	}
}

func lookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (tests/setup-deps.sh installs it): %v", name, err)
	}
	return p
}

func runLines(t *testing.T, cmd *exec.Cmd) []string {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, stderr.Bytes())
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func lastWord(line string) string {
	if strings.HasSuffix(line, " ") {
		return ""
	}
	f := strings.Fields(line)
	return f[len(f)-1]
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}
