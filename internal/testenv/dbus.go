package testenv

// Private dbus-daemons: a system-like bus with the shipped policy, and a
// session bus.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	godbus "github.com/godbus/dbus/v5"
)

// Bus is a private dbus-daemon started for one test.
type Bus struct {
	// Address is the bus address, as DBUS_*_BUS_ADDRESS takes it.
	Address string
	// Socket is the path of the listening socket.
	Socket string

	daemon, conf string
	cmd          *exec.Cmd
	done         chan struct{}
	stderr       *lockedBuffer
}

// systemBusConfig is the system bus of Debian's /usr/share/dbus-1/system.conf
// (deny by default, policies of services open what they need) without user
// switching, forking, activation or syslog, listening on a socket of the
// test's own, and including the policy files given.
const systemBusConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
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
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus" send_member="UpdateActivationEnvironment"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
%s</busconfig>
`

// sessionBusConfig is a session bus: one user, everything allowed.
const sessionBusConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// SystemBus starts a dbus-daemon configured like the system bus that
// includes the shipped policy packaging/dbus-1/system.d/org.storage.Peripety1.conf
// (see SystemBusWith).
func SystemBus(t testing.TB) *Bus {
	t.Helper()
	return SystemBusWith(t, ShippedFile(t, "packaging/dbus-1/system.d/org.storage.Peripety1.conf"))
}

// SystemBusWith starts a dbus-daemon configured like the system bus that
// includes the given policy files (and polkit's, when installed), sets
// DBUS_SYSTEM_BUS_ADDRESS to it for the test, and stops it when the test
// ends. The socket is reachable by every user, for tests that call as a
// non-root user.
func SystemBusWith(t testing.TB, policies ...string) *Bus {
	t.Helper()
	var includes strings.Builder
	for _, p := range policies {
		fmt.Fprintf(&includes, "  <include>%s</include>\n", p)
	}
	includes.WriteString("  <include ignore_missing=\"yes\">/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf</include>\n")
	b := startBus(t, "system", func(sock string) string { return fmt.Sprintf(systemBusConfig, sock, includes.String()) })
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", b.Address)
	return b
}

// SessionBus starts a private session bus, sets DBUS_SESSION_BUS_ADDRESS to
// it for the test, and stops it when the test ends.
func SessionBus(t testing.TB) *Bus {
	t.Helper()
	b := startBus(t, "session", func(sock string) string { return fmt.Sprintf(sessionBusConfig, sock) })
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", b.Address)
	return b
}

func startBus(t testing.TB, kind string, config func(socket string) string) *Bus {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skipf("dbus-daemon not installed (apt install dbus-daemon): %v", err)
	}
	// Not t.TempDir: its parent is private to the test's user, and the
	// socket must be reachable by the non-root users of authorization tests.
	dir, err := os.MkdirTemp("", "prpt-"+kind+"-bus-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "bus_socket")
	conf := filepath.Join(dir, kind+".conf")
	if err := os.WriteFile(conf, []byte(config(sock)), 0o644); err != nil {
		t.Fatal(err)
	}
	b := &Bus{Socket: sock, daemon: daemon, conf: conf}
	t.Cleanup(b.stop)
	if err := b.launch(); err != nil {
		t.Fatal(err)
	}
	return b
}

// launch starts dbus-daemon with the bus's config and waits for its
// address.
func (b *Bus) launch() error {
	cmd := exec.Command(b.daemon, "--nofork", "--print-address", "--config-file", b.conf)
	// A pipe of our own rather than StdoutPipe: Wait runs concurrently with
	// the reader below.
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd.Stdout = pw
	b.stderr = &lockedBuffer{}
	cmd.Stderr = b.stderr
	if err := cmd.Start(); err != nil {
		pw.Close()
		pr.Close()
		return fmt.Errorf("start %s: %w", b.daemon, err)
	}
	pw.Close()
	b.cmd, b.done = cmd, make(chan struct{})
	done := b.done
	go func() { cmd.Wait(); close(done) }()
	addr := make(chan string, 1)
	go func() {
		defer pr.Close()
		r := bufio.NewReader(pr)
		line, _ := r.ReadString('\n')
		addr <- strings.TrimSpace(line)
		io.Copy(io.Discard, r) // until the daemon exits
	}()
	select {
	case a := <-addr:
		if a == "" {
			return fmt.Errorf("dbus-daemon --config-file %s printed no address; stderr:\n%s", b.conf, b.stderr.String())
		}
		b.Address = a
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("dbus-daemon --config-file %s: no address after 10s; stderr:\n%s", b.conf, b.stderr.String())
	}
}

// stop stops the dbus-daemon, if it runs.
func (b *Bus) stop() {
	if b.cmd == nil {
		return
	}
	b.cmd.Process.Signal(os.Interrupt)
	select {
	case <-b.done:
	case <-time.After(5 * time.Second):
		b.cmd.Process.Kill()
		<-b.done
	}
	b.cmd = nil
}

// Restart stops the dbus-daemon and starts a new one on the same socket
// and config, as `systemctl restart dbus` does: every connection to the
// old one is lost.
func (b *Bus) Restart(t testing.TB) {
	t.Helper()
	b.stop()
	os.Remove(b.Socket)
	if err := b.launch(); err != nil {
		t.Fatal(err)
	}
}

// Conn returns a new private connection to the bus, closed when the test
// ends.
func (b *Bus) Conn(t testing.TB, opts ...godbus.ConnOption) *godbus.Conn {
	t.Helper()
	c, err := godbus.Connect(b.Address, opts...)
	if err != nil {
		t.Fatalf("connect to %s: %v", b.Address, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// ShippedFile returns the absolute path of a file of this module, given
// relative to the module root (the directory holding go.mod), and fails the
// test when it is missing.
func ShippedFile(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod above the working directory: cannot find %s", rel)
		}
		dir = parent
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("shipped file: %v", err)
	}
	return p
}

// GdbusMonitor runs `gdbus monitor --system --dest dest` (on the bus that
// DBUS_SYSTEM_BUS_ADDRESS names, as SystemBus sets it) until ctx or the
// test ends, and returns its output lines; the channel is closed when
// gdbus exits. It skips the test without gdbus or stdbuf.
//
// gdbus only says a name is owned ("… is owned by …") before it shows that
// name's signals, and GLib drops signals from a well-known name until it
// has learnt the owner itself, a moment later: a test should emit until the
// monitor shows a signal.
func GdbusMonitor(t testing.TB, ctx context.Context, dest string) <-chan string {
	t.Helper()
	LookPath(t, "gdbus")
	LookPath(t, "stdbuf")
	ctx, cancel := context.WithCancel(ctx)
	// stdbuf: gdbus would hold its lines in a full buffer on a pipe.
	cmd := exec.CommandContext(ctx, "stdbuf", "-oL", "gdbus", "monitor", "--system", "--dest", dest)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start gdbus monitor: %v", err)
	}
	lines := make(chan string, 1000)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cancel()
		for range lines { // unblocks the reader until gdbus is gone
		}
		cmd.Wait()
	})
	return lines
}

// RequireRoot skips the test unless it runs as root, saying why.
func RequireRoot(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("needs root: %s", why)
	}
}

// lockedBuffer collects a child's output while the test may read it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// WaitLine returns the first line from lines (a GdbusMonitor's) that
// contains s, or "" when none comes within wait or lines closes.
func WaitLine(lines <-chan string, s string, wait time.Duration) string {
	timeout := time.After(wait)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return ""
			}
			if strings.Contains(l, s) {
				return l
			}
		case <-timeout:
			return ""
		}
	}
}
