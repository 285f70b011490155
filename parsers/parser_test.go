package parsers

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
)

// timed is a record at an offset from t0.
type timed struct {
	at   time.Duration
	text string
}

// collector gathers what a parser emits.
type collector struct{ events []event.Event }

func (c *collector) emit(e event.Event) { c.events = append(c.events, e) }

func (c *collector) types() []string {
	out := []string{}
	for _, e := range c.events {
		out = append(out, e.EventType+"/"+e.Kdev+"/"+strconv.Itoa(int(e.Count)))
	}
	return out
}

func newTestParser(t *testing.T, opt Options) *Parser {
	t.Helper()
	n := 0
	opt.NewID = func() string { n++; return "id-" + strconv.Itoa(n) }
	return NewParser(mustRuleSet(t), opt)
}

const (
	failedLine = "<6>sd 2:0:0:0: [sdc] tag#19 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=3s"
	senseLine  = "<6>sd 2:0:0:0: [sdc] tag#19 Sense Key : Medium Error [current] "
	blockLine  = "<3>critical medium error, dev sdc, sector 490871808 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2"
	mountLine  = "<6>EXT4-fs (loop0): mounted filesystem " + uuid1 + " r/w with ordered data mode. Quota mode: none."
)

func TestGroupingWindow(t *testing.T) {
	for _, c := range []struct {
		name    string
		records []timed
		want    []string
	}{{
		name:    "lines within the window fold",
		records: []timed{{0, failedLine}, {time.Millisecond, senseLine}, {2 * time.Millisecond, blockLine}},
		want:    []string{"SCSI_MEDIUM_ERROR/sdc/1"},
	}, {
		name:    "a block line after the window is an event of its own",
		records: []timed{{0, failedLine}, {time.Second, blockLine}},
		want:    []string{"SCSI_CMD_FAILED/sdc/1", "BLK_IO_ERROR/sdc/1"},
	}, {
		name:    "events come out in the order of their first line",
		records: []timed{{0, failedLine}, {time.Millisecond, mountLine}, {2 * time.Millisecond, senseLine}},
		want:    []string{"SCSI_MEDIUM_ERROR/sdc/1", "FS_MOUNTED/loop0/1"},
	}, {
		name:    "userspace records are dropped",
		records: []timed{{0, "<14>" + mountLine[3:]}},
		want:    []string{},
	}} {
		t.Run(c.name, func(t *testing.T) {
			for _, clock := range []string{"wall", "monotonic"} {
				p := newTestParser(t, Options{})
				var col collector
				for _, r := range c.records {
					rec := record(r.text, t0.Add(r.at))
					if strings.HasPrefix(r.text, "<14>") {
						rec = record(r.text[4:], t0.Add(r.at))
						rec.Facility = 1
					}
					if clock == "monotonic" {
						rec.Time, rec.Monotonic = time.Time{}, 5*time.Second+r.at
					}
					p.Push(rec, col.emit)
				}
				p.Close(col.emit)
				if diff := cmp.Diff(c.want, col.types()); diff != "" {
					t.Errorf("%s clock: events (-want +got):\n%s", clock, diff)
				}
			}
		})
	}
}

