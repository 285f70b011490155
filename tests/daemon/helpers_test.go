// Package daemon_test runs peripetyd against the real kernel: loop devices,
// real filesystems, real I/O errors through a FUSE image, journald and
// /dev/kmsg. Every test needs root and skips without it.
package daemon_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/parsers/logfmt"
	"github.com/peripety/peripety/service"
)

// commands are the module's commands these tests run, built with -race
// when the tests are.
var commands = testenv.NewCommands(raceFlags(), "../../cmd/peripetyd", "../faultimg", "../../cmd/prpt")

func raceFlags() []string {
	if raceBuild {
		return []string{"-race"}
	}
	return nil
}

// binary returns the path of one of the commands.
func binary(t testing.TB, name string) string { return commands.Path(t, name) }

func TestMain(m *testing.M) {
	code := m.Run()
	commands.Close()
	os.Exit(code)
}

// needRoot skips a test that drives loop devices and mounts.
func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("loop devices, mounts and /dev/kmsg need root")
	}
	if _, err := os.Stat("/dev/loop-control"); err != nil {
		t.Skipf("no loop devices: %v", err)
	}
}

// need skips a test when a command it runs is missing.
func need(t testing.TB, cmds ...string) {
	t.Helper()
	for _, c := range cmds {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("%s not installed (see tests/setup-deps.sh): %v", c, err)
		}
	}
}

// fsUUID reads a filesystem's UUID the way a person checks it.
func fsUUID(t testing.TB, dev string) string {
	t.Helper()
	return testenv.Run(t, "blkid", "-p", "-s", "UUID", "-o", "value", dev)
}

// daemon is a running peripetyd.
type daemon struct {
	t      testing.TB
	cmd    *exec.Cmd
	stderr *os.File
	done   chan error

	mu   sync.Mutex
	out  []event.Event
	mono []time.Duration // when each of out was read from stdout (CLOCK_MONOTONIC)
}

// timed is an event with the time it came out of the daemon.
type timed struct {
	ev   event.Event
	mono time.Duration // CLOCK_MONOTONIC
}

// config is what the tests put in peripetyd.conf.
type config struct {
	stdout, journald bool
	// extra is more of the file, after [main].
	extra string
}

// startDaemon runs peripetyd with a config of its own on source, keeping
// its state in stateDir. When the state dir holds no position, the source
// is first positioned at its current end, so the daemon reads only what
// the test makes the kernel print.
func startDaemon(t testing.TB, stateDir, source string, cfg config) *daemon {
	t.Helper()
	bin := binary(t, "peripetyd")
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(stateDir, "..", filepath.Base(stateDir)+".conf")
	if !strings.Contains(cfg.extra, "[metrics]") {
		// Not the default /run/peripetyd/metrics.sock: tests run side by
		// side.
		cfg.extra += fmt.Sprintf("[metrics]\nsocket = %q\n", stateDir+".metrics.sock")
	}
	text := fmt.Sprintf("[main]\nnotify_stdout = %v\nsave_to_journald = %v\ndump_blk_info_at_start = false\n%s", cfg.stdout, cfg.journald, cfg.extra)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	seedPosition(t, stateDir, source)
	d := &daemon{t: t, done: make(chan error, 1)}
	d.cmd = exec.Command(bin, "--config", conf, "--source", source, "--bus", "none", "--state-dir", stateDir, "--log-level", "debug")
	var err error
	if d.stderr, err = os.CreateTemp(filepath.Dir(stateDir), "peripetyd-*.log"); err != nil {
		t.Fatal(err)
	}
	d.cmd.Stderr = d.stderr
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			now := monotonic(t) // delivered: decoding is the reader's time
			var ev event.Event
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Errorf("peripetyd stdout line %q: %v", sc.Text(), err)
				continue
			}
			d.mu.Lock()
			d.out = append(d.out, ev)
			d.mono = append(d.mono, now)
			d.mu.Unlock()
		}
		d.done <- d.cmd.Wait()
	}()
	t.Cleanup(func() {
		d.stop()
		if t.Failed() {
			b, _ := os.ReadFile(d.stderr.Name())
			t.Logf("peripetyd (pid %d) log:\n%s", d.cmd.Process.Pid, b)
		}
	})
	return d
}

