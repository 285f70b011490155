package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/config"
	"github.com/peripety/peripety/event"
)

// script writes an executable shell script with body into dir.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// sampleEvent is a medium error on a disk holding a mounted filesystem, as
// the daemon delivers it.
func sampleEvent() event.Event {
	ev := event.Event{EventID: "5d0c8d1e-0000-4000-8000-000000000001", EventType: "SCSI_MEDIUM_ERROR", Severity: event.Error,
		SubSystem: event.SubSCSI, Timestamp: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), Hostname: "db1",
		Kdev: "sdb", DevWWID: "naa.5000c500a1b2c3d4", DevPath: "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4",
		OwnersPaths: []string{"/dev/sdb"}, Msg: "medium error at sector 2048\nsense 3/11/0",
		RawMsg: "sd 2:0:0:0: [sdb] tag#3 Sense Key : Medium Error [current]", Count: 2}
	ev.RootCauseEventID = ev.EventID
	ev.IncidentID = "9b1f2c3d-0000-5000-8000-000000000001"
	ev.SetExt("mount_point", "/srv/data")
	return ev
}

func hook(argv ...string) *Hook {
	return &Hook{Name: filepath.Base(argv[0]), Argv: argv, Source: "test",
		HookSettings: config.HookSettings{Severity: event.Warning, Timeout: 10 * time.Second}}
}

// TestRunEnvironmentAndStdin runs a real script that records what it was
// given.
func TestRunEnvironmentAndStdin(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("NOTIFY_SOCKET", "/run/systemd/notify") // the daemon's, not the hook's
	h := hook(script(t, dir, "record", `env | sort >"$1/env"; cat >"$1/stdin"; echo done; echo oops >&2`), dir)
	ev := sampleEvent()
	res := Run(context.Background(), h, &ev, "PERIPETY_SUPPRESSED=4")
	if res.Outcome != OK || res.ExitCode != 0 || res.Err != nil {
		t.Fatalf("run: %+v", res)
	}
	if got := string(res.Output); got != "done\noops\n" {
		t.Errorf("output %q, want stdout and stderr together", got)
	}
	env := map[string]string{}
	b, _ := os.ReadFile(filepath.Join(dir, "env"))
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, _ := strings.Cut(l, "=")
		env[k] = v
	}
	want := map[string]string{
		"PERIPETY_HOOK":                "record",
		"PERIPETY_EVENT_ID":            ev.EventID,
		"PERIPETY_EVENT_TYPE":          "SCSI_MEDIUM_ERROR",
		"PERIPETY_SEVERITY":            "Error",
		"PERIPETY_SUB_SYSTEM":          "SCSI",
		"PERIPETY_HOSTNAME":            "db1",
		"PERIPETY_TIMESTAMP":           "2026-11-25T09:00:00.000000Z",
		"PERIPETY_DEVICE":              "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4",
		"PERIPETY_KDEV":                "sdb",
		"PERIPETY_WWID":                "naa.5000c500a1b2c3d4",
		"PERIPETY_MOUNT_POINT":         "/srv/data",
		"PERIPETY_MESSAGE":             "medium error at sector 2048",
		"PERIPETY_COUNT":               "2",
		"PERIPETY_ROOT_CAUSE_EVENT_ID": ev.EventID,
		"PERIPETY_SUPPRESSED":          "4",
		"PERIPETY_SUMMARY":             "Disk /dev/sdb has unreadable sectors",
		"PERIPETY_ADVICE":              "Back up /srv/data now: the disk is failing. Check it with smartctl -a /dev/sdb and plan to replace it.",
		"PATH":                         hookPath,
		"LANG":                         "C.UTF-8",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s=%q, want %q", k, env[k], v)
		}
	}
	if _, ok := env["NOTIFY_SOCKET"]; ok {
		t.Error("the daemon's NOTIFY_SOCKET reached the hook")
	}
	stdin, _ := os.ReadFile(filepath.Join(dir, "stdin"))
	var got event.Event
	if err := json.Unmarshal(stdin, &got); err != nil || !strings.HasSuffix(string(stdin), "}\n") || strings.Count(string(stdin), "\n") != 1 {
		t.Fatalf("stdin %q: want the event as one JSON line (%v)", stdin, err)
	}
	if got.EventID != ev.EventID || got.Ext("mount_point") != "/srv/data" || got.Count != 2 {
		t.Errorf("stdin event %+v, want the one run for", got)
	}
}