// Records without any time close an open event after GroupRecords further
// records, so that nothing waits for ever.
func TestGroupRecordsWithoutTime(t *testing.T) {
	p := newTestParser(t, Options{GroupRecords: 3})
	var col collector
	p.Push(record(failedLine, time.Time{}), col.emit)
	for i := 0; i < 3; i++ {
		p.Push(record("<6>usb 1-1: new high-speed USB device number 5 using xhci_hcd", time.Time{}), col.emit)
	}
	if len(col.events) != 0 {
		t.Fatalf("emitted %v before GroupRecords records passed", col.types())
	}
	p.Push(record("<6>usb 1-1: new high-speed USB device number 6 using xhci_hcd", time.Time{}), col.emit)
	if diff := cmp.Diff([]string{"SCSI_CMD_FAILED/sdc/1"}, col.types()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestRecordClock(t *testing.T) {
	if got := RecordClock(Record{Time: t0, Monotonic: time.Hour}); !got.Equal(t0) {
		t.Errorf("with a wall-clock time: %v, want %v", got, t0)
	}
	if got, want := RecordClock(Record{Monotonic: 5 * time.Second}), (time.Time{}).Add(5*time.Second); !got.Equal(want) {
		t.Errorf("with the time since boot only: %v, want %v", got, want)
	}
}

func TestFlushAndNextDeadline(t *testing.T) {
	p := newTestParser(t, Options{GroupWindow: 100 * time.Millisecond})
	var col collector
	if _, ok := p.NextDeadline(); ok {
		t.Error("a new parser has a deadline")
	}
	p.Push(record(failedLine, t0), col.emit)
	d, ok := p.NextDeadline()
	if want := t0.Add(100 * time.Millisecond); !ok || !d.Equal(want) {
		t.Fatalf("NextDeadline() = %v, %v; want %v, true", d, ok, want)
	}
	p.Flush(d.Add(-time.Nanosecond), col.emit)
	if len(col.events) != 0 {
		t.Fatalf("Flush before the deadline emitted %v", col.types())
	}
	p.Flush(d, col.emit)
	if diff := cmp.Diff([]string{"SCSI_CMD_FAILED/sdc/1"}, col.types()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if _, ok := p.NextDeadline(); ok {
		t.Error("deadline left after the flush")
	}
}

// blkLine is a block-layer error on dev at sector.
func blkLine(dev string, sector int) string {
	return "<3>I/O error, dev " + dev + ", sector " + strconv.Itoa(sector) + " op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2"
}

func TestStormFolding(t *testing.T) {
	p := newTestParser(t, Options{})
	var col collector
	// 30 errors on loop4 within 300 ms, and a quiet one on loop5.
	for i := 0; i < 30; i++ {
		p.Push(record(blkLine("loop4", 8*i), t0.Add(time.Duration(i)*10*time.Millisecond)), col.emit)
	}
	p.Push(record(blkLine("loop5", 0), t0.Add(400*time.Millisecond)), col.emit)
	if got := len(col.events); got != 11 {
		t.Fatalf("before the summary is due: %d events %v, want the first 10 of the storm and loop5's", got, col.types())
	}
	p.Flush(t0.Add(2*time.Second), col.emit)
	want := []string{}
	for i := 0; i < 10; i++ {
		want = append(want, "BLK_IO_ERROR/loop4/1")
	}
	want = append(want, "BLK_IO_ERROR/loop5/1", "BLK_IO_ERROR/loop4/20")
	if diff := cmp.Diff(want, col.types()); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	sum := col.events[11]
	gotExt := map[string]string{"first_sector": sum.Ext("first_sector"), "last_sector": sum.Ext("last_sector"),
		"sector": sum.Ext("sector"), "op": sum.Ext("op")}
	wantExt := map[string]string{"first_sector": "80", "last_sector": "232", "sector": "", "op": "READ"}
	if diff := cmp.Diff(wantExt, gotExt); diff != "" {
		t.Errorf("summary extension (-want +got):\n%s", diff)
	}
	if sum.RawMsg != "I/O error, dev loop4, sector 80 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2" {
		t.Errorf("summary raw_msg = %q, want the first folded line", sum.RawMsg)
	}
	if want := "Storm on loop4: 20 further BLK_IO_ERROR events in 190ms, sector 80 to 232, folded into this one after the first 10"; sum.Msg != want {
		t.Errorf("summary msg = %q, want %q", sum.Msg, want)
	}
	if sum.EventID == "" || sum.EventID == col.events[10].EventID {
		t.Errorf("summary has no id of its own: %q", sum.EventID)
	}
}

// The kernel's own rate limit lets 10 lines through; an 11th within the
// second folds alone and comes back as itself, not as a summary of one.
func TestStormOfOneFoldsToItself(t *testing.T) {
	p := newTestParser(t, Options{})
	var col collector
	for i := 0; i < 11; i++ {
		p.Push(record(blkLine("loop0", i), t0.Add(time.Duration(i)*time.Millisecond)), col.emit)
	}
	p.Close(col.emit)
	if len(col.events) != 11 {
		t.Fatalf("%d events, want 11", len(col.events))
	}
	last := col.events[10]
	if last.Count != 1 || last.Ext("sector") != "10" || strings.HasPrefix(last.Msg, "Storm") {
		t.Errorf("the 11th event came back as %+v", last)
	}
}

// A storm that lasts gives one summary per storm window, and every line is
// counted once.
func TestLongStormCountsEveryLine(t *testing.T) {
	p := newTestParser(t, Options{})
	var col collector
	const n = 500
	for i := 0; i < n; i++ {
		p.Push(record(blkLine("sdb", i), t0.Add(time.Duration(i)*10*time.Millisecond)), col.emit)
	}
	// The kernel's rate limit hid 40 more lines.
	p.Push(record("<4>blk_print_req_error: 40 callbacks suppressed", t0.Add(n*10*time.Millisecond)), col.emit)
	p.Close(col.emit)
	total, summaries := 0, 0
	for _, e := range col.events {
		total += int(e.Count)
		if e.Count > 1 {
			summaries++
		}
	}
	if total != n+40 {
		t.Errorf("counts add up to %d, want %d", total, n+40)
	}
	if summaries < 4 || summaries > 6 {
		t.Errorf("%d summaries for a 5 s storm, want one per second", summaries)
	}
	if len(col.events) > 20 {
		t.Errorf("%d events for one storm", len(col.events))
	}
}

func TestStormFoldingOff(t *testing.T) {
	p := newTestParser(t, Options{StormBurst: -1})
	var col collector
	for i := 0; i < 30; i++ {
		p.Push(record(blkLine("loop4", i), t0.Add(time.Duration(i)*time.Millisecond)), col.emit)
	}
	p.Close(col.emit)
	if len(col.events) != 30 {
		t.Errorf("%d events with folding off, want 30", len(col.events))
	}
}

func TestUserRules(t *testing.T) {
	user := []UserRule{{
		StartsWith: "mydrv ",
		Regexp:     regexp.MustCompile(`^mydrv (?P<kdev>sd[a-z]+): cache battery (?P<state>\w+)`),
		SubSystem:  event.SubSCSI,
		EventType:  "MYDRV_BATTERY",
		Source:     "/etc/peripetyd.conf:12",
	}, {
		Regexp: regexp.MustCompile(`(?P<kdev>dm-\d+) got lost`),
		Source: "/etc/peripetyd.conf.d/x.conf:3",
	}, {
		// A built-in rule takes this line first.
		Regexp:    regexp.MustCompile(`^I/O error, dev (?P<kdev>\S+),`),
		EventType: "SHADOWED",
		Source:    "/etc/peripetyd.conf:20",
	}}
	rs, err := NewRuleSet(user)
	if err != nil {
		t.Fatal(err)
	}
	infos := rs.Rules()
	if diff := cmp.Diff(RuleInfo{Name: "user_1", SubSystem: "SCSI", EventType: "MYDRV_BATTERY", Kind: "event", Source: "/etc/peripetyd.conf:12"},
		infos[len(infos)-3]); diff != "" {
		t.Errorf("rule info (-want +got):\n%s", diff)
	}
	got := parseAll(t, rs, Options{}, []string{
		"<4>mydrv sdb: cache battery failed",
		"<3>something: dm-3 got lost",
		"<3>I/O error, dev sda, sector 8 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2",
	})
	ws := []want{
		{Type: "MYDRV_BATTERY", Kdev: "sdb", Sev: event.Warning, Raw: "mydrv sdb: cache battery failed", Ext: map[string]string{"state": "failed"}, Count: 1},
		{Type: "UNKNOWN", Kdev: "dm-3", Sev: event.Error, Raw: "something: dm-3 got lost", Count: 1},
		{Type: "BLK_IO_ERROR", Kdev: "sda", Sev: event.Error, Raw: "I/O error, dev sda, sector 8 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2", Count: 1},
	}
	if diff := cmp.Diff(ws, project(got, ws)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if got[0].SubSystem != "SCSI" || got[0].Msg != "mydrv sdb: cache battery failed" {
		t.Errorf("user event sub-system %q msg %q", got[0].SubSystem, got[0].Msg)
	}
}

func TestUserRuleErrors(t *testing.T) {
	for _, c := range []struct {
		rule UserRule
		want string
	}{
		{UserRule{Source: "a.conf:1"}, "user rule 1 (a.conf:1): no regexp"},
		{UserRule{Regexp: regexp.MustCompile(`^foo (?P<dev>\S+)`), Source: "a.conf:7"},
			`user rule 1 (a.conf:7): regexp "^foo (?P<dev>\\S+)" has no named group kdev`},
	} {
		_, err := NewRuleSet([]UserRule{c.rule})
		if err == nil || err.Error() != c.want {
			t.Errorf("NewRuleSet(%+v) error = %v, want %q", c.rule, err, c.want)
		}
	}
}

func TestMatchRule(t *testing.T) {
	rs := mustRuleSet(t)
	for _, c := range []struct {
		rec  Record
		want string
	}{
		{Record{Message: "Aborting journal on device sdb1-8."}, "jbd2_aborting_journal"},
		{Record{Message: "unrelated\nXFS (sdb1): Unmounting Filesystem"}, "xfs_unmounting"},
		{Record{Message: " connection1:0: detected conn error (1020)"}, "iscsi_conn_error"},
		{Record{Message: "00000000: ef cd cd 4c 7d cb 65 d6 ec 98 da b9 ba 02 d1 6e  ...L}.e........n"}, "xfs_hex_dump"},
		{Record{Message: "Aborting journal on device sdb1-8.", Facility: 1}, ""},
		{Record{Message: "e1000e 0000:00:1f.6 eno1: NIC Link is Up"}, ""},
		{Record{Message: ""}, ""},
	} {
		got, ok := rs.MatchRule(c.rec)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("MatchRule(%q) = %q, %v; want %q", c.rec.Message, got, ok, c.want)
		}
	}
}

// Every rule's prefilter literals must be ones its regexp implies, or the
// rule would silently miss lines: check them against the rule's own test
// lines is what TestEveryRuleHit does; here, the derived body literals of
// a few shapes.
func TestRegexpBodies(t *testing.T) {
	for _, c := range []struct {
		re   string
		want []string
	}{
		{`^EXT4-fs \((?P<kdev>[^)\s]+)\): mounted filesystem `, []string{"mounted filesystem "}},
		{`^md/raid\d*:(?P<array>md\w*): Disk failure on `, []string{"Disk failure on "}},
		{`^(?P<kdev>[^\s:]+): detected capacity change from `, []string{"detected capacity change from "}},
		{`^device-mapper: thin: (?P<kdev>\d+:\d+): switching`, []string{"thin: "}},
		{`^EXT4-fs \((?P<kdev>\w+)\): (?P<reason>Could not load journal|no journal found|VFS: Can't find|VFS: Found bad)`,
			[]string{"Could not load journal", "no journal found", "VFS: Can't find", "VFS: Found bad"}},
		// A factored alternation keeps each branch's own literal.
		{`^scsi target: (?P<detail>Domain Validation .*|Wide Transfers Fail|Write Buffer failure [0-9a-f]+)$`,
			[]string{"Domain Validation ", "Wide Transfers Fail", "Write Buffer failure "}},
		// A space before the ": " could hide an earlier ": " in the line.
		{`^BTRFS \w+ \(device (?P<kdev>\S+)(?: state \w+)?\): forced`, nil},
		{`^(?P<kdev>.+): writeback error`, nil},
		{`writeback error on inode `, nil},
		{`^nvme (?P<kdev>nvme\d+): (?P<op>\w+) timeout`, nil},
		{`^nvme (?P<kdev>nvme\d+): (?:I/O|\w+) timeout`, nil},
		// lineBody skips "[sdX] " and "tag#N ": no body starts so.
		{`^mce: \[Hardware Error\]: `, nil},
	} {
		if diff := cmp.Diff(c.want, bodiesOf(topLevel(c.re))); diff != "" {
			t.Errorf("bodiesOf(topLevel(%q)) (-want +got):\n%s", c.re, diff)
		}
	}
}

func TestLineBody(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{"sd 2:0:0:0: [sdc] tag#19 Sense Key : Medium Error [current] ", "Sense Key : Medium Error [current] "},
		{"sd 2:0:0:0: [sdc] Spinning up disk....ready", "Spinning up disk....ready"},
		{"sd 7:0:0:1: rejecting I/O to offline device", "rejecting I/O to offline device"},
		{"device-mapper: multipath: Failing path 8:32.", "multipath: Failing path 8:32."},
		{"BTRFS error (device sdb1: state EA): bytenr 1 has 0 references, expect > 0", "bytenr 1 has 0 references, expect > 0"},
		{"BTRFS error (device sdb1): state of things", "state of things"},
		{"no colon here", ""},
		{"x: ", ""},
	} {
		if got := lineBody(c.line); got != c.want {
			t.Errorf("lineBody(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}

func TestExpand(t *testing.T) {
	ext := map[string]string{"op": "READ", "sector": "8"}
	for _, c := range []struct{ tmpl, want string }{
		{"error on {kdev} at {sector}[ ({op})]", "error on sda at 8 (READ)"},
		{"error on {kdev}[ ({missing})]", "error on sda"},
		{"{missing} stays visible", "? stays visible"},
		{"unterminated {kdev", "unterminated {kdev"},
	} {
		if got := string(appendExpanded([]byte("x"), c.tmpl, "sda", ext)[1:]); got != c.want {
			t.Errorf("appendExpanded(%q) = %q, want %q", c.tmpl, got, c.want)
		}
	}
}
