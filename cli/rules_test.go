package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/peripety/peripety/config"
	"github.com/peripety/peripety/parsers"
)

// ruleSet is the rule set prpt builds with testdata/user.conf.
func ruleSet(t *testing.T) *parsers.RuleSet {
	t.Helper()
	cfg, err := config.Load("testdata/user.conf", true)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := parsers.NewRuleSet(cfg.Rules)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestRulesList(t *testing.T) {
	code, out, stderr := run(t, "", "rules", "list", "--config", "testdata/user.conf")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if got := strings.Fields(lines[0]); strings.Join(got, " ") != "NAME SUB-SYSTEM EVENT TYPE KIND CONDITION LINES OF SOURCE" {
		t.Errorf("header = %q", lines[0])
	}
	rules := ruleSet(t).Rules()
	if len(lines)-1 != len(rules) {
		t.Fatalf("%d rule lines, want %d", len(lines)-1, len(rules))
	}
	for i, r := range rules {
		f := strings.Fields(lines[i+1])
		if f[0] != r.Name || f[len(f)-1] != lastField(r.Source) {
			t.Errorf("line %q, want rule %+v", lines[i+1], r)
		}
	}
	for _, want := range []string{"dm_mpath_failing_path Multipath DM_MPATH_PATH_FAILED event path:failed kernel ",
		"generic_xfs_error xfs FS_ERROR event,catch-all - kernel ",
		"mpathd_checker_failed_path Multipath MPATH_PATH_DOWN event path:failed multipathd ",
		"smartd_identity SMART - note - smartd "} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("no rule line %q", want)
		}
	}
	last := lines[len(lines)-1]
	for _, want := range []string{"Block", "WIDGET_FAILURE", "event", "testdata/user.conf:4"} {
		if !strings.Contains(last, want) {
			t.Errorf("user rule line %q lacks %q", last, want)
		}
	}
}

func lastField(s string) string {
	f := strings.Fields(s)
	return f[len(f)-1]
}

func TestRulesListJSON(t *testing.T) {
	code, out, stderr := run(t, "", "rules", "list", "-J", "--config", "testdata/user.conf")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var last map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatal(err)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if _, ok := first["condition"].(string); !ok || first["catch_all"] != false {
		t.Errorf("first rule = %v, want a condition string and catch_all false", first)
	}
	if last["event_type"] != "WIDGET_FAILURE" || last["source"] != "testdata/user.conf:4" || last["sub_system"] != "Block" {
		t.Errorf("last rule = %v, want the user rule", last)
	}
	if len(lines) != len(ruleSet(t).Rules()) {
		t.Errorf("%d rules listed, want %d", len(lines), len(ruleSet(t).Rules()))
	}
}

func TestRulesTest(t *testing.T) {
	rs := ruleSet(t)
	userRule := ""
	for _, r := range rs.Rules() {
		if r.Source == "testdata/user.conf:4" {
			userRule = r.Name
		}
	}
	const unruled = "frobnicator: disk quux went sideways"
	if !parsers.LooksLikeStorage(unruled) {
		t.Fatalf("%q does not look like storage; pick another line", unruled)
	}
	in := "6,1,1,-;hid: raw HID events driver (C) Jiri Kosina\n" +
		"3,2,2,-;I/O error, dev loop0, sector 2048 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2\n" +
		"6,3,3,-;" + unruled + "\n" +
		"13,4,4,-;peripety-probe: disk line from user space\n" +
		"6,5,5,-;zz7: custom widget failure code 3\n"
	code, out, stderr := run(t, in, "rules", "test", "--config", "testdata/user.conf", "-")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	blk, _ := rs.MatchRule(parsers.Record{Message: "I/O error, dev loop0, sector 2048 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2"})
	want := "2: hit " + blk + ": I/O error, dev loop0, sector 2048 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2\n" +
		"3: MISS (looks like storage): " + unruled + "\n" +
		"5: hit " + userRule + ": zz7: custom widget failure code 3\n" +
		"4 records: 2 hit a rule, 1 storage-looking hit none, 1 others\n"
	if out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}

	code, out, _ = run(t, in, "rules", "test", "--all", "--config", "testdata/user.conf", "-")
	if code != 0 || !strings.Contains(out, "1: none: hid: raw HID events driver (C) Jiri Kosina\n") {
		t.Errorf("--all: exit %d, output:\n%s", code, out)
	}
}

