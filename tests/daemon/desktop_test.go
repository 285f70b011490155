package daemon_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/peripety/peripety/internal/testenv"
)

// artifactDir is where tests keep what a person should look at (the
// notification screenshot): $PERIPETY_ARTIFACTS, else bin/artifacts in the
// module (bin/ is the build's, ignored by git).
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PERIPETY_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "bin", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// TestDesktopNotification runs a graphical session of its own (Xvfb, a
// session bus, the dunst notification server), peripetyd and
// `prpt monitor --journal --notify` in it, makes a real ext4 filesystem
// fail (a corrupted inode, mounted errors=remount-ro), and keeps a
// screenshot of the notification: bin/artifacts/desktop-notification.png
// (or under $PERIPETY_ARTIFACTS). The mount itself, an Info event, must
// not pop up; the failure must, in plain language, once for its incident.
func TestDesktopNotification(t *testing.T) {
	needRoot(t)
	need(t, "Xvfb", "dunst", "dunstctl", "import", "mkfs.ext4", "debugfs")
	testenv.Journald(t)
	display := startX(t)
	testenv.SessionBus(t)
	// dunst runs this for each notification it shows (dunst(5), script):
	// what a person read, for the test to check.
	dir := t.TempDir()
	shownLog := filepath.Join(dir, "shown")
	logScript := filepath.Join(dir, "log-shown")
	if err := os.WriteFile(logScript, []byte("#!/bin/sh\nprintf '%s\\n' \"$2\" >>"+shownLog+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	dunstrc := filepath.Join(dir, "dunstrc")
	if err := os.WriteFile(dunstrc, []byte(dunstConfig+"\n[shown]\nappname = \"*\"\nscript = "+logScript+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	summaries := func() []string {
		b, _ := os.ReadFile(shownLog)
		return strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	dunst := testenv.StartProcess(t, []string{"DISPLAY=" + display}, "dunst", "-config", dunstrc)
	if err := dunst.WaitFor(10*time.Second, "dunst serves notifications", func() error {
		return exec.Command("dunstctl", "count", "displayed").Run()
	}); err != nil {
		t.Fatal(err)
	}

	dev := testenv.Loop(t, testenv.SparseFile(t, 64<<20))
	testenv.Run(t, "mkfs.ext4", "-q", dev)
	mp, err := os.MkdirTemp("/tmp", "data-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exec.Command("umount", mp).Run(); os.Remove(mp) })
	testenv.Run(t, "mount", "-o", "errors=remount-ro", dev, mp)
	testenv.Run(t, "mkdir", mp+"/d")
	testenv.Run(t, "sh", "-c", "echo data > "+mp+"/d/f")
	testenv.Run(t, "umount", mp)
	testenv.Run(t, "debugfs", "-w", "-R", "clri d/f", dev)

	d := startDaemon(t, filepath.Join(t.TempDir(), "state"), "kmsg", config{journald: true})
	monitor := testenv.StartProcess(t, nil, binary(t, "prpt"), "monitor", "--journal", "--notify")
	// The monitor follows what is stored from its start on: wait for it
	// to be running before the kernel speaks.
	time.Sleep(time.Second)
	if ended, err := monitor.Exited(); ended {
		t.Fatalf("prpt monitor --notify ended: %v", err)
	}
	testenv.Run(t, "mount", "-o", "errors=remount-ro", dev, mp)
	runMayFail("ls", "-l", mp+"/d")
	kdev := filepath.Base(dev)
	waitStored(t, wait, all(has("FS_MOUNTED", kdev), has("FS_ERROR", kdev), has("FS_REMOUNT_READ_ONLY", kdev)), d.pid())

	// One notification for the incident, told by its root cause, the
	// filesystem's error; its later events update it in place.
	want := "The filesystem " + mp + " (" + dev + ") has errors"
	if err := dunst.WaitFor(wait, "the failure's notification", func() error {
		if shown := summaries(); !slices.Contains(shown, want) {
			return fmt.Errorf("notifications so far: %q, want %q", shown, want)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // drawn
	shot := filepath.Join(artifactDir(t), "desktop-notification.png")
	testenv.Run(t, "import", "-display", display, "-window", "root", shot)
	t.Logf("notifications: %q; screenshot: %s", summaries(), shot)
	shown := summaries()
	if n := len(slices.DeleteFunc(slices.Clone(shown), func(s string) bool { return !strings.Contains(s, mp) })); n != 1 {
		t.Errorf("%d notifications about %s, want one for its incident: %q", n, mp, shown)
	}
	for _, s := range shown {
		if strings.Contains(s, "was mounted") {
			t.Errorf("the mount (Info) popped up: %q; the default is warning and worse", s)
		}
		if strings.Contains(s, "EXT4-fs") {
			t.Errorf("a summary in kernel words: %q", s)
		}
	}
}

// dunstConfig makes the notifications wide enough to read in a screenshot.
const dunstConfig = `[global]
font = DejaVu Sans 11
width = 560
origin = top-right
offset = 16x16
format = "<b>%s</b>\n%b"
markup = full
word_wrap = yes
`

// startX starts an X server of the test's own (Xvfb) and returns its
// display.
func startX(t *testing.T) string {
	t.Helper()
	for n := 90; n < 120; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		display := fmt.Sprintf(":%d", n)
		x := testenv.StartProcess(t, nil, "Xvfb", display, "-screen", "0", "1024x600x24", "-nolisten", "tcp")
		if err := x.WaitFor(10*time.Second, "Xvfb", func() error {
			_, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return display
	}
	t.Skip("no free X display number from :90 to :119")
	return ""
}
