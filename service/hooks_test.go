package service

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peripety/peripety/config"
	"github.com/peripety/peripety/event"
)

// TestHookSink runs the daemon with a hooks directory holding a real
// script: it runs once per incident for the events its filter selects (the
// three I/O errors on one device are one incident), and the metrics count
// its run and the events it skipped.
func TestHookSink(t *testing.T) {
	dir := t.TempDir()
	hooksDir := filepath.Join(dir, "hooks.d")
	if err := os.Mkdir(hooksDir, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "runs")
	script := "#!/bin/sh\necho \"$PERIPETY_EVENT_TYPE $PERIPETY_DEVICE $PERIPETY_MOUNT_POINT incident=${PERIPETY_INCIDENT_ID:+yes}\" >>" + out + "\n"
	if err := os.WriteFile(filepath.Join(hooksDir, "10-record"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	store := &memStore{}
	d := testDaemon(t, dir, &fakeSource{items: records(3, "loop7")}, loopResolver(), store, config.Main{SaveToJournald: true}, &syncBuffer{})
	cfg := config.Default()
	cfg.Main = d.cfg.Main
	cfg.Metrics = config.Metrics{MaxDevices: 10}
	cfg.Hooks.Directory = hooksDir
	d.cfg = cfg
	runUntil(t, d, func() bool {
		return strings.Contains(writeFamilies(t, d.hookStats.families()), `peripety_hook_runs_total{hook="10-record",outcome="ok"} 1`)
	})
	b, _ := os.ReadFile(out)
	if want := "BLK_IO_ERROR /dev/loop7 /mnt/t incident=yes\n"; string(b) != want {
		t.Errorf("hook runs:\n%s\nwant:\n%s", b, want)
	}
	scraped := writeFamilies(t, d.hookStats.families())
	if !strings.Contains(scraped, `peripety_hook_skipped_total{hook="10-record",reason="dedup"} 2`) {
		t.Errorf("hook metrics:\n%s", scraped)
	}
}

// TestHookSinkReadsDirectoryAgain: a script added to the directory runs
// from the next event on, with no reload.
func TestHookSinkReadsDirectoryAgain(t *testing.T) {
	dir := t.TempDir()
	d := &Daemon{log: slog.New(slog.NewTextHandler(testWriter{t}, nil)), hookStats: newHookStats(), opts: Options{Resolver: loopResolver()}}
	cfg := config.Default()
	cfg.Hooks.Directory = dir
	d.cfg = cfg
	sink, err := openHookSink(d)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	ev := event.Event{EventID: "x", RootCauseEventID: "x", EventType: "BLK_IO_ERROR", Severity: event.Error, Kdev: "loop7", Count: 1}
	if err := sink.Emit(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "..", "ran")
	// A later modification time than the directory was read at.
	time.Sleep(10 * time.Millisecond)
	if err := os.WriteFile(filepath.Join(dir, "new"), []byte("#!/bin/sh\ntouch "+out+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ev.EventID, ev.RootCauseEventID = "y", "y"
	if err := sink.Emit(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	sink.Close()
	if _, err := os.Stat(out); err != nil {
		t.Errorf("the script added to the directory did not run: %v", err)
	}
}
