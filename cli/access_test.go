package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peripety/peripety/internal/testenv"
)

// TestQueryJournalNotAllowed runs prpt query --journal as a user outside
// systemd-journal and adm: sd-journal would open none of the system
// journal's files and prpt print nothing; it must say why and fail.
func TestQueryJournalNotAllowed(t *testing.T) {
	testenv.Journald(t)
	u := testenv.TestUser(t, "prptjournal")
	// The user must reach the binary: t.TempDir and its parent are 0700.
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := testenv.Build(t, dir, "github.com/peripety/peripety/cmd/prpt")
	for _, args := range [][]string{{"query", "--journal"}, {"monitor", "--journal"}} {
		cmd := u.Command(t, bin, args...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Without the check, monitor would follow the journal for ever.
		stop := time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
		err := cmd.Wait()
		stop.Stop()
		code, out := 0, stdout.String()
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		want := "cannot read the system journal, where peripetyd stores its events: prptjournal is not root and in neither of the groups 'systemd-journal' and 'adm'"
		if code != 1 || len(out) != 0 || !strings.Contains(stderr.String(), want) {
			t.Errorf("prpt %s as %s: exit %d (%v), stdout %q, stderr %q; want 1, nothing, %q", strings.Join(args, " "), u.Name, code, err, out, stderr.String(), want)
		}
	}
	// root reads it.
	code, _, stderr := prpt(t, "query", "--journal", "--event-id", "none")
	if code != 0 {
		t.Errorf("prpt query --journal as root: exit %d, %s", code, stderr)
	}
}
