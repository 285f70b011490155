package parsers

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
)

// lineCase is a table test of the rules: records in, events out. Each
// record is "<L>text" with L its kernel level (6 when absent); records are
// 1 ms apart, one failure's lines as the kernel prints them.
type lineCase struct {
	name    string
	records []string
	want    []want
}

// want is what a case checks of an event. Ext lists the extension keys it
// checks (others may be present); Msg is checked when set.
type want struct {
	Type  string
	Kdev  string
	Sev   event.Severity
	Raw   string
	Msg   string
	Ext   map[string]string
	Count uint32
}

// caseTables lists every subsystem's cases, for the rule coverage test.
var caseTables = map[string][]lineCase{
	"scsi":    scsiCases,
	"scsi2":   scsiFaultCases,
	"ata":     ataCases,
	"ata2":    ataFaultCases,
	"nvme":    nvmeCases,
	"nvme2":   nvmeFaultCases,
	"block":   blockCases,
	"iscsi":   iscsiCases,
	"dm":      dmCases,
	"thin":    thinCases,
	"md":      mdCases,
	"md2":     mdFaultCases,
	"ext4":    ext4Cases,
	"ext42":   ext4FaultCases,
	"jbd2":    jbd2Cases,
	"xfs":     xfsCases,
	"xfs2":    xfsFaultCases,
	"btrfs":   btrfsCases,
	"btrfs2":  btrfsFaultCases,
	"generic": genericCases,
	"conds":   conditionCases,
	"daemons": daemonCases,
}

// single is a case of one record giving one event; the event's raw_msg is
// the record's text.
func single(rec, typ, kdev string, sev event.Severity, ext map[string]string) lineCase {
	raw := rec
	if len(raw) >= 3 && raw[0] == '<' && raw[2] == '>' {
		raw = raw[3:]
	}
	return lineCase{name: raw, records: []string{rec}, want: []want{{Type: typ, Kdev: kdev, Sev: sev, Raw: raw, Ext: ext}}}
}

// none is a case of records that give no event.
func none(records ...string) lineCase {
	return lineCase{name: "nothing from " + records[0], records: records}
}

// record makes a Record of "<L>text" at t; "@daemon <L>text" is a line
// of that daemon.
func record(s string, t time.Time) Record {
	daemon := ""
	if strings.HasPrefix(s, "@") {
		daemon, s, _ = strings.Cut(s[1:], " ")
	}
	level := 6
	if len(s) >= 3 && s[0] == '<' && s[2] == '>' {
		level = int(s[1] - '0')
		s = s[3:]
	}
	return Record{Time: t, Message: s, Level: level, Hostname: "host1", Daemon: daemon}
}

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// parseAll runs records (1 ms apart from t0) through a fresh parser.
func parseAll(t testing.TB, rs *RuleSet, opt Options, records []string) []event.Event {
	t.Helper()
	n := 0
	if opt.NewID == nil {
		opt.NewID = func() string { n++; return "id-" + strconv.Itoa(n) }
	}
	p := NewParser(rs, opt)
	var got []event.Event
	emit := func(e event.Event) { got = append(got, e) }
	for i, s := range records {
		p.Push(record(s, t0.Add(time.Duration(i)*time.Millisecond)), emit)
	}
	p.Close(emit)
	return got
}

func project(got []event.Event, ws []want) []want {
	out := make([]want, len(got))
	for i, e := range got {
		w := want{Type: e.EventType, Kdev: e.Kdev, Sev: e.Severity, Raw: e.RawMsg, Count: e.Count}
		if i < len(ws) {
			if ws[i].Msg != "" {
				w.Msg = e.Msg
			}
			if ws[i].Ext != nil {
				w.Ext = map[string]string{}
				for k := range ws[i].Ext {
					if v, ok := e.Extension[k]; ok {
						w.Ext[k] = v
					}
				}
			}
		}
		out[i] = w
	}
	return out
}

