package parsers

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/peripety/peripety/event"
)

// daemonFormat is one row of testdata/userspace/formats.jsonl: a format
// string of a daemon's, as ../shared/userspace-formats.md quotes it from
// the daemon's source, with values to fill it and what the rules make of
// the line: an event (By its type, with its device and condition), folded
// (By the rule that takes it into another line's event or the device's
// notes) or ignored (By the reason).
type daemonFormat struct {
	Daemon     string   `json:"daemon"`
	Identifier string   `json:"identifier"`
	Src        string   `json:"src"`
	Prio       int      `json:"prio"`
	Fmt        string   `json:"fmt"`
	Args       []string `json:"args"`
	State      string   `json:"state"`
	By         string   `json:"by"`
	Kdev       *string  `json:"kdev"`
	Cond       *string  `json:"cond"`
}

func loadDaemonFormats(t *testing.T) []daemonFormat {
	t.Helper()
	f, err := os.Open("testdata/userspace/formats.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []daemonFormat
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		var d daemonFormat
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("formats.jsonl:%d: %v", n, err)
		}
		out = append(out, d)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// fillFormat fills a C format's conversions with args in order, each as
// written (the values are the text the conversion prints).
func fillFormat(t *testing.T, f string, args []string) string {
	t.Helper()
	var b strings.Builder
	n := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			b.WriteByte(f[i])
			continue
		}
		if i+1 < len(f) && f[i+1] == '%' {
			b.WriteByte('%')
			i++
			continue
		}
		j := i + 1
		for j < len(f) && strings.IndexByte("-+ #0123456789.hlLqjzt", f[j]) >= 0 {
			j++
		}
		if j >= len(f) || n >= len(args) {
			t.Fatalf("format %q: conversion %d without a value", f, n+1)
		}
		b.WriteString(args[n])
		n++
		i = j
	}
	if n != len(args) {
		t.Fatalf("format %q: %d values for %d conversions", f, len(args), n)
	}
	return b.String()
}

// TestDaemonFormats synthesizes a line from every format of the table and
// checks what the rules make of it against the row.
func TestDaemonFormats(t *testing.T) {
	rs := mustRuleSet(t)
	rows := loadDaemonFormats(t)
	count := map[string]map[string]int{}
	for _, d := range rows {
		line := fillFormat(t, d.Fmt, d.Args)
		ident := d.Identifier
		if ident == "" {
			ident = d.Daemon
		}
		daemon := DaemonOf(ident, "", "")
		if daemon != d.Daemon {
			t.Errorf("%s: identifier %q is daemon %q, want %q", line, ident, daemon, d.Daemon)
		}
		if count[d.Daemon] == nil {
			count[d.Daemon] = map[string]int{}
		}
		count[d.Daemon][d.State]++
		rec := Record{Time: t0, Message: line, Level: d.Prio, Facility: 3, Hostname: "host1", Daemon: daemon}
		var got []event.Event
		p := NewParser(rs, Options{})
		p.Push(rec, func(e event.Event) { got = append(got, e) })
		p.Close(func(e event.Event) { got = append(got, e) })
		name, matched := rs.MatchRule(rec)
		switch d.State {
		case "event":
			if len(got) != 1 {
				t.Errorf("%s (%s): %d events, want one %s", line, d.Src, len(got), d.By)
				continue
			}
			e := got[0]
			if e.EventType != d.By || e.Ext("daemon") != d.Daemon || e.RawMsg != line || e.Msg == "" || strings.Contains(e.Msg, "{") {
				t.Errorf("%s: event %s (daemon %q, raw %q, msg %q), want %s of %s", line, e.EventType, e.Ext("daemon"), e.RawMsg, e.Msg, d.By, d.Daemon)
			}
			if d.Kdev != nil && e.Kdev != *d.Kdev {
				t.Errorf("%s: kdev %q, want %q", line, e.Kdev, *d.Kdev)
			}
			if d.Cond != nil && e.Ext("condition") != *d.Cond {
				t.Errorf("%s: condition %q, want %q", line, e.Ext("condition"), *d.Cond)
			}
		case "folded":
			if len(got) != 0 || name != d.By {
				t.Errorf("%s: %d events, rule %q; want it folded by %s", line, len(got), name, d.By)
			}
		case "ignored":
			if matched || len(got) != 0 || d.By == "" {
				t.Errorf("%s: rule %q, %d events; want it ignored, with a reason (%q)", line, name, len(got), d.By)
			}
		default:
			t.Errorf("%s: state %q: want event, folded or ignored", line, d.State)
		}
	}
	for _, n := range DaemonNames() {
		c := count[n]
		if c["event"] == 0 {
			t.Errorf("daemon %s: no format gives an event", n)
		}
		t.Logf("%-10s %3d formats: %3d events, %2d folded, %2d ignored", n, c["event"]+c["folded"]+c["ignored"], c["event"], c["folded"], c["ignored"])
	}
}

