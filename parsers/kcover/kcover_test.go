package kcover

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peripety/peripety/parsers"
)

var update = flag.Bool("update", false, "rewrite the classes recorded in kformats/*.jsonl, and kformats/calls.json.gz from them")

// loadSource reads the per-version tables, the reviewable source of the
// embedded one.
func loadSource(t *testing.T) []Table {
	t.Helper()
	var out []Table
	for _, v := range Versions {
		b, err := os.ReadFile(filepath.Join("kformats", v+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		tb, err := parseTable(v, b)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tb)
	}
	return out
}

// TestPackedTables checks that the embedded tables hold the calls of the
// per-version ones, each version's as a multiset.
func TestPackedTables(t *testing.T) {
	got, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	want := loadSource(t)
	if len(got) != len(want) {
		t.Fatalf("%d versions embedded, want %d", len(got), len(want))
	}
	key := func(c Call) string {
		c.Class, c.By = "", ""
		b, _ := json.Marshal(c)
		return string(b)
	}
	for i := range want {
		n := map[string]int{}
		for _, c := range want[i].Calls {
			n[key(c)]++
		}
		for _, c := range got[i].Calls {
			n[key(c)]--
		}
		for k, d := range n {
			if d != 0 {
				t.Errorf("%s: call %s: %d more in kformats/%s.jsonl than embedded; run go test ./parsers/kcover -run TestClasses -update",
					want[i].Version, k, d, want[i].Version)
			}
		}
	}
}

func classifier(t *testing.T) *Classifier {
	t.Helper()
	rs, err := parsers.NewRuleSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := NewClassifier(rs)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// TestClasses checks the class recorded for every call at warning level or
// worse against what the rules make of its synthesized line now: a format
// with no class fails (a table fresh from tools/kformats), and so does a
// covered format whose line the named rule no longer takes. -update
// records the classes anew.
func TestClasses(t *testing.T) {
	cl := classifier(t)
	ts := loadSource(t)
	for _, tb := range ts {
		var out bytes.Buffer
		enc := json.NewEncoder(&out)
		enc.SetEscapeHTML(false)
		bad := 0
		for i := range tb.Calls {
			c := &tb.Calls[i]
			var class Class
			var by string
			if c.Serious() {
				class, by = cl.Classify(tb.Version, c)
			}
			if class != c.Class || by != c.By {
				if bad++; bad <= 20 && !*update {
					line, _ := Synthesize(tb.Version, c)
					t.Errorf("%s %s: recorded %q %q, now %q %q\n\tformat %q\n\tline   %q", tb.Version, c.At, c.Class, c.By, class, by, c.Fmt, line)
				}
			}
			c.Class, c.By = class, by
			if err := enc.Encode(c); err != nil {
				t.Fatal(err)
			}
		}
		if bad > 0 && !*update {
			t.Errorf("%s: %d calls differ from their recorded class; run go test ./parsers/kcover -run TestClasses -update and review the diff", tb.Version, bad)
		}
		if *update {
			if err := os.WriteFile(filepath.Join("kformats", tb.Version+".jsonl"), out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if *update {
		b, err := pack(ts)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(packedPath, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// targets is the coverage each sub-system must reach in every version, in
// percent of its formats at warning level or worse that are not ignored.
var targets = map[string]float64{"block": 100, "scsi": 100, "nvme": 100, "dm-mpath": 100, "md": 100}

const defaultTarget = 98

// TestCoverageTargets checks every sub-system's coverage in every version
// against its target.
func TestCoverageTargets(t *testing.T) {
	cl := classifier(t)
	ts, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range cl.Measure(ts) {
		want, ok := targets[n.Sub]
		if !ok {
			want = defaultTarget
		}
		if n.Percent() < want {
			t.Errorf("%s %s: %.1f%% of %d formats covered (%d missing), want at least %.0f%%", n.Version, n.Sub, n.Percent(), n.Serious-n.Ignored, n.Missing, want)
		}
	}
}

// TestDumpMissing writes the missing formats of a sub-system (env
// KCOVER_MISSING=sub or "all"), or with KCOVER_CATCHALL=1 those only a
// catch-all covers, to standard output: a work list, not a check.
func TestDumpMissing(t *testing.T) {
	sub := os.Getenv("KCOVER_MISSING")
	if sub == "" {
		t.Skip("set KCOVER_MISSING=<sub-system>|all to list the missing formats")
	}
	catchAll := os.Getenv("KCOVER_CATCHALL") != ""
	cl := classifier(t)
	ts, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, tb := range ts {
		for i := range tb.Calls {
			c := &tb.Calls[i]
			if !c.Serious() || (sub != "all" && c.Sub != sub) {
				continue
			}
			if class, by := cl.Classify(tb.Version, c); class == Missing && !catchAll || class == Covered && catchAll && cl.CatchAll(by) {
				line, _ := Synthesize(tb.Version, c)
				k := c.Sub + line
				if seen[k] {
					continue
				}
				seen[k] = true
				fmt.Printf("%s\t%s\t%s\t%s\t%s\n", c.Sub, tb.Version, c.Level, c.At, strings.ReplaceAll(line, "\n", `\n`))
			}
		}
	}
}
