package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hookConfig writes a config with a hooks directory holding a script that
// prints what it got, and a [[hook]] for critical events that fails.
func hookConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	hooksDir := filepath.Join(dir, "hooks.d")
	if err := os.Mkdir(hooksDir, 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho \"$PERIPETY_EVENT_TYPE on $PERIPETY_DEVICE at $PERIPETY_MOUNT_POINT test=${PERIPETY_TEST:-no}\"\n"
	if err := os.WriteFile(filepath.Join(hooksDir, "10-echo"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "peripetyd.conf")
	text := "[hooks]\ndirectory = \"" + hooksDir + "\"\n\n[[hook]]\nname = \"pager\"\ncommand = [\"/bin/sh\", \"-c\", \"echo no pager reachable >&2; exit 2\"]\nseverity = \"crit\"\ntimeout = \"5s\"\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}

func TestHooksList(t *testing.T) {
	conf := hookConfig(t)
	code, out, stderr := prpt(t, "hooks", "list", "--config", conf)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"10-echo\n  command: " + filepath.Join(filepath.Dir(conf), "hooks.d", "10-echo"),
		"runs for: severity warning or worse; timeout 30s; once per incident in 1h; at most 10 runs in 1h",
		"pager\n  command: /bin/sh -c echo no pager reachable >&2; exit 2\n  from: " + conf + ":4",
		"runs for: severity critical or worse; timeout 5s",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("hooks list has no %q:\n%s", want, out)
		}
	}
}

// TestHooksTest runs the hooks for real, as `smartd -M test` does.
func TestHooksTest(t *testing.T) {
	conf := hookConfig(t)
	t.Run("test event", func(t *testing.T) {
		code, out, stderr := prpt(t, "hooks", "test", "--config", conf)
		if code != 1 || !strings.Contains(stderr, "1 of 2 hooks failed") {
			t.Errorf("exit %d, stderr %q; want 1 and the failed hook counted", code, stderr)
		}
		for _, want := range []string{
			"10-echo (" + filepath.Join(filepath.Dir(conf), "hooks.d") + "): ok in ",
			"  | SCSI_MEDIUM_ERROR on /dev/disk/by-id/wwn-0x5000000000000000 at /srv/peripety-test test=1\n",
			"pager (" + conf + ":4): failed after ",
			": exit status 2\n  | no pager reachable\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output has no %q:\n%s", want, out)
			}
		}
	})
	t.Run("one hook", func(t *testing.T) {
		code, out, stderr := prpt(t, "hooks", "test", "--config", conf, "--hook", "10-echo")
		if code != 0 || strings.Contains(out, "pager") {
			t.Errorf("exit %d (%s), output:\n%s\nwant only 10-echo run", code, stderr, out)
		}
		if code, _, stderr := prpt(t, "hooks", "test", "--config", conf, "--hook", "nope"); code != 1 || !strings.Contains(stderr, "no hook named nope") {
			t.Errorf("--hook nope: exit %d, %q", code, stderr)
		}
	})
	t.Run("event file", func(t *testing.T) {
		evFile := filepath.Join(t.TempDir(), "ev.json")
		ev := `{"event_id":"e1","event_type":"FS_IO_ERROR","severity":"Error","sub_system":"ext4","kdev":"dm-3","dev_path":"/dev/mapper/vg-lv","extension":{"mount_point":"/srv/data"}}`
		if err := os.WriteFile(evFile, []byte(ev), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, stderr := prpt(t, "hooks", "test", "--config", conf, "--event", evFile)
		if code != 0 {
			t.Fatalf("exit %d: %s\n%s", code, stderr, out)
		}
		for _, want := range []string{
			"  | FS_IO_ERROR on /dev/mapper/vg-lv at /srv/data test=no\n",
			"pager (" + conf + ":4): not run: its filter does not select the event (severity critical or worse",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output has no %q:\n%s", want, out)
			}
		}
		if code, out, _ := prpt(t, "hooks", "test", "--config", conf, "--event", evFile, "--all"); code != 1 || !strings.Contains(out, "no pager reachable") {
			t.Errorf("--all: exit %d, output:\n%s\nwant the pager run too", code, out)
		}
		if err := os.WriteFile(evFile, []byte("not json"), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := prpt(t, "hooks", "test", "--config", conf, "--event", evFile); code != 1 || !strings.Contains(stderr, "not one JSON event") {
			t.Errorf("bad --event: exit %d, %q", code, stderr)
		}
	})
}
