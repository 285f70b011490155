package cli

import (
	"strings"
	"testing"
)

// TestExitStatus: every error exits 1 (docs/design.md, "CLI prpt"), a
// command line that does not parse and a --root that does not exist
// included; help and version exit 0.
func TestExitStatus(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--bogus"}, 1, "unknown flag"},
		{nil, 1, "expected one of"},
		{[]string{"query", "--limit", "x"}, 1, "--limit"},
		{[]string{"nosuch"}, 1, "unexpected argument"},
		{[]string{"list", "--local", "--root", "/nonexistent/root"}, 1, "/nonexistent/root"},
		{[]string{"info", "sda", "--local", "--root", "/nonexistent/root"}, 1, "/nonexistent/root"},
		{[]string{"query", "--journal", "--blk", "sda", "--root", "/nonexistent/root"}, 1, "/nonexistent/root"},
		{[]string{"--help"}, 0, ""},
		{[]string{"--version"}, 0, ""},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := run(t, "", tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
		})
	}
}
