package faults_test

import (
	"context"
	"fmt"
	"os/user"
	"strconv"
	"strings"
	"testing"
	"time"

	godbus "github.com/godbus/dbus/v5"

	pdbus "github.com/peripety/peripety/dbus"
	"github.com/peripety/peripety/dbus/client"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
)

// adversary is a daemon on a private system bus with polkitd, and a user
// without privileges to attack it.
type adversary struct {
	t     *testing.T
	e     *env
	d     *daemon
	bus   *testenv.Bus
	user  *testenv.User
	owner string
	w     *writer
}

func newAdversary(t *testing.T) *adversary {
	j := journal(t)
	bus := testenv.SystemBus(t)
	testenv.Polkit(t, bus)
	a := &adversary{t: t, bus: bus, user: testenv.TestUser(t, "prptfault")}
	a.e = newEnv(t, j)
	a.e.bus = "unix:path=" + bus.Socket
	a.d = a.e.start()
	a.owner = owner(t, bus.Socket, 10*time.Second)
	a.w = a.e.writer(0, spread)
	binary(t, "attacker")
	return a
}

// attack runs the attacker as the user and returns its output as a map of
// its "key value" lines.
func (a *adversary) attack(mode string, args ...string) map[string]string {
	a.t.Helper()
	m, err := a.run(mode, args...)
	if err != nil {
		a.t.Fatal(err)
	}
	return m
}

// run is attack, for any goroutine.
func (a *adversary) run(mode string, args ...string) (map[string]string, error) {
	cmd := a.user.Command(a.t, binary(a.t, "attacker"), append([]string{mode, "unix:path=" + a.bus.Socket}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("attacker %s: %v: %s", mode, err, out)
	}
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if k, v, ok := strings.Cut(l, " "); ok {
			m[k] = v
		}
	}
	return m, nil
}

