package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/parsers"
)

// parse reads one file's content, as Load does, over the defaults; name is
// what errors and rule sources call it.
func parse(name string, data []byte) (*Config, error) {
	c := Default()
	hooks, err := c.add(name, data, nil)
	if err != nil {
		return nil, err
	}
	if err := c.finishHooks(hooks); err != nil {
		return nil, err
	}
	return c, nil
}

// TestLoadOriginal loads the original peripety's shipped file, unchanged.
func TestLoadOriginal(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "peripetyd.conf"), true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Main{SaveToJournald: true, DumpBlkInfoAtStart: true}, c.Main); diff != "" {
		t.Errorf("Main (-want +got):\n%s", diff)
	}
	if len(c.Rules) != 1 {
		t.Fatalf("got %d rules, want 1", len(c.Rules))
	}
	r := c.Rules[0]
	got := map[string]string{
		"starts_with": r.StartsWith,
		"sub_system":  r.SubSystem,
		"event_type":  r.EventType,
		"source":      r.Source,
		"regex":       r.Regexp.String(),
	}
	want := map[string]string{
		"starts_with": "EXT4-fs ",
		"sub_system":  "ext4",
		"event_type":  "FS_MOUNTED",
		"source":      "testdata/peripetyd.conf:19",
		"regex":       `^sd \d+:\d+:\d+:\d+:\s\[(?P<kdev>sd[a-z]+)\]\stag#\d+ Sense Key : (?P<sense_key>[^\[\]]+)\s\[(?P<is_deferred>(?:deferred)|(?:current))\]`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rule (-want +got):\n%s", diff)
	}
	// The translated pattern matches the kernel line it was written for.
	m := r.Regexp.FindStringSubmatch("sd 2:0:0:0: [sdc] tag#23 Sense Key : Medium Error [current]")
	if m == nil {
		t.Fatal("the original rule does not match its SCSI sense line")
	}
	if kdev, key := m[r.Regexp.SubexpIndex("kdev")], m[r.Regexp.SubexpIndex("sense_key")]; kdev != "sdc" || key != "Medium Error" {
		t.Errorf("kdev, sense_key = %q, %q; want sdc, Medium Error", kdev, key)
	}
}

