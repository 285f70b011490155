package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/service/sdjournal"
)

func TestJoinValues(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"query -b", "query -b"},
		{"query -b -J", "query -b -J"},
		{"query -b -1 -J", "query --boot=-1 -J"},
		{"query --boot 0", "query --boot=0"},
		{"query -J -b 156d13b28ee44dc2a8d06feb3a4b83f7-1", "query -J --boot=156d13b28ee44dc2a8d06feb3a4b83f7-1"},
		{"query -b 156d13b2-8ee4-4dc2-a8d0-6feb3a4b83f7", "query --boot=156d13b2-8ee4-4dc2-a8d0-6feb3a4b83f7"},
		{"query --boot=-2", "query --boot=-2"},
		{"query -b --severity err", "query -b --severity err"},
		{"query -- -b -1", "query -- -b -1"},
		{"query --since -1h --until now", "query --since=-1h --until=now"},
		{"query --since=-1h", "query --since=-1h"},
	} {
		if got := strings.Join(joinValues(strings.Fields(tc.in)), " "); got != tc.want {
			t.Errorf("joinValues(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// bootEvent is an event stored in boot id at t.
type bootEvent struct {
	id   string
	boot string
	at   time.Time
}

// journalWithBoots writes a journal file of the events, each stored in its
// boot at its time, with systemd-journal-remote (which keeps the boot ID
// and time of each entry, as a journal copied from another host has them),
// and returns its path.
func journalWithBoots(t *testing.T, evs []bootEvent) string {
	t.Helper()
	remote := "/lib/systemd/systemd-journal-remote"
	if _, err := os.Stat(remote); err != nil {
		t.Skipf("no %s (apt install systemd-journal-remote): %v", remote, err)
	}
	var export strings.Builder
	for i, e := range evs {
		ev := event.Event{EventID: e.id, EventType: "FS_IO_ERROR", Severity: event.Error, SubSystem: event.SubExt4,
			Timestamp: e.at, Hostname: "h1", Kdev: "loop4", Msg: "I/O error " + e.id, Count: 1}
		js, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&export, "__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=%s\n_MACHINE_ID=3d1219c7c4c5404aaa1f6d2a48adfda4\n"+
			"_HOSTNAME=h1\nIS_PERIPETY=TRUE\nPRIORITY=3\nEVENT_ID=%s\nEVENT_TYPE=FS_IO_ERROR\nMESSAGE=%s\nJSON=%s\n\n",
			e.at.UnixMicro(), 1000000*(i+1), e.boot, e.id, ev.Msg, js)
	}
	in := filepath.Join(t.TempDir(), "events.export")
	if err := os.WriteFile(in, []byte(export.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "remote.journal")
	if b, err := exec.Command(remote, "--output="+out, in).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", remote, err, b)
	}
	return out
}

// TestQueryBoot selects the events of one boot of a journal copied from
// another host, as journalctl -b names boots.
func TestQueryBoot(t *testing.T) {
	if !sdjournal.CanRead {
		t.Skip(sdjournal.ErrNoJournald)
	}
	const (
		b1 = "1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a"
		b2 = "2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b"
		b3 = "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
	)
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	file := journalWithBoots(t, []bootEvent{
		{"e1", b1, t0}, {"e2", b1, t0.Add(time.Hour)},
		{"e3", b2, t0.Add(24 * time.Hour)},
		{"e4", b3, t0.Add(48 * time.Hour)}, {"e5", b3, t0.Add(49 * time.Hour)},
	})
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"-b"}, []string{"e4", "e5"}}, // the journal's last boot
		{[]string{"-b", "0"}, []string{"e4", "e5"}},
		{[]string{"-b", "-1"}, []string{"e3"}},
		{[]string{"--boot=-2"}, []string{"e1", "e2"}},
		{[]string{"-b", "1"}, []string{"e1", "e2"}},
		{[]string{"--boot", b2}, []string{"e3"}},
		{[]string{"-b", "2b2b2b2b-2b2b-2b2b-2b2b-2b2b2b2b2b2b"}, []string{"e3"}},
		{[]string{"-b", b2 + "+1"}, []string{"e4", "e5"}},
		{[]string{"-b", b2 + "-1"}, []string{"e1", "e2"}},
		// --since narrows the boot further.
		{[]string{"-b", "1", "--since", "2026-11-20 09:30 UTC"}, []string{"e2"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, stderr := prpt(t, append([]string{"query", "-J", "--file", file}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if diff := cmp.Diff(tc.want, jsonIDs(t, out)); diff != "" {
				t.Errorf("event ids (-want +got):\n%s", diff)
			}
		})
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-b", "-5"}, "the journal lists 3 boots, so no such one"},
		{[]string{"-b", "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d"}, "no boot 4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d in the journal"},
		{[]string{"--boot=yesterday"}, `--boot "yesterday": want a boot ID`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, stderr := prpt(t, append([]string{"query", "-J", "--file", file}, tc.args...)...)
			if code == 0 || out != "" || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want an error saying %q", code, out, stderr, tc.want)
			}
		})
	}
}

