package faults_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestJournaldKilledMidStream kills journald (SIGKILL) while the daemon
// stores a stream, and starts it again a second later: what the dead
// journald had taken and not written, and what came meanwhile, is stored,
// once.
func TestJournaldKilledMidStream(t *testing.T) {
	j := journal(t)
	e := newEnv(t, j)
	d := e.start()
	w := e.writer(0, spread)
	const n = 3000
	w.writeOver(context.Background(), n/3, time.Second)
	if err := j.Kill(); err != nil {
		t.Fatal(err)
	}
	w.writeOver(context.Background(), n/3, time.Second)
	if err := j.Restart(); err != nil {
		t.Fatal(err)
	}
	w.writeOver(context.Background(), n-2*(n/3), time.Second)
	tl := waitStored(t, j, n, 30*time.Second)
	if !d.running() {
		t.Error("the daemon stopped")
	}
	if d.logged("journald not taking events") == 0 || d.logged("journald reachable again") == 0 {
		t.Error("the daemon's log says nothing of journald going and coming back")
	}
	check(t, "journald killed mid-stream", tl, d.state(e.state))
}

// TestJournaldAbsentAtStart starts the daemon with no journald: events
// wait in the spool, and are stored once journald starts, once each, even
// though the daemon was killed (SIGKILL) with events in the spool.
func TestJournaldAbsentAtStart(t *testing.T) {
	j := journal(t)
	if err := j.Kill(); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, j)
	d := e.start()
	w := e.writer(0, spread)
	const n = 2000
	w.writeOver(context.Background(), n/2, time.Second)
	time.Sleep(300 * time.Millisecond)
	d.kill()
	d = e.start()
	w.writeOver(context.Background(), n-n/2, time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for spoolBytes(e.state) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	spooled := spoolBytes(e.state)
	if spooled == 0 || !d.running() {
		t.Fatalf("with no journald: spool %d bytes, daemon running %v", spooled, d.running())
	}
	if err := j.Restart(); err != nil {
		t.Fatal(err)
	}
	tl := waitStored(t, j, n, 30*time.Second)
	check(t, "journald absent at start, SIGKILL", tl, fmt.Sprintf("%s (spool held %d KiB)", d.state(e.state), spooled>>10))
}

// TestKillStream kills the daemon (SIGKILL) at random points of a stream,
// ten times, starting it again each time: every line stored once.
func TestKillStream(t *testing.T) {
	j := journal(t)
	e := newEnv(t, j)
	const n = 6000
	d := killDuring(t, e, e.writer(0, spread), n)
	tl := waitStored(t, j, n, 30*time.Second)
	check(t, "SIGKILL x10 during a stream", tl, d.state(e.state))
}

// killDuring starts the daemon while w writes n lines over 4 s, and kills
// it (SIGKILL) at ten random points, starting it again each time; it
// returns the last daemon, running, once the lines are written.
func killDuring(t *testing.T, e *env, w *writer, n int) *daemon {
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, seed))
	t.Logf("random seed %d", seed)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); w.writeOver(ctx, n, 4*time.Second) }()
	d := e.start()
	for range 10 {
		time.Sleep(time.Duration(50+rng.IntN(350)) * time.Millisecond)
		d.kill()
		d = e.start()
	}
	<-done
	return d
}

// TestKillStorm kills the daemon at random points of a storm of one
// device, ten times: the lines folded into summaries are each counted
// once, neither lost nor folded twice.
func TestKillStorm(t *testing.T) {
	j := journal(t)
	e := newEnv(t, j)
	const n = 40000
	d := killDuring(t, e, e.writer(0, func(int) string { return "stormdev" }), n)
	tl := waitStored(t, j, n, 30*time.Second)
	summaries := 0
	for _, ev := range stored(t, j) {
		if ev.Count > 1 {
			summaries++
		}
		if tl.lost+tl.duplicated > 0 {
			t.Logf("stored %s count %d block %s first %s last %s id %s", ev.Timestamp.Format("15:04:05.000000"), ev.Count,
				ev.Ext("block"), ev.Ext("first_block"), ev.Ext("last_block"), ev.EventID)
		}
	}
	if summaries == 0 {
		t.Error("the storm was not folded")
	}
	check(t, "SIGKILL x10 during a storm", tl, fmt.Sprintf("%s; %d summaries", d.state(e.state), summaries))
}