func TestRunFailures(t *testing.T) {
	dir := t.TempDir()
	ev := sampleEvent()
	t.Run("exit status", func(t *testing.T) {
		res := Run(context.Background(), hook(script(t, dir, "fail", "echo no mail server >&2; exit 3")), &ev)
		if res.Outcome != Failed || res.ExitCode != 3 || res.Err == nil || string(res.Output) != "no mail server\n" {
			t.Errorf("run: %+v", res)
		}
	})
	t.Run("output bounded", func(t *testing.T) {
		res := Run(context.Background(), hook(script(t, dir, "loud", "head -c 100000 /dev/zero | tr '\\0' x")), &ev)
		if res.Outcome != OK || len(res.Output) != outputLimit || !res.Truncated {
			t.Errorf("run: outcome %s, %d bytes kept, truncated %v; want ok, %d, true", res.Outcome, len(res.Output), res.Truncated, outputLimit)
		}
	})
	t.Run("not run", func(t *testing.T) {
		res := Run(context.Background(), hook(filepath.Join(dir, "missing")), &ev)
		if res.Outcome != NotRun || res.Err == nil || !strings.Contains(res.Err.Error(), "missing") {
			t.Errorf("run: %+v", res)
		}
	})
}

// TestRunTimeout: a hook past its timeout is stopped with what it started;
// one that ignores SIGTERM gets SIGKILL.
func TestRunTimeout(t *testing.T) {
	dir := t.TempDir()
	ev := sampleEvent()
	for _, tc := range []struct {
		name, body string
		atLeast    time.Duration
	}{
		{"term", `sleep 60 & echo $! >"$1/child"; sleep 60`, 0},
		{"kill", `trap '' TERM; sleep 60 & echo $! >"$1/child"; while :; do sleep 1; done`, killGrace},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := hook(script(t, dir, tc.name, tc.body), dir)
			h.Timeout = 300 * time.Millisecond
			res := Run(context.Background(), h, &ev)
			if res.Outcome != TimedOut || res.Err == nil || !strings.Contains(res.Err.Error(), "timed out after 300ms") {
				t.Errorf("run: %+v", res)
			}
			if res.Duration < h.Timeout+tc.atLeast || res.Duration > h.Timeout+killGrace+5*time.Second {
				t.Errorf("run took %v; want the timeout %v and at most a grace after it", res.Duration, h.Timeout)
			}
			b, err := os.ReadFile(filepath.Join(dir, "child"))
			if err != nil {
				t.Fatal(err)
			}
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			if alive(pid) {
				t.Errorf("the hook's child %d outlived its timeout", pid)
			}
		})
	}
}

// alive says whether pid runs, waiting a little for the signal to land; a
// zombie (killed, waiting for init to reap it) does not run.
func alive(pid int) bool {
	for range 50 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Contains(string(b), ") Z ") {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return syscall.Kill(pid, 0) == nil
}

// recorder collects what a Dispatcher reports.
type recorder struct {
	mu      sync.Mutex
	results []Result
	skips   []Skip
}

func (r *recorder) report(res Result) { r.mu.Lock(); r.results = append(r.results, res); r.mu.Unlock() }
func (r *recorder) skip(_ *Hook, _ *event.Event, s Skip) {
	r.mu.Lock()
	r.skips = append(r.skips, s)
	r.mu.Unlock()
}

// TestDispatchDedupAndRateLimit runs a real hook through the Dispatcher:
// events of one incident run it once; a run of incidents is cut at the
// rate limit, and the next run after the bucket refills is told how many
// events it missed.
func TestDispatchDedupAndRateLimit(t *testing.T) {
	dir := t.TempDir()
	h := *hook(script(t, dir, "count", `echo "$PERIPETY_EVENT_ID ${PERIPETY_SUPPRESSED:-0}" >>"$1/runs"`), dir)
	h.Dedup, h.RateLimit, h.RateInterval = time.Hour, 2, time.Hour
	rec := &recorder{}
	d := NewDispatcher(4, rec.report, rec.skip)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	d.now = func() time.Time { return now }
	dispatch := func(id, rootCause string) {
		ev := sampleEvent()
		ev.EventID, ev.RootCauseEventID, ev.IncidentID = id, rootCause, "incident-"+rootCause
		if err := d.Dispatch(context.Background(), []Hook{h}, &ev); err != nil {
			t.Fatal(err)
		}
		d.Close(10 * time.Second) // each run ends before the next event
		d = continueDispatcher(d)
	}
	dispatch("a1", "a1")
	dispatch("a2", "a1") // same incident: deduplicated
	dispatch("b1", "b1")
	dispatch("c1", "c1")            // bucket empty: rate limited
	dispatch("d1", "d1")            // rate limited
	now = now.Add(30 * time.Minute) // one token back
	dispatch("e1", "e1")
	dispatch("a3", "a1") // still within a1's dedup window
	b, _ := os.ReadFile(filepath.Join(dir, "runs"))
	if diff := cmp.Diff("a1 0\nb1 0\ne1 2\n", string(b)); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Skip{Deduplicated, RateLimited, RateLimited, Deduplicated}, rec.skips); diff != "" {
		t.Errorf("skips (-want +got):\n%s", diff)
	}
}

