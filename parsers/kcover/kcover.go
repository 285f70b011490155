// Package kcover measures the built-in rules against the kernel's own
// printk formats: every printk-family call of the storage sub-systems of
// Linux 4.19, 5.10, 6.1 and 6.12, extracted from the kernel sources by
// tools/kformats into kformats/<version>.jsonl. Each format printed at
// warning level or worse is classified: covered by the rule that takes a
// line synthesized from it (Synthesize), folded (a context rule takes it:
// it adds to another line's event), ignored with a stated reason
// (kformats/ignored.tsv), or missing.
package kcover

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/peripety/peripety/parsers"
)

//go:embed kformats/*.jsonl kformats/ignored.tsv
var tables embed.FS

// Versions are the kernel versions of the tables, oldest first.
var Versions = []string{"4.19", "5.10", "6.1", "6.12"}

// Call is one printk-family call of a kernel version's storage code.
type Call struct {
	// At is the call's file:line in the kernel tree.
	At string `json:"at"`
	// Sub is the storage sub-system the file belongs to (block, scsi,
	// ata, nvme, dm, dm-mpath, dm-thin, dm-raid, dm-log, md, loop,
	// virtio_blk, iscsi, ext4, jbd2, xfs, btrfs).
	Sub string `json:"sub"`
	// Level is the printk level "0"…"7"; "d" for a printk without one
	// (the default level, 4), "c" for a continuation, "?" for a level
	// the caller passes in a variable.
	Level string `json:"lvl"`
	// Call is the printk-family function or macro called.
	Call string `json:"call"`
	// Dev is the argument that names the device, as written.
	Dev string `json:"dev,omitempty"`
	// Func is the function the call is in.
	Func string `json:"fn,omitempty"`
	// Fmt is the format string with the prefixes its macros add (pr_fmt,
	// DM_FMT), without the level and trailing newline.
	Fmt string `json:"fmt"`
	// Args are the arguments after the format, as written.
	Args []string `json:"args,omitempty"`
	// Class and By are the recorded classification (see Classify): the
	// rule for covered and folded, the reason for ignored.
	Class Class  `json:"class,omitempty"`
	By    string `json:"by,omitempty"`
}

// Class is what the rules make of a format.
type Class string

// The classes of a format printed at warning level or worse.
const (
	Covered Class = "covered"
	Folded  Class = "folded"
	Ignored Class = "ignored"
	Missing Class = "missing"
)

// Serious reports whether the call prints at warning level or worse (or at
// a level only its caller knows): the formats coverage is measured on.
func (c *Call) Serious() bool {
	switch c.Level {
	case "0", "1", "2", "3", "4", "d", "?":
		return true
	}
	return false
}

// Table is one kernel version's calls.
type Table struct {
	Version string
	Calls   []Call
}

// Load reads the embedded tables, oldest version first.
func Load() ([]Table, error) {
	out := make([]Table, 0, len(Versions))
	for _, v := range Versions {
		b, err := tables.ReadFile(path.Join("kformats", v+".jsonl"))
		if err != nil {
			return nil, fmt.Errorf("kcover: %w", err)
		}
		t, err := parseTable(v, b)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func parseTable(version string, b []byte) (Table, error) {
	t := Table{Version: version}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var c Call
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return t, fmt.Errorf("kcover: kformats/%s.jsonl:%d: %w", version, n, err)
		}
		t.Calls = append(t.Calls, c)
	}
	return t, sc.Err()
}

// ignoreRule is a line of kformats/ignored.tsv: formats of a sub-system
// ("*": any) that match re, or whose synthesized line does, are ignored
// for reason.
type ignoreRule struct {
	sub    string
	re     *regexp.Regexp
	reason string
}

