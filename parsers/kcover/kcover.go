// Package kcover measures the built-in rules against the kernel's own
// printk formats: every printk-family call of the storage sub-systems of
// Linux 4.19, 5.10, 6.1 and 6.12, extracted from the kernel sources by
// tools/kformats into kformats/<version>.jsonl. Each format printed at
// warning level or worse is classified: covered by the rule that takes a
// line synthesized from it (Synthesize), folded (a context rule takes it:
// it adds to another line's event), ignored with a stated reason
// (kformats/ignored.tsv), or missing. A covered format is covered by a
// specific rule or only by a catch-all of its prefix (parsers/generic.go).
//
// The per-version tables are the reviewable source; the binary embeds
// kformats/calls.json.gz, the same calls packed (see packed), which
// TestClasses -update rewrites from them.
package kcover

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/peripety/peripety/parsers"
)

//go:embed kformats/calls.json.gz kformats/ignored.tsv
var tables embed.FS

// packedPath is the embedded file of every version's calls.
const packedPath = "kformats/calls.json.gz"

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

// Load reads the embedded tables, oldest version first. Their calls carry
// no recorded class (the classifier gives it), and are in order of file.
func Load() ([]Table, error) {
	b, err := tables.ReadFile(packedPath)
	if err != nil {
		return nil, fmt.Errorf("kcover: %w", err)
	}
	return unpack(b)
}

// packed is one call as pack stores it: the calls of every version that
// are alike but for where they are, with the version and place of each.
type packed struct {
	Sub   string   `json:"sub"`
	Level string   `json:"lvl"`
	Call  string   `json:"call"`
	Dev   string   `json:"dev,omitempty"`
	Func  string   `json:"fn,omitempty"`
	Fmt   string   `json:"fmt"`
	Args  []string `json:"args,omitempty"`
	// File is the file of every place when they share it; At is then
	// "<version>:<line>", else "<version>:<file>:<line>".
	File string   `json:"file,omitempty"`
	At   []string `json:"at"`
}

// unpack reads what pack (the tests) wrote, a table for each of Versions.
func unpack(b []byte) ([]Table, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("kcover: %s: %w", packedPath, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("kcover: %s: %w", packedPath, err)
	}
	out := make([]Table, len(Versions))
	for i, v := range Versions {
		out[i].Version = v
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var p packed
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return nil, fmt.Errorf("kcover: %s:%d: %w", packedPath, n, err)
		}
		for _, a := range p.At {
			v, at, ok := strings.Cut(a, ":")
			i := slices.Index(Versions, v)
			if !ok || i < 0 {
				return nil, fmt.Errorf("kcover: %s:%d: place %q names no version of the tables", packedPath, n, a)
			}
			if p.File != "" {
				at = p.File + ":" + at
			}
			out[i].Calls = append(out[i].Calls, Call{At: at, Sub: p.Sub, Level: p.Level, Call: p.Call, Dev: p.Dev, Func: p.Func, Fmt: p.Fmt, Args: p.Args})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("kcover: %s: %w", packedPath, err)
	}
	return out, nil
}

// cutLast is strings.Cut at the last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
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
	rs       *parsers.RuleSet
	kinds    map[string]string
	catchAll map[string]bool
	ignored  []ignoreRule
}

// NewClassifier returns a classifier of formats against rs.
func NewClassifier(rs *parsers.RuleSet) (*Classifier, error) {
	ig, err := loadIgnored()
	if err != nil {
		return nil, err
	}
	kinds := make(map[string]string)
	catchAll := make(map[string]bool)
	for _, r := range rs.Rules() {
		kinds[r.Name] = r.Kind
		catchAll[r.Name] = r.CatchAll
	}
	return &Classifier{rs: rs, kinds: kinds, catchAll: catchAll, ignored: ig}, nil
}

// CatchAll reports whether the rule named takes any serious line of its
// prefix (parsers/generic.go) rather than lines of its own form.
func (cl *Classifier) CatchAll(rule string) bool { return cl.catchAll[rule] }

// Classify returns the class of a call printed at warning level or worse in
// kernel version and what gives it: the rule that takes the line
// synthesized from the format (covered, or folded for a context rule), the
// reason it is ignored, or nothing (missing).
func (cl *Classifier) Classify(version string, c *Call) (Class, string) {
	line, level := Synthesize(version, c)
	if name, ok := cl.rs.MatchRule(parsers.Record{Message: line, Level: level}); ok {
		switch cl.kinds[name] {
		case "context":
			return Folded, name
		case "notice":
			return Ignored, "a notice that tells of no device's event, taken by rule " + name + " for none"
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
	// Specific and CatchAll split Covered: by a rule of the format's own
	// form, or only by the catch-all of its prefix.
	Specific int `json:"covered_specific"`
	CatchAll int `json:"covered_catch_all"`
	Folded   int `json:"folded"`
	Ignored  int `json:"ignored"`
	Missing  int `json:"missing"`
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

// SpecificPercent is the share of the serious formats not ignored that a
// specific rule covers or folds, in percent (100 when there are none).
func (c Count) SpecificPercent() float64 {
	n := c.Serious - c.Ignored
	if n == 0 {
		return 100
	}
	return 100 * float64(c.Specific+c.Folded) / float64(n)
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
			switch class, by := cl.Classify(t.Version, c); class {
			case Covered:
				n.Covered++
				if cl.catchAll[by] {
					n.CatchAll++
				} else {
					n.Specific++
				}
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
