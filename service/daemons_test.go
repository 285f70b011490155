package service

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestFileSourceDaemons: the daemon replays a syslog file holding the
// kernel's lines and multipathd's; each gives its event, a daemon's saying
// whose it is.
func TestFileSourceDaemons(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "messages")
	log := "2024-03-05T10:00:00.100000+00:00 h1 multipathd[812]: mpatha: sdc - tur checker reports path is down\n" +
		"2024-03-05T10:00:00.100100+00:00 h1 multipathd[812]: checker failed path 8:32 in map mpatha\n" +
		"2024-03-05T10:00:00.100200+00:00 h1 kernel: device-mapper: multipath: 253:0: Failing path 8:32.\n" +
		"2024-03-05T10:00:00.100300+00:00 h1 sshd[9]: checker failed path 8:48 in map mpatha\n" +
		"2024-03-05T10:00:00.100400+00:00 h1 multipathd[812]: mpatha: remaining active paths: 1\n"
	if err := os.WriteFile(p, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	store := &memStore{}
	stop := startStoreDaemon(t, Options{
		Source:       SourceSpec{Kind: "file", Path: p},
		StateDir:     filepath.Join(dir, "state"),
		Store:        store,
		StoredEvents: store.query,
	})
	deadline := time.Now().Add(10 * time.Second)
	for len(store.logged()) < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	var got []string
	for _, ev := range store.logged() {
		got = append(got, ev.EventType+" "+ev.Kdev+" "+ev.Ext("daemon")+" "+ev.Hostname)
	}
	want := []string{
		"MPATH_CHECKER_PATH_DOWN sdc multipathd h1",
		"MPATH_PATH_DOWN 8:32 multipathd h1",
		"DM_MPATH_PATH_FAILED 8:32  h1",
		"MPATH_ACTIVE_PATHS_CHANGED mpatha multipathd h1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
