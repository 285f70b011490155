package parsers_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/parsers/logfmt"
)

// TestSeverityWithoutLevel checks that a log which carries no kernel level
// (syslog text, plain dmesg) gives every event the severity the same lines
// give with their level (/dev/kmsg): each rule knows the level the kernel
// prints its line at. The lines are those of the corpus and of the captures
// of this kernel and of the lab, rewritten in each format with the same timing.
// The catch-all rules (generic.go) take lines only from logs with levels, by
// design: their events are left out of the comparison.
func TestSeverityWithoutLevel(t *testing.T) {
	logs := realCaptures(t)
	logs = append([]string{"testdata/corpus/storage.kmsg"}, logs...)
	rs, err := parsers.NewRuleSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	catchAll := map[string]bool{}
	for _, r := range rs.Rules() {
		catchAll[r.Name] = r.Source == "built-in parsers/generic.go"
	}
	for _, log := range logs {
		recs := readRecords(t, log)
		leveled := map[string]bool{} // raw lines only a catch-all takes
		for _, rec := range recs {
			if name, ok := rs.MatchRule(rec); ok && catchAll[name] {
				leveled[rec.Message] = true
			}
		}
		var kept []event.Event
		for _, e := range parseFile(t, log, logfmt.FormatKmsg) {
			if !leveled[e.RawMsg] {
				kept = append(kept, e)
			}
		}
		want := summarize(kept)
		for _, f := range []struct {
			format logfmt.Format
			write  func(*strings.Builder, parsers.Record)
		}{
			{logfmt.FormatSyslog, writeSyslog},
			{logfmt.FormatDmesg, writeDmesg},
		} {
			t.Run(filepath.Base(log)+"/"+string(f.format), func(t *testing.T) {
				var b strings.Builder
				for _, rec := range recs {
					f.write(&b, rec)
				}
				path := filepath.Join(t.TempDir(), "log")
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, summarize(parseFile(t, path, f.format))); diff != "" {
					t.Errorf("events without the level differ (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// summarize keeps what the test compares of each event.
func summarize(events []event.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = fmt.Sprintf("%s %s %s: %s", e.Severity, e.EventType, e.Kdev, e.RawMsg)
	}
	return out
}

// readRecords returns the kernel records of a kmsg file.
func readRecords(t *testing.T, path string) []parsers.Record {
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
	var recs []parsers.Record
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return recs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if rec.Facility == 0 {
			recs = append(recs, rec)
		}
	}
}

// syslogBoot is when the rewritten logs' machine booted: early in the
// year, so that the syslog reader's year guess keeps the order.
var syslogBoot = time.Date(time.Now().Year(), time.January, 2, 0, 0, 0, 0, time.Local)

// writeSyslog writes rec as journalctl -o short-precise prints it.
func writeSyslog(b *strings.Builder, rec parsers.Record) {
	prefix := syslogBoot.Add(rec.Monotonic).Format("Jan _2 15:04:05.000000") + " host kernel: "
	writeIndented(b, prefix, rec.Message)
}

// writeDmesg writes rec as dmesg(1) prints it without -r or -x.
func writeDmesg(b *strings.Builder, rec parsers.Record) {
	us := rec.Monotonic.Microseconds()
	writeIndented(b, fmt.Sprintf("[%5d.%06d] ", us/1e6, us%1e6), rec.Message)
}

// writeIndented writes a message after prefix, its further lines indented
// to the prefix's width.
func writeIndented(b *strings.Builder, prefix, msg string) {
	b.WriteString(prefix)
	b.WriteString(strings.ReplaceAll(msg, "\n", "\n"+strings.Repeat(" ", len(prefix))))
	b.WriteByte('\n')
}
