package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	godbus "github.com/godbus/dbus/v5"
	"github.com/google/go-cmp/cmp"
	pdbus "github.com/peripety/peripety/dbus"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/membackend"
	"github.com/peripety/peripety/internal/testenv"
)

// serveDaemon serves a membackend as org.storage.Peripety1 on a private
// system bus that DBUS_SYSTEM_BUS_ADDRESS points at.
func serveDaemon(t *testing.T) (*pdbus.Server, *membackend.Backend) {
	t.Helper()
	testenv.RequireRoot(t, "the shipped bus policy lets only root own "+pdbus.BusName)
	bus := testenv.SystemBus(t)
	b := membackend.New()
	srv := pdbus.NewServer(bus.Conn(t), b, pdbus.Options{Version: "test"})
	ctx, cancel := context.WithCancel(context.Background())
	if err := srv.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); srv.Close() })
	return srv, b
}

func storageEvent(seq uint64, sev event.Severity) event.Event {
	return event.Event{
		EventID: fmt.Sprintf("7d2c1b0a-3e4f-4a5b-9c6d-%012d", seq), EventType: "FS_IO_ERROR", Severity: sev,
		SubSystem: event.SubExt4, Timestamp: time.Date(2026, 11, 25, 16, 3, 4, 0, time.Local), Hostname: "host1",
		Kdev: "loop4", DevPath: "/dev/loop4", Count: 1, Seq: seq,
		Msg:    "ext4 on loop4: I/O error <10> writing to inode 12",
		RawMsg: "EXT4-fs warning (device loop4): ext4_end_bio:368: I/O error 10 writing to inode 12 starting block 4139)",
	}
}

func TestBusNotRunning(t *testing.T) {
	testenv.SystemBus(t)
	ctx := context.Background()
	_, err := busQuery(ctx, pdbus.QueryFilter{})
	if err == nil || err.Error() != "daemon not running: start peripetyd or use --journal" {
		t.Errorf("busQuery = %v", err)
	}
	err = busMonitor(ctx, pdbus.QueryFilter{}, func(event.Event) error { return nil }, nil, func(string) {})
	if err == nil || err.Error() != "daemon not running: start peripetyd or use --journal" {
		t.Errorf("busMonitor = %v", err)
	}
	if _, err := busInfo(ctx, "sda"); err == nil || err.Error() != "daemon not running: start peripetyd or use --local" {
		t.Errorf("busInfo = %v", err)
	}
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/bus")
	if _, err := busList(ctx); err == nil || err.Error() != "daemon not running: start peripetyd or use --local" {
		t.Errorf("busList with no bus = %v", err)
	}
}

func TestBusQueryInfo(t *testing.T) {
	_, b := serveDaemon(t)
	b.Add(storageEvent(1, event.Error), storageEvent(2, event.Info))
	ctx := context.Background()
	sev := event.Warning
	evs, err := busQuery(ctx, pdbus.QueryFilter{Filter: event.Filter{Severity: &sev}})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Seq != 1 {
		t.Errorf("busQuery severity warning = %+v, want seq 1 only", evs)
	}
	if _, err := busInfo(ctx, "nonsense"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("busInfo nonsense = %v", err)
	}
	infos, err := busList(ctx)
	if err != nil || len(infos) == 0 {
		t.Errorf("busList = %d devices, %v", len(infos), err)
	}
}

// notification is what a notification server was asked to show.
type notification struct {
	Summary, Body string
	Urgency       byte
	// Replaces is the notification it replaces, 0 for a new one.
	Replaces uint32
}

// notificationServer is an org.freedesktop.Notifications of the test's own
// on a private session bus: it records what it is asked to show.
type notificationServer struct {
	mu    sync.Mutex
	shown []notification
	got   chan struct{}
}

func (s *notificationServer) GetServerInformation() (string, string, string, string, *godbus.Error) {
	return "prpt-test", "Peripety", "1", "1.2", nil
}

func (s *notificationServer) GetCapabilities() ([]string, *godbus.Error) {
	return []string{"body"}, nil
}

func (s *notificationServer) Notify(app string, replaces uint32, icon, summary, body string, actions []string,
	hints map[string]godbus.Variant, timeout int32) (uint32, *godbus.Error) {
	u, _ := hints["urgency"].Value().(byte)
	s.mu.Lock()
	s.shown = append(s.shown, notification{summary, body, u, replaces})
	n := uint32(len(s.shown))
	s.mu.Unlock()
	s.got <- struct{}{}
	if replaces != 0 {
		return replaces, nil
	}
	return n, nil
}

func startNotificationServer(t *testing.T) *notificationServer {
	t.Helper()
	bus := testenv.SessionBus(t)
	conn := bus.Conn(t)
	s := &notificationServer{got: make(chan struct{}, 10)}
	if err := conn.Export(s, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName("org.freedesktop.Notifications", godbus.NameFlagDoNotQueue); err != nil || reply != godbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own org.freedesktop.Notifications: %v, %v", reply, err)
	}
	return s
}