// TestDaemonFormatsHitEveryRule: every rule of a daemon takes a line of
// the table (TestEveryRuleHit asks it of the case tables too).
func TestDaemonFormatsHitEveryRule(t *testing.T) {
	rs := mustRuleSet(t)
	hit := map[string]bool{}
	for _, d := range loadDaemonFormats(t) {
		ident := d.Identifier
		if ident == "" {
			ident = d.Daemon
		}
		if name, ok := rs.MatchRule(Record{Message: fillFormat(t, d.Fmt, d.Args), Daemon: DaemonOf(ident, "", "")}); ok {
			hit[name] = true
		}
	}
	for _, r := range rs.Rules() {
		if r.Daemon != "" && !hit[r.Name] {
			t.Errorf("rule %s (%s) takes no format of testdata/userspace/formats.jsonl", r.Name, r.Source)
		}
	}
}

// TestDaemonRouting: a daemon's rules take only its lines, the kernel's
// only the kernel's. Every line of the case tables and the format table is
// offered as the kernel's and as each daemon's.
func TestDaemonRouting(t *testing.T) {
	rs := mustRuleSet(t)
	var lines []string
	for _, cases := range caseTables {
		for _, c := range cases {
			for _, s := range c.records {
				lines = append(lines, record(s, t0).Message)
			}
		}
	}
	for _, d := range loadDaemonFormats(t) {
		lines = append(lines, fillFormat(t, d.Fmt, d.Args))
	}
	byName := map[string]RuleInfo{}
	for _, r := range rs.Rules() {
		byName[r.Name] = r
	}
	for _, line := range lines {
		for _, daemon := range append([]string{""}, DaemonNames()...) {
			for _, level := range []int{2, 6} {
				name, ok := rs.MatchRule(Record{Message: line, Level: level, Daemon: daemon})
				if ok && byName[name].Daemon != daemon {
					t.Errorf("%q as %q's: taken by rule %s of %q", line, daemon, name, byName[name].Daemon)
				}
			}
		}
	}
}

// TestDaemonSeverityNotPriority: a daemon's line is worth what it says,
// whatever priority it was logged at (6 for every line a unit's stderr
// carries).
func TestDaemonSeverityNotPriority(t *testing.T) {
	rs := mustRuleSet(t)
	for _, prio := range []int{0, 2, 6, 7, LevelUnknown} {
		got := parseAll(t, rs, Options{}, []string{"@multipathd <" + string(rune('0'+max(prio, 0))) + ">mpatha: remaining active paths: 0"})
		if prio == LevelUnknown {
			p := NewParser(rs, Options{})
			got = nil
			p.Push(Record{Time: t0, Message: "mpatha: remaining active paths: 0", Level: LevelUnknown, Daemon: "multipathd"},
				func(e event.Event) { got = append(got, e) })
			p.Close(func(e event.Event) { got = append(got, e) })
		}
		if len(got) != 1 || got[0].Severity != event.Critical {
			t.Errorf("priority %d: %+v, want one Critical event", prio, got)
		}
	}
}

func TestDaemonOf(t *testing.T) {
	for _, c := range []struct{ ident, comm, unit, want string }{
		{"multipathd", "multipathd", "multipathd.service", "multipathd"},
		{"lvm", "dmeventd", "dm-event.service", "dmeventd"},
		{"", "udisksd", "udisks2.service", "udisksd"},
		{"sh", "sh", "nvmf-connect@--transport=tcp--traddr=192.168.10.20--trsvcid=4420.service", "nvme"},
		{"sh", "nvme", "nvmf-connect@x.service", "nvme"},
		{"kernel", "", "", ""},
		{"peripetyd", "peripetyd", "peripetyd.service", ""},
		{"sshd", "sshd", "ssh.service", ""},
		{"", "", "", ""},
	} {
		if got := DaemonOf(c.ident, c.comm, c.unit); got != c.want {
			t.Errorf("DaemonOf(%q, %q, %q) = %q, want %q", c.ident, c.comm, c.unit, got, c.want)
		}
	}
	if d, ok := LookupDaemon("lvm"); !ok || d.Name != "dmeventd" {
		t.Errorf("LookupDaemon(lvm) = %v, %v; want dmeventd", d, ok)
	}
	if _, ok := LookupDaemon("sshd"); ok {
		t.Error("LookupDaemon(sshd) found a daemon")
	}
}

