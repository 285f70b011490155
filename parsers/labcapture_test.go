package parsers_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/golden"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/parsers/logfmt"
)

// labCaptures returns the kernel logs the real-kernel lab captured: every
// record a guest printed from boot to power-off, one file per group of
// scenarios, under the kernel release that printed it
// (testdata/real/lab/<release>/<group>.kmsg, written by
// `go test ./tests/lab -lab.capture`).
func labCaptures(t *testing.T) []string {
	t.Helper()
	logs, err := filepath.Glob("testdata/real/lab/*/*.kmsg")
	if err != nil {
		t.Fatal(err)
	}
	return logs
}

// realCaptures returns the captures made on this machine's kernel
// (testdata/real, capture.py) and the lab's.
func realCaptures(t *testing.T) []string {
	t.Helper()
	logs, err := filepath.Glob("testdata/real/*.kmsg")
	if err != nil {
		t.Fatal(err)
	}
	return append(logs, labCaptures(t)...)
}

// TestLabCaptures runs the parser over each lab capture and compares its
// events with the golden list beside it (<group>.events): the lab checked
// the daemon's events on these lines against what the guest read from the
// kernel, so a change here is a change in what real lines give. `go test
// ./parsers -run TestLabCaptures -update` rewrites the lists.
func TestLabCaptures(t *testing.T) {
	logs := labCaptures(t)
	if len(logs) == 0 {
		t.Fatal("no lab captures under testdata/real/lab")
	}
	for _, log := range logs {
		name := filepath.Base(filepath.Dir(log)) + "/" + filepath.Base(log)
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			for _, e := range parseFile(t, log, logfmt.FormatKmsg) {
				fmt.Fprintf(&b, "%s %s kdev=%q count=%d: %s\n", e.Severity, e.EventType, e.Kdev, e.Count, e.RawMsg)
			}
			golden.Check(t, strings.TrimSuffix(log, ".kmsg")+".events", []byte(b.String()))
		})
	}
}

// TestDaemonCaptures runs the parser over the storage daemons' lines the
// real-kernel lab's guests logged to their journald
// (testdata/real/userspace/<scenario>/journal.json, `journalctl -o json`
// of the daemons' identifiers; the daemons' versions in `versions` beside
// it; written by `go test ./tests/lab -lab.capture`) and compares its
// events with the golden list beside it (journal.events). `go test
// ./parsers -run TestDaemonCaptures -update` rewrites the lists.
func TestDaemonCaptures(t *testing.T) {
	logs, err := filepath.Glob("testdata/real/userspace/*/journal.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) == 0 {
		t.Fatal("no daemon captures under testdata/real/userspace")
	}
	for _, log := range logs {
		dir := filepath.Dir(log)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			if b, err := os.ReadFile(filepath.Join(dir, "versions")); err != nil || len(bytes.TrimSpace(b)) == 0 {
				t.Errorf("no daemon versions beside the capture: %v", err)
			}
			var b strings.Builder
			for _, e := range parseFile(t, log, logfmt.FormatJournalJSON) {
				fmt.Fprintf(&b, "%s %s %s kdev=%q count=%d condition=%q: %s\n", e.Ext("daemon"), e.Severity, e.EventType, e.Kdev, e.Count,
					e.Ext("condition"), e.RawMsg)
			}
			golden.Check(t, filepath.Join(dir, "journal.events"), []byte(b.String()))
		})
	}
}

// TestDaemonRetriesFold: iscsid says "login rejected" at every retry while
// the target refuses, some 2 s apart (the lab's capture,
// testdata/real/userspace/iscsi): never a storm within the kernel's 1 s
// window, yet an hour of it is 1,800 events. The captured lines, and as
// many again at the capture's pace, fold as a storm: the first StormBurst
// go out as themselves, the rest into a summary, which goes out when the
// connection recovers (the capture's line), before it; the next refusals
// go out as themselves again. Kernel lines at the same pace stay one event
// each.
func TestDaemonRetriesFold(t *testing.T) {
	rejected, recovered := captureRetries(t)
	first, last := rejected[0].Time, rejected[len(rejected)-1].Time
	pace := last.Sub(first) / time.Duration(len(rejected)-1)
	if pace < time.Second || pace > 5*time.Second {
		t.Fatalf("the capture's retries come every %v, want seconds apart", pace)
	}
	n := len(rejected)
	for i := range n { // as many again, at the same pace
		rec := rejected[i]
		rec.Time = last.Add(time.Duration(i+1) * pace)
		rejected = append(rejected, rec)
	}
	rs, err := parsers.NewRuleSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := parsers.NewParser(rs, parsers.Options{})
	var got []string
	emit := func(ev event.Event) {
		got = append(got, fmt.Sprintf("%s/%d/%v", ev.EventType, ev.Count, parsers.IsStormSummary(&ev)))
	}
	for _, rec := range rejected {
		p.Push(rec, emit)
	}
	end := rejected[len(rejected)-1].Time
	recovered.Time = end.Add(pace)
	p.Push(recovered, emit)
	for i := range 3 { // the next fault
		rec := rejected[0]
		rec.Time = end.Add(time.Duration(10+i) * pace)
		p.Push(rec, emit)
	}
	p.Close(emit)
	var want []string
	for range 10 {
		want = append(want, "ISCSI_LOGIN_FAILED/1/false")
	}
	want = append(want, fmt.Sprintf("ISCSI_LOGIN_FAILED/%d/true", len(rejected)-10), "ISCSI_CONN_RECOVERED/1/false")
	for range 3 {
		want = append(want, "ISCSI_LOGIN_FAILED/1/false")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%d refusals %v apart, a recovery and 3 refusals (-want +got):\n%s", len(rejected), pace, diff)
	}

	var kernel []string
	p = parsers.NewParser(rs, parsers.Options{})
	for i, rec := range rejected {
		p.Push(parsers.Record{Time: rec.Time, Level: 3,
			Message: fmt.Sprintf("I/O error, dev sdc, sector %d op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2", 8*i)},
			func(ev event.Event) { kernel = append(kernel, fmt.Sprintf("%s/%d", ev.EventType, ev.Count)) })
	}
	if want := slices.Repeat([]string{"BLK_IO_ERROR/1"}, len(rejected)); !slices.Equal(kernel, want) {
		t.Errorf("kernel lines at the same pace gave %v, want one event each", kernel)
	}
}

// captureRetries returns the records of iscsid's login refusals in the
// lab's capture, and of the connection's recovery.
func captureRetries(t *testing.T) (rejected []parsers.Record, recovered parsers.Record) {
	t.Helper()
	f, err := os.Open("testdata/real/userspace/iscsi/journal.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := logfmt.NewReader(f, logfmt.FormatJournalJSON)
	if err != nil {
		t.Fatal(err)
	}
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.Contains(rec.Message, "login rejected"):
			rejected = append(rejected, rec)
		case strings.Contains(rec.Message, "operational after recovery"):
			recovered = rec
		}
	}
	if len(rejected) < 2 || recovered.Message == "" {
		t.Fatalf("want login refusals and a recovery in the capture: %d refusals, recovery %q", len(rejected), recovered.Message)
	}
	return rejected, recovered
}
