package daemon_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
)

// TestHookWebhook runs peripetyd with the shipped webhook hook as a
// [[hook]] for mounts, mounts a real filesystem, and takes the event the
// hook posts: the chain an administrator sets up, from the kernel's line
// to curl.
func TestHookWebhook(t *testing.T) {
	needRoot(t)
	need(t, "mkfs.ext4", "curl")
	var mu sync.Mutex
	var posted []event.Event
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var ev event.Event
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Errorf("posted %q: %v", b, err)
			return
		}
		mu.Lock()
		posted = append(posted, ev)
		mu.Unlock()
	}))
	defer srv.Close()
	sample, err := filepath.Abs(filepath.Join("..", "..", "packaging", "hooks", "webhook"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	extra := fmt.Sprintf("[hooks]\ndirectory = \"\"\n[[hook]]\nname = \"webhook\"\ncommand = [%q, %q]\nseverity = \"info\"\nevent_types = [\"FS_MOUNTED\"]\ntimeout = \"20s\"\n[metrics]\nsocket = %q\n",
		sample, srv.URL+"/storage", filepath.Join(dir, "metrics.sock"))
	d := startDaemon(t, filepath.Join(dir, "state"), "kmsg", config{stdout: true, extra: extra})

	dev := testenv.Loop(t, testenv.SparseFile(t, 64<<20))
	testenv.Run(t, "mkfs.ext4", "-q", dev)
	uuid := fsUUID(t, dev)
	mp := testenv.Mount(t, dev)
	d.waitStdout(wait, hasWWID("FS_MOUNTED", uuid))
	deadline := time.Now().Add(wait)
	for {
		mu.Lock()
		n := len(posted)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the webhook posted nothing")
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	ev := posted[0]
	if ev.EventType != "FS_MOUNTED" || ev.DevWWID != uuid || ev.DevPath != dev || ev.Ext("mount_point") != mp {
		t.Errorf("posted %s wwid %q path %q mount %q; want FS_MOUNTED %s %s %s", ev.EventType, ev.DevWWID, ev.DevPath, ev.Ext("mount_point"), uuid, dev, mp)
	}
	// The run is counted as it ends, a moment after curl posted.
	const ok = `peripety_hook_runs_total{hook="webhook",outcome="ok"}`
	for deadline := time.Now().Add(wait); scrapeMetrics(t, filepath.Join(dir, "metrics.sock"))[ok] != 1; {
		if time.Now().After(deadline) {
			t.Fatalf("the metrics do not count the hook's run: %v", scrapeMetrics(t, filepath.Join(dir, "metrics.sock")))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
