package event

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseTimeSpec(t *testing.T) {
	now := time.Date(2026, 11, 25, 16, 30, 0, 0, time.UTC)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no zoneinfo: %v", err)
	}
	for in, want := range map[string]time.Time{
		"now":                            now,
		"today":                          time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC),
		"yesterday":                      time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC),
		"tomorrow":                       time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
		"2018-05-21":                     time.Date(2018, 5, 21, 0, 0, 0, 0, time.UTC),
		"18-05-21":                       time.Date(2018, 5, 21, 0, 0, 0, 0, time.UTC),
		"2018-05-21 10:00:00":            time.Date(2018, 5, 21, 10, 0, 0, 0, time.UTC),
		"2018-05-21 10:00":               time.Date(2018, 5, 21, 10, 0, 0, 0, time.UTC),
		"2018-05-21 10:00:00.25":         time.Date(2018, 5, 21, 10, 0, 0, 250000000, time.UTC),
		"2018-05-21T10:00:00":            time.Date(2018, 5, 21, 10, 0, 0, 0, time.UTC),
		"Mon 2018-05-21 10:00 UTC":       time.Date(2018, 5, 21, 10, 0, 0, 0, time.UTC),
		"2018-05-21 10:00 +02:00":        time.Date(2018, 5, 21, 8, 0, 0, 0, time.UTC),
		"2018-05-21 10:00 -0500":         time.Date(2018, 5, 21, 15, 0, 0, 0, time.UTC),
		"2018-05-21 10:00 Europe/Berlin": time.Date(2018, 5, 21, 10, 0, 0, 0, berlin),
		"2018-05-21T10:00:00Z":           time.Date(2018, 5, 21, 10, 0, 0, 0, time.UTC),
		"2018-05-21T10:00:00+02:00":      time.Date(2018, 5, 21, 8, 0, 0, 0, time.UTC),
		"10:00":                          time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
		"10:00:30":                       time.Date(2026, 11, 25, 10, 0, 30, 0, time.UTC),
		"@1700000000":                    time.Unix(1700000000, 0),
		"@1700000000.5":                  time.Unix(1700000000, 500000000),
		"-1h":                            now.Add(-time.Hour),
		"-1h30min":                       now.Add(-90 * time.Minute),
		"+30min":                         now.Add(30 * time.Minute),
		"1 hour ago":                     now.Add(-time.Hour),
		"2 hours 5 min left":             now.Add(2*time.Hour + 5*time.Minute),
		"1.5d ago":                       now.Add(-36 * time.Hour),
		"-90":                            now.Add(-90 * time.Second),
		"-2w":                            now.Add(-14 * 24 * time.Hour),
		"-1M":                            now.Add(-2629800 * time.Second),
		"-1y":                            now.Add(-31557600 * time.Second),
		"-500ms":                         now.Add(-500 * time.Millisecond),
	} {
		got, err := ParseTimeSpec(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTimeSpec(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "last week", "2018-13-01", "-1 fortnight", "@x", "ago", "-", "1 hour", "25:00",
		"2018-05-21 10:00 +99:00", "@1e300"} {
		if _, err := ParseTimeSpec(in, now); err == nil {
			t.Errorf("ParseTimeSpec(%q): want error", in)
		}
	}
}

// TestParseTimeSpecAsSystemd compares ParseTimeSpec with systemd's own
// parser (systemd-analyze timestamp, the parser journalctl --since uses).
func TestParseTimeSpecAsSystemd(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skipf("no systemd-analyze (Debian package systemd): %v", err)
	}
	ins := []string{"today", "yesterday", "tomorrow", "2018-05-21", "18-05-21", "2018-05-21 10:00:00", "2018-05-21 10:00",
		"Mon 2018-05-21 10:00 UTC", "10:00", "10:00:30", "@1700000000.5", "-1h", "-1h30min", "+30min", "1 hour ago",
		"2 hours 5 min left", "1.5d ago", "-90", "-2w", "-1M", "-1y"}
	cmd := exec.Command(analyze, append([]string{"timestamp", "--"}, ins...)...)
	cmd.Env = []string{"TZ=UTC", "LANG=C"}
	out, err := cmd.Output()
	now := time.Now().UTC()
	if err != nil {
		t.Fatalf("systemd-analyze timestamp: %v\n%s", err, out)
	}
	var got []time.Time
	for _, line := range strings.Split(string(out), "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "UNIX seconds: @")
		if !ok {
			continue
		}
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("systemd-analyze line %q: %v", line, err)
		}
		got = append(got, time.UnixMicro(int64(secs*1e6)))
	}
	if len(got) != len(ins) {
		t.Fatalf("systemd-analyze gave %d times for %d inputs:\n%s", len(got), len(ins), out)
	}
	for i, in := range ins {
		mine, err := ParseTimeSpec(in, now)
		if err != nil {
			t.Errorf("ParseTimeSpec(%q): %v", in, err)
			continue
		}
		// Relative forms are taken from two slightly different nows.
		if d := mine.Sub(got[i]); d > 5*time.Second || d < -5*time.Second {
			t.Errorf("%q: ParseTimeSpec %v, systemd %v", in, mine, got[i].UTC())
		}
	}
}

// FuzzParseTimeSpec: any text a user or a D-Bus client gives is read or
// refused, never a panic.
func FuzzParseTimeSpec(f *testing.F) {
	for _, s := range []string{"-1h", "1 hour ago", "@1700000000.5", "Mon 2018-05-21 10:00 Europe/Berlin", "10:00", "2h 30min left"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 25, 16, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseTimeSpec(s, now)
	})
}
