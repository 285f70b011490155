package cli

import (
	"fmt"
	"strings"
	"testing"
)

// TestParseJournalBacklogNoStorm: a journal whose kernel entries were read
// back in one go (journald started late, or restarted) gives a dozen mounts
// made 4 s apart one reception time. They are a dozen mounts, not a storm.
func TestParseJournalBacklogNoStorm(t *testing.T) {
	var in strings.Builder
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&in, `{"__REALTIME_TIMESTAMP":"1764064800000000","_SOURCE_MONOTONIC_TIMESTAMP":"%d","_TRANSPORT":"kernel","_HOSTNAME":"h1","PRIORITY":"6","SYSLOG_FACILITY":"0","MESSAGE":"EXT4-fs (loop0): mounted filesystem 1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6 r/w with ordered data mode. Quota mode: none."}`+"\n",
			(100+4*i)*1000000)
	}
	code, out, stderr := run(t, in.String(), "parse", "--format", "journal-json", "--config", "testdata/user.conf", "-")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 12 || strings.Contains(out, "Storm") || strings.Contains(out, "times)") {
		t.Errorf("%d lines, want 12 mounts, none folded:\n%s", len(lines), out)
	}
}

// TestParseStormSummaryLine: a storm summary's line says its count once.
func TestParseStormSummaryLine(t *testing.T) {
	var in strings.Builder
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&in, "<3>[  812.%06d] I/O error, dev loop4, sector %d op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2\n", 10000*i, 8*i)
	}
	code, out, stderr := run(t, in.String(), "parse", "--config", "testdata/user.conf", "-")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := "Block Error BLK_IO_ERROR loop4: Storm on loop4: 20 further BLK_IO_ERROR events in 190ms, sector 80 to 232, folded into this one after the first 10"
	if len(lines) != 11 || lines[10] != want {
		t.Errorf("%d lines, last %q; want 11, the last %q", len(lines), lines[len(lines)-1], want)
	}
}
