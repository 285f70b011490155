package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoopCleanup: what Loop and Mount made is gone when the test ends,
// including a mount the test made itself and left.
func TestLoopCleanup(t *testing.T) {
	RequireRootTools(t, "attaches loop devices and mounts them", "losetup", "mkfs.ext4", "mount", "umount")
	for _, tc := range []struct {
		name  string
		mount func(t *testing.T, dev string) string
	}{
		{"Mount", func(t *testing.T, dev string) string { return Mount(t, dev, "ro") }},
		{"left mounted", func(t *testing.T, dev string) string {
			mp := t.TempDir()
			Run(t, "mount", dev, mp)
			return mp
		}},
	} {
		var img, dev, mp string
		t.Run(tc.name, func(t *testing.T) {
			img = SparseFile(t, 16<<20)
			if fi, err := os.Stat(img); err != nil || fi.Size() != 16<<20 {
				t.Fatalf("SparseFile: %v, %v", fi, err)
			}
			dev = Loop(t, img)
			Run(t, "mkfs.ext4", "-q", "-F", dev)
			mp = tc.mount(t, dev)
			if !mounted(t, mp) {
				t.Fatalf("%s is not mounted", mp)
			}
		})
		if dev == "" {
			t.Fatal("the subtest made no loop device")
		}
		if mounted(t, mp) {
			t.Errorf("%s: %s still mounted after the test", tc.name, mp)
		}
		// The number may already serve another test's image.
		if b, err := os.ReadFile(filepath.Join("/sys/block", filepath.Base(dev), "loop/backing_file")); err == nil && strings.TrimSpace(string(b)) == img {
			t.Errorf("%s: %s still attached to %s after the test", tc.name, dev, img)
		}
	}
}

// mounted reports whether a file system is mounted at dir.
func mounted(t *testing.T, dir string) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == dir {
			return true
		}
	}
	return false
}
