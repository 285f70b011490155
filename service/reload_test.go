package service

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peripety/peripety/config"
)

// TestReload: a good file takes effect, a bad one leaves the config in
// force and the error names the file and line; a named file that is
// missing is an error at start.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "peripetyd.conf")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(conf, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := New(Options{ConfigPath: conf, StateDir: dir, Source: SourceSpec{Kind: "kmsg"}}); err == nil {
		t.Error("New with a named config that is missing: no error")
	}
	write("[main]\nnotify_stdout = false\nsave_to_journald = false\n")
	store, out := &memStore{}, &syncBuffer{}
	d := testDaemon(t, filepath.Join(dir, "state"), &fakeSource{}, loopResolver(), store, config.Main{}, out)
	d.opts.ConfigPath = conf

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	for d.pl.Load() == nil {
		time.Sleep(time.Millisecond)
	}

	write("[main]\nnotify_stdout = true\nsave_to_journald = false\n")
	if err := d.Reload(ctx); err != nil {
		t.Fatalf("Reload of a good file: %v", err)
	}
	if !d.Config().Main.NotifyStdout {
		t.Error("notify_stdout not in force after reload")
	}

	write("[main]\nnotify_stdout = false\nsave_to_journald = maybe\n")
	err := d.Reload(ctx)
	if err == nil || !strings.Contains(err.Error(), conf) || !strings.Contains(err.Error(), ":3") {
		t.Errorf("Reload of a bad file: error %v, want one naming %s line 3", err, conf)
	}
	if !d.Config().Main.NotifyStdout {
		t.Error("a bad file changed the config in force")
	}
}
