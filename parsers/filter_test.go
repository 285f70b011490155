package parsers_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/parsers/logfmt"
)

// TestFilterLosesNothing checks that a reader filtered by RuleSet.Wants
// (as `prpt parse` reads) gives a Parser exactly the events it gives
// unfiltered, over the corpus, the captures of
// this kernel and the lab's.
func TestFilterLosesNothing(t *testing.T) {
	logs := realCaptures(t)
	rs, err := parsers.NewRuleSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, log := range append([]string{"testdata/corpus/storage.kmsg"}, logs...) {
		t.Run(filepath.Base(log), func(t *testing.T) {
			want := parseWith(t, rs, log, nil)
			if len(want) == 0 {
				t.Fatal("no events")
			}
			filters := map[string]func(*parsers.Parser) func(string, []byte) bool{
				"RuleSet.Wants": func(*parsers.Parser) func(string, []byte) bool { return rs.Wants },
			}
			for name, filter := range filters {
				got := parseWith(t, rs, log, filter)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("events with the filter %s (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

// parseWith parses a kmsg log with numbered event ids, its reader filtered
// by what filter gives for the Parser when not nil.
func parseWith(t *testing.T, rs *parsers.RuleSet, path string, filter func(*parsers.Parser) func(string, []byte) bool) []event.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := logfmt.NewReader(f, logfmt.FormatKmsg)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	p := parsers.NewParser(rs, parsers.Options{NewID: func() string { n++; return fmt.Sprint(n) }})
	if filter != nil {
		r.SetFilter(filter(p))
	}
	return drain(t, p, r, path)
}
