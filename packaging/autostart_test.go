package packaging

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/peripety/peripety/cli"
	"github.com/peripety/peripety/internal/testenv"
)

// TestAutostartEntry: the XDG autostart file is a valid desktop entry and
// runs a prpt command line that parses.
func TestAutostartEntry(t *testing.T) {
	const entry = "autostart/peripety-notify.desktop"
	validate := testenv.LookPath(t, "desktop-file-validate")
	if out, err := exec.Command(validate, entry).CombinedOutput(); err != nil || len(out) != 0 {
		t.Errorf("desktop-file-validate %s: %v\n%s", entry, err, out)
	}
	cmdline := keyValues(readFile(t, entry), "Exec")
	if len(cmdline) != 1 || !strings.HasPrefix(cmdline[0], "prpt ") {
		t.Fatalf("Exec=%q, want one prpt command line", cmdline)
	}
	p, err := cli.Parser()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Parse(strings.Fields(cmdline[0])[1:]); err != nil {
		t.Errorf("Exec=%s: prpt does not take it: %v", cmdline[0], err)
	}
}