// TestQueryBootCurrent: -b against the daemon is this machine's current
// boot, from its boot time, whatever the journal lists.
func TestQueryBootCurrent(t *testing.T) {
	_, b := serveDaemon(t)
	_, booted, err := currentBoot()
	if err != nil {
		t.Fatal(err)
	}
	before, after := storageEvent(1, event.Error), storageEvent(2, event.Error)
	before.Timestamp, after.Timestamp = booted.Add(-time.Hour), booted.Add(time.Second)
	b.Add(before, after)
	code, out, stderr := prpt(t, "query", "-J", "-b")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if diff := cmp.Diff([]string{after.EventID}, jsonIDs(t, out)); diff != "" {
		t.Errorf("query -b: event ids (-want +got):\n%s", diff)
	}
}

// TestQueryJournalctlTimes: --since and --until take what journalctl
// takes, through the daemon and reading the journal alike.
func TestQueryJournalctlTimes(t *testing.T) {
	now := time.Now()
	old, recent := storageEvent(1, event.Error), storageEvent(2, event.Error)
	old.Timestamp, recent.Timestamp = now.Add(-3*time.Hour), now.Add(-10*time.Minute)
	old.Hostname, recent.Hostname = "h2", "h1"
	p, _ := store(t, old, recent)
	_, b := serveDaemon(t)
	b.Add(old, recent)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--since", "-1h"}, []string{recent.EventID}},
		{[]string{"--since", "1 hour ago"}, []string{recent.EventID}},
		{[]string{"--since", "2h 30min ago", "--until", "-1h"}, nil},
		{[]string{"--until", "-1h"}, []string{old.EventID}},
		{[]string{"--since", fmt.Sprintf("@%d", now.Add(-time.Hour).Unix())}, []string{recent.EventID}},
		{[]string{"--since", "-1d", "--until", "now"}, []string{old.EventID, recent.EventID}},
		{[]string{"--hostname", "H2"}, []string{old.EventID}},
		{[]string{"--hostname", "h1", "--hostname", "h2"}, []string{old.EventID, recent.EventID}},
	} {
		for _, via := range []struct {
			name string
			args []string
		}{{"daemon", nil}, {"journal", []string{"--directory", p.Dir}}} {
			t.Run(via.name+" "+strings.Join(tc.args, " "), func(t *testing.T) {
				code, out, stderr := prpt(t, append(append([]string{"query", "-J"}, via.args...), tc.args...)...)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				want := tc.want
				if want == nil {
					want = []string{}
				}
				if diff := cmp.Diff(want, jsonIDs(t, out)); diff != "" {
					t.Errorf("event ids (-want +got):\n%s", diff)
				}
			})
		}
	}
}
