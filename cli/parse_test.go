package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
)

// run runs prpt with args and stdin, and returns its exit status, stdout
// and stderr. Tests name --config, so that an /etc/peripetyd.conf on the
// machine cannot change what they see.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(stdin)})
	return code, out.String(), errb.String()
}

// jsonEvents decodes -J output.
func jsonEvents(t *testing.T, out string) []event.Event {
	t.Helper()
	var evs []event.Event
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var ev event.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %q is not an event: %v", sc.Text(), err)
		}
		evs = append(evs, ev)
	}
	return evs
}

// TestParseJSON parses lines captured from a 6.18 kernel (loop device I/O
// error, ext4 and xfs mount and unmount, a user-space write to /dev/kmsg)
// plus one line for the user rule of testdata/user.conf.
func TestParseJSON(t *testing.T) {
	code, out, stderr := run(t, "", "parse", "-J", "--config", "testdata/user.conf", "testdata/loop.kmsg")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing (no input skipped)", stderr)
	}
	type brief struct{ Type, Kdev, Sev, Ext string }
	got := map[string]brief{}
	for _, ev := range jsonEvents(t, out) {
		ext := ""
		if v := ev.Ext("sector"); v != "" {
			ext = "sector=" + v
		}
		if v := ev.Ext("code"); v != "" {
			ext = "code=" + v
		}
		got[ev.RawMsg] = brief{ev.EventType, ev.Kdev, ev.Severity.String(), ext}
		if ev.Count != 1 || ev.EventID == "" {
			t.Errorf("event %+v: want count 1 and an id", ev)
		}
	}
	want := map[string]brief{
		"I/O error, dev loop0, sector 2048 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2": {"BLK_IO_ERROR", "loop0", "Error", "sector=2048"},
		"zz7: custom widget failure code 3":                                                   {"WIDGET_FAILURE", "zz7", "Info", "code=3"},
	}
	for raw, w := range want {
		if diff := cmp.Diff(w, got[raw]); diff != "" {
			t.Errorf("event of %q (-want +got):\n%s", raw, diff)
		}
	}
	for _, raw := range []string{"hid: raw HID events driver (C) Jiri Kosina", "peripety-probe: user line"} {
		if ev, ok := got[raw]; ok {
			t.Errorf("%q gave an event %+v, want none", raw, ev)
		}
	}
}

func TestParseReadable(t *testing.T) {
	in, err := os.ReadFile("testdata/loop.kmsg")
	if err != nil {
		t.Fatal(err)
	}
	code, out, stderr := run(t, string(in), "parse", "--format", "kmsg", "--config", "testdata/user.conf", "-")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	// sub-system, severity, type, device: message; the time and host, which
	// /dev/kmsg records do not give, are left out, not shown as "- -".
	line := regexp.MustCompile(`^[A-Za-z0-9-]+ (Emergency|Alert|Critical|Error|Warning|Notice|Info|Debug) [A-Z0-9_]+ \S+: .+$`)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for _, l := range lines {
		if !line.MatchString(l) {
			t.Errorf("line %q is not time host sub-system severity type kdev: msg", l)
		}
	}
	if want := "\nBlock Info WIDGET_FAILURE zz7: "; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
}

func TestParseSkipSummary(t *testing.T) {
	in := "Nov 25 16:36:02 vm kernel: I/O error, dev loop0, sector 2048 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2\n" +
		"Nov 25 16:36:52 vm peripetyd[13634]: I/O error on ext4 /mnt/data\n" +
		"Nov 25 16:36:53 vm sshd[1]: accepted\n" +
		"garbage\n"
	code, out, stderr := run(t, in, "parse", "-J", "--config", "testdata/user.conf")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	evs := jsonEvents(t, out)
	if len(evs) != 1 || evs[0].EventType != "BLK_IO_ERROR" || evs[0].Hostname != "vm" {
		t.Errorf("events = %+v, want one BLK_IO_ERROR from host vm", evs)
	}
	want := "prpt: standard input: skipped 3: 2 not from the kernel or a storage daemon (first at line 2), 1 not a record of the format (first at line 4)\n"
	if stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
}

// TestParseEnrich resolves against an empty root: the device cannot be
// found, and the event says so instead of being dropped.
func TestParseEnrich(t *testing.T) {
	root := t.TempDir()
	in := "3,366,702761688,-;I/O error, dev loop0, sector 2048 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2\n"
	code, out, stderr := run(t, in, "parse", "-J", "--enrich", "--root", root, "--config", "testdata/user.conf")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	evs := jsonEvents(t, out)
	if len(evs) != 1 || evs[0].Kdev != "loop0" || !strings.Contains(evs[0].Ext("resolve_error"), "loop0") {
		t.Errorf("events = %+v, want one for loop0 with a resolve_error", evs)
	}
}

func TestParseErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.log")
	tests := []struct {
		name   string
		stdin  string
		args   []string
		stderr string
	}{
		{"missing file", "", []string{"parse", "--config", "testdata/user.conf", missing}, "prpt: open log: open " + missing + ": no such file or directory\n"},
		{"unknown format", "", []string{"parse", "--format", "xml", "testdata/loop.kmsg"}, `prpt: unknown log format "xml": want one of auto, dmesg, kmsg, journal-json, journal-export, syslog` + "\n"},
		{"undetectable", "hello\n\x00\x01\n", []string{"parse", "--config", "testdata/user.conf"}, "prpt: standard input: cannot tell the log format from its first line \"hello\": name it (dmesg, kmsg, journal-json, journal-export or syslog)\n"},
		{"missing config", "", []string{"parse", "--config", missing, "testdata/loop.kmsg"}, "prpt: read config: open " + missing + ": no such file or directory\n"},
		{"bad config", "", []string{"parse", "--config", "testdata/bad.conf", "testdata/loop.kmsg"}, "prpt: testdata/bad.conf:2: collector.regexs[0].regex: no named group kdev: add (?P<kdev>…) around the device name\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := run(t, tt.stdin, tt.args...)
			if code != 1 || out != "" || stderr != tt.stderr {
				t.Errorf("got exit %d, stdout %q, stderr %q; want exit 1, no output, stderr %q", code, out, stderr, tt.stderr)
			}
		})
	}
}