// TestJournalMatches: one group per field, every identifier and process
// name of every daemon.
func TestJournalMatches(t *testing.T) {
	groups := JournalMatches()
	seen := map[string]bool{}
	for _, g := range groups {
		field := ""
		for _, m := range g {
			f, v, ok := strings.Cut(m, "=")
			if !ok || v == "" || (field != "" && f != field) {
				t.Errorf("group %q: want matches of one field", g)
			}
			field = f
			seen[m] = true
		}
	}
	for _, d := range Daemons() {
		for _, id := range d.Identifiers {
			if !seen["SYSLOG_IDENTIFIER="+id] {
				t.Errorf("no match for %s's identifier %s", d.Name, id)
			}
		}
		for _, c := range d.Comms {
			if !seen["_COMM="+c] {
				t.Errorf("no match for %s's process %s", d.Name, c)
			}
		}
	}
}

// TestMemoBounded: a parser remembers notes of at most maxMemo devices.
func TestMemoBounded(t *testing.T) {
	var m memo
	for i := range maxMemo + 10 {
		m.note("smartd", "sd"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('0'+i/26%10))+string(rune('0'+i/260)), map[string]string{"serial": "s"})
	}
	if len(m.m) > maxMemo || len(m.order) > maxMemo {
		t.Errorf("memo holds %d devices (%d in order), bound %d", len(m.m), len(m.order), maxMemo)
	}
	caps := map[string]string{}
	m.note("smartd", "sda", map[string]string{"serial": "S1", "_x": "y"})
	m.recall("smartd", "sda", caps)
	m.recall("mdadm", "sda", caps)
	if caps["serial"] != "S1" || caps["_x"] != "" {
		t.Errorf("recalled %v, want the serial only", caps)
	}
}

// TestUserDaemonRule: a user rule that names a daemon takes that daemon's
// lines (as its built-in rules see them) and no other's; one that names
// none takes the kernel's only.
func TestUserDaemonRule(t *testing.T) {
	rs, err := NewRuleSet([]UserRule{{
		Regexp: regexp.MustCompile(`^(?P<kdev>sd[a-z]+): sg_io failed: (?P<why>.+)`), Daemon: "multipathd", EventType: "MY_SGIO", Source: "u.conf:1",
	}, {
		Regexp: regexp.MustCompile(`^Kernel reported iSCSI connection (?P<kdev>\d+:\d+) error`), Daemon: "iscsid", EventType: "MY_ISCSI", Source: "u.conf:5",
	}, {
		Regexp: regexp.MustCompile(`^(?P<kdev>sd[a-z]+): sg_io failed`), EventType: "MY_KERNEL", Source: "u.conf:9",
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		daemon, line, want string
	}{
		{"multipathd", "sdc: sg_io failed: no such device", "user_1"},
		{"smartd", "sdc: sg_io failed: no such device", ""},
		{"", "sdc: sg_io failed: no such device", "user_3"},
		// iscsid -f's stderr copy: the rule sees the line without "iscsid: ".
		{"iscsid", "iscsid: Kernel reported iSCSI connection 1:0 error (1020 - anything) state (3)", "iscsid_conn_error"},
	} {
		got, _ := rs.MatchRule(Record{Message: c.line, Daemon: c.daemon, Level: 6})
		if got != c.want {
			t.Errorf("%s's %q: rule %q, want %q", c.daemon, c.line, got, c.want)
		}
	}
	// The built-in rule comes first; the user's takes what it leaves.
	got, _ := rs.MatchRule(Record{Message: "iscsid: Kernel reported iSCSI connection 1:0 error (x)", Daemon: "iscsid"})
	if got != "user_2" {
		t.Errorf("user rule of iscsid: got %q, want user_2", got)
	}
	if _, err := NewRuleSet([]UserRule{{Regexp: regexp.MustCompile(`(?P<kdev>x)`), Daemon: "sshd", Source: "u.conf:1"}}); err == nil {
		t.Error("a user rule of an unknown daemon loaded")
	}
	for _, r := range rs.Rules() {
		if r.Name == "user_1" && r.Daemon != "multipathd" {
			t.Errorf("rules list: user_1 of %q, want multipathd", r.Daemon)
		}
	}
}