func loadIgnored() ([]ignoreRule, error) {
	b, err := tables.ReadFile("kformats/ignored.tsv")
	if err != nil {
		return nil, fmt.Errorf("kcover: %w", err)
	}
	var out []ignoreRule
	for n, l := range strings.Split(string(b), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) != 3 || f[2] == "" {
			return nil, fmt.Errorf("kcover: kformats/ignored.tsv:%d: want SUB<TAB>REGEXP<TAB>REASON", n+1)
		}
		re, err := regexp.Compile(f[1])
		if err != nil {
			return nil, fmt.Errorf("kcover: kformats/ignored.tsv:%d: %w", n+1, err)
		}
		out = append(out, ignoreRule{f[0], re, f[2]})
	}
	return out, nil
}

// Classifier classifies formats against a rule set.
type Classifier struct {
	rs      *parsers.RuleSet
	kinds   map[string]string
	ignored []ignoreRule
}

// NewClassifier returns a classifier of formats against rs.
func NewClassifier(rs *parsers.RuleSet) (*Classifier, error) {
	ig, err := loadIgnored()
	if err != nil {
		return nil, err
	}
	kinds := make(map[string]string)
	for _, r := range rs.Rules() {
		kinds[r.Name] = r.Kind
	}
	return &Classifier{rs: rs, kinds: kinds, ignored: ig}, nil
}

// Classify returns the class of a call printed at warning level or worse in
// kernel version and what gives it: the rule that takes the line
// synthesized from the format (covered, or folded for a context rule), the
// reason it is ignored, or nothing (missing).
func (cl *Classifier) Classify(version string, c *Call) (Class, string) {
	line, level := Synthesize(version, c)
	if name, ok := cl.rs.MatchRule(parsers.Record{Message: line, Level: level}); ok {
		if cl.kinds[name] == "context" {
			return Folded, name
		}
		return Covered, name
	}
	for _, ig := range cl.ignored {
		if (ig.sub == "*" || ig.sub == c.Sub) && (ig.re.MatchString(c.Fmt) || ig.re.MatchString(line)) {
			return Ignored, ig.reason
		}
	}
	if !hasText(c.Fmt) {
		return Ignored, "no text of its own: the line is built elsewhere or continues another"
	}
	return Missing, ""
}

// hasText reports whether a format has a word of its own besides its
// conversions.
func hasText(f string) bool {
	letters := 0
	for _, p := range parseFormat(f) {
		if p.conv == "" {
			for _, r := range p.text {
				if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
					letters++
				}
			}
		}
	}
	return letters >= 3
}

// Count is the coverage of one sub-system in one version.
type Count struct {
	Version string `json:"version"`
	Sub     string `json:"sub_system"`
	// Formats counts every call; Serious those at warning level or
	// worse, which the classes split.
	Formats int `json:"formats"`
	Serious int `json:"warning_or_worse"`
	Covered int `json:"covered"`
	Folded  int `json:"folded"`
	Ignored int `json:"ignored"`
	Missing int `json:"missing"`
}

// Percent is the share of the serious formats not ignored that the rules
// cover or fold, in percent (100 when there are none).
func (c Count) Percent() float64 {
	n := c.Serious - c.Ignored
	if n == 0 {
		return 100
	}
	return 100 * float64(c.Covered+c.Folded) / float64(n)
}

// Measure classifies every serious call of the tables and counts the
// classes per version and sub-system, in table order and then by
// sub-system name.
func (cl *Classifier) Measure(ts []Table) []Count {
	var out []Count
	for _, t := range ts {
		bySub := make(map[string]*Count)
		for i := range t.Calls {
			c := &t.Calls[i]
			n := bySub[c.Sub]
			if n == nil {
				n = &Count{Version: t.Version, Sub: c.Sub}
				bySub[c.Sub] = n
			}
			n.Formats++
			if !c.Serious() {
				continue
			}
			n.Serious++
			switch class, _ := cl.Classify(t.Version, c); class {
			case Covered:
				n.Covered++
			case Folded:
				n.Folded++
			case Ignored:
				n.Ignored++
			default:
				n.Missing++
			}
		}
		subs := make([]string, 0, len(bySub))
		for s := range bySub {
			subs = append(subs, s)
		}
		sort.Strings(subs)
		for _, s := range subs {
			out = append(out, *bySub[s])
		}
	}
	return out
}
