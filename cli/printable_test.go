package cli

import (
	"strings"
	"testing"

	"github.com/peripety/peripety/event"
)

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, é and ✓":         "plain text, é and ✓",
		"\x1b[2J\x1b]0;owned\x07 sdc": `\x1b[2J\x1b]0;owned\x07 sdc`,
		"tab\there":                   `tab\x09here`,
		"c1 \u009b31m":                `c1 \u009b31m`,
		"bad \xff byte":               `bad \xff byte`,
		"nul\x00 del\x7f":             `nul\x00 del\x7f`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEventLineEscapes: an event whose texts carry escape sequences prints
// none of them raw (prpt parse, query, monitor).
func TestEventLineEscapes(t *testing.T) {
	ev := event.Event{EventType: "BLK_IO_ERROR\x1b[31m", Severity: event.Error, SubSystem: "Block", Hostname: "h\x1b]0;x\x07",
		Kdev: "sd\x1bc", Msg: "I/O error \x1b[2J\x1b[H on sdc"}
	if line := eventLine(&ev); strings.ContainsAny(strings.TrimSuffix(line, "\n"), "\x1b\x07\n") {
		t.Errorf("eventLine = %q: control characters raw", line)
	}
}

// TestCommandsEscape: prpt parse and rules test print a kernel line that
// carries an escape sequence without it.
func TestCommandsEscape(t *testing.T) {
	line := "3,1,1000,-;Buffer I/O error on dev sdc, logical block 8, \x1b]0;owned\x07\x1b[2J async page read\n"
	for _, args := range [][]string{{"parse", "--format", "kmsg", "-"}, {"rules", "test", "--format", "kmsg", "-"}} {
		code, out, stderr := run(t, line, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		if strings.ContainsAny(out, "\x1b\x07") || !strings.Contains(out, `\x1b]0;owned\x07`) {
			t.Errorf("%v printed %q", args, out)
		}
	}
}