func (d *daemon) pid() int { return d.cmd.Process.Pid }

// stop ends the daemon with SIGTERM and waits for it; it is a no-op once
// the daemon has ended.
func (d *daemon) stop() {
	if d.cmd.ProcessState != nil {
		return
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.done:
		if err != nil {
			d.t.Errorf("peripetyd exited after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		d.cmd.Process.Kill()
		<-d.done
		d.t.Errorf("peripetyd did not stop within 20s of SIGTERM")
	}
}

// kill ends the daemon with SIGKILL.
func (d *daemon) kill() {
	d.cmd.Process.Kill()
	<-d.done
}

// events returns what the daemon printed on stdout so far.
func (d *daemon) events() []event.Event {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]event.Event(nil), d.out...)
}

// delivered pairs the first len(evs) events on stdout with the time each
// was read.
func (d *daemon) delivered(evs []event.Event) []timed {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]timed, len(evs))
	for i := range evs {
		out[i] = timed{ev: d.out[i], mono: d.mono[i]}
	}
	return out
}

// waitStdout waits until ok holds for the events on stdout.
func (d *daemon) waitStdout(timeout time.Duration, ok func([]event.Event) bool) []event.Event {
	d.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		evs := d.events()
		if ok(evs) {
			return evs
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("stdout events not as wanted within %v; got %d:\n%s", timeout, len(evs), summary(evs))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func summary(evs []event.Event) string {
	var b strings.Builder
	for _, ev := range evs {
		fmt.Fprintf(&b, "  %d %s %s %s wwid=%s path=%s ext=%v count=%d\n", ev.Seq, ev.EventType, ev.Kdev, ev.Msg, ev.DevWWID, ev.DevPath, ev.Extension, ev.Count)
	}
	return b.String()
}

// stored returns the events the daemon runs with the given pids stored in
// the system journal.
func stored(t testing.TB, pids ...int) []event.Event {
	t.Helper()
	var out []event.Event
	for _, pid := range pids {
		for _, e := range testenv.JournalctlJSON(t, "IS_PERIPETY=TRUE", "_PID="+strconv.Itoa(pid)) {
			var ev event.Event
			if err := json.Unmarshal([]byte(e.Get("JSON")), &ev); err != nil {
				t.Fatalf("stored JSON %q: %v", e.Get("JSON"), err)
			}
			out = append(out, ev)
		}
	}
	return out
}

// waitStored waits until ok holds for the stored events of pids.
func waitStored(t testing.TB, timeout time.Duration, ok func([]event.Event) bool, pids ...int) []event.Event {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		evs := stored(t, pids...)
		if ok(evs) {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("stored events not as wanted within %v; got %d:\n%s", timeout, len(evs), summary(evs))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// on returns the events of one type on dev (a kernel name).
func on(evs []event.Event, typ, kdev string) []event.Event {
	var out []event.Event
	for _, ev := range evs {
		if ev.EventType == typ && ev.Kdev == kdev {
			out = append(out, ev)
		}
	}
	return out
}

func has(typ, kdev string) func([]event.Event) bool {
	return func(evs []event.Event) bool { return len(on(evs, typ, kdev)) > 0 }
}

func all(conds ...func([]event.Event) bool) func([]event.Event) bool {
	return func(evs []event.Event) bool {
		for _, c := range conds {
			if !c(evs) {
				return false
			}
		}
		return true
	}
}

// seedPosition saves, in a state dir that has none, the source's current
// end as its position.
func seedPosition(t testing.TB, stateDir, source string) {
	t.Helper()
	st, err := service.NewStateDir(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := st.LoadCheckpoint(source)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Pos != "" {
		return
	}
	switch source {
	case "kmsg":
		cp.Pos = kmsgEnd(t)
	case "journal":
		es := testenv.JournalctlJSON(t, "-k", "-n", "1")
		if len(es) == 0 {
			return
		}
		cp.Pos = es[0].Get("__CURSOR")
	default:
		return
	}
	cp.Time = time.Now()
	if err := st.SaveCheckpoint(source, cp); err != nil {
		t.Fatal(err)
	}
}

// kmsgEnd returns the kmsg position of the last record in the ring.
func kmsgEnd(t testing.TB) string {
	t.Helper()
	pos, _ := kmsgScan(t, "", "")
	return pos
}

// kmsgCount counts the kernel records after the kmsg position from whose
// text contains sub.
func kmsgCount(t testing.TB, from, sub string) int {
	t.Helper()
	_, n := kmsgScan(t, from, sub)
	return n
}

// journalCount counts the kernel entries in the journal since t whose
// message contains sub.
func journalCount(t testing.TB, since time.Time, sub string) int {
	t.Helper()
	n := 0
	for _, e := range testenv.JournalctlJSON(t, "-k", "--since", "@"+strconv.FormatInt(since.Unix()-1, 10)) {
		if strings.Contains(e.Get("MESSAGE"), sub) {
			n++
		}
	}
	return n
}

// kmsgScan reads the ring: it returns the position of its last record and
// how many kernel records after from contain sub.
func kmsgScan(t testing.TB, from, sub string) (string, int) {
	t.Helper()
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile("/dev/kmsg", os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var after uint64
	if _, n, ok := strings.Cut(from, " "); ok {
		after, _ = strconv.ParseUint(n, 10, 64)
	}
	var last uint64
	count := 0
	buf := make([]byte, 16<<10)
	for {
		n, err := syscall.Read(int(f.Fd()), buf)
		if errors.Is(err, syscall.EAGAIN) {
			break
		}
		if errors.Is(err, syscall.EPIPE) {
			continue
		}
		if err != nil {
			t.Fatalf("read /dev/kmsg: %v", err)
		}
		if rec, err := logfmt.DecodeKmsg(buf[:n]); err == nil {
			last = rec.Seq
			if sub != "" && rec.Seq > after && rec.Facility == 0 && strings.Contains(rec.Message, sub) {
				count++
			}
		}
	}
	return strings.TrimSpace(string(boot)) + " " + strconv.FormatUint(last, 10), count
}

// faultImage serves img through the FUSE fault injector in a process of
// its own and returns the served file and its control file.
func faultImage(t testing.TB, img, dir string) (served, control string) {
	t.Helper()
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skipf("no /dev/fuse: %v", err)
	}
	mnt := filepath.Join(dir, "fuse")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, binary(t, "faultimg"), "-backing", img, "-mount", mnt)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- strings.TrimSpace(line) == "ready"
	}()
	select {
	case ok := <-ready:
		if !ok {
			cancel()
			cmd.Wait()
			t.Fatalf("faultimg did not start: %s", stderr.String())
		}
	case <-time.After(20 * time.Second):
		cancel()
		cmd.Wait()
		t.Fatalf("faultimg not ready within 20s: %s", stderr.String())
	}
	// Registered after the loop device's cleanup would be wrong: cleanups
	// run last-first, and the loop device must go before the server.
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		exec.Command("umount", "-l", mnt).Run()
	})
	return filepath.Join(mnt, "image"), filepath.Join(mnt, "control")
}

// failRange makes the served image fail I/O of op (read, write, rw) on
// length bytes at offset.
func failRange(t testing.TB, control, op string, offset, length int64) {
	t.Helper()
	if err := os.WriteFile(control, []byte(fmt.Sprintf("fail %s %d %d\n", op, offset, length)), 0); err != nil {
		t.Fatalf("set fault: %v", err)
	}
}
