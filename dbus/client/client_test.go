package client

import (
	"context"
	"errors"
	"fmt"
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

var sameTime = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

// serve starts a server of a membackend on a private system bus and returns
// it with a client connected like any program (DBUS_SYSTEM_BUS_ADDRESS).
func serve(t *testing.T) (*pdbus.Server, *membackend.Backend, *Client) {
	srv, b, c, _ := serveConn(t)
	return srv, b, c
}

// serveConn is serve, also returning the server's connection, from which
// a test sends signals as the daemon would.
func serveConn(t *testing.T) (*pdbus.Server, *membackend.Backend, *Client, *godbus.Conn) {
	t.Helper()
	testenv.RequireRoot(t, "the shipped bus policy lets only root own "+pdbus.BusName)
	bus := testenv.SystemBus(t)
	b := membackend.New()
	conn := bus.Conn(t)
	srv := pdbus.NewServer(conn, b, pdbus.Options{Version: "test"})
	ctx, cancel := context.WithCancel(context.Background())
	if err := srv.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); srv.Close() })
	c, err := Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return srv, b, c, conn
}

// emitAs sends e from conn as the daemon's StorageEvent with prev_seq prev,
// as if the daemon had emitted events the test leaves out.
func emitAs(t *testing.T, conn *godbus.Conn, e event.Event, prev uint64) {
	t.Helper()
	k := pdbus.KeyOf(&e)
	m := pdbus.EncodeEvent(&e)
	m[pdbus.PrevSeqKey] = godbus.MakeVariant(prev)
	if err := conn.Emit(pdbus.ObjectPath, pdbus.SignalName, k.EventType, k.Severity, k.SubSystem, k.DevWWID, k.DevPath, m); err != nil {
		t.Fatal(err)
	}
}

func ev(seq uint64, typ string, sev event.Severity) event.Event {
	return event.Event{
		EventID: fmt.Sprintf("9f1c2d3e-4b5a-4c6d-8e7f-%012d", seq), EventType: typ, Severity: sev,
		SubSystem: event.SubExt4, Timestamp: time.UnixMicro(1764085000000000 + int64(seq)*1000),
		Kdev: "loop4", DevPath: "/dev/loop4", OwnersWWIDs: []string{}, OwnersPaths: []string{},
		Extension: map[string]string{}, Count: 1, Seq: seq,
		RawMsg: "EXT4-fs (loop4): previous I/O error to superblock detected",
	}
}

// collect subscribes with s until n events arrived and returns them.
func collect(t *testing.T, c *Client, s Subscription, n int, send func()) []event.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []event.Event
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- c.subscribe(ctx, s, func(e event.Event) error {
			got = append(got, e)
			if len(got) == n {
				return errStop
			}
			return nil
		}, func() { close(ready) })
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Subscribe: %v", err)
	}
	send()
	if err := <-done; !errors.Is(err, errStop) {
		t.Fatalf("Subscribe = %v after %d events", err, len(got))
	}
	return got
}

var errStop = errors.New("enough events")

func seqs(evs []event.Event) []uint64 {
	var out []uint64
	for _, e := range evs {
		out = append(out, e.Seq)
	}
	return out
}

