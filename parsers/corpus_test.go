package parsers_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/parsers/logfmt"
)

// expected is one line of a corpus's expected.jsonl: the records of ONE
// event (the first is its raw_msg), or with event_type NONE a record that
// must give no event.
type expected struct {
	Lines     []string          `json:"lines"`
	EventType string            `json:"event_type"`
	Kdev      string            `json:"kdev"`
	Fields    map[string]string `json:"fields"`
}

// TestCorpus runs the shared storage corpus (a copy of ../shared/corpus)
// and the lines captured from this kernel (testdata/real) through the
// parser and checks every expected event and every distractor.
func TestCorpus(t *testing.T) {
	for _, c := range []struct{ log, want string }{
		{"testdata/corpus/storage.kmsg", "testdata/corpus/storage.expected.jsonl"},
	} {
		t.Run(filepath.Base(c.log), func(t *testing.T) {
			events := parseFile(t, c.log, logfmt.FormatKmsg)
			checkCorpus(t, events, readExpected(t, c.want))
		})
	}
}

// parseFile runs a log through a fresh rule set and parser.
func parseFile(t *testing.T, path string, format logfmt.Format) []event.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := logfmt.NewReader(f, format)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := parsers.NewRuleSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := parsers.NewParser(rs, parsers.Options{})
	var events []event.Event
	emit := func(e event.Event) { events = append(events, e) }
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		p.Push(rec, emit)
	}
	p.Close(emit)
	if s := r.Skipped(); len(s) > 0 {
		t.Errorf("%s: reader skipped %+v", path, s)
	}
	return events
}

func readExpected(t *testing.T, path string) []expected {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []expected
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var e expected
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkCorpus matches events to expectations by raw_msg, as score.py does:
// every line of an entry must lead to one and the same event (its first
// line being the raw_msg), a NONE line to none, and no event may be left
// over. Events without raw_msg must be counts of rate-limited lines.
func checkCorpus(t *testing.T, events []event.Event, exp []expected) {
	t.Helper()
	norm := strings.TrimSpace
	byRaw := map[string][]int{}
	for i, e := range events {
		if e.RawMsg == "" {
			if e.Ext("suppressed") == "" {
				t.Errorf("event without raw_msg that counts no suppressed lines: %+v", e)
			}
			continue
		}
		byRaw[norm(e.RawMsg)] = append(byRaw[norm(e.RawMsg)], i)
	}
	claimed := map[int]bool{}
	good := 0
	for _, x := range exp {
		var hits []int
		for _, l := range x.Lines {
			hits = append(hits, byRaw[norm(l)]...)
		}
		if x.EventType == "NONE" {
			for _, i := range hits {
				t.Errorf("FALSE POSITIVE %s from %q", events[i].EventType, x.Lines[0])
				claimed[i] = true
			}
			continue
		}
		first := byRaw[norm(x.Lines[0])]
		switch {
		case len(hits) == 0:
			t.Errorf("MISSED %s: %q", x.EventType, x.Lines[0])
			continue
		case len(hits) > 1 || len(first) != 1:
			t.Errorf("NOT ONE EVENT for %s: %d events for %d lines from %q", x.EventType, len(hits), len(x.Lines), x.Lines[0])
			for _, i := range hits {
				claimed[i] = true
			}
			continue
		}
		i := first[0]
		claimed[i] = true
		e := events[i]
		got := fmt.Sprintf("%s kdev=%q", e.EventType, e.Kdev)
		want := fmt.Sprintf("%s kdev=%q", x.EventType, x.Kdev)
		for k, v := range x.Fields {
			got += fmt.Sprintf(" %s=%q", k, e.Ext(k))
			want += fmt.Sprintf(" %s=%q", k, v)
		}
		if got != want || e.Count != 1 {
			t.Errorf("WRONG for %q:\n got %s count=%d\nwant %s count=1", x.Lines[0], got, e.Count, want)
			continue
		}
		good++
	}
	for i, e := range events {
		if e.RawMsg != "" && !claimed[i] {
			t.Errorf("UNEXPECTED event %s kdev=%q from %q", e.EventType, e.Kdev, e.RawMsg)
		}
	}
	n := 0
	for _, x := range exp {
		if x.EventType != "NONE" {
			n++
		}
	}
	t.Logf("corpus: %d/%d events right, %d events emitted", good, n, len(events))
}
