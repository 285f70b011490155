package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/golden"
)

// TestSummaryJournal counts the sample's events read from a journal
// directory: per host, device, type and severity.
func TestSummaryJournal(t *testing.T) {
	p, _ := store(t, sample()...)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"summary.txt", nil},
		{"summary.json", []string{"-J"}},
		{"summary-h1-since.txt", []string{"--hostname", "h1", "--since", "2026-11-25T09:01:00Z"}},
		{"summary-none.txt", []string{"--since", "2027-01-01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := prpt(t, append([]string{"summary", "--directory", p.Dir}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			golden.Check(t, filepath.Join("testdata", "summary", tc.name), []byte(out))
		})
	}
}

func TestSummarize(t *testing.T) {
	s := summarize(sample(), event.Filter{})
	type row struct {
		Host, Device string
		Events       uint64
		Worst        event.Severity
	}
	var got []row
	for _, d := range s.Devices {
		got = append(got, row{d.Hostname, d.DevPath, d.Events, d.Worst.Worst})
	}
	// Worst first; the LV's two events are one device, with the mount
	// point its mount event gave.
	want := []row{
		{"h1", "/dev/disk/by-id/wwn-0x600a098038303053", 1, event.Critical},
		{"h1", "/dev/mapper/vg-lv", 2, event.Error},
		{"h2", "/dev/loop7", 1, event.Info},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("devices (-want +got):\n%s", diff)
	}
	if s.Devices[1].MountPoint != "/mnt/data" {
		t.Errorf("LV mount point %q, want /mnt/data", s.Devices[1].MountPoint)
	}
	if s.Events != 4 || s.Lines != 6 {
		t.Errorf("events %d, lines %d; want 4 and 6 (a medium error of count 3)", s.Events, s.Lines)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"worst_severity":"Critical"`, `"hostname":"h2"`, `"event_types":{"FS_IO_ERROR":1,"FS_MOUNTED":1}`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON has no %s:\n%s", key, b)
		}
	}
}
