// Package testenv gives tests the real system services Peripety works with,
// started on demand on a machine where nothing runs at boot.
package testenv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The paths of the system journald (systemd-journald.socket(8), and the
// binary Debian ships).
const (
	JournaldBinary = "/lib/systemd/systemd-journald"
	JournalSocket  = "/run/systemd/journal/socket"
	journalctl     = "journalctl"
	// journaldLock serialises the start of a journald between test
	// processes: every package's test binary, and every engineer's, may
	// call Journald at the same time.
	journaldLock = "/run/peripety-testenv-journald.lock"
	// journaldStartTimeout bounds how long a started journald may take to
	// answer on its socket.
	journaldStartTimeout = 10 * time.Second
)

// Journald makes sure a real systemd-journald serves the system journal at
// JournalSocket, and skips the test when that cannot be (not root, binary
// missing).
//
// Lifecycle: a journald that already answers is used as it is, whoever
// started it. Otherwise one is started under an exclusive flock on
// /run/peripety-testenv-journald.lock, in its own session so that it
// outlives the test binary, and it is LEFT RUNNING on purpose: the test
// binaries of other packages, and other people's tests on the same machine,
// use the same system journal concurrently and cannot be told when it goes
// away; journald holds no state a later test could trip on, and on any real
// host it runs all the time anyway. Its pid and log go to
// /run/peripety-testenv-journald.{pid,log}, so whoever wants it gone can
// stop exactly that process. Journald never stops a journald.
func Journald(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("systemd-journald needs root (to own /run/systemd/journal and read /dev/kmsg)")
	}
	if _, err := os.Stat(JournaldBinary); err != nil {
		t.Skipf("no %s (Debian package systemd): %v", JournaldBinary, err)
	}
	if _, err := exec.LookPath(journalctl); err != nil {
		t.Skipf("no journalctl (Debian package systemd): %v", err)
	}
	if socketAnswers(JournalSocket) {
		return
	}
	if err := startJournald(); err != nil {
		t.Fatalf("start systemd-journald: %v", err)
	}
}

