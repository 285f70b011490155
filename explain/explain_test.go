package explain

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/golden"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/parsers/logfmt"
)

// TestFamiliesNameRealTypes: every type a family names (not a pattern) is
// one the parsers give, or one of the daemon's own.
func TestFamiliesNameRealTypes(t *testing.T) {
	types, err := parsers.EventTypes()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, typ := range f.types {
			if strings.Contains(typ, "*") || strings.HasPrefix(typ, "PERIPETY_") {
				continue
			}
			if !slices.Contains(types, typ) {
				t.Errorf("family %q names %s, which no parser gives", f.title, typ)
			}
		}
	}
}

// TestExplainRealCaptures tells the events the parsers made of real
// captured kernel logs (parsers/testdata/real), as a person reads them.
func TestExplainRealCaptures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "parsers", "testdata", "real", "*.kmsg"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures: %v", err)
	}
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "== %s\n", filepath.Base(f))
		for _, ev := range readEvents(t, f) {
			txt := Explain(&ev, Device{})
			fmt.Fprintf(&b, "%s %s %s\n  %s\n", ev.Severity, ev.EventType, ev.Kdev, txt.Title)
			if txt.Advice != "" {
				fmt.Fprintf(&b, "  → %s\n", txt.Advice)
			}
		}
	}
	golden.Check(t, filepath.Join("testdata", "real.golden"), []byte(b.String()))
}

// readEvents parses a captured kernel log with the built-in rules.
func readEvents(t *testing.T, path string) []event.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, err := parsers.NewRuleSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := logfmt.NewReader(f, logfmt.Format("auto"))
	if err != nil {
		t.Fatal(err)
	}
	var evs []event.Event
	emit := func(ev event.Event) { evs = append(evs, ev) }
	p := parsers.NewParser(rs, parsers.Options{})
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		p.Push(rec, emit)
	}
	p.Close(emit)
	return evs
}

func TestExplain(t *testing.T) {
	medium := event.Event{EventType: "SCSI_MEDIUM_ERROR", Severity: event.Error, Kdev: "sdb", DevPath: "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4"}
	fsErr := event.Event{EventType: "FS_IO_ERROR", Severity: event.Error, Kdev: "dm-3", DevPath: "/dev/mapper/vg-data",
		Extension: map[string]string{"mount_point": "/srv/data"}}
	odd := event.Event{EventType: "SCSI_ALUA_STATE_CHANGED", Severity: event.Warning, Kdev: "8:16", Msg: "ALUA state changed to standby\nmore"}
	for _, tc := range []struct {
		name string
		ev   event.Event
		dev  Device
		want Text
	}{
		{"medium error with model and mount", medium, Device{Model: "ST4000DM004", MountPoint: "/srv/data"}, Text{
			Title:  "Disk /dev/sdb (ST4000DM004) has unreadable sectors",
			Advice: "Back up /srv/data now: the disk is failing. Check it with smartctl -a /dev/sdb and plan to replace it."}},
		{"medium error, nothing known", medium, Device{}, Text{
			Title:  "Disk /dev/sdb has unreadable sectors",
			Advice: "Back up its data now: the disk is failing. Check it with smartctl -a /dev/sdb and plan to replace it."}},
		{"filesystem on an LV", fsErr, Device{}, Text{
			Title:  "The filesystem /srv/data (/dev/mapper/vg-data) has errors",
			Advice: "Back up /srv/data, then check the filesystem when it can be unmounted (fsck, xfs_repair or btrfs check)."}},
		{"no family", odd, Device{}, Text{Title: "Storage warning on 8:16: ALUA state changed to standby"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Explain(&tc.ev, tc.dev); got != tc.want {
				t.Errorf("Explain:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
