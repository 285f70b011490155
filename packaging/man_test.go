package packaging

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/peripety/peripety/cli"
	"github.com/peripety/peripety/internal/cmdtree"
	"github.com/peripety/peripety/internal/testenv"
)

var manPages = []string{"man/prpt.1", "man/peripetyd.8", "man/peripetyd.conf.5"}

func TestManPagesRender(t *testing.T) {
	groff := testenv.LookPath(t, "groff")
	for _, page := range manPages {
		t.Run(page, func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := exec.Command(groff, "-ww", "-z", "-man", page)
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil || stderr.Len() != 0 {
				t.Errorf("groff -ww -z -man %s: %v\n%s", page, err, stderr.Bytes())
			}
			// As a reader gets it: man(1) with its own warnings on.
			if man, err := exec.LookPath("man"); err == nil {
				stderr.Reset()
				cmd := exec.Command(man, "--warnings", "-l", page)
				cmd.Env = append(cmd.Environ(), "MANWIDTH=80", "MANPAGER=cat", "PAGER=cat")
				cmd.Stderr = &stderr
				if out, err := cmd.Output(); err != nil || stderr.Len() != 0 || len(out) == 0 {
					t.Errorf("man --warnings -l %s: %v\n%s", page, err, stderr.Bytes())
				}
			}
		})
	}
}

// renderedPage is a man page as groff renders it in plain text: the
// command paths of its SYNOPSIS lines and of its subsection headings
// (`prpt rules test FILE` → "rules test"), with their text.
type renderedPage struct {
	synopsis map[string]string
	sections map[string]string
	options  string // the OPTIONS section
}

var pathWords = regexp.MustCompile(`^[a-z][a-z-]*$`)

// commandPath returns the command path a rendered "prpt …" line starts
// with: the words after prpt up to the first option or argument.
func commandPath(line string) string {
	var words []string
	for _, w := range strings.Fields(line)[1:] {
		if !pathWords.MatchString(w) {
			break
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}

func renderPage(t *testing.T, page, program string) renderedPage {
	t.Helper()
	groff := testenv.LookPath(t, "groff")
	// One very long line per paragraph, no hyphenation, no bold/underline.
	out, err := exec.Command(groff, "-man", "-Tascii", "-rLL=1000n", "-rHY=0", "-P-cbou", page).Output()
	if err != nil {
		t.Fatalf("groff %s: %v", page, err)
	}
	r := renderedPage{synopsis: map[string]string{}, sections: map[string]string{}}
	var heading, sub string
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case line != "" && line[0] != ' ':
			heading, sub = strings.TrimSpace(line), ""
		case heading == "SYNOPSIS" && strings.HasPrefix(strings.TrimSpace(line), program+" "):
			r.synopsis[commandPath(strings.TrimSpace(line))] = line
		case strings.HasPrefix(line, "   "+program) && !strings.HasPrefix(line, "    "):
			sub = commandPath(strings.TrimSpace(line))
			r.sections[sub] += line + "\n"
		case heading == "COMMANDS" && sub != "":
			r.sections[sub] += line + "\n"
		case heading == "OPTIONS":
			r.options += line + "\n"
		}
	}
	return r
}

// mentions says whether text names the option (--json, -J) as a word.
func mentions(text, option string) bool {
	return regexp.MustCompile(`(^|[^a-zA-Z0-9-])` + regexp.QuoteMeta(option) + `($|[^a-zA-Z0-9-])`).MatchString(text)
}

var optionWord = regexp.MustCompile(`--[a-z][a-z0-9-]*`)

