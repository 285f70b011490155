// Command attacker is what tests/faults runs as a user without privileges
// against peripetyd on a bus: each mode does one kind of harm and prints
// what came back, one "key value" a line, for the test to judge.
//
//	attacker huge ADDR          arguments of 17 MiB, huge filters, wrong types
//	attacker flood ADDR N       N calls at once, over a few connections
//	attacker forge ADDR DEST    StorageEvent signals from itself: to all, and to DEST alone
//	attacker listen ADDR SECS   subscribe through dbus/client, count the events received
package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	godbus "github.com/godbus/dbus/v5"

	pdbus "github.com/peripety/peripety/dbus"
	"github.com/peripety/peripety/dbus/client"
	"github.com/peripety/peripety/event"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: attacker huge|flood|forge|listen ADDR [ARG]")
		os.Exit(2)
	}
	conn, err := godbus.Connect(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "attacker: connect:", err)
		os.Exit(1)
	}
	defer conn.Close()
	switch os.Args[1] {
	case "huge":
		huge(conn)
	case "flood":
		n, _ := strconv.Atoi(arg(3))
		flood(os.Args[2], n)
	case "forge":
		forge(conn, arg(3))
	case "listen":
		secs, _ := strconv.Atoi(arg(3))
		listen(conn, time.Duration(secs)*time.Second)
	default:
		fmt.Fprintln(os.Stderr, "attacker: unknown mode", os.Args[1])
		os.Exit(2)
	}
}

func arg(i int) string {
	if i < len(os.Args) {
		return os.Args[i]
	}
	return ""
}

// outcome is how a call ended: "ok" or its error name.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	if derr, ok := err.(godbus.Error); ok {
		return derr.Name
	}
	if derr, ok := err.(*godbus.Error); ok {
		return derr.Name
	}
	return "error:" + strings.ReplaceAll(err.Error(), " ", "_")
}

// huge sends arguments past every bound, and arguments of the wrong type.
func huge(conn *godbus.Conn) {
	obj := conn.Object(pdbus.BusName, pdbus.ObjectPath)
	big := strings.Repeat("A", 17<<20)
	many := make([]string, 100000)
	for i := range many {
		many[i] = "FS_IO_ERROR"
	}
	nested := godbus.MakeVariant("x")
	for range 60 {
		nested = godbus.MakeVariant(nested)
	}
	for _, c := range []struct {
		name, method string
		args         []any
	}{
		{"blockinfo_17MiB", "BlockInfo", []any{big}},
		{"blockinfo_wrong_type", "BlockInfo", []any{uint32(7)}},
		{"blockinfo_no_arg", "BlockInfo", nil},
		{"query_huge_blk", "Query", []any{map[string]godbus.Variant{"blk": godbus.MakeVariant(big)}}},
		{"query_huge_key", "Query", []any{map[string]godbus.Variant{big[:1<<20]: godbus.MakeVariant("x")}}},
		{"query_100k_types", "Query", []any{map[string]godbus.Variant{"event_types": godbus.MakeVariant(many)}}},
		{"query_nested", "Query", []any{map[string]godbus.Variant{"since": nested}}},
		{"query_string", "Query", []any{"since yesterday"}},
		{"query_limit_max", "Query", []any{map[string]godbus.Variant{"limit": godbus.MakeVariant(uint32(1<<32 - 1))}}},
		{"listblocks_extra_arg", "ListBlocks", []any{big[:4096]}},
	} {
		call := obj.Call(pdbus.Interface+"."+c.method, 0, c.args...)
		msg := ""
		if call.Err != nil {
			msg = call.Err.Error()
		}
		fmt.Printf("%s %s %d\n", c.name, outcome(call.Err), len(msg))
	}
}

// flood makes n calls at once over 10 connections.
func flood(addr string, n int) {
	conns := make([]*godbus.Conn, 10)
	for i := range conns {
		c, err := godbus.Connect(addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "attacker: connect:", err)
			os.Exit(1)
		}
		defer c.Close()
		conns[i] = c
	}
	var mu sync.Mutex
	outcomes := map[string]int{}
	var wg sync.WaitGroup
	calls := []func(obj godbus.BusObject) error{
		func(obj godbus.BusObject) error { return obj.Call(pdbus.Interface+".ListBlocks", 0).Err },
		func(obj godbus.BusObject) error { return obj.Call(pdbus.Interface+".BlockInfo", 0, "sda").Err },
		func(obj godbus.BusObject) error {
			return obj.Call(pdbus.Interface+".Query", 0, map[string]godbus.Variant{}).Err
		},
		func(obj godbus.BusObject) error {
			return obj.Call("org.freedesktop.DBus.Properties.GetAll", 0, pdbus.Interface).Err
		},
	}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			obj := conns[i%len(conns)].Object(pdbus.BusName, pdbus.ObjectPath)
			o := outcome(calls[i%len(calls)](obj))
			mu.Lock()
			outcomes[o]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	keys := make([]string, 0, len(outcomes))
	for k := range outcomes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("%s %d\n", k, outcomes[k])
	}
}

// forge sends StorageEvent signals of its own: to every listener, and to
// dest alone, one of them with a seq far past any real one.
func forge(conn *godbus.Conn, dest string) {
	ev := event.Event{EventID: "forged", EventType: "FS_IO_ERROR", Severity: event.Emergency, SubSystem: event.SubExt4,
		Timestamp: time.Now(), Kdev: "sda", Msg: "forged: your disk is on fire", Count: 1}
	sent := 0
	for _, seq := range []uint64{1, 2, 1 << 40} {
		ev.Seq = seq
		body := []any{ev.EventType, ev.Severity.String(), ev.SubSystem, ev.DevWWID, ev.DevPath, pdbus.EncodeEvent(&ev)}
		if err := conn.Emit(pdbus.ObjectPath, pdbus.SignalName, body...); err == nil {
			sent++
		}
		if dest == "" {
			continue
		}
		msg := &godbus.Message{Type: godbus.TypeSignal, Headers: map[godbus.HeaderField]godbus.Variant{
			godbus.FieldPath:        godbus.MakeVariant(pdbus.ObjectPath),
			godbus.FieldInterface:   godbus.MakeVariant(pdbus.Interface),
			godbus.FieldMember:      godbus.MakeVariant(pdbus.Signal),
			godbus.FieldDestination: godbus.MakeVariant(dest),
			godbus.FieldSignature:   godbus.MakeVariant(godbus.SignatureOf(body...)),
		}, Body: body}
		if call := conn.Send(msg, nil); call.Err == nil {
			sent++
		}
	}
	// A round trip to the bus: every signal above has been handed on.
	conn.BusObject().Call("org.freedesktop.DBus.GetId", 0)
	fmt.Printf("sent %d\n", sent)
}

// listen subscribes through the client library, as prpt monitor does, and
// counts the events it is given.
func listen(conn *godbus.Conn, d time.Duration) {
	c := client.New(conn)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	n := 0
	err := c.Subscribe(ctx, client.Subscription{}, func(event.Event) error { n++; return nil })
	if err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "attacker: subscribe:", err)
	}
	fmt.Printf("received %d\n", n)
}