// socketAnswers reports whether a process listens on the datagram socket
// at path: connect(2) on an unbound socket file is refused.
func socketAnswers(path string) bool {
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// startJournald starts the system journald unless another process did so
// while this one waited for the lock.
func startJournald() error {
	lock, err := os.OpenFile(journaldLock, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open lock %q: %w", journaldLock, err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("flock %q: %w", journaldLock, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if socketAnswers(JournalSocket) {
		return nil
	}
	return startDaemon(JournalSocket, "/run/peripety-testenv-journald", JournaldBinary)
}

// startDaemon starts a journald (argv) detached from the test process,
// records its pid in state+".pid" and its output in state+".log", and waits
// for it to answer on socket.
func startDaemon(socket, state string, argv ...string) error {
	logf, err := os.OpenFile(state+".log", os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = journaldEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = "/"
	// Its own session: a test binary's end (or Ctrl-C to `go test`) must
	// not take down a journald other processes are using.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	pid := cmd.Process.Pid
	if err := os.WriteFile(state+".pid", []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	deadline := time.Now().Add(journaldStartTimeout)
	for !socketAnswers(socket) {
		// Poll for an early exit rather than parking a goroutine in
		// Wait: the daemon is meant to outlive this process.
		var ws syscall.WaitStatus
		if wpid, _ := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); wpid == pid {
			return fmt.Errorf("%s exited (status %d) before answering on %s; see %s.log", argv[0], ws.ExitStatus(), socket, state)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s (pid %d) did not answer on %s within %v; see %s.log", argv[0], pid, socket, journaldStartTimeout, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cmd.Process.Release()
}

// journaldEnv is the environment of a started journald. Without systemd it
// logs to /dev/kmsg, at info level a line per `journalctl --sync`: tests
// that read the kernel log would wade through those.
func journaldEnv() []string {
	return append(os.Environ(), "SYSTEMD_LOG_LEVEL=notice")
}

// Entry is one journal entry as `journalctl -o json` prints it, with every
// value as bytes: journalctl writes a field holding non-printable data as an
// array of byte values and a repeated field as an array of its values.
type Entry map[string][][]byte

// Get returns the first value of field as a string, "" when absent.
func (e Entry) Get(field string) string {
	if v := e[field]; len(v) > 0 {
		return string(v[0])
	}
	return ""
}

// All returns every value of field as strings.
func (e Entry) All(field string) []string {
	var out []string
	for _, v := range e[field] {
		out = append(out, string(v))
	}
	return out
}

// JournalctlJSON asks journald to write out what it has received
// (`journalctl --sync`) and returns the entries `journalctl -o json args…`
// prints, oldest first. args are journalctl arguments: matches
// (FIELD=VALUE), --directory, --since…
func JournalctlJSON(t testing.TB, args ...string) []Entry {
	t.Helper()
	SyncJournal(t)
	cmd := exec.Command(journalctl, append([]string{"--no-pager", "--all", "-o", "json"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	// journalctl exits 1 with "-- No entries --" on stdout when nothing
	// matches.
	if err != nil && !bytes.Contains(out, []byte("No entries")) {
		t.Fatalf("journalctl %s: %v: %s", strings.Join(args, " "), err, stderr.Bytes())
	}
	entries, err := parseJournalJSON(out)
	if err != nil {
		t.Fatalf("journalctl %s: %v", strings.Join(args, " "), err)
	}
	return entries
}

// SyncJournal returns once the system journald has written out everything
// sent to it before (`journalctl --sync`).
func SyncJournal(t testing.TB) {
	t.Helper()
	if out, err := exec.Command(journalctl, "--sync").CombinedOutput(); err != nil {
		t.Fatalf("journalctl --sync: %v: %s", err, out)
	}
}

// parseJournalJSON reads journalctl's `-o json` output: one object a line.
func parseJournalJSON(out []byte) ([]Entry, error) {
	var entries []Entry
	for i, line := range bytes.Split(out, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(line, &raw); err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		e := make(Entry, len(raw))
		for k, v := range raw {
			vals, err := journalValues(v)
			if err != nil {
				return nil, fmt.Errorf("line %d: field %s: %w", i+1, k, err)
			}
			e[k] = vals
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// journalValues decodes one field of journalctl's JSON: a string, an array
// of byte values, null (a value too large to show), or an array of those
// for a repeated field.
func journalValues(v json.RawMessage) ([][]byte, error) {
	one := func(v json.RawMessage) ([]byte, bool) {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return []byte(s), true
		}
		var b []byte
		var nums []int
		if json.Unmarshal(v, &nums) == nil {
			for _, n := range nums {
				b = append(b, byte(n))
			}
			return b, true
		}
		return nil, string(v) == "null"
	}
	if b, ok := one(v); ok {
		return [][]byte{b}, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(v, &list); err != nil {
		return nil, fmt.Errorf("neither a value nor a list of values: %s", v)
	}
	var out [][]byte
	for _, item := range list {
		b, ok := one(item)
		if !ok {
			return nil, fmt.Errorf("bad value in list: %s", item)
		}
		out = append(out, b)
	}
	return out, nil
}

// WaitJournal polls JournalctlJSON(args…) until ok accepts the entries or
// timeout passes (then the test fails), and returns the accepted entries.
// Use it instead of sleeping: journald stores what it is sent
// asynchronously, and kernel lines reach it from /dev/kmsg after a delay.
func WaitJournal(t testing.TB, timeout time.Duration, ok func([]Entry) bool, args ...string) []Entry {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		entries := JournalctlJSON(t, args...)
		if ok(entries) {
			return entries
		}
		if time.Now().After(deadline) {
			t.Fatalf("journalctl %s: no acceptable entries within %v (last saw %d)", strings.Join(args, " "), timeout, len(entries))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// PrivateJournal is a journald of its own, in a journal namespace
// (systemd-journald@.service(8)): its own socket and its own journal
// files, so a test can fill it without touching the system journal.
type PrivateJournal struct {
	// Namespace is the journal namespace name.
	Namespace string
	// Socket is its native protocol socket.
	Socket string
	// Dir is where its journal files are (for Directory sources and
	// `journalctl --directory`).
	Dir  string
	cmd  *exec.Cmd
	log  string
	conf string // its journald.conf, when settings gave one
	// hostname is the one it believes it runs on ("": this machine's).
	hostname string
}

// NewPrivateJournal starts a journald in a fresh namespace named after name
// (a test's name, say) and the process. Unlike the system one, it belongs
// to the caller: it is stopped, and its files removed, by Close (register
// it with t.Cleanup, or call it from TestMain for one shared by
// benchmarks). settings are lines of its journald.conf(5) [Journal]
// section ("RateLimitIntervalSec=0"), in /etc/systemd/journald@<ns>.conf
// until Close.
func NewPrivateJournal(name string, settings ...string) (*PrivateJournal, error) {
	return NewPrivateJournalOn(name, "", settings...)
}

// NewPrivateJournalOn is NewPrivateJournal with a journald that believes
// it runs on the host hostname (in a UTS namespace of its own, unshare(1)):
// its entries say _HOSTNAME=hostname, as another machine's would. An empty
// hostname is this machine's.
func NewPrivateJournalOn(name, hostname string, settings ...string) (*PrivateJournal, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("systemd-journald needs root")
	}
	if _, err := os.Stat(JournaldBinary); err != nil {
		return nil, fmt.Errorf("no %s (Debian package systemd): %w", JournaldBinary, err)
	}
	mid, err := os.ReadFile("/etc/machine-id")
	if err != nil {
		return nil, fmt.Errorf("read machine id: %w", err)
	}
	// A namespace name is a unit instance name (and part of paths):
	// keep to lower-case letters, digits and dashes.
	name = strings.Map(func(r rune) rune {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			return r
		}
		return '-'
	}, strings.ToLower(name))
	ns := fmt.Sprintf("peripety-%s-%d", name, os.Getpid())
	p := &PrivateJournal{
		Namespace: ns,
		Socket:    "/run/systemd/journal." + ns + "/socket",
		Dir:       filepath.Join("/var/log/journal", strings.TrimSpace(string(mid))+"."+ns),
		hostname:  hostname,
	}
	// journald makes its directory on the first entry; made now, a
	// reader can open it before anything is written.
	if err := os.MkdirAll(p.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("make journal directory: %w", err)
	}
	p.log = filepath.Join(os.TempDir(), "journald-"+ns) + ".log"
	if len(settings) > 0 {
		p.conf = "/etc/systemd/journald@" + ns + ".conf"
		if err := os.WriteFile(p.conf, []byte("[Journal]\n"+strings.Join(settings, "\n")+"\n"), 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", p.conf, err)
		}
	}
	if err := p.start(); err != nil {
		if p.cmd != nil && p.cmd.Process != nil {
			p.Close()
		}
		return nil, err
	}
	return p, nil
}

// start starts the namespace's journald and waits until it answers.
func (p *PrivateJournal) start() error {
	p.cmd = exec.Command(JournaldBinary, p.Namespace)
	if p.hostname != "" {
		p.cmd = exec.Command("unshare", "--uts", "sh", "-ec", `hostname "$1"; exec "$2" "$3"`, "sh", p.hostname, JournaldBinary, p.Namespace)
	}
	p.cmd.Env = journaldEnv()
	logf, err := os.OpenFile(p.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("create log: %w", err)
	}
	defer logf.Close()
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	// A test binary killed before Close (a timeout) takes its journald
	// along rather than leaving it running.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("start %s %s: %w", JournaldBinary, p.Namespace, err)
	}
	deadline := time.Now().Add(journaldStartTimeout)
	for !socketAnswers(p.Socket) {
		if time.Now().After(deadline) {
			return fmt.Errorf("journald %s did not answer on %s within %v; see %s", p.Namespace, p.Socket, journaldStartTimeout, p.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// Kill ends the private journald with SIGKILL, as a crash would: what it
// had received and not yet written is lost, its files stay.
func (p *PrivateJournal) Kill() error {
	if p.cmd.ProcessState != nil {
		return nil
	}
	if err := p.cmd.Process.Kill(); err != nil {
		return err
	}
	p.cmd.Wait()
	return nil
}

// Restart starts the namespace's journald again after Kill.
func (p *PrivateJournal) Restart() error {
	if p.cmd.ProcessState == nil {
		return fmt.Errorf("journald %s is running", p.Namespace)
	}
	return p.start()
}

// Sync asks the private journald to write out what it has received.
func (p *PrivateJournal) Sync() error {
	out, err := exec.Command(journalctl, "--namespace", p.Namespace, "--sync").CombinedOutput()
	if err != nil {
		return fmt.Errorf("journalctl --namespace %s --sync: %v: %s", p.Namespace, err, out)
	}
	return nil
}

// Close stops the private journald and removes its journal files, runtime
// directory and log.
func (p *PrivateJournal) Close() error {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(syscall.SIGTERM)
		p.cmd.Wait()
	}
	var conf error
	if p.conf != "" {
		conf = os.Remove(p.conf)
	}
	return errors.Join(os.RemoveAll(p.Dir), os.RemoveAll(filepath.Dir(p.Socket)), os.Remove(p.log), conf)
}
