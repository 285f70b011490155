package service

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
)

// kmsgLines renders records first..last in /dev/kmsg text form.
func kmsgLines(first, last int) string {
	s := ""
	for i := first; i <= last; i++ {
		s += fmt.Sprintf("3,%d,%d,-;I/O error, dev loop9, sector %d op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2\n", i, i*1000, i*8)
	}
	return s
}

// collect runs src from pos and returns a channel of the messages it
// delivers with their positions.
func collect(t *testing.T, src Source, pos string) (<-chan Item, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan Item, 100)
	done := make(chan error, 1)
	go func() {
		done <- src.Run(ctx, pos, func() {}, func(it Item) error {
			select {
			case out <- it:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != context.Canceled {
			t.Errorf("Run returned %v after cancel, want context.Canceled", err)
		}
	})
	return out, cancel
}

// next returns the sequence numbers of the next n records.
func next(t *testing.T, ch <-chan Item, n int) []string {
	t.Helper()
	var got []string
	for range n {
		select {
		case it := <-ch:
			got = append(got, fmt.Sprint(it.Record.Seq))
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d of %d records within 5s: %q", len(got), n, got)
		}
	}
	return got
}

func TestFileSourceFollows(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "kern.log")
	if err := os.WriteFile(p, []byte(kmsgLines(1, 3)), 0o644); err != nil {
		t.Fatal(err)
	}
	src := &FileSource{path: p, env: SourceEnv{Log: slog.New(slog.DiscardHandler)}, poll: 10 * time.Millisecond}
	ch, _ := collect(t, src, "")
	if diff := cmp.Diff([]string{"1", "2", "3"}, next(t, ch, 3)); diff != "" {
		t.Errorf("replay (-want +got):\n%s", diff)
	}

	appendFile(t, p, kmsgLines(4, 5))
	if diff := cmp.Diff([]string{"4", "5"}, next(t, ch, 2)); diff != "" {
		t.Errorf("appended (-want +got):\n%s", diff)
	}

	// Truncated and written again: read from the start.
	if err := os.WriteFile(p, []byte(kmsgLines(6, 6)), 0o644); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"6"}, next(t, ch, 1)); diff != "" {
		t.Errorf("after truncation (-want +got):\n%s", diff)
	}

	// Rotated: the old file ends, the new one is read from its start.
	if err := os.Rename(p, p+".1"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(kmsgLines(7, 8)), 0o644); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"7", "8"}, next(t, ch, 2)); diff != "" {
		t.Errorf("after rotation (-want +got):\n%s", diff)
	}
}

func TestFileSourceResumes(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "kern.log")
	if err := os.WriteFile(p, []byte(kmsgLines(1, 4)), 0o644); err != nil {
		t.Fatal(err)
	}
	src := &FileSource{path: p, env: SourceEnv{Log: slog.New(slog.DiscardHandler)}, poll: 10 * time.Millisecond}
	ch, cancel := collect(t, src, "")
	var pos string
	for range 2 {
		pos = (<-ch).Pos
	}
	cancel()

	ch, _ = collect(t, src, pos)
	if diff := cmp.Diff([]string{"3", "4"}, next(t, ch, 2)); diff != "" {
		t.Errorf("resumed at %q (-want +got):\n%s", pos, diff)
	}
	appendFile(t, p, kmsgLines(5, 5))
	if diff := cmp.Diff([]string{"5"}, next(t, ch, 1)); diff != "" {
		t.Errorf("appended after resume (-want +got):\n%s", diff)
	}
}

func appendFile(t *testing.T, p, s string) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func TestFilePos(t *testing.T) {
	for _, s := range []string{"12 0 0", "12 4096 3"} {
		p, ok := parseFilePos(s)
		if !ok || p.String() != s {
			t.Errorf("parseFilePos(%q) = %v, %v; want it back", s, p, ok)
		}
	}
	for _, s := range []string{"", "12", "12 x 1", "12 -1 0", "12 0 -1", "a 0 0"} {
		if _, ok := parseFilePos(s); ok {
			t.Errorf("parseFilePos(%q) accepted", s)
		}
	}
}

// TestFileSourceLongLines: a first line of 900 KB and a later one over the
// record bound are skipped, counted and logged; the source goes on.
func TestFileSourceLongLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "kern.log")
	text := strings.Repeat("x", 900_000) + "\n" + kmsgLines(1, 2) + "3,3,3000,-;" + strings.Repeat("y", 2<<20) + "\n" + kmsgLines(4, 4)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var logged syncBuffer
	src := &FileSource{path: p, env: SourceEnv{Log: slog.New(slog.NewTextHandler(&logged, nil))}, poll: 10 * time.Millisecond}
	ch, _ := collect(t, src, "")
	if diff := cmp.Diff([]string{"1", "2", "4"}, next(t, ch, 3)); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logged.String(), "longer than 1 MiB") || !strings.Contains(logged.String(), "too long to tell the format") {
		if time.Now().After(deadline) {
			t.Fatalf("the skipped lines are not in the log:\n%s", logged.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFileSourceKmsgClock: kmsg text records, which know only the time
// since boot, get the running boot's clock, so two identical lines at
// different times are two events with two ids.
func TestFileSourceKmsgClock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "kmsg.txt")
	line := "3,%d,%d,-;I/O error, dev loop9, sector 8 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2\n"
	if err := os.WriteFile(p, []byte(fmt.Sprintf(line, 1, 5_000_000)+fmt.Sprintf(line, 2, 7_500_000)), 0o644); err != nil {
		t.Fatal(err)
	}
	st := NewStateDirMust(t, t.TempDir())
	src := &FileSource{path: p, env: SourceEnv{Root: "/", State: st, Log: slog.New(slog.DiscardHandler)}, poll: 10 * time.Millisecond}
	ch, _ := collect(t, src, "")
	var recs []Item
	for range 2 {
		select {
		case it := <-ch:
			recs = append(recs, it)
		case <-time.After(5 * time.Second):
			t.Fatal("no record within 5s")
		}
	}
	a, b := recs[0].Record.Time, recs[1].Record.Time
	if a.IsZero() || b.Sub(a) != 2500*time.Millisecond || a.After(time.Now()) {
		t.Errorf("record times %v and %v: want the running boot's clock, 2.5 s apart", a, b)
	}
	ev := func(it Item) event.Event {
		return event.Event{EventType: "BLK_IO_ERROR", Timestamp: it.Record.Time, RawMsg: it.Record.Message}
	}
	e1, e2 := ev(recs[0]), ev(recs[1])
	if eventID("file", &e1) == eventID("file", &e2) {
		t.Error("two identical lines at different times share an id")
	}
}
