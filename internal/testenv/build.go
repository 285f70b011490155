package testenv

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
)

// Build builds the module's command pkg (an import path, or a directory
// relative to the test's package) into dir, named after its last element,
// with the extra go build flags given ("-race"), and returns its path. A
// failed build fails the test with the compiler's output.
func Build(t testing.TB, dir, pkg string, flags ...string) string {
	t.Helper()
	bin, err := BuildErr(dir, pkg, flags...)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// BuildErr is Build for callers outside a test's goroutine (a sync.Once
// shared by the tests of a package): it returns the error.
func BuildErr(dir, pkg string, flags ...string) (string, error) {
	bin := filepath.Join(dir, filepath.Base(pkg))
	args := append([]string{"build", "-o", bin}, flags...)
	if out, err := exec.Command("go", append(args, pkg)...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin, nil
}
