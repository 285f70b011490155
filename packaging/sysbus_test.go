package packaging

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/peripety/peripety/internal/testenv"
)

const systemBusSocket = "/run/dbus/system_bus_socket"

// systemBusAnswers says whether the system bus answers at its standard
// address.
func systemBusAnswers() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, "dbus-send", "--system", "--print-reply", "--dest=org.freedesktop.DBus",
		"/org/freedesktop/DBus", "org.freedesktop.DBus.GetId").Run() == nil
}

// systemBus makes sure the real system bus runs at its standard address,
// with the system's own configuration (/usr/share/dbus-1/system.conf: its
// policy directories, service directories and launch helper), as on a
// machine that booted with D-Bus. A bus that already answers is used as it
// is; one this test starts is stopped when the test ends, and with it the
// services it activated.
func systemBus(t *testing.T) {
	t.Helper()
	testenv.LookPath(t, "dbus-daemon")
	testenv.LookPath(t, "dbus-send")
	if systemBusAnswers() {
		return
	}
	if err := os.MkdirAll("/run/dbus", 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "dbus-daemon", "--system", "--nofork", "--nopidfile")
	// SIGTERM, so that the bus stops its own way.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start the system bus: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-done
		// dbus-daemon leaves its socket file behind when it stops.
		os.Remove(systemBusSocket)
	})
	deadline := time.Now().Add(10 * time.Second)
	for !systemBusAnswers() {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("system bus exited: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("system bus not answering at %s after 10s\n%s", systemBusSocket, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