// TestMonitorNotify runs `prpt monitor --notify` against the daemon on a
// private system bus and a notification server on a private session bus.
func TestMonitorNotify(t *testing.T) {
	srv, _ := serveDaemon(t)
	notes := startNotificationServer(t)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Main([]string{"monitor", "--notify", "-J", "--severity", "info"}, Env{Context: ctx, Stdout: &stdout, Stderr: &stderr})
	}()
	// Emit until the monitor is subscribed: the first notification says so.
	// Repeats of the first event that reach it are not shown again.
	sent := []event.Event{storageEvent(1, event.Critical), storageEvent(2, event.Warning), storageEvent(3, event.Info)}
	for subscribed := false; !subscribed; {
		if err := srv.Emit(ctx, sent[0]); err != nil {
			t.Fatal(err)
		}
		select {
		case <-notes.got:
			subscribed = true
		case code := <-done:
			t.Fatalf("prpt monitor --notify ended: exit %d: %s", code, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	for _, ev := range sent[1:] {
		if err := srv.Emit(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	for n := 1; n < 3; n++ {
		select {
		case <-notes.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d notifications, want 3", n)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("prpt monitor --notify: exit %d: %s", code, stderr.String())
	}
	// In plain language, the kernel's line last.
	const summary = "The filesystem on /dev/loop4 has errors"
	body := "Back up its data, then check the filesystem when it can be unmounted (fsck, xfs_repair or btrfs check).\n" +
		"2026-11-25 16:03:04 · host1 · FS_IO_ERROR\n" +
		"Kernel: EXT4-fs warning (device loop4): ext4_end_bio:368: I/O error 10 writing to inode 12 starting block 4139)"
	want := []notification{{summary, body, 2, 0}, {summary, body, 1, 0}, {summary, body, 0, 0}}
	notes.mu.Lock()
	defer notes.mu.Unlock()
	if diff := cmp.Diff(want, notes.shown); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
	// The events are printed too.
	if evs := jsonEvents(t, stdout.String()); len(evs) < 3 || evs[len(evs)-1].Seq != 3 {
		t.Errorf("printed events: %s", stdout.String())
	}
}

// TestQueryOverBus: prpt query asks the daemon by default, with the filters
// as flags.
func TestQueryOverBus(t *testing.T) {
	_, b := serveDaemon(t)
	b.Add(storageEvent(1, event.Error), storageEvent(2, event.Info), storageEvent(3, event.Warning))
	code, out, stderr := run(t, "", "query", "-J", "--severity", "warning", "--blk", "loop4", "--event-type", "FS_IO_ERROR")
	if code != 0 {
		t.Fatalf("prpt query: exit %d: %s", code, stderr)
	}
	var got []uint64
	for _, e := range jsonEvents(t, out) {
		got = append(got, e.Seq)
	}
	if diff := cmp.Diff([]uint64{1, 3}, got); diff != "" {
		t.Errorf("prpt query seq (-want +got):\n%s", diff)
	}
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/system_bus_socket")
	if code, _, stderr := run(t, "", "query"); code != 1 || stderr != "prpt: daemon not running: start peripetyd or use --journal\n" {
		t.Errorf("prpt query with no daemon: exit %d, %q", code, stderr)
	}
}

func TestNotifyNoServer(t *testing.T) {
	testenv.SessionBus(t)
	_, err := newDesktopNotifier(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no notification server") {
		t.Errorf("newDesktopNotifier with none = %v", err)
	}
	var derr godbus.Error
	if !errors.As(err, &derr) {
		t.Errorf("error %v does not carry the bus error", err)
	}
}

// TestInfoListOverBus: prpt info and list ask the daemon by default, and
// info's answer over the bus is the one --local gives.
func TestInfoListOverBus(t *testing.T) {
	serveDaemon(t)
	testenv.RequireRootTools(t, "attaches a loop device", "losetup")
	dev := testenv.Loop(t, testenv.SparseFile(t, 1<<20))

	for _, args := range [][]string{{"info", "-J", dev}, {"info", dev}} {
		code, bus, stderr := run(t, "", args...)
		if code != 0 {
			t.Fatalf("prpt %v: exit %d: %s", args, code, stderr)
		}
		_, local, _ := run(t, "", append(args, "--local")...)
		if diff := cmp.Diff(local, bus); diff != "" {
			t.Errorf("prpt %v over the bus differs from --local (-local +bus):\n%s", args, diff)
		}
	}
	code, list, stderr := run(t, "", "list")
	if code != 0 || !strings.Contains(list, dev) {
		t.Errorf("prpt list: exit %d, %s; want %s listed\n%s", code, stderr, dev, list)
	}
}

// TestSpawnFailed: a daemon the bus started and that stopped at once (a bad
// config file) is told as such, pointing at its log, not as a bare bus error.
func TestSpawnFailed(t *testing.T) {
	err := daemonError(godbus.Error{Name: "org.freedesktop.DBus.Error.Spawn.ChildExited",
		Body: []any{"Process org.storage.Peripety1 exited with status 1"}}, "--journal")
	if !strings.Contains(err.Error(), "could not start peripetyd") || !strings.Contains(err.Error(), "journalctl -u peripetyd") {
		t.Errorf("daemonError = %v", err)
	}
}
