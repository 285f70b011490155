package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Process is a program a test runs in the background (a Prometheus, a
// journal-remote, an X server), its output kept in a file.
type Process struct {
	Cmd *exec.Cmd
	// Log holds what it wrote to stdout and stderr.
	Log  string
	done chan struct{}
	err  error
}

// StartProcess starts name with args, with env added to the test's
// environment, and stops it (SIGTERM, then SIGKILL after 5 s) when the test
// ends; its output is shown when the test failed. It dies with the test
// binary (PR_SET_PDEATHSIG) if that is killed first.
func StartProcess(t testing.TB, env []string, name string, args ...string) *Process {
	t.Helper()
	logf, err := os.CreateTemp(t.TempDir(), filepath.Base(name)+"-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	p := &Process{Cmd: exec.Command(name, args...), Log: logf.Name(), done: make(chan struct{})}
	p.Cmd.Env = append(os.Environ(), env...)
	p.Cmd.Stdout, p.Cmd.Stderr = logf, logf
	p.Cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := p.Cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = p.Cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			b, _ := os.ReadFile(p.Log)
			t.Logf("%s %s (pid %d) output:\n%s", name, strings.Join(args, " "), p.Cmd.Process.Pid, b)
		}
	})
	return p
}

// Exited says whether the process has ended, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Stop ends the process: SIGTERM, then SIGKILL if it is still there after
// 5 s. Stopping an ended process does nothing.
func (p *Process) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.Cmd.Process.Kill()
		<-p.done
	}
}

// WaitFor polls ok every 50 ms until it returns nil, the process ends, or
// timeout passes; the error says which, with ok's last error.
func (p *Process) WaitFor(timeout time.Duration, what string, ok func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := ok()
		if err == nil {
			return nil
		}
		if ended, werr := p.Exited(); ended {
			return fmt.Errorf("%s: %s exited (%v) first; see %s: %w", what, p.Cmd.Path, werr, p.Log, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not within %v; see %s: %w", what, timeout, p.Log, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Dials reports whether something accepts connections at a TCP address or
// the path of a unix socket.
func Dials(addr string) error {
	network := "tcp"
	if strings.HasPrefix(addr, "/") {
		network = "unix"
	}
	c, err := net.DialTimeout(network, addr, time.Second)
	if err != nil {
		return err
	}
	c.Close()
	return nil
}
