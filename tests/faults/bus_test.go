package faults_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	godbus "github.com/godbus/dbus/v5"

	pdbus "github.com/peripety/peripety/dbus"
	"github.com/peripety/peripety/internal/testenv"
)

// owner waits until the name has an owner on the bus at socket, and
// returns it.
func owner(t testing.TB, socket string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if conn, err := godbus.Connect("unix:path=" + socket); err == nil {
			var name string
			err := conn.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, pdbus.BusName).Store(&name)
			conn.Close()
			if err == nil {
				return name
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has no owner on %s within %v", pdbus.BusName, socket, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBusRestart restarts dbus-daemon under a daemon storing a stream: the
// daemon stops cleanly and exits 1 (its unit's Restart=on-failure would
// start it again; the test does), owns its name on the new bus, and no
// event is lost or stored twice.
func TestBusRestart(t *testing.T) {
	j := journal(t)
	bus := testenv.SystemBus(t)
	e := newEnv(t, j)
	e.bus = "unix:path=" + bus.Socket
	d := e.start()
	first := owner(t, bus.Socket, 10*time.Second)
	w := e.writer(0, spread)
	const n = 3000
	w.writeOver(context.Background(), n/2, time.Second)
	bus.Restart(t)
	began := time.Now()
	code := d.exited(15 * time.Second)
	took := time.Since(began).Round(10 * time.Millisecond)
	if code != 1 {
		t.Fatalf("after the bus restarted the daemon: exit status %d, want 1 (-1: still running)", code)
	}
	if d.logged("lost the connection to the bus") == 0 {
		t.Error("the daemon's log does not say it lost the bus")
	}
	d = e.start()
	again := owner(t, bus.Socket, 10*time.Second)
	t.Logf("owner again after %v", time.Since(began))
	w.writeOver(context.Background(), n-n/2, time.Second)
	tl := waitStored(t, j, n, 30*time.Second)
	t.Logf("stored after %v", time.Since(began))
	check(t, "dbus-daemon restarted", tl, fmt.Sprintf("exited 1 in %v, restarted: owns the name (%s, was %s); %s",
		took, again, first, d.state(e.state)))
}

// TestBusDisconnect makes the bus itself disconnect the daemon: a bus
// whose message limit (max_message_size, 32 KiB here) is below a signal the
// daemon sends, for a kernel line of 40 KB. The daemon exits 1, and once
// started again stores every event once, the large one included.
func TestBusDisconnect(t *testing.T) {
	j := journal(t)
	limits := filepath.Join(t.TempDir(), "limits.conf")
	if err := os.WriteFile(limits, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <limit name="max_message_size">32768</limit>
</busconfig>
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(limits), 0o755); err != nil {
		t.Fatal(err)
	}
	bus := testenv.SystemBusWith(t, testenv.ShippedFile(t, "packaging/dbus-1/system.d/org.storage.Peripety1.conf"), limits)
	e := newEnv(t, j)
	e.bus = "unix:path=" + bus.Socket
	d := e.start()
	owner(t, bus.Socket, 10*time.Second)
	w := e.writer(0, spread)
	w.write(500)
	// One line whose event's signal is over the bus's limit.
	if _, err := w.f.WriteString(w.line(w.next, ", "+strings.Repeat("x", 40_000))); err != nil {
		t.Fatal(err)
	}
	w.next++
	w.write(499)
	code := d.exited(15 * time.Second)
	if code != 1 {
		t.Fatalf("after the bus disconnected it the daemon: exit status %d, want 1 (-1: still running)", code)
	}
	d = e.start()
	owner(t, bus.Socket, 10*time.Second)
	w.write(500)
	tl := waitStored(t, j, 1500, 30*time.Second)
	check(t, "bus disconnects the daemon", tl, "exited 1, restarted: owns the name; "+d.state(e.state))
}
