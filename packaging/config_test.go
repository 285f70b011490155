package packaging

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/config"
)

// TestSampleConfigLoads: the shipped /etc/peripetyd.conf loads with the
// daemon's loader and, as it says, changes nothing from the defaults.
func TestSampleConfigLoads(t *testing.T) {
	c, err := config.Load("peripetyd.conf", true)
	if err != nil {
		t.Fatalf("the sample config does not load: %v", err)
	}
	if diff := cmp.Diff(config.Default(), c); diff != "" {
		t.Errorf("the sample differs from the defaults it claims (-want +got):\n%s", diff)
	}
	if len(c.Rules) != 0 {
		t.Errorf("the sample config adds %d rules; its example should be commented out", len(c.Rules))
	}
}

// TestSampleConfigExample: the commented-out example rule, uncommented as
// the file tells the reader to do, loads and matches the kind of line it is
// written for.
func TestSampleConfigExample(t *testing.T) {
	sample, err := os.ReadFile("peripetyd.conf")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(sample), "\n")
	start := -1
	for i, l := range lines {
		if l == "# [[collector.regexs]]" {
			start = i
		}
	}
	if start < 0 {
		t.Fatal(`the sample config has no "# [[collector.regexs]]" example`)
	}
	for i := start; i < len(lines); i++ {
		lines[i] = strings.TrimPrefix(strings.TrimPrefix(lines[i], "#"), " ")
	}
	p := filepath.Join(t.TempDir(), "peripetyd.conf")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(p, true)
	if err != nil {
		t.Fatalf("the sample's example rule, uncommented, does not load: %v", err)
	}
	if len(c.Rules) != 1 {
		t.Fatalf("uncommented example: %d rules, want 1", len(c.Rules))
	}
	r := c.Rules[0]
	// A warning of this shape, as ext4 logs it (fs/ext4/super.c
	// __ext4_warning).
	const line = "EXT4-fs warning (device loop3): ext4_end_bio:343: I/O error 10 writing to inode 12 starting block 8192)"
	if !strings.HasPrefix(line, r.StartsWith) {
		t.Errorf("starts_with %q does not start %q", r.StartsWith, line)
	}
	m := r.Regexp.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("regex %s does not match %q", r.Regexp, line)
	}
	got := map[string]string{}
	for i, name := range r.Regexp.SubexpNames() {
		if name != "" {
			got[name] = m[i]
		}
	}
	want := map[string]string{"kdev": "loop3", "function": "ext4_end_bio", "detail": "I/O error 10 writing to inode 12 starting block 8192)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("example rule's groups (-want +got):\n%s", diff)
	}
	if r.SubSystem != "ext4" || r.EventType != "FS_WARNING" {
		t.Errorf("example rule: sub_system %q, event_type %q; want ext4, FS_WARNING", r.SubSystem, r.EventType)
	}
}
