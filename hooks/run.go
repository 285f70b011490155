package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/explain"
)

// Outcome is how a run ended.
type Outcome string

// The outcomes of a run, as the metrics label them.
const (
	OK       Outcome = "ok"       // exit status 0
	Failed   Outcome = "failed"   // another exit status, or killed by a signal
	TimedOut Outcome = "timeout"  // stopped at its timeout (or as the daemon stopped)
	NotRun   Outcome = "not_run"  // could not be started
	Stopped  Outcome = "stopping" // stopped because the daemon stops
)

// Result is one run of a hook.
type Result struct {
	Hook    *Hook
	Event   *event.Event
	Outcome Outcome
	// ExitCode is the exit status, -1 when killed by a signal or not run.
	ExitCode int
	Duration time.Duration
	// Output is what the hook wrote to stdout and stderr, at most
	// outputLimit bytes; Truncated says there was more.
	Output    []byte
	Truncated bool
	// Err says what went wrong, nil for OK.
	Err error
}

// hookPath is the PATH a hook runs with: the system's, not the daemon's.
const hookPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Env is the environment of a hook run for ev: PATH and LANG, and the
// event as PERIPETY_* variables (peripetyd.conf(5), "HOOKS"; the summary
// and advice in plain language, package explain), with extra
// ones (PERIPETY_TEST=1, PERIPETY_SUPPRESSED=n) after them. Nothing of the
// daemon's own environment (NOTIFY_SOCKET, WATCHDOG_USEC…) is passed on.
func Env(h *Hook, ev *event.Event, extra ...string) []string {
	msg, _, _ := strings.Cut(ev.Msg, "\n")
	dev := ev.DevPath
	if dev == "" {
		dev = ev.Kdev
	}
	ts := ""
	if !ev.Timestamp.IsZero() {
		ts = ev.Timestamp.Format(event.TimeLayout)
	}
	txt := explain.Explain(ev, explain.Device{})
	vars := []struct{ k, v string }{
		{"PERIPETY_HOOK", h.Name},
		{"PERIPETY_EVENT_ID", ev.EventID},
		{"PERIPETY_EVENT_TYPE", ev.EventType},
		{"PERIPETY_SEVERITY", ev.Severity.String()},
		{"PERIPETY_SUB_SYSTEM", ev.SubSystem},
		{"PERIPETY_HOSTNAME", ev.Hostname},
		{"PERIPETY_TIMESTAMP", ts},
		{"PERIPETY_DEVICE", dev},
		{"PERIPETY_KDEV", ev.Kdev},
		{"PERIPETY_WWID", ev.DevWWID},
		{"PERIPETY_MOUNT_POINT", ev.Ext("mount_point")},
		{"PERIPETY_MESSAGE", msg},
		{"PERIPETY_COUNT", strconv.FormatUint(uint64(max(ev.Count, 1)), 10)},
		{"PERIPETY_ROOT_CAUSE_EVENT_ID", ev.RootCauseEventID},
		{"PERIPETY_INCIDENT_ID", ev.IncidentID},
		{"PERIPETY_SUMMARY", txt.Title},
		{"PERIPETY_ADVICE", txt.Advice},
	}
	env := []string{"PATH=" + hookPath, "LANG=C.UTF-8"}
	for _, v := range vars {
		env = append(env, v.k+"="+clean(v.v))
	}
	return append(env, extra...)
}

// clean makes s fit an environment variable: a NUL would end it.
func clean(s string) string { return strings.ReplaceAll(s, "\x00", " ") }

// Run runs h for ev and waits for it to end, at most h.Timeout; then its
// process group gets SIGTERM and, killGrace later, SIGKILL. When ctx ends
// first the run is stopped the same way (Outcome Stopped). extra is added
// to its environment.
func Run(ctx context.Context, h *Hook, ev *event.Event, extra ...string) Result {
	res := Result{Hook: h, Event: ev, ExitCode: -1}
	stdin, err := ev.AppendJSON(nil)
	if err != nil {
		res.Outcome, res.Err = NotRun, fmt.Errorf("encode event: %w", err)
		return res
	}
	cmd := exec.Command(h.Argv[0], h.Argv[1:]...)
	cmd.Env = Env(h, ev, extra...)
	cmd.Dir = "/"
	cmd.Stdin = bytes.NewReader(append(stdin, '\n'))
	out := &limitedBuffer{max: outputLimit}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so a timeout stops what it started too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A child left holding its output open does not hold the run.
	cmd.WaitDelay = killGrace
	start := time.Now()
	if err := cmd.Start(); err != nil {
		res.Outcome, res.Err = NotRun, err
		return res
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(h.Timeout)
	defer timer.Stop()
	select {
	case err = <-done:
	case <-timer.C:
		res.Outcome, err = TimedOut, stop(cmd, done)
	case <-ctx.Done():
		res.Outcome, err = Stopped, stop(cmd, done)
	}
	res.Duration = time.Since(start)
	res.Output, res.Truncated = out.buf.Bytes(), out.dropped > 0
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}
	switch {
	case res.Outcome == TimedOut:
		res.Err = fmt.Errorf("timed out after %v", h.Timeout)
	case res.Outcome == Stopped:
		res.Err = errors.New("stopped: the daemon is stopping")
	case err == nil:
		res.Outcome = OK
	default:
		res.Outcome, res.Err = Failed, err
	}
	return res
}

// stop ends a run's process group: SIGTERM, then SIGKILL after killGrace,
// and returns what Wait returned.
func stop(cmd *exec.Cmd, done <-chan error) error {
	pgid := cmd.Process.Pid
	if syscall.Kill(-pgid, syscall.SIGTERM) != nil {
		cmd.Process.Signal(syscall.SIGTERM) // no group (it left it): the hook at least
	}
	select {
	case err := <-done:
		// What it started may outlive it, still in its group.
		syscall.Kill(-pgid, syscall.SIGKILL)
		return err
	case <-time.After(killGrace):
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
	cmd.Process.Kill()
	return <-done
}

// limitedBuffer keeps the first max bytes written to it and counts the
// rest.
type limitedBuffer struct {
	buf     bytes.Buffer
	max     int
	dropped int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	keep := min(len(p), b.max-b.buf.Len())
	b.buf.Write(p[:keep])
	b.dropped += len(p) - keep
	return len(p), nil
}
