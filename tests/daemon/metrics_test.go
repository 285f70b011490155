package daemon_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
)

// socketProxyd bridges a TCP port to a unix socket (systemd-socket-proxyd(8)):
// how the shipped peripetyd-metrics.socket lets a Prometheus scrape the
// daemon's metrics socket.
const socketProxyd = "/lib/systemd/systemd-socket-proxyd"

// TestPrometheusScrape runs a real Prometheus against the daemon, over TCP
// and over the metrics socket (through systemd-socket-proxyd), makes the
// kernel print mount and unmount lines for a real filesystem, and asks
// Prometheus for the counters of those events.
func TestPrometheusScrape(t *testing.T) {
	needRoot(t)
	need(t, "mkfs.ext4", "prometheus", "systemd-socket-activate")
	if _, err := os.Stat(socketProxyd); err != nil {
		t.Skipf("no %s (Debian package systemd): %v", socketProxyd, err)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "metrics.sock")
	direct, proxied, web := testenv.FreePort(t), testenv.FreePort(t), testenv.FreePort(t)
	d := startDaemon(t, filepath.Join(dir, "state"), "kmsg", config{stdout: true,
		extra: fmt.Sprintf("[metrics]\nsocket = %q\nlisten = \"127.0.0.1:%d\"\n", sock, direct)})
	proxy := testenv.StartProcess(t, nil, "systemd-socket-activate", "-l", fmt.Sprintf("127.0.0.1:%d", proxied), socketProxyd, sock)
	if err := proxy.WaitFor(10*time.Second, "socket-activate listens", func() error { return testenv.Dials(fmt.Sprintf("127.0.0.1:%d", proxied)) }); err != nil {
		t.Fatal(err)
	}
	promCfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(promCfg, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
scrape_configs:
  - job_name: peripetyd-tcp
    static_configs: [{targets: ["127.0.0.1:%d"]}]
  - job_name: peripetyd-socket
    static_configs: [{targets: ["127.0.0.1:%d"]}]
`, direct, proxied)), 0o644); err != nil {
		t.Fatal(err)
	}
	prom := testenv.StartProcess(t, nil, "prometheus", "--config.file="+promCfg, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", web))
	api := fmt.Sprintf("http://127.0.0.1:%d/api/v1/query", web)

	dev := testenv.Loop(t, testenv.SparseFile(t, 64<<20))
	testenv.Run(t, "mkfs.ext4", "-q", dev)
	uuid := fsUUID(t, dev)
	mp := testenv.Mount(t, dev)
	d.waitStdout(wait, hasWWID("FS_MOUNTED", uuid))
	testenv.Run(t, "umount", mp)
	evs := d.waitStdout(wait, all(hasWWID("FS_MOUNTED", uuid), hasWWID("FS_UNMOUNTED", uuid)))
	want := map[string]int{}
	for _, ev := range withWWID(uuid, evs) {
		want[ev.EventType]++
	}

	for _, job := range []string{"peripetyd-tcp", "peripetyd-socket"} {
		for typ, n := range want {
			q := fmt.Sprintf(`sum(peripety_device_events_total{job=%q,wwid=%q,dev_path=%q,mount_point=%q,event_type=%q})`, job, uuid, dev, mp, typ)
			if err := prom.WaitFor(wait, q, func() error { return promEquals(api, q, n) }); err != nil {
				t.Error(err)
			}
		}
		// Every event the daemon printed, its own included, is counted.
		q := fmt.Sprintf(`sum(peripety_events_total{job=%q})`, job)
		if err := prom.WaitFor(wait, q, func() error { return promEquals(api, q, len(d.events())) }); err != nil {
			t.Error(err)
		}
	}
	t.Logf("counted by Prometheus, over TCP and the socket: %v on %s (all events: %v)", want, dev, summaryTypes(d.events()))
}

// promEquals asks Prometheus for q and says why its one value is not want.
func promEquals(api, q string, want int) error {
	resp, err := http.Get(api + "?query=" + url.QueryEscape(q))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	if r.Status != "success" {
		return fmt.Errorf("query failed: %s", r.Error)
	}
	if len(r.Data.Result) != 1 {
		return fmt.Errorf("%d results, want 1", len(r.Data.Result))
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	if got, err := strconv.ParseFloat(s, 64); err != nil || got != float64(want) {
		return fmt.Errorf("value %q, want %d", s, want)
	}
	return nil
}

func summaryTypes(evs []event.Event) map[string]int {
	m := map[string]int{}
	for _, ev := range evs {
		m[ev.EventType]++
	}
	return m
}
