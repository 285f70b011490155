package parsers_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peripety/peripety/internal/golden"
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
