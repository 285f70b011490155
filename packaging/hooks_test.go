package packaging

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peripety/peripety/config"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/hooks"
	"github.com/peripety/peripety/internal/testenv"
)

// sampleHookEvent is an event as the daemon hands it to a hook.
func sampleHookEvent() event.Event {
	ev := event.Event{EventID: "3f0c8d1e-0000-4000-8000-000000000007", EventType: "SCSI_MEDIUM_ERROR", Severity: event.Error,
		SubSystem: event.SubSCSI, Timestamp: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), Hostname: "db1",
		Kdev: "sdb", DevWWID: "naa.5000c500a1b2c3d4", DevPath: "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4",
		Msg: "medium error at sector 2048", Count: 1}
	ev.RootCauseEventID = ev.EventID
	ev.SetExt("mount_point", "/srv/data")
	return ev
}

// runSample runs a shipped hook as the daemon would (its environment and
// stdin), with fake commands of fakes first on PATH, and returns its
// output and error.
func runSample(t *testing.T, name string, fakes map[string]string, args ...string) (string, error) {
	t.Helper()
	bin := t.TempDir()
	for cmd, body := range fakes {
		if err := os.WriteFile(filepath.Join(bin, cmd), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path, err := filepath.Abs(filepath.Join("hooks", name))
	if err != nil {
		t.Fatal(err)
	}
	ev := sampleHookEvent()
	h := &hooks.Hook{Name: name, Argv: append([]string{path}, args...), HookSettings: config.HookSettings{Timeout: 10 * time.Second}}
	var env []string
	for _, v := range hooks.Env(h, &ev) {
		if strings.HasPrefix(v, "PATH=") {
			v = "PATH=" + bin + ":" + strings.TrimPrefix(v, "PATH=")
		}
		env = append(env, v)
	}
	js, err := ev.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(string(js) + "\n")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestSampleHookMail(t *testing.T) {
	dir := t.TempDir()
	got := filepath.Join(dir, "mail")
	out, err := runSample(t, "mail", map[string]string{"sendmail": `echo "$@" >` + got + `.args; cat >` + got}, "storage@example.com", "oncall@example.com")
	if err != nil {
		t.Fatalf("mail hook: %v\n%s", err, out)
	}
	args, _ := os.ReadFile(got + ".args")
	if string(args) != "-oi -- storage@example.com oncall@example.com\n" {
		t.Errorf("sendmail arguments %q", args)
	}
	mail, _ := os.ReadFile(got)
	for _, want := range []string{
		"To: storage@example.com, oncall@example.com\n",
		"Subject: [peripety] db1: Disk /dev/sdb has unreadable sectors\n",
		"Back up /srv/data now: the disk is failing. Check it with smartctl -a /dev/sdb and plan to replace it.\n",
		"Auto-Submitted: auto-generated\n",
		"  Mounted on:  /srv/data\n",
		"This device's events: prpt query --blk naa.5000c500a1b2c3d4\n",
		`"event_id":"3f0c8d1e-0000-4000-8000-000000000007"`,
	} {
		if !strings.Contains(string(mail), want) {
			t.Errorf("mail has no %q:\n%s", want, mail)
		}
	}
	if _, err := os.Stat("/usr/sbin/sendmail"); err == nil {
		t.Log("this machine has /usr/sbin/sendmail: the no-sendmail case is not tried")
		return
	}
	out, err = runSample(t, "mail", nil)
	if err == nil || !strings.Contains(out, "no sendmail: install a mail transfer agent") {
		t.Errorf("mail hook with no sendmail: %v, %q; want a failure that says what to install", err, out)
	}
}

func TestSampleHookWebhook(t *testing.T) {
	testenv.LookPath(t, "curl")
	var body, ctype, auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body, ctype, auth = string(b), r.Header.Get("Content-Type"), r.Header.Get("Authorization")
	}))
	defer srv.Close()
	out, err := runSample(t, "webhook", nil, srv.URL+"/storage", "-H", "Authorization: Bearer x")
	if err != nil {
		t.Fatalf("webhook hook: %v\n%s", err, out)
	}
	if !strings.HasPrefix(body, `{"event_id":"3f0c8d1e-0000-4000-8000-000000000007"`) || ctype != "application/json" || auth != "Bearer x" {
		t.Errorf("posted %q as %q with %q", body, ctype, auth)
	}
	srv.Close()
	if out, err := runSample(t, "webhook", nil, srv.URL); err == nil || !strings.Contains(out, "curl: (7)") {
		t.Errorf("webhook hook to a closed server: %v, %q; want curl's failure", err, out)
	}
	if out, err := runSample(t, "webhook", nil); err == nil || !strings.Contains(out, "no URL") {
		t.Errorf("webhook hook with no URL: %v, %q", err, out)
	}
}

func TestSampleHookWall(t *testing.T) {
	got := filepath.Join(t.TempDir(), "wall")
	out, err := runSample(t, "wall", map[string]string{"wall": "cat >" + got})
	if err != nil {
		t.Fatalf("wall hook: %v\n%s", err, out)
	}
	msg, _ := os.ReadFile(got)
	want := "Storage error: Disk /dev/sdb has unreadable sectors\nBack up /srv/data now: the disk is failing. Check it with smartctl -a /dev/sdb and plan to replace it.\nDetails: prpt query --event-id 3f0c8d1e-0000-4000-8000-000000000007\n"
	if string(msg) != want {
		t.Errorf("wall message:\n%s\nwant:\n%s", msg, want)
	}
}
