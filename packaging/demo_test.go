package packaging

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestDemo runs `make demo` (tests/demo.sh) as on a machine where neither
// journald nor a system bus runs, and checks that it ends by printing the
// FS_MOUNTED event of the loop device it mounted, shows the StorageEvent
// signal, and leaves no loop device behind (its image lives in
// /tmp/peripety-demo.*).
func TestDemo(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the demo needs root (journald, a loop device, mount)")
	}
	// As on a fresh machine: no journald (whatever runs here is hidden by
	// empty journal directories in a mount namespace of the demo's own,
	// so the demo starts one, and stops it) and no system bus.
	hide := []string{"/run/systemd/journal", "/run/log/journal", "/var/log/journal"}
	script := "set -e\n"
	for _, d := range hide {
		script += "if [ -d " + d + " ]; then mount -t tmpfs tmpfs " + d + "; fi\n"
	}
	script += "exec make --no-print-directory -C .. GO=" + goTool(t) + " demo\n"
	out, err := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("make demo: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "starting /lib/systemd/systemd-journald") {
		t.Errorf("make demo did not start a journald on a machine without one; output:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(last, `"event_type":"FS_MOUNTED"`) || !strings.Contains(last, `"kdev":"loop`) {
		t.Errorf("make demo did not end with the FS_MOUNTED event it saw; output:\n%s", out)
	}
	if !strings.Contains(string(out), "StorageEvent") {
		t.Errorf("make demo did not show the StorageEvent signal from busctl monitor; output:\n%s", out)
	}
	for _, l := range strings.Split(loopDevices(t), "\n") {
		if strings.Contains(l, "/peripety-demo.") {
			t.Errorf("make demo left a loop device: %s", l)
		}
	}
}

// loopDevices lists the attached loop devices with their backing files.
func loopDevices(t *testing.T) string {
	out, err := exec.Command("losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE").Output()
	if err != nil {
		t.Fatalf("losetup --list: %v", err)
	}
	return string(out)
}