func TestSubscribe(t *testing.T) {
	srv, _, c := serve(t)
	emit := func(evs ...event.Event) {
		for _, e := range evs {
			if err := srv.Emit(context.Background(), e); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Run("all", func(t *testing.T) {
		want := []event.Event{ev(1, "FS_IO_ERROR", event.Error), ev(2, "FS_MOUNTED", event.Info)}
		got := collect(t, c, Subscription{}, 2, func() { emit(want...) })
		if diff := cmp.Diff(want, got, sameTime); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("type and severity", func(t *testing.T) {
		sev := event.Warning
		s := Subscription{Filter: pdbus.QueryFilter{Filter: event.Filter{EventTypes: []string{"FS_IO_ERROR"}, Severity: &sev}}}
		got := collect(t, c, s, 2, func() {
			emit(ev(3, "FS_MOUNTED", event.Info), ev(4, "FS_IO_ERROR", event.Notice),
				ev(5, "FS_IO_ERROR", event.Error), ev(6, "FS_IO_ERROR", event.Warning))
		})
		if diff := cmp.Diff([]uint64{5, 6}, seqs(got)); diff != "" {
			t.Errorf("seq (-want +got):\n%s", diff)
		}
	})
}

// TestSubscribeFilteredNoGaps: the seq numbers of the events a filtered
// subscription's match rules leave out are no losses: it must not Query
// for them (a user who may not Query heard of "missed" events after every
// Info event).
func TestSubscribeFilteredNoGaps(t *testing.T) {
	srv, b, c := serve(t)
	b.QueryErr = errors.New("not authorized")
	var mu sync.Mutex
	var missed []string
	sev := event.Warning
	s := Subscription{Filter: pdbus.QueryFilter{Filter: event.Filter{Severity: &sev}}, Missed: func(from, to uint64, err error) {
		mu.Lock()
		defer mu.Unlock()
		missed = append(missed, fmt.Sprintf("%d-%d: %v", from, to, err))
	}}
	got := collect(t, c, s, 3, func() {
		for _, e := range []event.Event{ev(1, "FS_MOUNTED", event.Info), ev(2, "FS_IO_ERROR", event.Error),
			ev(3, "FS_MOUNTED", event.Info), ev(4, "FS_IO_ERROR", event.Warning), ev(5, "FS_UNMOUNTED", event.Info),
			ev(6, "FS_IO_ERROR", event.Error)} {
			if err := srv.Emit(context.Background(), e); err != nil {
				t.Fatal(err)
			}
		}
	})
	if diff := cmp.Diff([]uint64{2, 4, 6}, seqs(got)); diff != "" {
		t.Errorf("seq (-want +got):\n%s", diff)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(missed) > 0 {
		t.Errorf("Missed called for events the filter left out: %q", missed)
	}
}

// TestSubscribeGap: a signal lost on the way (the daemon emitted 2, its
// prev_seq chain says so) is fetched with Query; 3, of another signal key,
// the rules leave out and it is not.
func TestSubscribeGap(t *testing.T) {
	_, b, c, conn := serveConn(t)
	b.Add(ev(2, "FS_IO_ERROR", event.Error), ev(3, "FS_MOUNTED", event.Info), ev(4, "FS_IO_ERROR", event.Error))
	s := Subscription{Filter: pdbus.QueryFilter{Filter: event.Filter{EventTypes: []string{"FS_IO_ERROR"}}}}
	got := collect(t, c, s, 3, func() {
		emitAs(t, conn, ev(1, "FS_IO_ERROR", event.Error), 0)
		emitAs(t, conn, ev(4, "FS_IO_ERROR", event.Error), 2)
	})
	want := []event.Event{ev(1, "FS_IO_ERROR", event.Error), ev(2, "FS_IO_ERROR", event.Error), ev(4, "FS_IO_ERROR", event.Error)}
	if diff := cmp.Diff(want, got, sameTime); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestSubscribeGapNewKey: an event of a signal key not received before,
// whose predecessor came after the first event received, was lost too.
func TestSubscribeGapNewKey(t *testing.T) {
	_, b, c, conn := serveConn(t)
	b.Add(ev(3, "FS_IO_ERROR", event.Warning))
	got := collect(t, c, Subscription{}, 4, func() {
		emitAs(t, conn, ev(1, "FS_MOUNTED", event.Info), 0)
		emitAs(t, conn, ev(2, "FS_IO_ERROR", event.Error), 0)
		emitAs(t, conn, ev(5, "FS_IO_ERROR", event.Warning), 3)
	})
	if diff := cmp.Diff([]uint64{1, 2, 3, 5}, seqs(got)); diff != "" {
		t.Errorf("seq (-want +got):\n%s", diff)
	}
}

func TestSubscribeGapMissed(t *testing.T) {
	_, b, c, conn := serveConn(t)
	b.QueryErr = errors.New("journal unreadable")
	var mu sync.Mutex
	var missed []string
	s := Subscription{Missed: func(from, to uint64, err error) {
		mu.Lock()
		defer mu.Unlock()
		missed = append(missed, fmt.Sprintf("%d-%d: %v %v", from, to, errors.Is(err, ErrFailed), err))
	}}
	collect(t, c, s, 2, func() {
		emitAs(t, conn, ev(1, "FS_IO_ERROR", event.Error), 0)
		emitAs(t, conn, ev(5, "FS_IO_ERROR", event.Error), 4)
	})
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"2-4: true Query: journal unreadable"}, missed); diff != "" {
		t.Errorf("Missed calls (-want +got):\n%s", diff)
	}
}

// TestSubscribeShed: events the daemon's D-Bus sink shed are never
// emitted; its notice names them, whatever the subscription's rules, and
// they are fetched.
func TestSubscribeShed(t *testing.T) {
	srv, b, c := serve(t)
	b.Add(ev(2, "FS_IO_ERROR", event.Error), ev(3, "FS_MOUNTED", event.Info))
	shed := event.Event{EventID: "shed-1", EventType: "PERIPETY_EVENTS_SHED", Severity: event.Warning, SubSystem: event.SubPeripety,
		Timestamp: ev(3, "", 0).Timestamp, Count: 2, Extension: map[string]string{"first_seq": "2", "last_seq": "3",
			"event_types": "FS_IO_ERROR=1,FS_MOUNTED=1", "sink": "dbus"}}
	s := Subscription{Filter: pdbus.QueryFilter{Filter: event.Filter{EventTypes: []string{"FS_IO_ERROR"}}}}
	got := collect(t, c, s, 3, func() {
		for _, e := range []event.Event{ev(1, "FS_IO_ERROR", event.Error), shed, ev(4, "FS_IO_ERROR", event.Error)} {
			if err := srv.Emit(context.Background(), e); err != nil {
				t.Fatal(err)
			}
		}
	})
	if diff := cmp.Diff([]uint64{1, 2, 4}, seqs(got)); diff != "" {
		t.Errorf("seq (-want +got):\n%s", diff)
	}
}

func TestMethods(t *testing.T) {
	_, b, c := serve(t)
	ctx := context.Background()
	b.Add(ev(1, "FS_IO_ERROR", event.Error), ev(2, "FS_MOUNTED", event.Info))
	got, err := c.Query(ctx, pdbus.QueryFilter{Filter: event.Filter{EventTypes: []string{"FS_MOUNTED"}}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]event.Event{ev(2, "FS_MOUNTED", event.Info)}, got, sameTime); diff != "" {
		t.Errorf("Query (-want +got):\n%s", diff)
	}
	if _, err := c.BlockInfo(ctx, "nonsense"); !errors.Is(err, ErrNotFound) {
		t.Errorf("BlockInfo nonsense = %v, want ErrNotFound", err)
	}
	if _, err := c.Query(ctx, pdbus.QueryFilter{Blk: " "}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("Query blk ' ' = %v, want ErrInvalidArgument", err)
	}
	if v, err := c.Version(ctx); err != nil || v != "test" {
		t.Errorf("Version = %q, %v", v, err)
	}
	if err := c.Reload(ctx); err != nil {
		t.Errorf("Reload: %v", err)
	}
}

func TestNotRunning(t *testing.T) {
	testenv.SystemBus(t)
	c, err := Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Query(context.Background(), pdbus.QueryFilter{}); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Query with no daemon = %v, want ErrNotRunning", err)
	}
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/bus")
	if _, err := Connect(); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Connect with no bus = %v, want ErrNotRunning", err)
	}
}

func TestMatchRules(t *testing.T) {
	warn := event.Warning
	tests := []struct {
		name string
		f    event.Filter
		want [][]argMatch
	}{
		{"none", event.Filter{}, [][]argMatch{nil}},
		{"types", event.Filter{EventTypes: []string{"FS_IO_ERROR", "BLK_IO_ERROR"}},
			[][]argMatch{{{0, "FS_IO_ERROR"}}, {{0, "BLK_IO_ERROR"}}}},
		{"type, severity, sub-system in any case", event.Filter{EventTypes: []string{"FS_IO_ERROR"}, Severity: &warn, SubSystems: []string{"EXT4"}},
			[][]argMatch{
				{{0, "FS_IO_ERROR"}, {1, "Emergency"}, {2, "ext4"}}, {{0, "FS_IO_ERROR"}, {1, "Alert"}, {2, "ext4"}},
				{{0, "FS_IO_ERROR"}, {1, "Critical"}, {2, "ext4"}}, {{0, "FS_IO_ERROR"}, {1, "Error"}, {2, "ext4"}},
				{{0, "FS_IO_ERROR"}, {1, "Warning"}, {2, "ext4"}},
			}},
		{"unknown sub-system left to the client", event.Filter{SubSystems: []string{"ext4", "mydriver"}}, [][]argMatch{nil}},
		{"too many: severity left to the client",
			event.Filter{EventTypes: []string{"A", "B", "C", "D", "E", "F", "G"}, Severity: &warn},
			[][]argMatch{{{0, "A"}}, {{0, "B"}}, {{0, "C"}}, {{0, "D"}}, {{0, "E"}}, {{0, "F"}}, {{0, "G"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, matchRules(tt.f)); diff != "" {
				t.Errorf("matchRules (-want +got):\n%s", diff)
			}
		})
	}
}

// forge sends a StorageEvent signal from conn, an impostor: to dest alone
// when dest is set, else to every listener.
func forge(t *testing.T, conn *godbus.Conn, dest string, e event.Event) {
	t.Helper()
	msg := &godbus.Message{Type: godbus.TypeSignal, Headers: map[godbus.HeaderField]godbus.Variant{
		godbus.FieldPath:      godbus.MakeVariant(pdbus.ObjectPath),
		godbus.FieldInterface: godbus.MakeVariant(pdbus.Interface),
		godbus.FieldMember:    godbus.MakeVariant(pdbus.Signal),
	}, Body: []any{e.EventType, e.Severity.String(), e.SubSystem, e.DevWWID, e.DevPath, pdbus.EncodeEvent(&e)}}
	if dest != "" {
		msg.Headers[godbus.FieldDestination] = godbus.MakeVariant(dest)
	}
	msg.Headers[godbus.FieldSignature] = godbus.MakeVariant(godbus.SignatureOf(msg.Body...))
	if call := conn.Send(msg, nil); call.Err != nil {
		t.Fatalf("forge: %v", call.Err)
	}
}

// TestForgedSignals: events signalled by anyone but the owner of the name,
// to the client alone or to all, are not taken, and their seq numbers
// make no gap to fill; nor is a forged change of owner believed.
func TestForgedSignals(t *testing.T) {
	srv, b, c := serve(t)
	b.QueryErr = errors.New("no Query expected")
	impostor, err := godbus.ConnectSystemBus()
	if err != nil {
		t.Fatal(err)
	}
	defer impostor.Close()
	var missed []string
	s := Subscription{Missed: func(from, to uint64, err error) { missed = append(missed, fmt.Sprint(from, "-", to, err)) }}
	forgedOwner := &godbus.Message{Type: godbus.TypeSignal, Headers: map[godbus.HeaderField]godbus.Variant{
		godbus.FieldPath:        godbus.MakeVariant(godbus.ObjectPath("/org/freedesktop/DBus")),
		godbus.FieldInterface:   godbus.MakeVariant("org.freedesktop.DBus"),
		godbus.FieldMember:      godbus.MakeVariant("NameOwnerChanged"),
		godbus.FieldDestination: godbus.MakeVariant(c.conn.Names()[0]),
		godbus.FieldSignature:   godbus.MakeVariant(godbus.SignatureOf("", "", "")),
	}, Body: []any{pdbus.BusName, "", impostor.Names()[0]}}
	got := collect(t, c, s, 2, func() {
		if call := impostor.Send(forgedOwner, nil); call.Err != nil {
			t.Fatal(call.Err)
		}
		forge(t, impostor, c.conn.Names()[0], ev(1, "FS_IO_ERROR", event.Critical))
		forge(t, impostor, "", ev(1, "FS_IO_ERROR", event.Critical))
		srv.Emit(context.Background(), ev(1, "FS_MOUNTED", event.Info))
		forge(t, impostor, c.conn.Names()[0], ev(900000, "FS_IO_ERROR", event.Critical))
		srv.Emit(context.Background(), ev(2, "FS_MOUNTED", event.Info))
	})
	for _, e := range got {
		if e.EventType != "FS_MOUNTED" {
			t.Errorf("took a forged event: %+v", e)
		}
	}
	if diff := cmp.Diff([]uint64{1, 2}, seqs(got)); diff != "" {
		t.Errorf("seq (-want +got):\n%s", diff)
	}
	if len(missed) > 0 {
		t.Errorf("Missed called for forged seq numbers: %v", missed)
	}
}

// TestGapTooLarge: a seq that jumps by more than a page is reported
// missed, not queried for.
func TestGapTooLarge(t *testing.T) {
	_, b, c, conn := serveConn(t)
	b.QueryErr = errors.New("no Query expected")
	var missed []string
	s := Subscription{Missed: func(from, to uint64, err error) {
		missed = append(missed, fmt.Sprint(from, "-", to, " ", errors.Is(err, ErrGapTooLarge)))
	}}
	collect(t, c, s, 2, func() {
		emitAs(t, conn, ev(1, "FS_IO_ERROR", event.Error), 0)
		emitAs(t, conn, ev(1_000_000, "FS_IO_ERROR", event.Error), 999_999)
	})
	if diff := cmp.Diff([]string{"2-999999 true"}, missed); diff != "" {
		t.Errorf("Missed (-want +got):\n%s", diff)
	}
}
