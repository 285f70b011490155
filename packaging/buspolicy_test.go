package packaging

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// systemLikeBus is a bus configured as Debian's system bus is (deny by
// default; the policy files of services open what they need), without user
// switching, activation or forking, that includes the given policy files.
const systemLikeBus = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
  </policy>
%s</busconfig>
`

// startPolicyBus starts dbus-daemon with the policy files included and
// returns its address; the daemon stops when the test ends. Its socket is
// reachable by every user.
func startPolicyBus(t *testing.T, policies []string) string {
	t.Helper()
	daemon := lookPath(t, "dbus-daemon")
	// Not t.TempDir, whose parent only its owner may enter.
	dir, err := os.MkdirTemp("", "peripety-policy-bus-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var includes strings.Builder
	for _, p := range policies {
		fmt.Fprintf(&includes, "  <include>%s</include>\n", p)
	}
	conf := filepath.Join(dir, "system.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(systemLikeBus, filepath.Join(dir, "socket"), includes.String())), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, daemon, "--nofork", "--print-address=1", "--config-file="+conf)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon --config-file %s printed no address: %v\n%s", conf, err, stderr.String())
	}
	return strings.TrimSpace(addr)
}

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
	lookPath(t, "dbus-send")
	dest := install(t)
	policies, _ := filepath.Glob(filepath.Join(dest, "usr/share/dbus-1/system.d/*.conf"))
	if len(policies) == 0 {
		t.Skip("no D-Bus policy installed yet (packaging/dbus-1 comes with the D-Bus branch)")
	}
	addr := startPolicyBus(t, policies)
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