// TestParseBinaryJunk feeds bytes that are no log: a clear error, not a
// panic; under a named format, counted skips.
func TestParseBinaryJunk(t *testing.T) {
	junk := string(bytes.Repeat([]byte{0, 0xff, 0x80, '\n', 0x1b, 'x'}, 1000))
	code, _, stderr := run(t, junk, "parse", "--config", "testdata/user.conf")
	if code != 1 || !strings.Contains(stderr, "cannot tell the log format") {
		t.Errorf("auto on junk: exit %d, stderr %q", code, stderr)
	}
	code, out, stderr := run(t, junk, "parse", "--config", "testdata/user.conf", "--format", "dmesg")
	if code != 0 || out != "" || !strings.Contains(stderr, "skipped 1001: 1001 not a record of the format (first at line 1)") {
		t.Errorf("dmesg on junk: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

// TestParseDaemonJournal: prpt parse reads the storage daemons' entries of
// a journal export (by SYSLOG_IDENTIFIER, or _COMM when the unit's shell
// logged them) beside the kernel's, and nothing of other processes.
func TestParseDaemonJournal(t *testing.T) {
	in := `{"__REALTIME_TIMESTAMP":"1795624733722276","_TRANSPORT":"stdout","SYSLOG_IDENTIFIER":"multipathd","_COMM":"multipathd","PRIORITY":"6","SYSLOG_FACILITY":"3","MESSAGE":"checker failed path 8:32 in map mpatha","_HOSTNAME":"h"}
{"__REALTIME_TIMESTAMP":"1795624733722300","_TRANSPORT":"kernel","PRIORITY":"4","SYSLOG_FACILITY":"0","MESSAGE":"device-mapper: multipath: 253:0: Failing path 8:32.","_HOSTNAME":"h"}
{"__REALTIME_TIMESTAMP":"1795624733722400","_TRANSPORT":"stdout","SYSLOG_IDENTIFIER":"sh","_COMM":"sh","_SYSTEMD_UNIT":"nvmf-connect@--transport=tcp.service","PRIORITY":"6","MESSAGE":"failed to add controller, error connection refused","_HOSTNAME":"h"}
{"__REALTIME_TIMESTAMP":"1795624733722500","_TRANSPORT":"syslog","SYSLOG_IDENTIFIER":"sshd","PRIORITY":"6","MESSAGE":"checker failed path 8:48 in map mpatha","_HOSTNAME":"h"}
`
	code, out, stderr := run(t, in, "parse", "-J", "--config", "testdata/user.conf", "-")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var got []string
	for _, ev := range jsonEvents(t, out) {
		got = append(got, ev.EventType+" "+ev.Kdev+" "+ev.Ext("daemon"))
	}
	want := []string{"MPATH_PATH_DOWN 8:32 multipathd", "DM_MPATH_PATH_FAILED 8:32 ", "NVMF_CONNECT_FAILED  nvme"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if !strings.Contains(stderr, "1 not from the kernel or a storage daemon") {
		t.Errorf("stderr = %q, want sshd's entry skipped", stderr)
	}
}

// endlessLog repeats a kmsg record of an I/O error without end.
type endlessLog struct{ seq int }

func (l *endlessLog) Read(p []byte) (int, error) {
	n := 0
	for n+120 < len(p) {
		l.seq++
		n += copy(p[n:], fmt.Sprintf("3,%d,%d,-;I/O error, dev loop0, sector %d op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2\n", l.seq, l.seq*2000000, l.seq))
	}
	return n, nil
}

// failAfter fails every write once n bytes went through.
type failAfter struct{ n int }

func (w *failAfter) Write(p []byte) (int, error) {
	if w.n < len(p) {
		return 0, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

// breakingLog gives a log and then a read error.
type breakingLog struct{ r io.Reader }

func (l breakingLog) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if errors.Is(err, io.EOF) {
		return n, errors.New("device gone")
	}
	return n, err
}

// TestParseStops checks that prpt parse, which reads on a goroutine of its
// own, stops reading when it cannot write (the log never ends here) and
// says so, and reports a read error after the events before it.
func TestParseStops(t *testing.T) {
	var errb bytes.Buffer
	code := Main([]string{"parse", "-J", "--config", "testdata/user.conf"}, Env{Stdout: &failAfter{1 << 20}, Stderr: &errb, Stdin: &endlessLog{}})
	if code != 1 || errb.String() != "prpt: write: disk full\n" {
		t.Errorf("endless log, failing output: exit %d, stderr %q; want exit 1, stderr %q", code, errb.String(), "prpt: write: disk full\n")
	}

	log, err := os.ReadFile("testdata/loop.kmsg")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	errb.Reset()
	code = Main([]string{"parse", "-J", "--format", "kmsg", "--config", "testdata/user.conf"},
		Env{Stdout: &out, Stderr: &errb, Stdin: breakingLog{bytes.NewReader(log)}})
	want := regexp.MustCompile(`^prpt: standard input: read line \d+: device gone\n$`)
	if code != 1 || !want.MatchString(errb.String()) {
		t.Errorf("log breaking off: exit %d, stderr %q; want exit 1, stderr matching %s", code, errb.String(), want)
	}
}