func TestRulesTestErrors(t *testing.T) {
	code, _, stderr := run(t, "", "rules", "test", "--config", "testdata/user.conf", "testdata/none.log")
	if code != 1 || !strings.Contains(stderr, "open log: open testdata/none.log") {
		t.Errorf("missing file: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = run(t, "", "rules", "test")
	if code != 1 || !strings.Contains(stderr, "expected \"<file>\"") {
		t.Errorf("no file: exit %d, stderr %q", code, stderr)
	}
}

// TestRulesCoverage checks that `prpt rules coverage` prints a line per
// kernel version and sub-system whose classes add up, in text and JSON.
func TestRulesCoverage(t *testing.T) {
	code, out, stderr := run(t, "", "rules", "coverage")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(out, "\n")
	if got := strings.Join(strings.Fields(lines[0]), " "); got != "KERNEL SUB-SYSTEM FORMATS WARNING+ SPECIFIC CATCH-ALL FOLDED IGNORED MISSING COVERAGE BY SPECIFIC" {
		t.Errorf("header = %q", lines[0])
	}
	if !strings.Contains(out, " 6.1 ") || !strings.Contains(out, " dm-mpath ") || !strings.Contains(out, " 4.19 ") {
		t.Errorf("no line of 4.19, 6.1 or dm-mpath:\n%s", out)
	}
	code, out, stderr = run(t, "", "rules", "coverage", "-J")
	if code != 0 {
		t.Fatalf("-J: exit %d, stderr %q", code, stderr)
	}
	versions := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var c struct {
			Version                                    string
			Serious                                    int `json:"warning_or_worse"`
			Formats, Covered, Folded, Ignored, Missing int
			Specific                                   int     `json:"covered_specific"`
			CatchAll                                   int     `json:"covered_catch_all"`
			Percent                                    float64 `json:"coverage_percent"`
			SpecificPercent                            float64 `json:"specific_percent"`
		}
		if err := json.Unmarshal([]byte(l), &c); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		versions[c.Version] = true
		if c.Covered+c.Folded+c.Ignored+c.Missing != c.Serious || c.Specific+c.CatchAll != c.Covered || c.Serious > c.Formats ||
			c.Percent < 0 || c.Percent > 100 || c.SpecificPercent > c.Percent {
			t.Errorf("counts do not add up: %s", l)
		}
	}
	if len(versions) != 4 {
		t.Errorf("versions %v, want 4.19, 5.10, 6.1 and 6.12", versions)
	}
}

// TestRulesTestDaemons: the lines of storage daemons in a syslog file are
// tested against their daemon's rules, and say whose they are.
func TestRulesTestDaemons(t *testing.T) {
	in := "Nov 25 16:03:04 host multipathd[812]: checker failed path 8:32 in map mpatha\n" +
		"Nov 25 16:03:04 host kernel: device-mapper: multipath: 253:0: Failing path 8:32.\n" +
		"Nov 25 16:03:05 host multipathd[812]: mpatha: remaining active paths: 1\n" +
		"Nov 25 16:03:05 host multipathd[812]: multipathd: shut down\n" +
		"Nov 25 16:03:06 host sshd[1]: Accepted publickey for root\n"
	code, out, stderr := run(t, in, "rules", "test", "--format", "syslog", "--config", "testdata/user.conf", "-")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	want := "1: hit mpathd_checker_failed_path: multipathd: checker failed path 8:32 in map mpatha\n" +
		"2: hit dm_mpath_failing_path: device-mapper: multipath: 253:0: Failing path 8:32.\n" +
		"3: hit mpathd_active_paths: multipathd: mpatha: remaining active paths: 1\n" +
		"4 records: 3 hit a rule, 0 storage-looking hit none, 1 others\n"
	if out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
}
