package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
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

// Commands are the module's commands a test package runs, built once per
// test binary, on first use, into a directory of their own that every user
// can reach (a test may run one as another user). Close removes it.
type Commands struct {
	pkgs, flags []string
	once        sync.Once
	dir         string
	err         error
}

// NewCommands builds pkgs (as Build takes them) with the go build flags
// given, when a test first asks for one.
func NewCommands(flags []string, pkgs ...string) *Commands {
	return &Commands{pkgs: pkgs, flags: flags}
}

// Path returns the path of the command named name (its package's last
// element), building them all first if need be.
func (c *Commands) Path(t testing.TB, name string) string {
	t.Helper()
	c.once.Do(func() {
		if c.dir, c.err = os.MkdirTemp("", "peripety-bin"); c.err != nil {
			return
		}
		if c.err = os.Chmod(c.dir, 0o755); c.err != nil {
			return
		}
		for _, pkg := range c.pkgs {
			if _, c.err = BuildErr(c.dir, pkg, c.flags...); c.err != nil {
				return
			}
		}
	})
	if c.err != nil {
		t.Fatal(c.err)
	}
	return filepath.Join(c.dir, name)
}

// Close removes the commands built.
func (c *Commands) Close() {
	if c.dir != "" {
		os.RemoveAll(c.dir)
	}
}
