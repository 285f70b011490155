package dbus

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peripety/peripety/internal/testenv"
)

// TestActivationLogsToJournal starts peripetyd by D-Bus activation from a
// bus whose standard error is a stream to journald, as the system bus's is
// under systemd (the launch helper passes it on to what it starts). Such a
// stream files every line under the bus's identifier at one priority
// (journald saw org.storage.Peripety1 at priority 4); the daemon must log
// natively instead: SYSLOG_IDENTIFIER=peripetyd and its level's priority.
func TestActivationLogsToJournal(t *testing.T) {
	testenv.RequireRoot(t, "journald and an activated daemon that owns "+"org.storage.Peripety1")
	testenv.Journald(t)
	for _, tool := range []string{"dbus-daemon", "systemd-cat", "gdbus", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: %v", tool, err)
		}
	}
	dir := t.TempDir()
	bin := buildDaemon(t, dir)
	kernelLog := filepath.Join(dir, "kernel.log")
	conf := filepath.Join(dir, "peripetyd.conf")
	for name, text := range map[string]string{
		kernelLog: "",
		conf:      "[main]\nnotify_stdout = false\nsave_to_journald = false\ndump_blk_info_at_start = false\n",
	} {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The activated command: the daemon on the bus that started it.
	wrapper := filepath.Join(dir, "peripetyd-activated")
	script := fmt.Sprintf("#!/bin/sh\nexec %s --bus \"$DBUS_STARTER_ADDRESS\" --config %s --source file:%s --state-dir %s --log-level debug\n",
		bin, conf, kernelLog, filepath.Join(dir, "state"))
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	services := filepath.Join(dir, "services")
	if err := os.Mkdir(services, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(services, "org.storage.Peripety1.service"),
		[]byte("[D-BUS Service]\nName=org.storage.Peripety1\nExec="+wrapper+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	socket := filepath.Join(dir, "bus")
	busConf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(busConf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=`+socket+`</listen>
  <servicedir>`+services+`</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o644); err != nil {
		t.Fatal(err)
	}
	// The bus's standard output and error are streams to journald.
	tag := "peripety-test-bus-" + strconv.Itoa(os.Getpid())
	bus := exec.Command("systemd-cat", "-t", tag, "dbus-daemon", "--nofork", "--nopidfile", "--config-file="+busConf)
	if err := bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		bus.Process.Signal(os.Interrupt)
		bus.Wait()
	})
	addr := "unix:path=" + socket
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(socket); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the test bus did not listen within 10 s")
		}
	}
	since := time.Now().Add(-time.Second)

	// A call to the name starts the daemon.
	out, err := exec.Command("gdbus", "call", "--address", addr, "--timeout", "30", "--dest", "org.storage.Peripety1",
		"--object-path", "/org/storage/Peripety1", "--method", "org.freedesktop.DBus.Properties.Get",
		"org.storage.Peripety1", "Version").CombinedOutput()
	if err != nil {
		t.Fatalf("gdbus call (activating the daemon): %v\n%s", err, out)
	}
	out, err = exec.Command("gdbus", "call", "--address", addr, "--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
		"--method", "org.freedesktop.DBus.GetConnectionUnixProcessID", "org.storage.Peripety1").CombinedOutput()
	if err != nil {
		t.Fatalf("pid of the daemon: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`\(uint32 ([0-9]+),\)`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("GetConnectionUnixProcessID: %s", out)
	}
	pid := m[1]
	t.Cleanup(func() {
		if n, err := strconv.Atoi(pid); err == nil {
			if p, err := os.FindProcess(n); err == nil {
				p.Signal(os.Interrupt)
			}
		}
	})

	// Its start: "ready" at info.
	entries := testenv.WaitJournal(t, 10*time.Second, func(e []testenv.Entry) bool {
		for _, x := range e {
			if strings.HasPrefix(x.Get("MESSAGE"), "ready ") {
				return true
			}
		}
		return false
	}, "_PID="+pid, "--since", since.Format("2006-01-02 15:04:05"))
	for _, e := range entries {
		if id := e.Get("SYSLOG_IDENTIFIER"); id != "peripetyd" {
			t.Errorf("a log line of the activated daemon has SYSLOG_IDENTIFIER=%q, want peripetyd: %q", id, e.Get("MESSAGE"))
		}
		if msg, p := e.Get("MESSAGE"), e.Get("PRIORITY"); strings.HasPrefix(msg, "ready ") && p != "6" {
			t.Errorf("line %q, logged at info, has PRIORITY=%s, want 6", msg, p)
		}
	}
	if t.Failed() {
		for _, e := range entries {
			t.Logf("%s %s %s", e.Get("SYSLOG_IDENTIFIER"), e.Get("PRIORITY"), e.Get("MESSAGE"))
		}
	}
}
