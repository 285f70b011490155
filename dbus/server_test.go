package dbus

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	godbus "github.com/godbus/dbus/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/membackend"
	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/introspection"
)

type fixture struct {
	bus     *testenv.Bus
	srv     *Server
	backend *membackend.Backend
}

// startServer serves a memBackend as org.storage.Peripety1 on a private
// system bus of the test's own.
func startServer(t *testing.T) *fixture {
	t.Helper()
	testenv.RequireRoot(t, "the shipped bus policy lets only root own "+BusName)
	bus := testenv.SystemBus(t)
	conn := bus.Conn(t)
	b := membackend.New()
	srv := NewServer(conn, b, Options{Version: "1.2.3", PropertiesInterval: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	if err := srv.Start(ctx); err != nil {
		cancel()
		t.Fatalf("Start: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &fixture{bus: bus, srv: srv, backend: b}
}

// gdbus runs gdbus against the test's system bus and returns its output.
func gdbus(t *testing.T, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("gdbus"); err != nil {
		t.Skipf("gdbus not installed (apt install libglib2.0-bin): %v", err)
	}
	out, err := exec.Command("gdbus", args...).CombinedOutput()
	return string(out), err
}

func gdbusCall(t *testing.T, method string, args ...string) (string, error) {
	t.Helper()
	return gdbus(t, append([]string{"call", "--system", "--dest", BusName, "--object-path", string(ObjectPath),
		"--method", method}, args...)...)
}

// normalXML is doc without comments, declarations and blank text, so that
// documents that differ only in layout compare equal.
func normalXML(t *testing.T, doc string) string {
	t.Helper()
	var b strings.Builder
	dec := xml.NewDecoder(strings.NewReader(doc))
	enc := xml.NewEncoder(&b)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("parse XML: %v\n%s", err, doc)
		}
		switch x := tok.(type) {
		case xml.Comment, xml.ProcInst, xml.Directive:
			continue
		case xml.CharData:
			if strings.TrimSpace(string(x)) == "" {
				continue
			}
		}
		if err := enc.EncodeToken(tok); err != nil {
			t.Fatal(err)
		}
	}
	enc.Flush()
	return b.String()
}

func TestIntrospect(t *testing.T) {
	startServer(t)
	out, err := gdbus(t, "introspect", "--system", "--dest", BusName, "--object-path", string(ObjectPath), "--xml")
	if err != nil {
		t.Fatalf("gdbus introspect: %v: %s", err, out)
	}
	shipped, err := os.ReadFile(testenv.ShippedFile(t, "packaging/dbus-1/interfaces/"+introspection.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(normalXML(t, string(shipped)), normalXML(t, out)); diff != "" {
		t.Errorf("live introspection differs from the shipped XML (-shipped +live):\n%s", diff)
	}
}

// fsError is a real ext4 line of the corpus as an event.
func fsError(seq uint64) event.Event {
	return event.Event{
		EventID: fmt.Sprintf("0c9a3f52-2b7e-4c1e-8f0a-5d3c2b1a%04x", seq), EventType: "FS_IO_ERROR",
		Severity: event.Error, SubSystem: event.SubExt4, Timestamp: time.UnixMicro(1764085000000000 + int64(seq)),
		Hostname: "host1", Kdev: "loop4", DevWWID: "11111111-2222-3333-4444-555555555555", DevPath: "/dev/loop4",
		OwnersWWIDs: []string{}, OwnersPaths: []string{"/dev/loop4"},
		Msg:       "ext4 on loop4: I/O error writing to inode 12",
		RawMsg:    "EXT4-fs warning (device loop4): ext4_end_bio:368: I/O error 10 writing to inode 12 starting block 4139)",
		Extension: map[string]string{"inode": "12", "block": "4139"}, Count: 1, Seq: seq,
	}
}

// subscribe returns a channel of the StorageEvent signals matching opts.
func subscribe(t *testing.T, conn *godbus.Conn, opts ...godbus.MatchOption) chan *godbus.Signal {
	t.Helper()
	opts = append([]godbus.MatchOption{godbus.WithMatchInterface(Interface), godbus.WithMatchMember(Signal)}, opts...)
	if err := conn.AddMatchSignal(opts...); err != nil {
		t.Fatalf("AddMatch: %v", err)
	}
	ch := make(chan *godbus.Signal, 100)
	conn.Signal(ch)
	return ch
}

func receive(t *testing.T, ch chan *godbus.Signal) event.Event {
	t.Helper()
	for {
		select {
		case sig := <-ch:
			if sig.Name != SignalName {
				continue
			}
			if len(sig.Body) != 6 {
				t.Fatalf("StorageEvent has %d arguments, want 6: %v", len(sig.Body), sig.Body)
			}
			ev, err := DecodeEvent(sig.Body[5].(map[string]godbus.Variant))
			if err != nil {
				t.Fatal(err)
			}
			want := []any{ev.EventType, ev.Severity.String(), ev.SubSystem, ev.DevWWID, ev.DevPath}
			if diff := cmp.Diff(want, sig.Body[:5]); diff != "" {
				t.Errorf("leading string arguments disagree with the event (-want +got):\n%s", diff)
			}
			return ev
		case <-time.After(10 * time.Second):
			t.Fatal("no StorageEvent signal within 10s")
		}
	}
}

// monitor runs `gdbus monitor --system --dest org.storage.Peripety1` until
// the test ends and returns its output lines once it prints the signals
// probe sends: GLib drops signals from a well-known name until it has
// learnt the name's owner itself, a moment after gdbus says it knows it.
func monitor(t *testing.T, probe func()) <-chan string {
	t.Helper()
	lines := testenv.GdbusMonitor(t, context.Background(), BusName)
	if line := testenv.WaitLine(lines, "is owned by", 10*time.Second); line == "" {
		t.Fatal("gdbus monitor did not start")
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		probe()
		if testenv.WaitLine(lines, SignalName, 100*time.Millisecond) != "" {
			return lines
		}
		if time.Now().After(deadline) {
			t.Fatal("gdbus monitor shows no signal")
		}
	}
}

func TestSignal(t *testing.T) {
	f := startServer(t)
	lines := monitor(t, func() {
		if err := f.srv.Emit(context.Background(), fsError(0)); err != nil {
			t.Fatal(err)
		}
	})
	all := subscribe(t, f.bus.Conn(t))

	ev := fsError(1)
	if err := f.srv.Emit(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ev, receive(t, all), sameTime); diff != "" {
		t.Errorf("Go subscriber got (-sent +received):\n%s", diff)
	}
	sig := testenv.WaitLine(lines, "'seq': <uint64 1>", 10*time.Second)
	if sig == "" {
		t.Fatal("gdbus monitor saw no StorageEvent")
	}
	for _, want := range []string{"('FS_IO_ERROR', 'Error', 'ext4', '11111111-2222-3333-4444-555555555555', '/dev/loop4', {",
		"'timestamp_usec': <uint64 1764085000000001>", "'seq': <uint64 1>", "'count': <uint32 1>",
		"'block': '4139'", "'inode': '12'", "'owners_paths': <['/dev/loop4']>", "'event_id': <'" + ev.EventID} {
		if !strings.Contains(sig, want) {
			t.Errorf("gdbus monitor line lacks %q:\n%s", want, sig)
		}
	}
	for _, key := range []string{"event_id", "event_type", "severity", "sub_system", "timestamp", "timestamp_usec",
		"hostname", "kdev", "dev_wwid", "dev_path", "owners_wwids", "owners_paths", "msg", "raw_msg",
		"extension", "root_cause_event_id", "incident_id", "count", "seq"} {
		if !strings.Contains(sig, "'"+key+"': <") {
			t.Errorf("gdbus monitor line lacks key %s", key)
		}
	}
}

func TestSignalMatchArg0(t *testing.T) {
	f := startServer(t)
	ch := subscribe(t, f.bus.Conn(t), godbus.WithMatchArg(0, "FS_IO_ERROR"))
	mounted := fsError(2)
	mounted.EventType, mounted.Severity = "FS_MOUNTED", event.Info
	sent := []event.Event{fsError(1), mounted, fsError(3), mounted, fsError(4)}
	for _, ev := range sent {
		if err := f.srv.Emit(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	var got []uint64
	for range 3 {
		got = append(got, receive(t, ch).Seq)
	}
	if diff := cmp.Diff([]uint64{1, 3, 4}, got); diff != "" {
		t.Errorf("seq of received events (-want +got):\n%s", diff)
	}
	select {
	case sig := <-ch:
		t.Errorf("unexpected signal %v", sig.Body[:5])
	case <-time.After(100 * time.Millisecond):
	}
}

func TestQuery(t *testing.T) {
	f := startServer(t)
	mounted := fsError(2)
	mounted.EventType, mounted.Severity, mounted.Kdev, mounted.DevPath = "FS_MOUNTED", event.Info, "loop5", "/dev/loop5"
	f.backend.Add(fsError(1), mounted, fsError(3))

	t.Run("gdbus", func(t *testing.T) {
		out, err := gdbusCall(t, Interface+".Query", "{'event_types': <['FS_IO_ERROR']>, 'severity': <'warning'>, 'limit': <uint32 1>}")
		if err != nil {
			t.Fatalf("gdbus call Query: %v: %s", err, out)
		}
		// The latest that match, as the journal store gives them.
		if !strings.Contains(out, "'seq': <uint64 3>") || strings.Contains(out, "'seq': <uint64 1>") || strings.Contains(out, "FS_MOUNTED") {
			t.Errorf("Query with event_types, severity and limit 1 returned:\n%s", out)
		}
		// The page before it, from its cursor.
		cursor := event.CursorOf(ptr(fsError(3))).String()
		out, err = gdbusCall(t, Interface+".Query", "{'event_types': <['FS_IO_ERROR']>, 'limit': <uint32 1>, 'before': <'"+cursor+"'>}")
		if err != nil {
			t.Fatalf("gdbus call Query: %v: %s", err, out)
		}
		if !strings.Contains(out, "'seq': <uint64 1>") || strings.Contains(out, "'seq': <uint64 3>") {
			t.Errorf("Query of the page before %s returned:\n%s", cursor, out)
		}
		out, err = gdbusCall(t, Interface+".Query", "{'blk': <'/dev/loop5'>, 'since': <'2025-11-25'>}")
		if err != nil {
			t.Fatalf("gdbus call Query: %v: %s", err, out)
		}
		if !strings.Contains(out, "FS_MOUNTED") || strings.Contains(out, "FS_IO_ERROR") {
			t.Errorf("Query with blk /dev/loop5 returned:\n%s", out)
		}
	})

	t.Run("go", func(t *testing.T) {
		obj := f.bus.Conn(t).Object(BusName, ObjectPath)
		warning := event.Warning
		var got []map[string]godbus.Variant
		err := obj.Call(Interface+".Query", 0, EncodeFilter(QueryFilter{Filter: event.Filter{Severity: &warning}})).Store(&got)
		if err != nil {
			t.Fatal(err)
		}
		var evs []event.Event
		for _, m := range got {
			ev, err := DecodeEvent(m)
			if err != nil {
				t.Fatal(err)
			}
			evs = append(evs, ev)
		}
		if diff := cmp.Diff([]event.Event{fsError(1), fsError(3)}, evs, sameTime); diff != "" {
			t.Errorf("Query severity warning (-want +got):\n%s", diff)
		}
	})

	// gdbus's own types for plain numbers: <1> is i, <int64 …> x.
	t.Run("gdbus default integer types", func(t *testing.T) {
		for _, filter := range []string{
			"{'event_types': <['FS_IO_ERROR']>, 'limit': <1>}",
			"{'event_types': <['FS_IO_ERROR']>, 'limit': <int64 1>, 'since': <int64 1764085000000000>}",
			"{'event_types': <['FS_IO_ERROR']>, 'limit': <byte 1>, 'since': <'@1764085000'>, 'until': <'now'>}",
			"{'event_types': <['FS_IO_ERROR']>, 'limit': <int16 1>, 'hostnames': <['HOST1']>}",
		} {
			out, err := gdbusCall(t, Interface+".Query", filter)
			if err != nil {
				t.Fatalf("gdbus call Query %s: %v: %s", filter, err, out)
			}
			// The latest, as the journal store gives them.
			if !strings.Contains(out, "'seq': <uint64 3>") || strings.Contains(out, "'seq': <uint64 1>") {
				t.Errorf("Query %s, one FS_IO_ERROR only, returned:\n%s", filter, out)
			}
		}
		out, err := gdbusCall(t, Interface+".Query", "{'hostnames': <['host2']>}")
		if err != nil || strings.Contains(out, "'seq'") {
			t.Errorf("Query hostnames host2 (no such events): %v\n%s", err, out)
		}
	})

	// python3-dbus gives a Python int as i (dbus.Int32) unless told; an
	// applet sends what it has.
	t.Run("python3-dbus", func(t *testing.T) {
		// Debian's python3, which python3-dbus is built for (another one
		// may come first on PATH).
		py := "/usr/bin/python3"
		if _, err := os.Stat(py); err != nil {
			t.Skipf("no %s (apt install python3-dbus): %v", py, err)
		}
		if out, err := exec.Command(py, "-c", "import dbus").CombinedOutput(); err != nil {
			t.Skipf("no python3-dbus (apt install python3-dbus): %v: %s", err, out)
		}
		script := `
import dbus, sys
bus = dbus.SystemBus()
obj = bus.get_object("org.storage.Peripety1", "/org/storage/Peripety1")
q = dbus.Interface(obj, "org.storage.Peripety1").Query
for f in ({"event_types": ["FS_IO_ERROR"], "limit": 1},
          {"event_types": ["FS_IO_ERROR"], "limit": dbus.Int64(1), "since": dbus.Int64(1764085000000000)},
          {"event_types": ["FS_IO_ERROR"], "limit": 1, "since": "-10000d"}):
    evs = q(dbus.Dictionary(f, signature="sv"))
    print(len(evs), int(evs[0]["seq"]))
`
		out, err := exec.Command(py, "-c", script).CombinedOutput()
		if err != nil {
			t.Fatalf("python3-dbus Query: %v\n%s", err, out)
		}
		if want := "1 3\n1 3\n1 3\n"; string(out) != want {
			t.Errorf("python3-dbus Query printed %q, want %q", out, want)
		}
	})

	for _, bad := range []string{"{'device': <'sda'>}", "{'limit': <-5>}", "{'limit': <'5'>}", "{'since': <'last week'>}",
		"{'event_types': <'FS_IO_ERROR'>}"} {
		t.Run("invalid "+bad, func(t *testing.T) {
			out, err := gdbusCall(t, Interface+".Query", bad)
			if err == nil || !strings.Contains(out, ErrInvalidArgument) {
				t.Errorf("Query %s: %v: %s; want %s", bad, err, out, ErrInvalidArgument)
			}
		})
	}
}

func TestBlockInfo(t *testing.T) {
	f := startServer(t)
	testenv.RequireRootTools(t, "attaches a loop device", "losetup")
	dev := testenv.Loop(t, testenv.SparseFile(t, 1<<20))
	name := filepath.Base(dev)
	mm, err := os.ReadFile("/sys/class/block/" + name + "/dev")
	if err != nil {
		t.Fatal(err)
	}

	obj := f.bus.Conn(t).Object(BusName, ObjectPath)
	for _, id := range []string{dev, name, strings.TrimSpace(string(mm))} {
		var m map[string]godbus.Variant
		if err := obj.Call(Interface+".BlockInfo", 0, id).Store(&m); err != nil {
			t.Fatalf("BlockInfo %s: %v", id, err)
		}
		info, err := DecodeBlockInfo(m)
		if err != nil {
			t.Fatal(err)
		}
		if info.BlkType != "Loop" || info.BlkPath != dev || info.MajorMinor != strings.TrimSpace(string(mm)) {
			t.Errorf("BlockInfo %s = %+v; want a Loop at %s", id, info, dev)
		}
	}
	if out, err := gdbusCall(t, Interface+".BlockInfo", dev); err != nil || !strings.Contains(out, "'blk_type': <'Loop'>") {
		t.Errorf("gdbus call BlockInfo %s: %v: %s", dev, err, out)
	}
	out2, err := gdbusCall(t, Interface+".BlockInfo", "nonsense")
	if err == nil || !strings.Contains(out2, ErrNotFound) {
		t.Errorf("BlockInfo nonsense: %v: %s; want %s", err, out2, ErrNotFound)
	}
	var infos []map[string]godbus.Variant
	if err := obj.Call(Interface+".ListBlocks", 0).Store(&infos); err != nil {
		t.Fatalf("ListBlocks: %v", err)
	}
	found := false
	for _, m := range infos {
		found = found || m["blk_path"].Value() == dev
	}
	if !found {
		t.Errorf("ListBlocks lacks %s", dev)
	}
}

func TestSecondDaemon(t *testing.T) {
	f := startServer(t)
	second := NewServer(f.bus.Conn(t), membackend.New(), Options{})
	err := second.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "another peripetyd is running") {
		t.Fatalf("second Start = %v, want an error saying another peripetyd runs", err)
	}
	// The first one still serves.
	var v string
	if err := f.bus.Conn(t).Object(BusName, ObjectPath).Call("org.freedesktop.DBus.Properties.Get", 0, Interface, "Version").Store(&v); err != nil || v != "1.2.3" {
		t.Errorf("Version = %q, %v", v, err)
	}
}

func TestProperties(t *testing.T) {
	f := startServer(t)
	conn := f.bus.Conn(t)
	if err := conn.AddMatchSignal(godbus.WithMatchInterface("org.freedesktop.DBus.Properties"), godbus.WithMatchObjectPath(ObjectPath)); err != nil {
		t.Fatal(err)
	}
	ch := make(chan *godbus.Signal, 10)
	conn.Signal(ch)
	for i := range 3 {
		if err := f.srv.Emit(context.Background(), fsError(uint64(i+1))); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case sig := <-ch:
			if changed, ok := sig.Body[1].(map[string]godbus.Variant); ok && changed["EventsEmitted"].Value() == uint64(3) {
				done = true
			}
		case <-deadline:
			t.Fatal("no PropertiesChanged with EventsEmitted 3")
		}
	}
	var all map[string]godbus.Variant
	obj := conn.Object(BusName, ObjectPath)
	if err := obj.Call("org.freedesktop.DBus.Properties.GetAll", 0, Interface).Store(&all); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"Version": "1.2.3", "Sources": []string{"kmsg"}, "EventsEmitted": uint64(3)}
	got := map[string]any{}
	for k, v := range all {
		got[k] = v.Value()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetAll (-want +got):\n%s", diff)
	}
	err := obj.Call("org.freedesktop.DBus.Properties.Set", 0, Interface, "Version", godbus.MakeVariant("x")).Err
	var derr godbus.Error
	if !errors.As(err, &derr) || derr.Name != "org.freedesktop.DBus.Error.PropertyReadOnly" {
		t.Errorf("Set Version = %v, want PropertyReadOnly", err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestBounds: arguments past the bounds are InvalidArgument errors whose
// message does not repeat them; Query replies stay within their bounds.
func TestBounds(t *testing.T) {
	f := startServer(t)
	obj := f.bus.Conn(t).Object(BusName, ObjectPath)
	huge := strings.Repeat("A", 1<<20)
	for _, tt := range []struct {
		name   string
		method string
		args   []any
	}{
		{"BlockInfo huge", "BlockInfo", []any{huge}},
		{"Query huge blk", "Query", []any{map[string]godbus.Variant{"blk": godbus.MakeVariant(huge)}}},
		{"Query huge key", "Query", []any{map[string]godbus.Variant{huge: godbus.MakeVariant("x")}}},
		{"Query long list", "Query", []any{map[string]godbus.Variant{"event_types": godbus.MakeVariant(make([]string, MaxListLen+1))}}},
		{"Query bad cursor", "Query", []any{map[string]godbus.Variant{"before": godbus.MakeVariant(huge[:100])}}},
		{"Query many keys", "Query", []any{func() map[string]godbus.Variant {
			m := map[string]godbus.Variant{}
			for i := range 100 {
				m[fmt.Sprint("k", i)] = godbus.MakeVariant(i)
			}
			return m
		}()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := obj.Call(Interface+"."+tt.method, 0, tt.args...).Err
			var derr godbus.Error
			if !errors.As(err, &derr) || derr.Name != ErrInvalidArgument {
				t.Fatalf("%s: %v, want %s", tt.method, err, ErrInvalidArgument)
			}
			if n := len(derr.Error()); n > maxErrText+16 {
				t.Errorf("error message of %d bytes", n)
			}
		})
	}

	// limit is capped, and a page of large events kept within its bytes.
	big := fsError(1)
	big.Msg = strings.Repeat("m", 64<<10)
	for i := range MaxQueryLimit + 5 {
		ev := fsError(1)
		ev.EventID, ev.Seq = fmt.Sprint("e", i), uint64(i)
		ev.Timestamp = ev.Timestamp.Add(time.Duration(i) * time.Microsecond)
		if i >= MaxQueryLimit-100 {
			ev.Msg = big.Msg
		}
		f.backend.Add(ev)
	}
	call := obj.Call(Interface+".Query", 0, EncodeFilter(QueryFilter{Filter: event.Filter{Limit: 1 << 30}}))
	if call.Err != nil {
		t.Fatal(call.Err)
	}
	page := call.Body[0].([]map[string]godbus.Variant)
	if len(page) == 0 || len(page) > MaxQueryLimit {
		t.Errorf("a page of %d events, want 1 to %d", len(page), MaxQueryLimit)
	}
	var bytes int
	for _, m := range page {
		bytes += len(m["msg"].Value().(string))
	}
	if bytes > MaxReplyBytes {
		t.Errorf("a page with %d bytes of messages, over %d", bytes, MaxReplyBytes)
	}
	last, _ := DecodeEvent(page[len(page)-1])
	if last.Seq != MaxQueryLimit+4 {
		t.Errorf("the page ends at seq %d, want the latest, %d", last.Seq, MaxQueryLimit+4)
	}
	if _, ok := page[0][CursorKey].Value().(string); !ok {
		t.Errorf("the page's first event has no cursor: %v", page[0])
	}
}

// TestConcurrentCalls: calls beyond the bound are refused at once with
// LimitsExceeded, not queued; the rest are answered.
func TestConcurrentCalls(t *testing.T) {
	f := startServer(t)
	f.backend.SetQueryDelay(200 * time.Millisecond)
	conn := f.bus.Conn(t)
	obj := conn.Object(BusName, ObjectPath)
	const n = 50
	errs := make(chan error, n)
	for range n {
		go func() {
			errs <- obj.Call(Interface+".Query", 0, map[string]godbus.Variant{}).Err
		}()
	}
	var ok, busy int
	for range n {
		err := <-errs
		var derr godbus.Error
		switch {
		case err == nil:
			ok++
		case errors.As(err, &derr) && derr.Name == ErrLimitsExceeded:
			busy++
		default:
			t.Errorf("Query: %v", err)
		}
	}
	if ok == 0 || busy == 0 || ok > maxQueries*4 {
		t.Errorf("%d answered and %d refused of %d at once; want some of each", ok, busy, n)
	}
	if err := obj.Call(Interface+".Query", 0, map[string]godbus.Variant{}).Err; err != nil {
		t.Errorf("Query after the burst: %v", err)
	}
}

// TestSignalNotUTF8: an event whose texts are not UTF-8 (a kernel line
// need not be) is still signalled, its bad bytes as U+FFFD.
func TestSignalNotUTF8(t *testing.T) {
	f := startServer(t)
	all := subscribe(t, f.bus.Conn(t))
	ev := fsError(1)
	ev.Msg, ev.RawMsg, ev.Kdev = "bad \xff byte", "raw \xfe", "sd\xc3"
	ev.Extension = map[string]string{"sense\xff": "\x80"}
	if err := f.srv.Emit(context.Background(), ev); err != nil {
		t.Fatalf("Emit: %v", err)
	}
	got := receive(t, all)
	if got.Msg != "bad \uFFFD byte" || got.RawMsg != "raw \uFFFD" || got.Kdev != "sd\uFFFD" || got.Ext("sense\uFFFD") != "\uFFFD" {
		t.Errorf("received msg %q raw %q kdev %q ext %v", got.Msg, got.RawMsg, got.Kdev, got.Extension)
	}
}
