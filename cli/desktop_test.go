package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
)

// TestNotifyLimitStorm feeds a storm of 100,000 events, 1 ms apart, to the
// bound on popups, and counts what a desktop would get: a few popups per
// window and one counting notification, updated about once a second.
func TestNotifyLimitStorm(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	l := &notifyLimit{now: func() time.Time { return now }}
	defer l.stop()
	const storm = 100_000
	popups, updates := 0, 0
	for i := range storm {
		ev := event.Event{EventID: "e" + strconv.Itoa(i), Severity: event.Error, Timestamp: now}
		switch {
		case !l.firstTime(ev.EventID):
		case l.allow():
			popups++
		case l.over(&ev, func() {}):
			updates++
			l.moreText()
		}
		now = now.Add(time.Millisecond)
	}
	span := time.Duration(storm) * time.Millisecond
	maxPopups := notifyBurst * int(span/notifyWindow+1)
	maxUpdates := int(span/notifyUpdate) + 1
	t.Logf("%d events over %v: %d popups (bound %d), %d updates of the count (bound %d)", storm, span, popups, maxPopups, updates, maxUpdates)
	if popups == 0 || popups > maxPopups || updates == 0 || updates > maxUpdates {
		t.Errorf("popups %d (want 1..%d), count updates %d (want 1..%d)", popups, maxPopups, updates, maxUpdates)
	}
	_, sev, summary, body := l.moreText()
	if sev != event.Error || !strings.HasSuffix(summary, " more storage events") || !strings.Contains(body, "prpt query --since") {
		t.Errorf("count notification: %v %q %q", sev, summary, body)
	}
	// After a calm spell, a new event pops up again.
	now = now.Add(notifyWindow)
	if !l.allow() {
		t.Error("no popup after a calm spell")
	}
}

func TestNotificationText(t *testing.T) {
	ev := event.Event{EventType: "SCSI_MEDIUM_ERROR", Severity: event.Error, Kdev: "sdzz", Hostname: "db1",
		Timestamp: time.Date(2026, 11, 25, 9, 0, 0, 0, time.Local), Msg: "medium error",
		RawMsg: "sd 2:0:0:0: [sdzz] <tag> Sense Key : Medium Error [current]\nsecond line"}
	summary, body := notificationText(&ev)
	if summary != "Disk /dev/sdzz has unreadable sectors" {
		t.Errorf("summary %q", summary)
	}
	lines := strings.Split(body, "\n")
	if len(lines) != 3 || lines[2] != "Kernel: sd 2:0:0:0: [sdzz] &lt;tag&gt; Sense Key : Medium Error [current]" ||
		!strings.HasPrefix(lines[0], "Back up its data now") || lines[1] != "2026-11-25 09:00:00 · db1 · SCSI_MEDIUM_ERROR" {
		t.Errorf("body:\n%s", body)
	}
}

func TestDiskModel(t *testing.T) {
	root := t.TempDir()
	disk := filepath.Join(root, "sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sdb")
	for _, p := range []string{filepath.Join(disk, "device"), filepath.Join(disk, "sdb1"), filepath.Join(root, "sys/class/block")} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(disk, "device", "model"), "ST4000DM004-2CV1\n")
	write(filepath.Join(disk, "sdb1", "partition"), "1\n")
	for name, target := range map[string]string{"sdb": disk, "sdb1": filepath.Join(disk, "sdb1")} {
		if err := os.Symlink(target, filepath.Join(root, "sys/class/block", name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		ev   event.Event
		want string
	}{
		{event.Event{Kdev: "sdb"}, "ST4000DM004-2CV1"},
		{event.Event{Kdev: "sdb1"}, "ST4000DM004-2CV1"},
		{event.Event{Kdev: "dm-3", OwnersPaths: []string{"/dev/mapper/mpatha", "/dev/sdb"}}, "ST4000DM004-2CV1"},
		{event.Event{Kdev: "8:16"}, ""},
		{event.Event{Kdev: "loop0"}, ""},
	} {
		if got := diskModel(root, &tc.ev); got != tc.want {
			t.Errorf("diskModel(%s %v) = %q, want %q", tc.ev.Kdev, tc.ev.OwnersPaths, got, tc.want)
		}
	}
}