// healthy checks that the daemon is the same process on the bus, under
// 100 MB, and answering; it returns what it saw, for the log.
func (a *adversary) healthy(after string) string {
	a.t.Helper()
	if !a.d.running() {
		a.t.Fatalf("after %s: the daemon exited (%d)", after, a.d.exited(0))
	}
	if got := owner(a.t, a.bus.Socket, 5*time.Second); got != a.owner {
		a.t.Errorf("after %s: %s is owned by %s, was %s: the daemon left the bus", after, pdbus.BusName, got, a.owner)
	}
	conn, err := godbus.Connect("unix:path=" + a.bus.Socket)
	if err != nil {
		a.t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	began := time.Now()
	if _, err := client.New(conn).ListBlocks(ctx); err != nil {
		a.t.Errorf("after %s: ListBlocks: %v", after, err)
	}
	took := time.Since(began)
	rss, peak := rssKB(a.d.cmd.Process.Pid)
	if rss > 100<<10 {
		a.t.Errorf("after %s: RSS %d MiB, over 100 MiB", after, rss>>10)
	}
	s := fmt.Sprintf("on the bus as %s, RSS %d MiB (peak %d MiB), ListBlocks in %v", a.owner, rss>>10, peak>>10, took.Round(time.Millisecond))
	a.t.Logf("after %s: %s", after, s)
	return s
}

// TestAdversaryHugeArguments: arguments of 17 MiB, filters with 100,000
// values, nested and mistyped values, from a user without privileges.
func TestAdversaryHugeArguments(t *testing.T) {
	a := newAdversary(t)
	got := a.attack("huge")
	for name, res := range got {
		outcome, size, _ := strings.Cut(res, " ")
		n, _ := strconv.Atoi(size)
		switch {
		case outcome == "ok" && name != "query_limit_max":
			t.Errorf("%s: answered, want an error", name)
		case strings.HasPrefix(outcome, "error:"):
			t.Errorf("%s: %s: the call did not get an answer", name, outcome)
		case n > 1024:
			t.Errorf("%s: an error message of %d bytes", name, n)
		}
		t.Logf("%s: %s", name, res)
	}
	if len(got) != 10 {
		t.Errorf("attacker gave %d results, want 10: %v", len(got), got)
	}
	record(result{name: "adversary: huge and malformed args", attack: true, after: a.healthy("huge arguments")})
}

// TestAdversaryFlood: 1,000 calls at once from a user without privileges.
func TestAdversaryFlood(t *testing.T) {
	a := newAdversary(t)
	got := a.attack("flood", "1000")
	total := 0
	for outcome, n := range got {
		c, _ := strconv.Atoi(n)
		total += c
		switch outcome {
		case "ok", pdbus.ErrLimitsExceeded, pdbus.ErrNotAuthorized, pdbus.ErrNotFound:
		default:
			t.Errorf("%d calls ended %s", c, outcome)
		}
	}
	if total != 1000 || got["ok"] == "" || got[pdbus.ErrLimitsExceeded] == "" {
		t.Errorf("outcomes %v: want 1000 answered, some served and some refused as busy", got)
	}
	t.Logf("1000 calls: %v", got)
	record(result{name: "adversary: 1000 concurrent calls", attack: true, after: a.healthy("1000 calls") + fmt.Sprintf("; %v", got)})
}

// TestAdversarySignals: forged StorageEvent signals, to all and to a
// subscriber alone, are not taken by the client; and the bus policy gives
// the real ones only to root and the groups that may read the journal.
func TestAdversarySignals(t *testing.T) {
	a := newAdversary(t)
	conn, err := godbus.Connect("unix:path="+a.bus.Socket, godbus.WithSignalHandler(godbus.NewSequentialSignalHandler()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	evs := make(chan event.Event, 100)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go client.New(conn).Subscribe(ctx, client.Subscription{Missed: func(from, to uint64, err error) {
		t.Errorf("Missed %d-%d: %v (a forged seq made a gap)", from, to, err)
	}}, func(ev event.Event) error { evs <- ev; return nil })
	time.Sleep(200 * time.Millisecond) // the match rules in place

	got := a.attack("forge", conn.Names()[0])
	a.w.write(1)
	var received []event.Event
	select {
	case ev := <-evs:
		received = append(received, ev)
	case <-time.After(10 * time.Second):
		t.Fatal("the real event did not come")
	}
	time.Sleep(500 * time.Millisecond)
	for len(evs) > 0 {
		received = append(received, <-evs)
	}
	for _, ev := range received {
		if ev.EventID == "forged" {
			t.Errorf("the client took a forged event: %+v", ev)
		}
	}
	t.Logf("forged signals sent: %s; events received: %d", got["sent"], len(received))

	// Receipt: the user receives nothing; a member of adm receives them.
	unprivileged := listenWhile(a, func() { a.w.write(5) })
	if _, err := user.LookupGroup("adm"); err != nil {
		t.Skipf("no adm group: %v", err)
	}
	a.user.JoinGroup(t, "adm")
	member := listenWhile(a, func() { a.w.write(5) })
	if unprivileged != 0 || member == 0 {
		t.Errorf("events received by the user: %d, and as a member of adm: %d; want none, then some", unprivileged, member)
	}
	record(result{name: "adversary: forged signals", attack: true, after: a.healthy("forged signals") +
		fmt.Sprintf("; forged taken 0, user received %d, adm member %d", unprivileged, member)})
}

// listenWhile runs the attacker's listen mode (the client library) as the
// user while emit makes events, and returns how many it received.
func listenWhile(a *adversary, emit func()) int {
	a.t.Helper()
	type res struct {
		m   map[string]string
		err error
	}
	done := make(chan res, 1)
	go func() { m, err := a.run("listen", "3"); done <- res{m, err} }()
	time.Sleep(time.Second)
	emit()
	r := <-done
	if r.err != nil {
		a.t.Fatal(r.err)
	}
	n, _ := strconv.Atoi(r.m["received"])
	return n
}