func TestParseErrors(t *testing.T) {
	const okRule = "[[collector.regexs]]\nregex = '(?P<kdev>sd[a-z]+) x'\n"
	tests := []struct {
		name, in, want string
	}{
		{"syntax", "[main\n", "f.conf:1: expected ']' to close table name"},
		{"unknown top-level key", "verbose = true\n", "f.conf:1: verbose: unknown key"},
		{"unknown main key", "[main]\n\nnotify = true\n", "f.conf:3: main.notify: unknown key"},
		{"unknown table", "[mian]\nnotify_stdout = true\n", "f.conf:1: mian: unknown key"},
		{"wrong type in main", "[main]\nsave_to_journald = \"no\"\n", "f.conf:2: main.save_to_journald: wrong type: want a boolean (true or false), not a TOML string"},
		{"unknown rule key", okRule + "\n[[collector.regexs]]\nregex = '(?P<kdev>x)'\nstart_with = 'x'\n", "f.conf:6: collector.regexs[1].start_with: unknown key"},
		{"wrong rule type", okRule + "event_type = 3\n", "f.conf:3: collector.regexs[0].event_type: wrong type: want a string, not a TOML integer"},
		{"no regex", "[[collector.regexs]]\nsub_system = 'SCSI'\n", "f.conf:1: collector.regexs[0].regex: missing: every rule needs a regex with a (?P<kdev>…) group"},
		{"empty regex", "[[collector.regexs]]\nregex = ''\n", "f.conf:2: collector.regexs[0].regex: missing"},
		{"no kdev", okRule + "[[collector.regexs]]\nregex = '(?P<dev>sd[a-z]+)'\n", "f.conf:4: collector.regexs[1].regex: no named group kdev: add (?P<kdev>…) around the device name"},
		{"invalid regex", "[[collector.regexs]]\n# a comment\nregex = '(?P<kdev>sd[a-z]+'\n", "f.conf:3: collector.regexs[0].regex: invalid regular expression: missing closing ): `(?P<kdev>sd[a-z]+`"},
		{"perl-only syntax", "[[collector.regexs]]\nregex = '(?P<kdev>\\w+)(?=x)'\n", "f.conf:2: collector.regexs[0].regex: invalid regular expression: invalid or unsupported Perl syntax: `(?=`"},
		{"invalid verbose regex on its own line", "[[collector.regexs]]\nregex = '''(?x)\n  (?P<kdev>sd[a-z]+)  # disk\n  [a-\n'''\n", "f.conf:2: collector.regexs[0].regex: invalid regular expression: invalid character class range"},
		{"unknown sub-system", okRule + "sub_system = 'ext5'\n", "f.conf:3: collector.regexs[0].sub_system: unknown sub-system \"ext5\": want one of SCSI, ATA"},
		{"regexs not an array of tables", "[collector]\nregexs = 1\n", "f.conf:2: collector.regexs: wrong type"},
		{"unknown daemon", okRule + "daemon = 'sshd'\n", "f.conf:3: collector.regexs[0].daemon: unknown daemon \"sshd\": want one of multipathd, iscsid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse("f.conf", []byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parse(%q) error:\n got %v\nwant it to contain %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestParseRules(t *testing.T) {
	in := `[main]
notify_stdout = true

[[collector.regexs]]
regex = '(?P<kdev>sd[a-z]+): (?P<what>.+)'
sub_system = "scsi"

[[collector.regexs]]
starts_with = "md/raid"
regex = '''(?x)
    md/raid\d+:(?P<kdev>md\d+):  # the array
    \ Disk\ failure\ on\ (?P<member>\S+)
'''
sub_system = "dm-dirtylog"
event_type = "MD_DISK_FAILURE"

[[collector.regexs]]
regex = "(?P<kdev>nvme\\d+)"
sub_system = ""

[[collector.regexs]]
regex = '^(?P<kdev>\S+): sg_io failed'
daemon = "multipathd"

[[collector.regexs]]
regex = '^(?P<kdev>\S+): lvm says'
daemon = "lvm"
`
	c, err := parse("p.conf", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	type rule struct{ StartsWith, Regexp, SubSystem, EventType, Daemon, Source string }
	var got []rule
	for _, r := range c.Rules {
		got = append(got, rule{r.StartsWith, r.Regexp.String(), r.SubSystem, r.EventType, r.Daemon, r.Source})
	}
	want := []rule{
		{"", `(?P<kdev>sd[a-z]+): (?P<what>.+)`, "SCSI", "", "", "p.conf:4"},
		{"md/raid", `md/raid\d+:(?P<kdev>md\d+): Disk failure on (?P<member>\S+)`, "DM-DirtyLog", "MD_DISK_FAILURE", "", "p.conf:8"},
		{"", `(?P<kdev>nvme\d+)`, "", "", "", "p.conf:17"},
		{"", `^(?P<kdev>\S+): sg_io failed`, "", "", "multipathd", "p.conf:21"},
		{"", `^(?P<kdev>\S+): lvm says`, "", "", "dmeventd", "p.conf:25"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	if !c.Main.NotifyStdout || !c.Main.SaveToJournald || !c.Main.DumpBlkInfoAtStart {
		t.Errorf("Main = %+v, want notify_stdout set and the defaults kept", c.Main)
	}
}

func TestLoadDropIns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "peripetyd.conf")
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(path, "[main]\nsave_to_journald = false\n[[collector.regexs]]\nregex = '(?P<kdev>a)'\n")
	write(filepath.Join(dir, "peripetyd.conf.d", "20-b.conf"), "[[collector.regexs]]\nregex = '(?P<kdev>c)'\n")
	write(filepath.Join(dir, "peripetyd.conf.d", "10-a.conf"), "[main]\nsave_to_journald = true\nnotify_stdout = true\n[[collector.regexs]]\nregex = '(?P<kdev>b)'\n")
	write(filepath.Join(dir, "peripetyd.conf.d", "30-ignored.conf.disabled"), "junk")
	write(filepath.Join(dir, "peripetyd.conf.d", "40-dir.conf", "x"), "junk")

	c, err := Load(path, true)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range c.Rules {
		got = append(got, r.Regexp.String()+" "+strings.TrimPrefix(r.Source, dir))
	}
	want := []string{
		"(?P<kdev>a) /peripetyd.conf:3",
		"(?P<kdev>b) /peripetyd.conf.d/10-a.conf:4",
		"(?P<kdev>c) /peripetyd.conf.d/20-b.conf:1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Main{NotifyStdout: true, SaveToJournald: true, DumpBlkInfoAtStart: true}, c.Main); diff != "" {
		t.Errorf("Main (-want +got):\n%s", diff)
	}

	write(filepath.Join(dir, "peripetyd.conf.d", "50-bad.conf"), "[main]\n\nbogus = 1\n")
	_, err = Load(path, true)
	if want := filepath.Join(dir, "peripetyd.conf.d", "50-bad.conf") + ":3: main.bogus: unknown key"; err == nil || err.Error() != want {
		t.Errorf("Load with a bad drop-in: %v, want %q", err, want)
	}
}

func TestLoadMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.conf")
	c, err := Load(path, false)
	if err != nil {
		t.Fatalf("Load(missing, false): %v", err)
	}
	if diff := cmp.Diff(Default(), c); diff != "" {
		t.Errorf("Load(missing, false) (-want +got):\n%s", diff)
	}
	if _, err := Load(path, true); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Load(missing, true) = %v, want an error naming %s", err, path)
	}
}

func FuzzParse(f *testing.F) {
	orig, err := os.ReadFile(filepath.Join("testdata", "peripetyd.conf"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(orig)
	f.Add([]byte("[[collector.regexs]]\nregex = '(?P<kdev>a)'\nfoo = 1\n[[collector.regexs]]\nregex = 1\n"))
	f.Add([]byte("collector.regexs = [{regex = '(?P<kdev>a)', sub_system = 'x'}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parse("f.conf", data)
		if err == nil {
			for _, r := range c.Rules {
				if r.Regexp == nil || r.Regexp.SubexpIndex("kdev") < 0 {
					t.Errorf("accepted a rule without a kdev group: %+v", r)
				}
			}
		} else if !strings.HasPrefix(err.Error(), "f.conf") {
			t.Errorf("error %q does not name the file", err)
		}
	})
}

// BenchmarkLoadRules loads a config of 100,000 user rules and builds the
// rule set from them: linear time (it was quadratic: over 5 minutes).
func BenchmarkLoadRules(b *testing.B) {
	const n = 100_000
	var text strings.Builder
	for i := range n {
		fmt.Fprintf(&text, "[[collector.regexs]]\nstarts_with = \"mydrv%d \"\nregex = \"^mydrv%d (?P<kdev>sd[a-z]+) broke\"\nsub_system = \"SCSI\"\nevent_type = \"MY_%d\"\n", i, i, i)
	}
	p := filepath.Join(b.TempDir(), "many.conf")
	if err := os.WriteFile(p, []byte(text.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		c, err := Load(p, true)
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Rules) != n {
			b.Fatalf("%d rules, want %d", len(c.Rules), n)
		}
		if _, err := parsers.NewRuleSet(c.Rules); err != nil {
			b.Fatal(err)
		}
	}
}
