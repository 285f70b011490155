// Package faults_test puts peripetyd through the faults of production, with
// real processes: a private journald killed, absent at start and started
// again, a dbus-daemon restarted, a bus that disconnects the daemon, SIGKILL
// at random points of a stream and of a storm, a state directory read-only,
// full and corrupted; and through an adversary on the bus (adversary_test.go).
// Each fault test counts the events it expected, the events stored, those
// lost and those stored twice, and prints one row of a table with the
// daemon's state after it (TestMain prints the table).
package faults_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/service/sdjournal"
)

// commands are peripetyd and this package's attacker, which runs as
// another user.
var commands = testenv.NewCommands(nil, "../../cmd/peripetyd", "./attacker")

// binary returns the path of one of the commands.
func binary(t testing.TB, name string) string { return commands.Path(t, name) }

// result is one row of the fault table; attacks count no events.
type result struct {
	name                               string
	expected, stored, lost, duplicated int
	after                              string
	attack                             bool
}

var (
	resultsMu sync.Mutex
	results   []result
)

func record(r result) {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	results = append(results, r)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if len(results) > 0 {
		fmt.Printf("\n%-34s %9s %7s %5s %10s  %s\n", "fault", "expected", "stored", "lost", "duplicated", "daemon after")
		for _, r := range results {
			if r.attack {
				fmt.Printf("%-34s %9s %7s %5s %10s  %s\n", r.name, "-", "-", "-", "-", r.after)
				continue
			}
			fmt.Printf("%-34s %9d %7d %5d %10d  %s\n", r.name, r.expected, r.stored, r.lost, r.duplicated, r.after)
		}
	}
	commands.Close()
	os.Exit(code)
}

// needRoot skips a test that needs root: journald, mounts, other users.
func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("a private journald, mounts and other users need root")
	}
}

