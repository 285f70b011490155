package testenv

// Loop devices, filesystems and mounts of a test's own, and the commands
// that make them: one copy, so that a fix to their cleanup reaches every
// test. tests/daemon/helpers_test.go has the versions these follow.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// RequireRootTools skips the test unless it runs as root and every one of
// tools is on PATH. why says what the test needs root for ("attaches a
// loop device and mounts it"); it is the skip reason. When tools include
// losetup, the test is also skipped without loop device support
// (/dev/loop-control).
func RequireRootTools(t testing.TB, why string, tools ...string) {
	t.Helper()
	RequireRoot(t, why)
	for _, tool := range tools {
		LookPath(t, tool)
		if tool == "losetup" {
			if _, err := os.Stat("/dev/loop-control"); err != nil {
				t.Skipf("no loop device support: %v", err)
			}
		}
	}
}

// LookPath returns the path of the command name on PATH, and skips the
// test when there is none.
func LookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("needs %s (tests/setup-deps.sh installs it): %v", name, err)
	}
	return p
}

// Run runs a command and returns its output (stdout and stderr) without
// surrounding white space; when the command fails, the test fails with
// the command line and the output.
func Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// SparseFile creates a sparse file of size bytes, disk.img in a new
// directory of t.TempDir, and returns its path.
func SparseFile(t testing.TB, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "disk.img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return p
}

// Loop attaches img to a free loop device of its own (`losetup -f --show
// losetupArgs… img`) and returns the device path, /dev/loopN. When the test
// ends, if the device is still attached to img, a mount of it the test left
// is undone (lazily) and the device is detached.
func Loop(t testing.TB, img string, losetupArgs ...string) string {
	t.Helper()
	dev := Run(t, "losetup", append(append([]string{"-f", "--show"}, losetupArgs...), img)...)
	backing, err := filepath.Abs(img)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The test may have detached the device itself, and another test
		// may have taken the number since: only undo what is still ours.
		if !loopBackedBy(dev, backing) {
			return
		}
		exec.Command("umount", "-l", dev).Run()
		exec.Command("losetup", "-d", dev).Run()
	})
	return dev
}

// loopBackedBy reports whether the loop device dev is attached to the file
// img, from /sys/block/<dev>/loop/backing_file.
func loopBackedBy(dev, img string) bool {
	b, err := os.ReadFile(filepath.Join("/sys/block", filepath.Base(dev), "loop", "backing_file"))
	return err == nil && strings.TrimSpace(string(b)) == img
}

// Mount mounts dev, with the mount options opts (`mount -o opt,opt…`) when
// given, on a new directory in t.TempDir, returns that mount point, and
// unmounts it when the test ends (unless the test did).
func Mount(t testing.TB, dev string, opts ...string) (mountPoint string) {
	t.Helper()
	mp := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mp, 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{dev, mp}
	if len(opts) > 0 {
		args = append([]string{"-o", strings.Join(opts, ",")}, args...)
	}
	Run(t, "mount", args...)
	t.Cleanup(func() { exec.Command("umount", mp).Run() })
	return mp
}
