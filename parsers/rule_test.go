package parsers

import (
	"regexp"
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
