package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/golden"
	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/service/journal"
	"github.com/peripety/peripety/service/sdjournal"
)

// prpt runs prpt with args and returns its exit status, stdout and stderr.
func prpt(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader("")})
	return code, out.String(), errb.String()
}

func TestQueryMonitorErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"query"}, "use --journal"},
		{[]string{"monitor", "-J"}, "use --journal"},
		{[]string{"query", "--journal", "--severity", "loud"}, `--severity: unknown severity "loud"`},
		{[]string{"query", "--journal", "--since", "last week"}, `--since: unknown time "last week"`},
		{[]string{"query", "--journal", "--until", "2018-13-01"}, `--until: unknown time "2018-13-01"`},
		{[]string{"query", "--journal", "--limit=-1"}, "--limit -1"},
		{[]string{"query", "--directory", "/x", "--file", "/y"}, "--directory and --file cannot be used together"},
		{[]string{"monitor", "--journal", "--severity", "9"}, "--severity"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, stderr := prpt(t, tt.args...)
			if code != 1 || out != "" || !strings.HasPrefix(stderr, "prpt: ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1, nothing, an error with %q", code, out, stderr, tt.want)
			}
		})
	}
}

// store starts a private journald, writes evs to it and returns the
// journal (its files in p.Dir) and the writer, for more events.
func store(t *testing.T, evs ...event.Event) (*testenv.PrivateJournal, *journal.Writer) {
	t.Helper()
	if !sdjournal.CanRead {
		t.Skip(sdjournal.ErrNoJournald)
	}
	testenv.Journald(t)
	p, err := testenv.NewPrivateJournal("cli-" + t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	w := journal.NewWriter(p.Socket)
	t.Cleanup(func() { w.Close() })
	write(t, p, w, evs...)
	return p, w
}

func write(t *testing.T, p *testenv.PrivateJournal, w *journal.Writer, evs ...event.Event) {
	t.Helper()
	for _, ev := range evs {
		if err := w.Write(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Sync(); err != nil {
		t.Fatal(err)
	}
}

// sample is an ext4 LV over a multipath map of two SCSI paths, and a loop
// device with xfs, as the daemon would have stored them.
func sample() []event.Event {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	lv := func(e event.Event) event.Event {
		e.Kdev, e.DevWWID, e.DevPath = "dm-3", "0b5c3a9e-1d2f-4e6a-9b1c-2d3e4f5a6b7c", "/dev/mapper/vg-lv"
		e.OwnersWWIDs = []string{"LVM-k3ZcLv", "mpath-3600a098038303053"}
		e.OwnersPaths = []string{"/dev/mapper/mpatha", "/dev/sdc", "/dev/sdd"}
		return e
	}
	return []event.Event{
		lv(event.Event{EventID: "e0", EventType: "FS_MOUNTED", SubSystem: event.SubExt4, Severity: event.Info,
			Timestamp: t0, Hostname: "h1", Msg: "ext4 mounted on /mnt/data", Count: 1,
			Extension: map[string]string{"mount_point": "/mnt/data"}}),
		{EventID: "e1", EventType: "SCSI_MEDIUM_ERROR", SubSystem: event.SubSCSI, Severity: event.Critical,
			Timestamp: t0.Add(time.Minute), Hostname: "h1", Kdev: "sdc", DevWWID: "naa.600a098038303053",
			DevPath: "/dev/disk/by-id/wwn-0x600a098038303053", Msg: "medium error at sector 2048\nsense: 3/11/0", Count: 3},
		lv(event.Event{EventID: "e2", EventType: "FS_IO_ERROR", SubSystem: event.SubExt4, Severity: event.Error,
			Timestamp: t0.Add(2 * time.Minute), Hostname: "h1", Msg: "I/O error writing inode 12", Count: 1}),
		{EventID: "e3", EventType: "FS_MOUNTED", SubSystem: event.SubXFS, Severity: event.Info,
			Timestamp: t0.Add(3 * time.Minute), Hostname: "h2", Kdev: "loop7", DevPath: "/dev/loop7", Msg: "xfs mounted", Count: 1},
	}
}

func TestQueryJournal(t *testing.T) {
	p, _ := store(t, sample()...)
	dir := []string{"--directory", p.Dir}
	t.Run("readable", func(t *testing.T) {
		code, out, stderr := prpt(t, append([]string{"query"}, dir...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		golden.Check(t, filepath.Join("testdata", "query.golden"), []byte(out))
	})
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"all", nil, []string{"e0", "e1", "e2", "e3"}},
		{"since until", []string{"--since", "2026-11-25T09:01:00Z", "--until", "2026-11-25T09:02:00Z"}, []string{"e1", "e2"}},
		{"severity", []string{"--severity", "err"}, []string{"e1", "e2"}},
		{"event types", []string{"--event-type", "FS_MOUNTED", "--event-type", "SCSI_MEDIUM_ERROR"}, []string{"e0", "e1", "e3"}},
		{"sub-system any case", []string{"--sub-system", "EXT4"}, []string{"e0", "e2"}},
		{"event id", []string{"--event-id", "e2"}, []string{"e2"}},
		{"limit", []string{"--limit", "1"}, []string{"e3"}},
		// A device that is not here (as a failed disk may be gone): the
		// name is matched as given, against the device and its owners.
		{"blk owner not present", []string{"--blk", "/dev/sdd", "--root", t.TempDir()}, []string{"e0", "e2"}},
		{"blk wwid", []string{"--blk", "naa.600a098038303053", "--root", t.TempDir()}, []string{"e1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := prpt(t, append(append([]string{"query", "-J"}, dir...), tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if diff := cmp.Diff(tt.want, jsonIDs(t, out)); diff != "" {
				t.Errorf("event ids (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("file", func(t *testing.T) {
		files, err := filepath.Glob(filepath.Join(p.Dir, "*.journal"))
		if err != nil || len(files) != 1 {
			t.Fatalf("journal files: %v, %v; want one", files, err)
		}
		code, out, stderr := prpt(t, "query", "-J", "--file", files[0], "--sub-system", "xfs")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if diff := cmp.Diff([]string{"e3"}, jsonIDs(t, out)); diff != "" {
			t.Errorf("event ids (-want +got):\n%s", diff)
		}
	})
}

// jsonIDs decodes -J output and returns the event ids.
func jsonIDs(t *testing.T, out string) []string {
	t.Helper()
	ids := []string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var ev event.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %q is not an event: %v", sc.Text(), err)
		}
		ids = append(ids, ev.EventID)
	}
	return ids
}

// TestQueryBlkResolved expands --blk through sysfs: a loop device of the
// test's own, named by its /dev path, finds an event that names it by
// major:minor.
func TestQueryBlkResolved(t *testing.T) {
	testenv.Journald(t)
	testenv.RequireRootTools(t, "attaches a loop device", "losetup")
	dev := testenv.Loop(t, testenv.SparseFile(t, 1<<20))
	mm, err := os.ReadFile(filepath.Join("/sys/class/block", filepath.Base(dev), "dev"))
	if err != nil {
		t.Fatal(err)
	}
	evs := []event.Event{
		{EventID: "by-majmin", EventType: "BLK_IO_ERROR", SubSystem: event.SubBlock, Severity: event.Error,
			Kdev: strings.TrimSpace(string(mm)), Count: 1},
		{EventID: "other", EventType: "BLK_IO_ERROR", SubSystem: event.SubBlock, Severity: event.Error, Kdev: "loop999", Count: 1},
	}
	p, _ := store(t, evs...)
	code, stdout, stderr := prpt(t, "query", "-J", "--directory", p.Dir, "--blk", dev)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if diff := cmp.Diff([]string{"by-majmin"}, jsonIDs(t, stdout)); diff != "" {
		t.Errorf("event ids (-want +got):\n%s", diff)
	}
}

func TestMonitorJournal(t *testing.T) {
	p, w := store(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var stderr bytes.Buffer // read only once done has answered
	go func() {
		defer pw.Close()
		done <- Main([]string{"monitor", "-J", "--directory", p.Dir, "--event-type", "PROBE", "--event-type", "FS_MOUNTED"},
			Env{Stdout: pw, Stderr: &stderr, Context: ctx})
	}()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	// monitor starts at the end of the journal: probe until it answers.
	deadline := time.After(10 * time.Second)
probe:
	for i := 0; ; i++ {
		write(t, p, w, event.Event{EventID: fmt.Sprint("probe-", i), EventType: "PROBE", Severity: event.Debug})
		select {
		case _, ok := <-lines:
			if !ok {
				t.Fatalf("monitor ended with exit %d", <-done)
			}
			break probe
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("monitor printed no probe within 10s")
		}
	}
	write(t, p, w, sample()...)
	var got []string
	for len(got) < 2 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("monitor ended with exit %d after printing %v", <-done, got)
			}
			if !strings.Contains(l, `"PROBE"`) {
				got = append(got, jsonIDs(t, l)...)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("monitor printed %v, then nothing for 10s", got)
		}
	}
	if diff := cmp.Diff([]string{"e0", "e3"}, got); diff != "" {
		t.Errorf("event ids (-want +got):\n%s", diff)
	}
	cancel()
	go func() {
		for range lines {
		}
	}()
	if code := <-done; code != 0 {
		t.Errorf("monitor exit %d after its context ended, stderr %q; want 0", code, stderr.String())
	}
}