// journal starts a private journald for the test; it is stopped and its
// files removed when the test ends.
func journal(t testing.TB) *testenv.PrivateJournal {
	t.Helper()
	needRoot(t)
	p, err := testenv.NewPrivateJournal(t.Name())
	if err != nil {
		t.Skipf("private journald: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// daemon is one run of peripetyd.
type daemon struct {
	t    testing.TB
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// env is what the runs of peripetyd of one test share.
type env struct {
	t       testing.TB
	dir     string
	log     string // the kernel log the file source follows
	state   string
	conf    string
	journal *testenv.PrivateJournal
	bus     string // --bus
	runs    int
}

// newEnv prepares a kernel log file, a state directory and a config that
// stores in journald only, for runs of peripetyd on the private journal.
func newEnv(t testing.TB, j *testenv.PrivateJournal) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, dir: dir, log: filepath.Join(dir, "kern.log"), state: filepath.Join(dir, "state"),
		conf: filepath.Join(dir, "peripetyd.conf"), journal: j, bus: "none"}
	conf := "[main]\nnotify_stdout = false\nsave_to_journald = true\ndump_blk_info_at_start = false\n"
	if err := os.WriteFile(e.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.log, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(e.state, 0o755); err != nil {
		t.Fatal(err)
	}
	return e
}

// start runs peripetyd over the log, storing in the private journal.
func (e *env) start() *daemon {
	e.t.Helper()
	e.runs++
	d := &daemon{t: e.t, log: filepath.Join(e.dir, fmt.Sprintf("peripetyd-%d.log", e.runs)), done: make(chan struct{})}
	d.cmd = exec.Command(binary(e.t, "peripetyd"), "--config", e.conf, "--source", "file:"+e.log, "--bus", e.bus,
		"--state-dir", e.state, "--journal-namespace", e.journal.Namespace, "--log-level", "debug")
	f, err := os.Create(d.log)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	d.cmd.Stdout, d.cmd.Stderr = f, f
	if err := d.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() { d.err = d.cmd.Wait(); close(d.done) }()
	e.t.Cleanup(func() {
		d.stop()
		if e.t.Failed() {
			b, _ := os.ReadFile(d.log)
			e.t.Logf("peripetyd run %s:\n%s", filepath.Base(d.log), tail(string(b), 60))
		}
	})
	return d
}

func tail(s string, lines int) string {
	l := strings.Split(s, "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// kill ends the daemon with SIGKILL.
func (d *daemon) kill() {
	d.cmd.Process.Kill()
	<-d.done
}

// stop ends the daemon with SIGTERM, if it still runs, and waits.
func (d *daemon) stop() {
	select {
	case <-d.done:
		return
	default:
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		d.cmd.Process.Kill()
		<-d.done
		d.t.Errorf("peripetyd did not stop within 30s of SIGTERM")
	}
}

// running says whether the daemon still runs.
func (d *daemon) running() bool {
	select {
	case <-d.done:
		return false
	default:
		return true
	}
}

// exited waits up to timeout for the daemon to end by itself and returns
// its exit status; -1 when it still runs.
func (d *daemon) exited(timeout time.Duration) int {
	select {
	case <-d.done:
	case <-time.After(timeout):
		return -1
	}
	if d.err == nil {
		return 0
	}
	if ee, ok := d.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -2
}

// logged counts the daemon's log lines that contain s.
func (d *daemon) logged(s string) int {
	b, _ := os.ReadFile(d.log)
	return strings.Count(string(b), s)
}

// rssKB is the daemon's resident memory now and at its peak (VmRSS, VmHWM).
func rssKB(pid int) (now, peak int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			now = n
		case "VmHWM:":
			peak = n
		}
	}
	return now, peak
}

// writer appends kernel lines to the log, as syslog writes them: stamped
// with the time they are written, less readLag, as the kernel stamps its
// lines, or, with a step, with times of its own making (a microsecond clock
// that advances by step a line).
type writer struct {
	t    testing.TB
	f    *os.File
	next int
	at   time.Time
	step time.Duration
	// dev names the device of line i.
	dev func(i int) string
}

func (e *env) writer(step time.Duration, dev func(i int) string) *writer {
	e.t.Helper()
	f, err := os.OpenFile(e.log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { f.Close() })
	return &writer{t: e.t, f: f, at: time.Now().Add(-time.Hour).Truncate(time.Second), step: step, dev: dev}
}

// line is the i-th line's text: a buffer I/O error, one event, whose
// logical block is i.
func (w *writer) line(i int, extra string) string {
	if w.step > 0 {
		w.at = w.at.Add(w.step)
	} else {
		w.at = time.Now().Add(-readLag)
	}
	return fmt.Sprintf("%s faulthost kernel: Buffer I/O error on dev %s, logical block %d, async page read%s\n",
		w.at.Format("2006-01-02T15:04:05.000000Z07:00"), w.dev(i), i, extra)
}

// write appends n lines.
func (w *writer) write(n int) {
	var b strings.Builder
	for range n {
		b.WriteString(w.line(w.next, ""))
		w.next++
	}
	if _, err := w.f.WriteString(b.String()); err != nil {
		w.t.Fatal(err)
	}
}

// writeOver appends n lines over about d, in small batches.
func (w *writer) writeOver(ctx context.Context, n int, d time.Duration) {
	const batch = 20
	pause := d / time.Duration(max(n/batch, 1))
	for n > 0 && ctx.Err() == nil {
		k := min(batch, n)
		w.write(k)
		n -= k
		time.Sleep(pause)
	}
}

// readLag is how old the lines are when written: older than the daemon
// takes for live (service's liveAge, 5 s), so that it does not hold their
// events for the devices they name, which never appear, to show up.
const readLag = 10 * time.Second

// spread names 1000 devices in turn: at the writers' pace (a few lines a
// millisecond) a device gets a line or two a second, no storm.
func spread(i int) string { return "faultdev" + strconv.Itoa(i%1000) }

// stored reads the buffer I/O error events the private journal holds.
func stored(t testing.TB, j *testenv.PrivateJournal) []event.Event {
	t.Helper()
	if err := j.Sync(); err != nil {
		// A journald killed by the test does not sync; its files are
		// read as they are.
		t.Logf("sync: %v", err)
	}
	st := sdjournal.NewStore(sdjournal.Source{Directory: j.Dir})
	defer st.Close()
	evs, err := st.Query(context.Background(), event.Filter{EventTypes: []string{"BUFFER_IO_ERROR"}, Limit: math.MaxInt})
	if err != nil {
		t.Fatalf("read the private journal: %v", err)
	}
	return evs
}

// tally counts, of lines 0..expected-1, those stored (each event counts
// the lines it stands for: count, or first to last block of a storm
// summary) and those stored more than once.
type tally struct {
	expected, stored, lost, duplicated int
	ids                                map[string]int
}

func count(evs []event.Event, expected int) tally {
	got := map[int]int{}
	tl := tally{expected: expected, ids: map[string]int{}}
	for _, ev := range evs {
		tl.ids[ev.EventID]++
		first, err1 := strconv.Atoi(ev.Ext("block"))
		last := first
		if err1 != nil {
			// A storm summary: blocks first_block to last_block, of
			// which count lines stood.
			var err2 error
			first, err1 = strconv.Atoi(ev.Ext("first_block"))
			last, err2 = strconv.Atoi(ev.Ext("last_block"))
			if err1 != nil || err2 != nil {
				continue
			}
		}
		if int(ev.Count) != last-first+1 {
			// The lines of a storm are consecutive blocks: a count
			// that differs means some were folded twice or not at all.
			tl.duplicated += max(int(ev.Count)-(last-first+1), 0)
		}
		for b := first; b <= last; b++ {
			got[b]++
		}
	}
	for b := range expected {
		switch n := got[b]; {
		case n == 0:
			tl.lost++
		case n > 1:
			tl.duplicated += n - 1
		}
	}
	tl.stored = len(evs)
	return tl
}

// waitStored waits until every line 0..expected-1 is stored, or timeout,
// then a little more for anything stored twice late, and returns the tally.
func waitStored(t testing.TB, j *testenv.PrivateJournal, expected int, timeout time.Duration) tally {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		tl := count(stored(t, j), expected)
		if tl.lost == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	time.Sleep(time.Second)
	return count(stored(t, j), expected)
}

// check records the row and fails the test on a lost or doubled line.
func check(t testing.TB, name string, tl tally, after string) {
	t.Helper()
	record(result{name: name, expected: tl.expected, stored: tl.stored, lost: tl.lost, duplicated: tl.duplicated, after: after})
	t.Logf("%s: expected %d lines, %d events stored, %d lost, %d duplicated; daemon after: %s",
		name, tl.expected, tl.stored, tl.lost, tl.duplicated, after)
	if tl.lost != 0 || tl.duplicated != 0 {
		t.Errorf("%s: %d lost, %d duplicated; want none", name, tl.lost, tl.duplicated)
	}
	var twice []string
	for id, n := range tl.ids {
		if n > 1 {
			twice = append(twice, id)
		}
	}
	sort.Strings(twice)
	if len(twice) > 0 {
		t.Errorf("%s: events stored twice: %v", name, twice)
	}
}

// spoolBytes is the size of the spool's segments in the state directory.
func spoolBytes(state string) int64 {
	m, _ := filepath.Glob(filepath.Join(state, "spool", "*.seg"))
	var n int64
	for _, p := range m {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return n
}

// state describes a running daemon: its memory and what its spool holds.
func (d *daemon) state(stateDir string) string {
	if !d.running() {
		return fmt.Sprintf("exited %d", d.exited(0))
	}
	rss, _ := rssKB(d.cmd.Process.Pid)
	return fmt.Sprintf("running, RSS %d MiB, spool files %d B", rss>>10, spoolBytes(stateDir))
}

// waitLog waits until the daemon's log holds s.
func (d *daemon) waitLog(s string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for d.logged(s) == 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}