func runCases(t *testing.T, cases []lineCase) {
	t.Helper()
	rs := mustRuleSet(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := parseAll(t, rs, Options{}, c.records)
			ws := make([]want, len(c.want))
			for i, w := range c.want {
				if w.Count == 0 {
					w.Count = 1
				}
				ws[i] = w
			}
			if diff := cmp.Diff(ws, project(got, ws)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			for _, e := range got {
				if e.EventID == "" || e.RootCauseEventID != e.EventID || e.Hostname != "host1" || !e.Severity.Valid() || e.Msg == "" {
					t.Errorf("event %+v: want id = root cause id, hostname, valid severity and a summary", e)
				}
			}
		})
	}
}

func mustRuleSet(t testing.TB) *RuleSet {
	t.Helper()
	rs, err := NewRuleSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestEveryRuleHit checks that every built-in kernel rule takes at least
// one line of the case tables (a daemon's rules, a format of
// testdata/userspace/formats.jsonl: TestDaemonFormatsHitEveryRule).
func TestEveryRuleHit(t *testing.T) {
	rs := mustRuleSet(t)
	hit := map[string]bool{}
	for _, cases := range caseTables {
		for _, c := range cases {
			for _, s := range c.records {
				rec := record(s, t0)
				for _, line := range strings.Split(rec.Message, "\n") {
					if ri, _ := rs.match(rec.Daemon, daemonLine(rec.Daemon, line), rec.Level, false); ri >= 0 {
						hit[rs.rules[ri].name] = true
					}
				}
			}
		}
	}
	for _, r := range rs.Rules() {
		if !hit[r.Name] && r.Daemon == "" {
			t.Errorf("rule %s (%s) is hit by no test line", r.Name, r.Source)
		}
	}
}

// TestCandidatesBounded checks that no test line reaches the bound on
// candidate rules, where later rules would silently not be tried, and
// reports the busiest line.
func TestCandidatesBounded(t *testing.T) {
	rs := mustRuleSet(t)
	most, busiest := 0, ""
	for _, cases := range caseTables {
		for _, c := range cases {
			for _, s := range c.records {
				rec := record(s, t0)
				for _, line := range strings.Split(rec.Message, "\n") {
					var buf [maxCandidates]int32
					n := len(rs.indexFor(rec.Daemon).candidates(rs.rules, line, strings.TrimLeft(line, " "), buf[:0]))
					if n >= maxCandidates/2 {
						t.Errorf("%d candidate rules for %q", n, line)
					}
					if n > most {
						most, busiest = n, line
					}
				}
			}
		}
	}
	t.Logf("at most %d candidate rules, for %q", most, busiest)
}

func TestRuleNamesUnique(t *testing.T) {
	seen := map[string]string{}
	for _, r := range mustRuleSet(t).Rules() {
		if prev, ok := seen[r.Name]; ok {
			t.Errorf("rule name %s in %s and %s", r.Name, prev, r.Source)
		}
		seen[r.Name] = r.Source
		if r.Kind != "context" && r.Kind != "rate-limit" && r.Kind != "note" && r.Kind != "notice" && r.EventType == "" {
			t.Errorf("rule %s starts events but has no event type", r.Name)
		}
		if _, ok := event.CanonicalSubSystem(r.SubSystem); !ok {
			t.Errorf("rule %s: sub-system %q unknown", r.Name, r.SubSystem)
		}
	}
}

// A RuleSet is shared by parsers on several goroutines (the daemon's
// sources, prpt rules test); run under -race this catches shared state.
func TestRuleSetConcurrentUse(t *testing.T) {
	rs := mustRuleSet(t)
	done := make(chan []string)
	for g := 0; g < 4; g++ {
		go func() {
			var names []string
			for _, cases := range [][]lineCase{scsiCases, ext4Cases, mdCases} {
				for _, c := range cases {
					for _, s := range c.records {
						if n, ok := rs.MatchRule(record(s, t0)); ok {
							names = append(names, n)
						}
					}
				}
			}
			done <- names
		}()
	}
	first := <-done
	for g := 1; g < 4; g++ {
		if got := <-done; strings.Join(got, ",") != strings.Join(first, ",") {
			t.Errorf("goroutines disagree on the rules matched")
		}
	}
	if len(first) == 0 {
		t.Error("no rule matched")
	}
}
