package main

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/cmdtree"
	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/parsers"
)

// commandTree is prpt's tree, as main builds it.
func commandTree(t *testing.T) *cmdtree.Command {
	t.Helper()
	root, err := prptTree()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// writeScript writes the generated script for shell into a temporary
// directory under name and returns its path.
func writeScript(t *testing.T, shell, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(shells[shell](commandTree(t))), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string // at the start of stdout, or in stderr for errors
	}{
		{[]string{"bash"}, 0, "# bash completion for prpt(1)."},
		{[]string{"zsh"}, 0, "#compdef prpt"},
		{[]string{"fish"}, 0, "# fish completion for prpt(1)."},
		{nil, 2, "usage: completions bash|zsh|fish"},
		{[]string{"tcsh"}, 2, "usage: completions bash|zsh|fish"},
		{[]string{"bash", "zsh"}, 2, "usage: completions bash|zsh|fish"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tc.args, &stdout, &stderr)
		ok := code == tc.code && strings.HasPrefix(stdout.String(), tc.want)
		if tc.code != 0 {
			ok = code == tc.code && stdout.Len() == 0 && strings.Contains(stderr.String(), tc.want)
		}
		if !ok {
			t.Errorf("run(%q) = %d, stdout %.60q, stderr %q; want %d and %q", tc.args, code, stdout.String(), stderr.String(), tc.code, tc.want)
		}
	}
}

// completionCase is a command line, the cursor at its end, and the words
// the completion must offer; derived from the tree so that every command,
// flag and enum is exercised.
type completionCase struct {
	line string
	want []string
}

func completionCases(root *cmdtree.Command) []completionCase {
	cases := valueCases()
	root.Walk(func(c *cmdtree.Command) {
		prefix := strings.TrimSpace("prpt " + c.Path)
		if len(c.Children) > 0 {
			cases = append(cases, completionCase{prefix + " ", c.ChildNames()})
		}
		cases = append(cases, completionCase{prefix + " --", longFlags(c)})
		for _, f := range c.AllFlags() {
			if f.Kind == cmdtree.Enum {
				cases = append(cases, completionCase{prefix + " --" + f.Long + " ", f.Enum})
			}
		}
	})
	return cases
}

// valueCases are values that complete from prpt's own vocabulary, written
// out here rather than read from the tree: severities as journalctl -p
// names them, the built-in rules' event types and sub-systems (as `prpt
// rules list` shows them), and the block devices present.
func valueCases() []completionCase {
	severities := []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}
	rs, err := parsers.NewRuleSet(nil)
	if err != nil {
		panic(err)
	}
	types, subs := map[string]bool{"SCSI_MEDIUM_ERROR": true}, map[string]bool{}
	for _, r := range rs.Rules() {
		if r.EventType != "" {
			types[r.EventType] = true
		}
		subs[r.SubSystem] = true
	}
	// A failed command refined by its sense key or host byte.
	for _, typ := range []string{"SCSI_RECOVERED_ERROR", "SCSI_NOT_READY", "SCSI_HARDWARE_ERROR", "SCSI_ILLEGAL_REQUEST",
		"SCSI_UNIT_ATTENTION", "SCSI_DATA_PROTECT", "SCSI_BLANK_CHECK", "SCSI_COPY_ABORTED", "SCSI_ABORTED_COMMAND",
		"SCSI_VOLUME_OVERFLOW", "SCSI_MISCOMPARE", "SCSI_TIMEOUT", "SCSI_TRANSPORT_ERROR"} {
		types[typ] = true
	}
	for _, s := range event.SubSystems {
		subs[s] = true
	}
	blks := blockNames()
	return []completionCase{
		{"prpt query --severity ", severities},
		{"prpt monitor --severity ", severities},
		{"prpt query --event-type ", slices.Sorted(maps.Keys(types))},
		{"prpt monitor --sub-system ", slices.Sorted(maps.Keys(subs))},
		{"prpt query --blk ", blks},
		{"prpt info ", blks},
		{"prpt info --local ", blks},
	}
}

// blockNames lists the block devices of this machine as prpt info takes
// them: kernel names and device-mapper names.
func blockNames() []string {
	var names []string
	for _, dir := range []string{"/sys/class/block", "/dev/mapper"} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if e.Name() != "control" {
				names = append(names, e.Name())
			}
		}
	}
	return names
}

func longFlags(c *cmdtree.Command) []string {
	var w []string
	for _, f := range c.AllFlags() {
		w = append(w, "--"+f.Long)
	}
	sort.Strings(w)
	return w
}

func TestBashCompletion(t *testing.T) {
	bash := testenv.LookPath(t, "bash")
	script := writeScript(t, "bash", "prpt.bash")
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
	fish := testenv.LookPath(t, "fish")
	script := writeScript(t, "fish", "prpt.fish")
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
	zsh := testenv.LookPath(t, "zsh")
	fn := writeScript(t, "zsh", "_prpt")
	if out, err := exec.Command(zsh, "-n", fn).CombinedOutput(); err != nil {
		t.Fatalf("zsh -n _prpt: %v\n%s", err, out)
	}
	dir := filepath.Dir(fn)
	script := filepath.Join(dir, "capture.zsh")
	if err := os.WriteFile(script, []byte(zshCapture), 0o644); err != nil {
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
