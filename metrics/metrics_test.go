package metrics

import (
	"bytes"
	"context"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/peripety/peripety/internal/golden"
)

// sampleFamilies has what the text form must get right: labels with
// characters to escape, no labels, special values, an empty family.
func sampleFamilies() []Family {
	events := Family{Name: "peripety_events_total", Help: "Events delivered.\nBy type.", Kind: Counter,
		Labels: []string{"event_type", "severity"}}
	events.Add(3, "SCSI_MEDIUM_ERROR", "Error")
	events.Add(1, "FS_MOUNTED", "Info")
	dev := Family{Name: "peripety_device_events_total", Help: `Per device (a\b).`, Kind: Counter,
		Labels: []string{"wwid", "mount_point"}}
	dev.Add(2, `naa.5000c500"quoted"`, "/srv/a\\b\nc")
	dev.Add(5, "other", "")
	up := Family{Name: "peripety_up", Help: "One.", Kind: Gauge}
	up.Add(1)
	odd := Family{Name: "peripety_odd", Help: "Values.", Kind: Gauge, Labels: []string{"v"}}
	odd.Add(math.Inf(1), "inf")
	odd.Add(math.Inf(-1), "-inf")
	odd.Add(0.25, "frac")
	odd.Add(1<<60, "big")
	return []Family{events, dev, up, odd, {Name: "peripety_empty", Help: "No samples.", Kind: Gauge}}
}

func TestWriteGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sampleFamilies()); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "sample.prom"), buf.Bytes())
}

// TestWritePromtool: Prometheus's own linter accepts what Write writes.
func TestWritePromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skipf("promtool not installed (Debian package prometheus, tests/setup-deps.sh): %v", err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, sampleFamilies()); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestWriteErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		fams []Family
		want string
	}{
		{"bad name", []Family{{Name: "peripety-events", Kind: Counter}}, `metric name "peripety-events"`},
		{"twice", []Family{{Name: "a", Kind: Gauge}, {Name: "a", Kind: Gauge}}, "metric a: written twice"},
		{"kind", []Family{{Name: "a", Kind: "histogram"}}, `type "histogram"`},
		{"label", []Family{{Name: "a", Kind: Gauge, Labels: []string{"dev-path"}}}, `label name "dev-path"`},
		{"reserved", []Family{{Name: "a", Kind: Gauge, Labels: []string{"__name"}}}, `label name "__name"`},
		{"values", []Family{{Name: "a", Kind: Gauge, Labels: []string{"x"}, Samples: []Sample{{Value: 1}}}}, "0 label values for 1 labels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Write(io.Discard, tc.fams)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Write: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// TestServeUnix serves over a unix socket, as the daemon does by default,
// and reads it as `curl --unix-socket` would.
func TestServeUnix(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "metrics.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, sampleFamilies) }()
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		}}}
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/metrics", 200, `peripety_events_total{event_type="SCSI_MEDIUM_ERROR",severity="Error"} 3`},
		{"HEAD", "/metrics", 200, ""},
		{"POST", "/metrics", 405, "only GET and HEAD"},
		{"GET", "/", 404, "the metrics are at /metrics"},
		{"GET", "/metrics?x=1", 200, `peripety_up 1`},
	} {
		req, _ := http.NewRequest(tc.method, "http://localhost"+tc.path, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.body) {
			t.Errorf("%s %s: %d %q, want %d with %q", tc.method, tc.path, resp.StatusCode, b, tc.status, tc.body)
		}
		if tc.status == 200 && resp.Header.Get("Content-Type") != ContentType {
			t.Errorf("%s %s: Content-Type %q, want %q", tc.method, tc.path, resp.Header.Get("Content-Type"), ContentType)
		}
	}
	// Not HTTP: a 400, and the connection closed.
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("HELLO\r\n\r\n"))
	b, _ := io.ReadAll(c)
	c.Close()
	if !strings.HasPrefix(string(b), "HTTP/1.1 400 Bad Request\r\n") {
		t.Errorf("a request that is not HTTP got %q", b)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after its context ended: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}

func TestWriteTextfile(t *testing.T) {
	dir := t.TempDir()
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	if err := WriteTextfile(dir, TextfileName, sampleFamilies()); err != nil {
		t.Fatal(err)
	}
	if err := WriteTextfile(dir, TextfileName, sampleFamilies()[:1]); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != TextfileName {
		t.Errorf("directory holds %v, want only %s (no temporary file left)", entries, TextfileName)
	}
	p := filepath.Join(dir, TextfileName)
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v under umask 077, want 0644 (node_exporter reads it as another user)", st.Mode().Perm())
	}
	b, _ := os.ReadFile(p)
	if strings.Contains(string(b), "peripety_up") || !strings.Contains(string(b), "peripety_events_total") {
		t.Errorf("the second write did not replace the first:\n%s", b)
	}
	if err := WriteTextfile(filepath.Join(dir, "missing"), TextfileName, nil); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("WriteTextfile into a missing directory: %v, want an error naming it", err)
	}
}

// FuzzServeConn: whatever a client sends, the answer is an HTTP/1.1
// status line, and the connection ends.
func FuzzServeConn(f *testing.F) {
	f.Add([]byte("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte("HEAD /metrics?a HTTP/1.0\n\n"))
	f.Add([]byte("POST / HTTP/1.1\r\n"))
	f.Add([]byte("\r\n\r\n"))
	f.Fuzz(func(t *testing.T, req []byte) {
		var out bytes.Buffer
		answer(bytes.NewReader(req), &out, sampleFamilies)
		if !strings.HasPrefix(out.String(), "HTTP/1.1 ") {
			t.Errorf("request %q got %q", req, out.String())
		}
	})
}
