package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMonitorFilteredNoMissed: `prpt monitor --severity warning` receives
// only warnings and worse; the seq numbers of the Info events between them
// are not lost events. A user who may not Query (here: every Query fails)
// heard "events N to M were missed and could not be fetched: not
// authorized" after every Info event.
func TestMonitorFilteredNoMissed(t *testing.T) {
	srv, b := serveDaemon(t)
	b.QueryErr = errors.New("not authorized")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main([]string{"monitor", "--severity", "warning", "-J"}, Env{Context: ctx, Stdout: &stdout, Stderr: &stderr})
	}()
	seq := uint64(0)
	emit := func(sev event.Severity) {
		seq++
		if err := srv.Emit(ctx, storageEvent(seq, sev)); err != nil {
			t.Fatal(err)
		}
	}
	// Until the monitor is subscribed: its first line.
	for stdout.String() == "" {
		emit(event.Error)
		select {
		case code := <-done:
			t.Fatalf("prpt monitor ended: exit %d: %s", code, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	for i := 0; i < 5; i++ {
		emit(event.Info)
		emit(event.Info)
		emit(event.Warning)
	}
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(stdout.String(), `"severity":"Warning"`) < 5 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("prpt monitor: exit %d: %s", code, stderr.String())
	}
	if n := strings.Count(stdout.String(), `"severity":"Warning"`); n != 5 || strings.Contains(stdout.String(), `"Info"`) {
		t.Errorf("%d warnings printed, want 5 and no Info event:\n%s", n, stdout.String())
	}
	if s := stderr.String(); s != "" {
		t.Errorf("stderr: %q; want nothing (no event was lost)", s)
	}
}
