package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/peripety/peripety/internal/testenv"
)

// busCall runs dbus-send on addr as uid (or as this process when uid < 0)
// and returns its output.
func busCall(t *testing.T, addr string, uid int, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("dbus-send", append([]string{"--bus=" + addr, "--print-reply"}, args...)...)
	if uid >= 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestBusPolicyOnDaemon starts dbus-daemon with the policy as installed
// and checks it does what the policy says: only root owns
// org.storage.Peripety1.
func TestBusPolicyOnDaemon(t *testing.T) {
	testenv.LookPath(t, "dbus-send")
	dest := install(t)
	policies, _ := filepath.Glob(filepath.Join(dest, "usr/share/dbus-1/system.d/*.conf"))
	if len(policies) == 0 {
		t.Fatalf("install put no D-Bus policy under %s/usr/share/dbus-1/system.d", dest)
	}
	addr := testenv.SystemBusWith(t, policies...).Address
	requestName := []string{"--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
		"org.freedesktop.DBus.RequestName", "string:org.storage.Peripety1", "uint32:4"}

	// RequestName replies 1 (primary owner); the name goes with dbus-send.
	if out, err := busCall(t, addr, -1, requestName...); err != nil || !strings.Contains(out, "uint32 1") {
		t.Errorf("root's RequestName org.storage.Peripety1: %v\n%s", err, out)
	}
	if os.Geteuid() != 0 {
		t.Skip("checking that another user may not own the name needs root (to run as nobody)")
	}
	const nobody = 65534
	if out, err := busCall(t, addr, nobody, requestName...); err == nil || !strings.Contains(out, "AccessDenied") {
		t.Errorf("nobody's RequestName org.storage.Peripety1: %v, want AccessDenied\n%s", err, out)
	}
}