// continueDispatcher is d after Close, ready for more: Close ends its
// runs' context.
func continueDispatcher(d *Dispatcher) *Dispatcher {
	n := NewDispatcher(cap(d.slots), d.report, d.skip)
	n.now, n.state = d.now, d.state
	return n
}

// TestDispatchBounded: no more than maxRunning hooks run at once, however
// many events come.
func TestDispatchBounded(t *testing.T) {
	dir := t.TempDir()
	h := *hook(script(t, dir, "slow", `echo "+ $(date +%s%N)" >>"$1/log"; sleep 0.2; echo "- $(date +%s%N)" >>"$1/log"`), dir)
	rec := &recorder{}
	d := NewDispatcher(2, rec.report, rec.skip)
	for i := range 6 {
		ev := sampleEvent()
		ev.EventID, ev.RootCauseEventID, ev.IncidentID = strconv.Itoa(i), strconv.Itoa(i), strconv.Itoa(i)
		if err := d.Dispatch(context.Background(), []Hook{h}, &ev); err != nil {
			t.Fatal(err)
		}
		if n := d.Running(); n > 2 {
			t.Errorf("%d running after dispatching event %d", n, i)
		}
	}
	d.Close(time.Minute)
	if len(rec.results) != 6 {
		t.Fatalf("%d runs, want 6", len(rec.results))
	}
	b, _ := os.ReadFile(filepath.Join(dir, "log"))
	type mark struct {
		at    int64
		delta int
	}
	var marks []mark
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		sign, at, _ := strings.Cut(l, " ")
		n, _ := strconv.ParseInt(at, 10, 64)
		marks = append(marks, mark{n, map[string]int{"+": 1, "-": -1}[sign]})
	}
	sort.Slice(marks, func(i, j int) bool {
		return marks[i].at < marks[j].at || marks[i].at == marks[j].at && marks[i].delta < marks[j].delta
	})
	running, most := 0, 0
	for _, m := range marks {
		running += m.delta
		most = max(most, running)
	}
	if most != 2 {
		t.Errorf("at most %d hooks ran at once, want 2 (the bound, reached)", most)
	}
}

