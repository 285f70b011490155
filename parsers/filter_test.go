package parsers_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/parsers/logfmt"
)

// TestFilterLosesNothing checks that a reader filtered by RuleSet.Wants,
// or by a Prefilter whose findings go to the Parser with each record (as
// `prpt parse` reads), gives a Parser exactly the events it gives
// unfiltered, over the corpus, the captures of this kernel and the lab's.
func TestFilterLosesNothing(t *testing.T) {
	logs := realCaptures(t)
	rs, err := parsers.NewRuleSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, log := range append([]string{"testdata/corpus/storage.kmsg"}, logs...) {
		t.Run(filepath.Base(log), func(t *testing.T) {
			want := parseWith(t, rs, log, "")
			if len(want) == 0 {
				t.Fatal("no events")
			}
			for _, filter := range []string{"RuleSet.Wants", "Prefilter"} {
				got := parseWith(t, rs, log, filter)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("events with the filter %s (-want +got):\n%s", filter, diff)
				}
			}
		})
	}
}

// parseWith parses a kmsg log with numbered event ids, its reader filtered
// by filter: "" none, "RuleSet.Wants", or "Prefilter" (whose findings go
// to PushPrefiltered).
func parseWith(t *testing.T, rs *parsers.RuleSet, path, filter string) []event.Event {
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
	switch filter {
	case "":
		return drain(t, p, r, path)
	case "RuleSet.Wants":
		r.SetFilter(rs.Wants)
		return drain(t, p, r, path)
	}
	pre := rs.NewPrefilter()
	r.SetFilter(pre.Wants)
	var events []event.Event
	emit := func(e event.Event) { events = append(events, e) }
	var buf []int32
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var pf parsers.Prefiltered
		buf, pf = pre.Found(&rec, buf)
		p.PushPrefiltered(rec, pf, emit)
	}
	p.Close(emit)
	return events
}
