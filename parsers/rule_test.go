package parsers

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestEveryRuleHasLevel checks that every built-in rule gives the printk
// level of its line in its own entry, or names the level in the line (the
// group _level), so that a log without levels still gets each event's
// severity right.
func TestEveryRuleHasLevel(t *testing.T) {
	for _, tb := range builtinTables() {
		for _, r := range tb.rules {
			named := r.re.namesLevel()
			switch {
			case tb.daemon != "":
				// A daemon's rule gives its severity (TestDaemonRulesSeverity).
			case r.level > kernDebug:
				t.Errorf("%s (%s): level %d is no printk level", r.name, tb.file, r.level)
			case r.level == kernNone && !named:
				t.Errorf("%s (%s): no printk level and no _level group", r.name, tb.file)
			}
		}
	}
}

// TestPrintkLevelSeverity pins the mapping of printk levels to severities
// (KERN_EMERG is 0, KERN_DEBUG 7, as syslog's).
func TestPrintkLevelSeverity(t *testing.T) {
	for l, want := range map[printkLevel]string{
		kernNone: "Info", kernEmerg: "Emergency", kernAlert: "Alert", kernCrit: "Critical",
		kernErr: "Error", kernWarning: "Warning", kernNotice: "Notice", kernInfo: "Info", kernDebug: "Debug",
	} {
		if got := l.severity().String(); got != want {
			t.Errorf("printkLevel(%d).severity() = %s, want %s", l, got, want)
		}
	}
}

// TestPatternsCompile compiles every built-in pattern, which the rules
// otherwise compile only when a line first reaches them.
func TestPatternsCompile(t *testing.T) {
	for _, tb := range builtinTables() {
		for _, r := range tb.rules {
			if _, err := regexp.Compile(r.re.String()); err != nil {
				t.Errorf("%s (%s): %v", r.name, tb.file, err)
			}
		}
	}
}

// TestPatternFindAsWhole checks that a pattern whose tail group is matched
// apart (pattern.find) gives the submatches the whole regexp gives, on
// every line of the case tables and on variants of them whose tail is
// empty, one byte, or holds a newline.
func TestPatternFindAsWhole(t *testing.T) {
	rs := mustRuleSet(t)
	var lines []string
	for _, cases := range caseTables {
		for _, c := range cases {
			for _, s := range c.records {
				for _, line := range strings.Split(record(s, t0).Message, "\n") {
					line = strings.TrimLeft(daemonLine(record(s, t0).Daemon, line), " ")
					lines = append(lines, line, line+"\nmore", line+"x")
					if i := strings.LastIndex(line, ": "); i >= 0 {
						lines = append(lines, line[:i+2], line[:i+1], line[:i+2]+"x", line[:i+2]+"\n"+line[i+2:])
					}
				}
			}
		}
	}
	split := 0
	for _, r := range rs.rules {
		re := r.re.get()
		if r.re.head != nil {
			split++
		}
		for _, line := range lines {
			if got, want := r.re.find(line), re.FindStringSubmatchIndex(line); !slices.Equal(got, want) {
				t.Errorf("rule %s on %q: find gives %v, the whole regexp %v", r.name, line, got, want)
			}
		}
	}
	if split == 0 {
		t.Error("no pattern has its tail matched apart")
	}
	t.Logf("%d of %d patterns have their tail matched apart, tried on %d lines", split, len(rs.rules), len(lines))
}