// TestDispatchStopping: runs under way when the dispatcher closes are
// stopped after the grace.
func TestDispatchStopping(t *testing.T) {
	dir := t.TempDir()
	h := *hook(script(t, dir, "long", "sleep 60"))
	rec := &recorder{}
	d := NewDispatcher(1, rec.report, rec.skip)
	ev := sampleEvent()
	if err := d.Dispatch(context.Background(), []Hook{h}, &ev); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	ev2 := sampleEvent()
	ev2.IncidentID = "other"
	if err := d.Dispatch(ctx, []Hook{h}, &ev2); err == nil {
		t.Error("a dispatch waiting for a slot past its context returned nil")
	}
	start := time.Now()
	d.Close(100 * time.Millisecond)
	if time.Since(start) > killGrace+5*time.Second {
		t.Errorf("Close took %v", time.Since(start))
	}
	if len(rec.results) != 1 || rec.results[0].Outcome != Stopped || !slices.Equal(rec.skips, []Skip{Stopping}) {
		t.Errorf("results %+v, skips %v; want one stopped run and one skip", rec.results, rec.skips)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	script(t, dir, "20-mail", "true")
	script(t, dir, "10-page", "true")
	script(t, dir, "30-old.dpkg-old", "true")
	script(t, dir, ".hidden", "true")
	script(t, dir, "notes~", "true")
	if err := os.WriteFile(filepath.Join(dir, "README"), []byte("not a hook"), 0o644); err != nil {
		t.Fatal(err)
	}
	open := script(t, dir, "40-open", "true")
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Hooks.Directory = dir
	cfg.Hook = []config.Hook{{Name: "page-oncall", Command: []string{"/usr/local/bin/page", "-x"}, Source: "peripetyd.conf:12",
		HookSettings: config.HookSettings{Severity: event.Error, Devices: []string{"/dev/sdb"}}}}
	s, err := Load(cfg, func(blk string) ([]string, error) { return []string{"sdb", "8:16", "naa.5000c500a1b2c3d4"}, nil })
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range s.Hooks {
		names = append(names, h.Name+" "+strings.Join(h.Argv, " "))
	}
	want := []string{"10-page " + filepath.Join(dir, "10-page"), "20-mail " + filepath.Join(dir, "20-mail"), "page-oncall /usr/local/bin/page -x"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("hooks (-want +got):\n%s", diff)
	}
	wantSkipped := map[string]string{
		filepath.Join(dir, "40-open"): "writable by group or others (chmod go-w)",
		filepath.Join(dir, "README"):  "not executable (chmod u+x)",
		filepath.Join(dir, "sub"):     "not a regular file",
	}
	if diff := cmp.Diff(wantSkipped, s.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	if s.Hooks[0].Severity != event.Warning || s.Hooks[0].Timeout != config.DefaultHookTimeout {
		t.Errorf("a directory's script has %+v, want the [hooks] defaults", s.Hooks[0].HookSettings)
	}
	ev := sampleEvent()
	ev.DevPath, ev.OwnersPaths = "", nil // named by its WWID only
	if !s.Hooks[2].Selects(&ev) {
		t.Error("a hook on /dev/sdb does not select an event on its WWID")
	}
	cfg.Hooks.Directory = filepath.Join(dir, "missing")
	if s, err := Load(cfg, nil); err != nil || len(s.Hooks) != 1 {
		t.Errorf("Load with no hooks directory: %d hooks, %v; want the [[hook]] and no error", len(s.Hooks), err)
	}
}

func TestSelects(t *testing.T) {
	base := config.HookSettings{Severity: event.Warning}
	with := func(f func(*config.HookSettings)) Hook {
		s := base
		f(&s)
		h := Hook{HookSettings: s}
		h.devices = s.Devices
		return h
	}
	ev := sampleEvent()
	info := ev
	info.Severity = event.Info
	for _, tc := range []struct {
		name string
		h    Hook
		ev   event.Event
		want bool
	}{
		{"severity", Hook{HookSettings: base}, ev, true},
		{"too mild", Hook{HookSettings: base}, info, false},
		{"type", with(func(s *config.HookSettings) { s.EventTypes = []string{"SCSI_MEDIUM_ERROR"} }), ev, true},
		{"other type", with(func(s *config.HookSettings) { s.EventTypes = []string{"FS_IO_ERROR"} }), ev, false},
		{"sub-system any case", with(func(s *config.HookSettings) { s.SubSystems = []string{"scsi"} }), ev, true},
		{"other sub-system", with(func(s *config.HookSettings) { s.SubSystems = []string{"NVMe"} }), ev, false},
		{"owner", with(func(s *config.HookSettings) { s.Devices = []string{"/dev/sdb"} }), ev, true},
		{"mount point", with(func(s *config.HookSettings) { s.Devices = []string{"/srv/data"} }), ev, true},
		{"other device", with(func(s *config.HookSettings) { s.Devices = []string{"/dev/sdc", "/srv"} }), ev, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.h.Selects(&tc.ev); got != tc.want {
				t.Errorf("Selects = %v, want %v", got, tc.want)
			}
		})
	}
}
