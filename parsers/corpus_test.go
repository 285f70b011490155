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
// and the lines captured from this kernel (testdata/real, made by
// testdata/real/capture.py) through the parser and checks every expected
// event and every distractor.
func TestCorpus(t *testing.T) {
	logs := []string{"testdata/corpus/storage.kmsg"}
	real, err := filepath.Glob("testdata/real/*.kmsg")
	if err != nil || len(real) == 0 {
		t.Fatalf("no captures in testdata/real: %v", err)
	}
	for _, log := range append(logs, real...) {
		t.Run(filepath.Base(log), func(t *testing.T) {
			events := parseFile(t, log, logfmt.FormatKmsg)
			checkCorpus(t, events, readExpected(t, strings.TrimSuffix(log, ".kmsg")+".expected.jsonl"))
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
	events := drain(t, p, r, path)
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

// checkCorpus matches events to expectations by raw_msg, as score.py does,
// in order (a log may repeat a line): each expected event takes the first
// event not yet taken whose raw_msg is its first line and must have its
// type, device and fields; its other lines, folded into it, and NONE lines
// must be no event's raw_msg; no event may be left over. Events without
// raw_msg must be counts of rate-limited lines.
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
	firsts := map[string]bool{}
	for _, x := range exp {
		if x.EventType != "NONE" {
			firsts[norm(x.Lines[0])] = true
		}
	}
	claimed := map[int]bool{}
	good, n := 0, 0
	for _, x := range exp {
		others := x.Lines[1:]
		if x.EventType == "NONE" {
			others = x.Lines
		}
		for _, l := range others {
			if firsts[norm(l)] {
				continue
			}
			for _, i := range byRaw[norm(l)] {
				claimed[i] = true
				if x.EventType == "NONE" {
					t.Errorf("FALSE POSITIVE %s from %q", events[i].EventType, l)
				} else {
					t.Errorf("NOT FOLDED: %q is an event (%s) of its own, want it in the %s of %q", l, events[i].EventType, x.EventType, x.Lines[0])
				}
			}
		}
		if x.EventType == "NONE" {
			continue
		}
		n++
		i := -1
		for _, k := range byRaw[norm(x.Lines[0])] {
			if !claimed[k] {
				i = k
				break
			}
		}
		if i < 0 {
			t.Errorf("MISSED %s: %q", x.EventType, x.Lines[0])
			continue
		}
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
	t.Logf("%d/%d events right, %d events emitted", good, n, len(events))
}

// drain pushes every record of r (read from path) through p and returns
// the events p emits, the last ones on Close.
func drain(t *testing.T, p *parsers.Parser, r *logfmt.Reader, path string) []event.Event {
	t.Helper()
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
	return events
}
