package service

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peripety/peripety/config"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/metrics"
	"github.com/peripety/peripety/sysfs"
)

func writeFamilies(t *testing.T, fams []metrics.Family) string {
	t.Helper()
	var b bytes.Buffer
	if err := metrics.Write(&b, fams); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestEventCountsBounded: devices past max_devices are counted together
// under wwid="other"; a device already counted keeps its own series.
func TestEventCountsBounded(t *testing.T) {
	c := newEventCounts(2)
	ev := func(wwid, path, mp, typ string, count uint32) *event.Event {
		e := &event.Event{EventType: typ, Severity: event.Error, SubSystem: event.SubSCSI, DevWWID: wwid, DevPath: path, Count: count}
		e.SetExt("mount_point", mp)
		return e
	}
	c.add(ev("naa.1", "/dev/sda", "", "SCSI_MEDIUM_ERROR", 1))
	c.add(ev("naa.2", "/dev/sdb", "/srv", "FS_IO_ERROR", 3))
	c.add(ev("naa.3", "/dev/sdc", "", "SCSI_MEDIUM_ERROR", 1))
	c.add(ev("naa.4", "/dev/sdd", "", "SCSI_MEDIUM_ERROR", 1))
	c.add(ev("naa.1", "/dev/sda", "", "SCSI_MEDIUM_ERROR", 2))
	c.add(ev("", "", "", "", 1)) // no device: by type only
	over := &event.Event{EventType: EventKmsgOverrun, Severity: event.Warning, SubSystem: event.SubPeripety, Count: 1}
	over.SetExt("lost", "17")
	c.add(over)
	got := writeFamilies(t, c.families())
	for _, want := range []string{
		`peripety_device_events_total{wwid="naa.1",dev_path="/dev/sda",mount_point="",event_type="SCSI_MEDIUM_ERROR",severity="Error"} 2`,
		`peripety_device_events_total{wwid="naa.2",dev_path="/dev/sdb",mount_point="/srv",event_type="FS_IO_ERROR",severity="Error"} 1`,
		`peripety_device_events_total{wwid="other",dev_path="",mount_point="",event_type="SCSI_MEDIUM_ERROR",severity="Error"} 2`,
		`peripety_events_total{event_type="SCSI_MEDIUM_ERROR",severity="Error",sub_system="SCSI"} 4`,
		`peripety_event_lines_total{event_type="FS_IO_ERROR",severity="Error",sub_system="SCSI"} 3`,
		`peripety_kmsg_overruns_total 1`,
		`peripety_kmsg_lost_records_total 17`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("no line %s in:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "peripety_device_events_total{"); n != 3 {
		t.Errorf("%d device series, want 3 (two devices and other):\n%s", n, got)
	}
}

// TestMetricsEndpoints runs the daemon with a metrics socket and a
// textfile directory, and reads both after its events.
func TestMetricsEndpoints(t *testing.T) {
	dir := t.TempDir()
	store := &memStore{}
	d := testDaemon(t, dir, &fakeSource{items: records(4, "loop7")}, loopResolver(), store, config.Main{SaveToJournald: true}, &syncBuffer{})
	sock := filepath.Join(dir, "run", "metrics.sock")
	d.cfg.Metrics = config.Metrics{Socket: sock, TextfileDirectory: dir, TextfileInterval: config.DefaultTextfileInterval, MaxDevices: 10}
	d.opts.Version = "1.2.3"
	var scraped string
	runUntil(t, d, func() bool {
		if len(store.logged()) < 4 {
			return false
		}
		scraped = scrapeUnix(t, sock)
		return strings.Contains(scraped, `event_type="BLK_IO_ERROR"`) && strings.Contains(scraped, "peripety_events_emitted_total 5")
	})
	for _, want := range []string{
		`peripety_events_total{event_type="BLK_IO_ERROR",severity="Error",sub_system="Block"} 4`,
		`peripety_device_events_total{wwid="loop-wwid",dev_path="/dev/loop7",mount_point="/mnt/t",event_type="BLK_IO_ERROR",severity="Error"} 4`,
		`peripety_records_read_total{source="fake"} 4`,
		`peripety_sink_errors_total{sink="journald"} 0`,
		`peripety_sink_queue_capacity{sink="journald"} 4096`,
		`peripety_build_info{version="1.2.3"} 1`,
		// The four I/O errors on one device are one incident.
		`peripety_incidents{state="open",severity="Error"} 1`,
	} {
		if !strings.Contains(scraped, want+"\n") {
			t.Errorf("scrape has no line %s:\n%s", want, scraped)
		}
	}
	promtoolCheck(t, scraped)
	// The textfile is written once more as the daemon stops: it has
	// everything.
	b, err := os.ReadFile(filepath.Join(dir, metrics.TextfileName))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `peripety_events_total{event_type="BLK_IO_ERROR",severity="Error",sub_system="Block"} 4`) {
		t.Errorf("textfile lacks the events:\n%s", b)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("metrics socket left after the stop: %v", err)
	}
}

// TestListenUnixStale: a socket file nobody serves on is replaced; one a
// process serves on is not taken over.
func TestListenUnixStale(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.sock")
	first, err := listenUnix(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := listenUnix(p); err == nil || !strings.Contains(err.Error(), "another process serves on it") {
		t.Errorf("second listen on a live socket: %v", err)
	}
	first.(*net.UnixListener).SetUnlinkOnClose(false)
	first.Close() // as a daemon killed with SIGKILL leaves it
	ln, err := listenUnix(p)
	if err != nil {
		t.Fatalf("listen over a stale socket: %v", err)
	}
	ln.Close()
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := listenUnix(p); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("listen over a regular file: %v", err)
	}
}

func scrapeUnix(t *testing.T, sock string) string {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	resp, err := c.Get("http://localhost/metrics")
	if err != nil {
		return "" // not yet listening
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d %v: %s", resp.StatusCode, err, b)
	}
	return string(b)
}

func promtoolCheck(t *testing.T, text string) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Logf("promtool not installed (Debian package prometheus): the exposition is not linted")
		return
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestIncidentFamilies: a failed path of a multipath map is an open
// incident and a condition of the path, as gauges; devices past the bound
// count under wwid="other".
func TestIncidentFamilies(t *testing.T) {
	c := openCorrelation(NewStateDirMust(t, t.TempDir()), loopResolver(), slog.New(slog.DiscardHandler))
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	for i, path := range []string{"sdc", "sdd"} {
		ev := event.Event{EventID: "e" + path, EventType: "DM_MPATH_PATH_FAILED", Severity: event.Error, SubSystem: event.SubMultipath,
			Timestamp: at.Add(time.Duration(i) * time.Second), Kdev: path, Count: 1}
		ev.SetExt("condition", "path:failed")
		c.link(&ev, sysfs.BlockInfo{KernelName: path, WWID: "naa." + path, PreferredBlkPath: "/dev/" + path})
	}
	got := writeFamilies(t, incidentFamilies(c, 1))
	for _, want := range []string{
		`peripety_incidents{state="open",severity="Error"} `,
		`peripety_device_conditions{wwid="naa.sdc",dev_path="/dev/sdc",mount_point="",condition="path:failed"} 1`,
		`peripety_device_conditions{wwid="other",dev_path="",mount_point="",condition="path:failed"} 1`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %s in:\n%s", want, got)
		}
	}
	promtoolCheck(t, got)
}
