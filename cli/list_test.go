package cli

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/peripety/peripety/internal/golden"
	"github.com/peripety/peripety/sysfs"
	"github.com/peripety/peripety/sysfs/sysfstest"
)

// TestListLocal lists every fixture's top-level devices, readable and as
// JSON.
func TestListLocal(t *testing.T) {
	for _, fixture := range sysfstest.Names() {
		t.Run(fixture, func(t *testing.T) {
			root := sysfstest.Build(t, fixture)
			code, out, stderr := run(t, "", "list", "--local", "--root", root)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			golden.Check(t, filepath.Join("testdata", "list", fixture+".txt"), []byte(out))
			code, out, stderr = run(t, "", "list", "--local", "--root", root, "-J")
			if code != 0 {
				t.Fatalf("-J: exit %d, stderr %q", code, stderr)
			}
			var infos []sysfs.BlockInfo
			if err := json.Unmarshal([]byte(out), &infos); err != nil || len(infos) == 0 {
				t.Fatalf("-J output is not a list of BlockInfo (%v):\n%s", err, out)
			}
			golden.Check(t, filepath.Join("testdata", "list", fixture+".json"), []byte(out))
		})
	}
}
