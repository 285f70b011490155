// Package dbus tests peripetyd on a private system bus end to end: kernel
// lines fed to the daemon arrive as StorageEvent signals at gdbus monitor
// and at a Go client, and a second daemon cannot take the name.
package dbus

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	godbus "github.com/godbus/dbus/v5"
	pdbus "github.com/peripety/peripety/dbus"
	"github.com/peripety/peripety/dbus/client"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
)

// buildDaemon builds peripetyd into dir.
func buildDaemon(t *testing.T, dir string) string {
	t.Helper()
	return testenv.Build(t, dir, "github.com/peripety/peripety/cmd/peripetyd")
}

type daemon struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	done   chan error
}

// startDaemon runs peripetyd following log, serving on the bus at addr,
// storing nothing (the test listens on the bus only).
func startDaemon(t *testing.T, bin, dir, log, addr string) *daemon {
	t.Helper()
	conf := filepath.Join(dir, "peripetyd.conf")
	text := "[main]\nnotify_stdout = false\nsave_to_journald = false\ndump_blk_info_at_start = false\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &daemon{done: make(chan error, 1)}
	d.cmd = exec.Command(bin, "--config", conf, "--source", "file:"+log, "--bus", addr,
		"--state-dir", filepath.Join(dir, "state"), "--log-level", "debug")
	d.cmd.Stderr = &d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	t.Cleanup(func() {
		d.cmd.Process.Signal(os.Interrupt)
		select {
		case <-d.done:
		case <-time.After(20 * time.Second):
			d.cmd.Process.Kill()
			<-d.done
		}
		if t.Failed() {
			t.Logf("peripetyd log:\n%s", d.stderr.String())
		}
	})
	return d
}

// appendLine appends a kernel line to log as syslog writes it.
func appendLine(t *testing.T, log string, line string) {
	t.Helper()
	f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "%s prpt-test kernel: %s\n", time.Now().Format(time.Stamp), line); err != nil {
		t.Fatal(err)
	}
}

func TestDaemonOnBus(t *testing.T) {
	testenv.RequireRoot(t, "the shipped bus policy lets only root own "+pdbus.BusName)
	for _, tool := range []string{"gdbus", "stdbuf", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: %v", tool, err)
		}
	}
	bus := testenv.SystemBus(t)
	dir := t.TempDir()
	bin := buildDaemon(t, dir)
	log := filepath.Join(dir, "kernel.log")
	if err := os.WriteFile(log, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, bin, dir, log, bus.Address)

	// The daemon is ready when it owns the name.
	conn := bus.Conn(t)
	for deadline := time.Now().Add(30 * time.Second); ; {
		var owned bool
		conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, pdbus.BusName).Store(&owned)
		if owned {
			break
		}
		select {
		case err := <-d.done:
			t.Fatalf("peripetyd exited: %v\n%s", err, d.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("peripetyd did not own %s within 30s\n%s", pdbus.BusName, d.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A Go client, a bus match on arg0, and gdbus monitor listen.
	c, err := client.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan event.Event, 100)
	subDone := make(chan error, 1)
	go func() {
		subDone <- c.Subscribe(ctx, client.Subscription{}, func(e event.Event) error { got <- e; return nil })
	}()
	defer func() { cancel(); <-subDone }()
	ioErrors := make(chan *godbus.Signal, 100)
	if err := conn.AddMatchSignal(godbus.WithMatchInterface(pdbus.Interface), godbus.WithMatchArg(0, "FS_IO_ERROR")); err != nil {
		t.Fatal(err)
	}
	conn.Signal(ioErrors)
	lines := testenv.GdbusMonitor(t, ctx, pdbus.BusName)

	// Mount lines until every listener has seen one: then all are in place.
	for deadline := time.Now().Add(30 * time.Second); ; {
		appendLine(t, log, "EXT4-fs (loop4): mounted filesystem 11111111-2222-3333-4444-555555555555 r/w with ordered data mode. Quota mode: none.")
		if testenv.WaitLine(lines, pdbus.SignalName, 300*time.Millisecond) != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gdbus monitor saw no StorageEvent within 30s\n%s", d.stderr.String())
		}
	}
	waitEvent(t, got, "FS_MOUNTED")

	const ioLine = "EXT4-fs warning (device loop4): ext4_end_bio:368: I/O error 10 writing to inode 12 starting block 4139)"
	appendLine(t, log, ioLine)
	ev := waitEvent(t, got, "FS_IO_ERROR")
	if ev.RawMsg != ioLine || ev.Kdev != "loop4" || ev.SubSystem != event.SubExt4 || ev.Hostname != "prpt-test" || ev.Seq == 0 || ev.EventID == "" || ev.Timestamp.IsZero() {
		t.Errorf("Go client got %+v", ev)
	}
	mon := testenv.WaitLine(lines, "'FS_IO_ERROR'", 10*time.Second)
	for _, key := range []string{"event_id", "event_type", "severity", "sub_system", "timestamp", "timestamp_usec",
		"hostname", "kdev", "dev_wwid", "dev_path", "owners_wwids", "owners_paths", "msg", "raw_msg",
		"extension", "root_cause_event_id", "incident_id", "count", "seq", "prev_seq"} {
		if !strings.Contains(mon, "'"+key+"': <") {
			t.Errorf("gdbus monitor line lacks key %s:\n%s", key, mon)
		}
	}
	// The arg0 match got the I/O error and none of the mount events.
	select {
	case sig := <-ioErrors:
		if sig.Body[0] != "FS_IO_ERROR" {
			t.Errorf("arg0='FS_IO_ERROR' match got %v", sig.Body[0])
		}
	case <-time.After(10 * time.Second):
		t.Error("arg0='FS_IO_ERROR' match got nothing")
	}
	for len(ioErrors) > 0 {
		if sig := <-ioErrors; sig.Name == pdbus.SignalName {
			t.Errorf("arg0='FS_IO_ERROR' match also got %v", sig.Body[0])
		}
	}

	// A second daemon cannot take the name.
	dir2 := t.TempDir()
	second := exec.Command(bin, "--config", filepath.Join(dir, "peripetyd.conf"), "--source", "file:"+log,
		"--bus", bus.Address, "--state-dir", filepath.Join(dir2, "state"))
	out, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "another peripetyd is running") {
		t.Errorf("second peripetyd: %v\n%s", err, out)
	}
}

func waitEvent(t *testing.T, got <-chan event.Event, typ string) event.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-got:
			if e.EventType == typ {
				return e
			}
		case <-timeout:
			t.Fatalf("no %s event at the Go client within 10s", typ)
		}
	}
}