// TestPrptManPageMatchesCommands checks prpt(1) against the command tree
// prpt parses with: every command has a SYNOPSIS line and a section that
// starts from its help text, every option of a command is in both, every
// enum value is listed, and the page names no option the command lacks.
func TestPrptManPageMatchesCommands(t *testing.T) {
	root := commandTree(t)
	page := renderPage(t, "man/prpt.1", "prpt")
	known := map[string]bool{}
	root.Walk(func(c *cmdtree.Command) { known[c.Path] = true })
	for _, f := range root.Flags {
		if !mentions(page.options, "--"+f.Long) {
			t.Errorf("prpt(1) OPTIONS does not describe --%s", f.Long)
		}
	}
	for path := range page.synopsis {
		if !known[path] {
			t.Errorf("prpt(1) SYNOPSIS has `prpt %s`, which prpt does not have", path)
		}
	}
	root.Walk(func(c *cmdtree.Command) {
		if c.Path == "" || len(c.Children) > 0 {
			return
		}
		t.Run(c.Path, func(t *testing.T) {
			help := runPrpt(append(strings.Fields(c.Path), "--help"))
			if help.code != 0 {
				t.Fatalf("prpt %s --help: exit %d\n%s", c.Path, help.code, help.stderr)
			}
			syn, ok := page.synopsis[c.Path]
			if !ok {
				t.Fatalf("prpt(1) SYNOPSIS has no line for `prpt %s`", c.Path)
			}
			sec, ok := page.sections[c.Path]
			if !ok {
				t.Fatalf("prpt(1) COMMANDS has no section for `prpt %s`", c.Path)
			}
			if want := strings.TrimSuffix(c.Help, "."); !strings.Contains(strings.Join(strings.Fields(sec), " "), want) {
				t.Errorf("prpt(1) section `prpt %s` does not say what --help says: %q", c.Path, want)
			}
			own := map[string]bool{}
			for n := c; n != root; n = n.Parent {
				for _, f := range n.Flags {
					own["--"+f.Long] = true
					// The SYNOPSIS may give either form of a flag that
					// has two; the section and --help give both.
					if !mentions(syn, "--"+f.Long) && (f.Short == "" || !mentions(syn, "-"+f.Short)) {
						t.Errorf("prpt(1) SYNOPSIS of `prpt %s` lacks --%s", c.Path, f.Long)
					}
					for _, doc := range []struct{ name, text string }{{"prpt(1) section", sec}, {"--help", help.stdout}} {
						if !mentions(doc.text, "--"+f.Long) {
							t.Errorf("%s of `prpt %s` lacks --%s", doc.name, c.Path, f.Long)
						}
						if f.Short != "" && !mentions(doc.text, "-"+f.Short) {
							t.Errorf("%s of `prpt %s` lacks -%s (--%s)", doc.name, c.Path, f.Short, f.Long)
						}
					}
					for _, v := range f.Enum {
						if !mentions(sec, v) {
							t.Errorf("prpt(1) section `prpt %s` does not list %q for --%s", c.Path, v, f.Long)
						}
					}
				}
			}
			for _, o := range optionWord.FindAllString(syn, -1) {
				if !own[o] {
					t.Errorf("prpt(1) SYNOPSIS of `prpt %s` has %s, which the command does not take", c.Path, o)
				}
			}
		})
	})
}

type result struct {
	code           int
	stdout, stderr string
}

func runPrpt(args []string) result {
	var stdout, stderr bytes.Buffer
	code := cli.Main(args, cli.Env{Stdout: &stdout, Stderr: &stderr, Stdin: strings.NewReader("")})
	return result{code, stdout.String(), stderr.String()}
}

// TestPeripetydManPageMatchesFlags checks peripetyd(8) against the
// daemon's own --help: the SYNOPSIS names exactly the options the daemon
// takes, and OPTIONS describes each.
func TestPeripetydManPageMatchesFlags(t *testing.T) {
	bin := testenv.Build(t, t.TempDir(), "../cmd/peripetyd")
	help, _ := exec.Command(bin, "--help").CombinedOutput()
	// Flags as kong (--name) or the flag package (-name) print them.
	got := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(?:-\w, )?--?([a-z][a-z0-9-]*)`).FindAllStringSubmatch(string(help), -1) {
		got["--"+m[1]] = true
	}
	if len(got) == 0 {
		t.Fatalf("no options found in peripetyd --help:\n%s", help)
	}
	page := renderPage(t, "man/peripetyd.8", "peripetyd")
	syn := page.synopsis[""]
	documented := map[string]bool{"--help": true}
	for _, o := range optionWord.FindAllString(syn, -1) {
		documented[o] = true
	}
	for o := range got {
		if !documented[o] {
			t.Errorf("peripetyd(8) SYNOPSIS lacks %s, which peripetyd --help lists", o)
		}
		if !mentions(page.options, o) {
			t.Errorf("peripetyd(8) OPTIONS does not describe %s", o)
		}
	}
	for o := range documented {
		if !got[o] {
			t.Errorf("peripetyd(8) has %s, which peripetyd --help does not list:\n%s", o, help)
		}
	}
}
