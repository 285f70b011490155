package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
)

// scenario is what the host knows of one guest script: the events it must
// make the daemon give, written against the facts the script recorded.
type scenario struct {
	name   string
	expect []expect
	// check holds the scenario's own further checks (storm: memory and
	// line counts), nil when it has none.
	check func(t *testing.T, r *run)
	// regroups names the event types whose lines the daemon, reading live,
	// may group otherwise than the parser does offline over the same
	// records, with the issue that owns it: a difference in their counts
	// is reported as known, not failed.
	regroups map[string]int
}

// expect is one expectation: the events of one type (on one device) and
// what each must carry. String values are templates: "{disk.kname}" is the
// fact disk.kname the guest recorded, "{disk.wwid}" the identity the
// design gives that device (see derive).
type expect struct {
	What string // a label, used by Cause and in messages
	Type string // event_type
	Kdev string // the event's kdev ("" = any)
	Raw  string // a regular expression the raw_msg must match ("" = any)
	// Min and Max bound the number of such events (Min 0 with Max 0
	// means exactly one; Max -1 means no upper bound); None means there
	// must be none.
	Min, Max int
	None     bool
	// Fields: dev_wwid, dev_path, sub_system, severity, and ext.KEY for
	// extension keys. A dev_path of "{NAME.paths}" accepts the device's
	// node or any of its udev links.
	Fields map[string]string
	// Owners must all be in owners_wwids; OwnerPaths in owners_paths.
	Owners, OwnerPaths []string
	// Cause is the What of the expectation whose event this one's root
	// cause must be ("a|b": of either).
	Cause string
	// Incident labels the incident this expectation's events belong to:
	// every event of the expectations with the same label is in one
	// incident (issue 13).
	Incident string
	// Known is the open issue that owns this expectation's failure today:
	// a failure is reported as KNOWN FAILING (#N) instead of failing the
	// lab, and a pass says the mark can go.
	Known int
	Why   string // what is wrong today, for Known
}

func checkScenario(t *testing.T, name, dir, source string, log []parsers.Record) {
	sc, ok := scenarioByName[name]
	if !ok {
		t.Fatalf("scenario %s has no expectations in scenarios_test.go", name)
	}
	r, err := loadRun(dir, log, name, source)
	if err != nil {
		t.Fatalf("scenario %s: %v", name, err)
	}
	t.Logf("scenario %s: %s ms, %d events, %d kernel records, daemon peak RSS %d kB", name, r.tookMS, len(r.events), len(r.window), r.hwmKB)
	if r.scriptRC != "0" {
		tail, _ := os.ReadFile(filepath.Join(dir, "script.log"))
		t.Fatalf("scenario %s: script exited %q:\n%s", name, r.scriptRC, lastLines(string(tail), 30))
	}
	if r.daemonRC != "0" {
		t.Errorf("scenario %s: peripetyd exited %q on SIGTERM (see %s/daemon.log)", name, r.daemonRC, dir)
	}
	checkFaces(t, r)
	checkCounted(t, r, sc.regroups)
	facts := derive(r.facts)
	claimed := map[int]bool{}
	byWhat := map[string][]int{}
	for _, x := range sc.expect {
		idx := checkExpect(t, name, x, facts, r.events)
		byWhat[x.What] = idx
		for _, i := range idx {
			claimed[i] = true
		}
	}
	for i, e := range r.events {
		if claimed[i] || e.SubSystem == "Peripety" {
			continue
		}
		t.Errorf("scenario %s: UNEXPECTED %s kdev=%q from %q", name, e.EventType, e.Kdev, e.RawMsg)
	}
	checkCauses(t, name, sc.expect, byWhat, r.events)
	checkIncidents(t, name, sc.expect, byWhat, r.events)
	if sc.check != nil {
		sc.check(t, r)
	}
}

// checkExpect checks one expectation and returns the indexes of the events
// it takes.
func checkExpect(t *testing.T, scen string, x expect, facts map[string]string, events []event.Event) []int {
	t.Helper()
	var problems []string
	fill := func(tmpl string) string {
		s, missing := expand(tmpl, facts)
		for _, m := range missing {
			problems = append(problems, fmt.Sprintf("fact %s was not recorded", m))
		}
		return s
	}
	kdev := fill(x.Kdev)
	raw := regexp.MustCompile(x.Raw)
	var idx []int
	for i, e := range events {
		if e.EventType == x.Type && (x.Kdev == "" || e.Kdev == kdev) && raw.MatchString(e.RawMsg) {
			idx = append(idx, i)
		}
	}
	lo, hi := x.Min, x.Max
	switch {
	case x.None:
		lo, hi = 0, 0
	case lo == 0 && hi == 0:
		lo, hi = 1, 1
	}
	if len(idx) < lo || hi >= 0 && len(idx) > hi {
		want := fmt.Sprintf("%d to %d", lo, hi)
		if hi < 0 {
			want = fmt.Sprintf("at least %d", lo)
		} else if lo == hi {
			want = strconv.Itoa(lo)
		}
		problems = append(problems, fmt.Sprintf("want %s such events, seen %d", want, len(idx)))
	}
	for _, i := range idx {
		e := events[i]
		for _, k := range sortedKeys(x.Fields) {
			want := fill(x.Fields[k])
			got := field(e, k)
			if ok := fieldMatches(k, want, got); !ok {
				problems = append(problems, fmt.Sprintf("%s: want %q, seen %q (in %q)", k, want, got, e.RawMsg))
			}
		}
		for _, o := range x.Owners {
			if w := fill(o); !slices.Contains(e.OwnersWWIDs, w) {
				problems = append(problems, fmt.Sprintf("owners_wwids: want %q among them, seen %q (in %q)", w, e.OwnersWWIDs, e.RawMsg))
			}
		}
		for _, o := range x.OwnerPaths {
			if w := fill(o); !slices.Contains(e.OwnersPaths, w) {
				problems = append(problems, fmt.Sprintf("owners_paths: want %q among them, seen %q (in %q)", w, e.OwnersPaths, e.RawMsg))
			}
		}
	}
	label := fmt.Sprintf("scenario %s, expectation %q (%s kdev=%q)", scen, x.What, x.Type, kdev)
	switch {
	case len(problems) > 0 && x.Known > 0:
		t.Logf("KNOWN FAILING (#%d) %s: %s:\n  %s", x.Known, label, x.Why, strings.Join(problems, "\n  "))
	case len(problems) > 0:
		t.Errorf("%s:\n  %s", label, strings.Join(problems, "\n  "))
	case x.Known > 0 && (len(idx) > 0 || x.None):
		t.Logf("PASSES THIS RUN (#%d; drop the known mark once it always does): %s", x.Known, label)
	}
	return idx
}

// fieldMatches compares one field; a want of "{a|b|c}" form (from
// .paths) accepts any of the alternatives.
func fieldMatches(key, want, got string) bool {
	if alts, ok := strings.CutPrefix(want, "any:"); ok {
		return slices.Contains(strings.Split(alts, "|"), got)
	}
	return want == got
}

func field(e event.Event, key string) string {
	switch key {
	case "dev_wwid":
		return e.DevWWID
	case "dev_path":
		return e.DevPath
	case "sub_system":
		return e.SubSystem
	case "severity":
		return e.Severity.String()
	case "kdev":
		return e.Kdev
	case "count":
		return strconv.Itoa(int(e.Count))
	}
	if k, ok := strings.CutPrefix(key, "ext."); ok {
		return e.Ext(k)
	}
	return "<no field " + key + ">"
}

var factRef = regexp.MustCompile(`\{([A-Za-z0-9_.-]+)\}`)

// expand fills a template's {fact} references, returning the facts that
// were not recorded.
func expand(tmpl string, facts map[string]string) (string, []string) {
	var missing []string
	out := factRef.ReplaceAllStringFunc(tmpl, func(m string) string {
		k := m[1 : len(m)-1]
		v, ok := facts[k]
		if !ok {
			missing = append(missing, k)
		}
		return v
	})
	return out, missing
}

// derive adds to the guest's raw facts, for every device NAME recorded by
// devfacts, NAME.wwid (the identity DESIGN.md's event model gives the
// device: SCSI VPD 0x83 as the kernel's device/wwid with its blanks
// folded, the NVMe wwid, the DM UUID, the md UUID as mdadm prints it, a
// loop device's backing file, "dm-name-NAME" for a map without a UUID) and NAME.paths (its node or any udev link,
// as "any:" alternatives).
func derive(raw map[string]string) map[string]string {
	f := make(map[string]string, len(raw)*2)
	for k, v := range raw {
		f[k] = v
	}
	for k := range raw {
		dev, ok := strings.CutSuffix(k, ".kname")
		if !ok {
			continue
		}
		var id string
		switch {
		case raw[dev+".scsi_wwid"] != "":
			id = strings.Join(strings.Fields(strings.ReplaceAll(raw[dev+".scsi_wwid"], "\x00", " ")), "-")
		case raw[dev+".dm_uuid"] != "":
			id = raw[dev+".dm_uuid"]
		case raw[dev+".dm_name"] != "":
			// A map made without a UUID (dmsetup create NAME): the
			// resolver names it by its name (sysfs/dm.go).
			id = "dm-name-" + raw[dev+".dm_name"]
		case raw[dev+".udev_md_uuid"] != "":
			id = raw[dev+".udev_md_uuid"]
		case raw[dev+".wwid_attr"] != "":
			id = raw[dev+".wwid_attr"]
		case raw[dev+".backing_file"] != "":
			id = raw[dev+".backing_file"]
		case raw[dev+".serial"] != "":
			id = raw[dev+".serial"]
		}
		f[dev+".wwid"] = id
		paths := []string{raw[dev+".devnode"]}
		paths = append(paths, strings.Fields(raw[dev+".links"])...)
		f[dev+".paths"] = "any:" + strings.Join(paths, "|")
	}
	return f
}

// checkFaces checks that the daemon told every event the same way on its
// three faces: stdout, journald (its fields and the JSON copy) and the
// StorageEvent signal; and that seq runs 1, 2, 3 … within the run.
func checkFaces(t *testing.T, r *run) {
	t.Helper()
	if len(r.events) == 0 {
		t.Errorf("no events on stdout (not even PERIPETY_DAEMON_STARTED)")
		return
	}
	for i, e := range r.events {
		if e.Seq != uint64(i+1) {
			t.Errorf("event %d (%s) has seq %d, want %d: gap-free within one run", i, e.EventType, e.Seq, i+1)
			break
		}
	}
	// By id and seq: a daemon that logs one line twice in one write
	// (iscsid's "Kernel reported iSCSI connection … error" pairs) has
	// journald stamp both alike, and their events share the id derived
	// from the stamp and the line.
	journal := map[string]journalEntry{}
	for _, j := range r.journal {
		var e struct {
			Seq uint64 `json:"seq"`
		}
		_ = json.Unmarshal([]byte(j.str("JSON")), &e)
		journal[faceKey(j.str("EVENT_ID"), e.Seq)] = j
	}
	signals := map[string]signal{}
	for _, s := range r.signals {
		var id string
		var seq uint64
		_ = json.Unmarshal(s.Event["event_id"].Data, &id)
		_ = json.Unmarshal(s.Event["seq"].Data, &seq)
		signals[faceKey(id, seq)] = s
	}
	if len(r.journal) != len(r.events) || len(r.signals) != len(r.events) {
		t.Errorf("%d events on stdout, %d in journald, %d signals", len(r.events), len(r.journal), len(r.signals))
	}
	for _, e := range r.events {
		if j, ok := journal[faceKey(e.EventID, e.Seq)]; !ok {
			t.Errorf("journald: no entry for %s %s (%q)", e.EventType, e.EventID, e.RawMsg)
		} else {
			checkJournal(t, e, j)
		}
		if s, ok := signals[faceKey(e.EventID, e.Seq)]; !ok {
			t.Errorf("bus: no StorageEvent for %s %s (%q)", e.EventType, e.EventID, e.RawMsg)
		} else {
			checkSignal(t, e, s)
		}
	}
}

// faceKey is how an event is found on its faces: its id and seq.
func faceKey(id string, seq uint64) string { return id + "/" + strconv.FormatUint(seq, 10) }

func checkJournal(t *testing.T, e event.Event, j journalEntry) {
	t.Helper()
	var stored event.Event
	if err := json.Unmarshal([]byte(j.str("JSON")), &stored); err != nil {
		t.Errorf("journald %s: JSON field: %v", e.EventID, err)
	} else if diff := cmp.Diff(e, stored); diff != "" {
		t.Errorf("journald %s: JSON differs from stdout (-stdout +journal):\n%s", e.EventID, diff)
	}
	want := map[string]string{
		"IS_PERIPETY": "TRUE", "EVENT_TYPE": e.EventType, "SUB_SYSTEM": e.SubSystem,
		"DEV_WWID": e.DevWWID, "DEV_PATH": e.DevPath, "ROOT_CAUSE_EVENT_ID": e.RootCauseEventID,
		"SYSLOG_IDENTIFIER": "peripetyd", "PRIORITY": strconv.Itoa(int(e.Severity)),
	}
	for k, v := range e.Extension {
		want["EXT_"+strings.ToUpper(k)] = v
	}
	for _, k := range sortedKeys(want) {
		if got := j.str(k); got != want[k] && !(want[k] == "" && j[k] == nil) {
			t.Errorf("journald %s (%s): %s=%q, want %q", e.EventID, e.EventType, k, got, want[k])
		}
	}
	// journald keeps a repeated field's values but neither their order
	// nor a value given twice (the JSON copy keeps both): compared as sets.
	for k, list := range map[string][]string{"OWNERS_WWIDS": e.OwnersWWIDs, "OWNERS_PATHS": e.OwnersPaths} {
		got := slices.Compact(slices.Sorted(slices.Values(j.strs(k))))
		if want := slices.Compact(slices.Sorted(slices.Values(list))); !slices.Equal(got, want) && len(got)+len(want) > 0 {
			t.Errorf("journald %s (%s): %s=%q, want %q", e.EventID, e.EventType, k, got, list)
		}
	}
}

func checkSignal(t *testing.T, e event.Event, s signal) {
	t.Helper()
	args := [5]string{e.EventType, e.Severity.String(), e.SubSystem, e.DevWWID, e.DevPath}
	if s.Args != args {
		t.Errorf("signal %s: arguments %q, want %q", e.EventID, s.Args, args)
	}
	var (
		kdev, raw  string
		seq, usec  uint64
		count      uint32
		ext        map[string]string
		owners     []string
		ownerPaths []string
	)
	dec := func(k string, v any) {
		if err := json.Unmarshal(s.Event[k].Data, v); err != nil {
			t.Errorf("signal %s: %s: %v", e.EventID, k, err)
		}
	}
	dec("kdev", &kdev)
	dec("raw_msg", &raw)
	dec("seq", &seq)
	dec("count", &count)
	dec("timestamp_usec", &usec)
	dec("extension", &ext)
	dec("owners_wwids", &owners)
	dec("owners_paths", &ownerPaths)
	got := fmt.Sprintf("kdev=%q raw=%q seq=%d count=%d usec=%d ext=%v owners=%q %q", kdev, raw, seq, count, usec, ext, owners, ownerPaths)
	want := fmt.Sprintf("kdev=%q raw=%q seq=%d count=%d usec=%d ext=%v owners=%q %q", e.Kdev, e.RawMsg, e.Seq, e.Count,
		e.Timestamp.UnixMicro(), nonNil(e.Extension), nonNilS(e.OwnersWWIDs), nonNilS(e.OwnersPaths))
	if got != want {
		t.Errorf("signal %s (%s) differs from stdout:\n seen %s\n want %s", e.EventID, e.EventType, got, want)
	}
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nonNilS(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// checkCounted checks that every storage line the kernel printed in the
// scenario's window was counted: the project's own parser, run offline
// over the same records, gives the same events per type and device, with
// the same total count, as the daemon did live.
func checkCounted(t *testing.T, r *run, regroups map[string]int) {
	t.Helper()
	rs, err := parsers.NewRuleSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := parsers.NewParser(rs, parsers.Options{})
	offline := map[string]int{}
	emit := func(e event.Event) { offline[e.EventType+" "+e.Kdev] += int(e.Count) }
	for _, rec := range r.window {
		p.Push(rec, emit)
	}
	p.Close(emit)
	// The daemons' records through a parser of their own: they carry
	// wall-clock times, the kernel's times since boot, and no rule takes
	// both.
	pd := parsers.NewParser(rs, parsers.Options{})
	for _, rec := range r.daemons {
		pd.Push(rec, emit)
	}
	pd.Close(emit)
	live := map[string]int{}
	for _, e := range r.events {
		if e.SubSystem != "Peripety" {
			live[e.EventType+" "+e.Kdev] += int(e.Count)
		}
	}
	known := map[int][]string{}
	for _, m := range []map[string]int{offline, live} {
		for k := range m {
			typ, _, _ := strings.Cut(k, " ")
			if n := regroups[typ]; n > 0 && offline[k] != live[k] {
				known[n] = append(known[n], fmt.Sprintf("%s: offline %d, daemon %d", k, offline[k], live[k]))
				delete(offline, k)
				delete(live, k)
			}
		}
	}
	for n, diffs := range known {
		t.Logf("KNOWN FAILING (#%d) lines grouped otherwise live than offline: %s", n, strings.Join(diffs, "; "))
	}
	if diff := cmp.Diff(offline, live); diff != "" {
		t.Errorf("lines counted per type and device, offline parse of the kernel log vs the daemon (-offline +daemon):\n%s", diff)
	}
}

// checkCauses checks, for every expectation with a Cause, that the
// daemon's root_cause_event_id of each of its events points at an event
// of the cause.
func checkCauses(t *testing.T, scen string, exps []expect, byWhat map[string][]int, events []event.Event) {
	t.Helper()
	byID := map[string]int{}
	for i, e := range events {
		byID[e.EventID] = i
	}
	for _, x := range exps {
		if x.Cause == "" {
			continue
		}
		causes := map[int]bool{}
		for _, c := range strings.Split(x.Cause, "|") {
			for _, i := range byWhat[c] {
				causes[i] = true
			}
		}
		var wrong []string
		for _, i := range byWhat[x.What] {
			e := events[i]
			j, ok := byID[e.RootCauseEventID]
			switch {
			case causes[j] && ok:
			case !ok:
				wrong = append(wrong, fmt.Sprintf("%q: root cause %s is no event of this run", e.RawMsg, e.RootCauseEventID))
			case j == i:
				wrong = append(wrong, fmt.Sprintf("%q: its own root cause", e.RawMsg))
			default:
				wrong = append(wrong, fmt.Sprintf("%q: root cause %s %q", e.RawMsg, events[j].EventType, events[j].RawMsg))
			}
		}
		switch {
		case len(wrong) > 0 && x.Known > 0:
			t.Logf("KNOWN FAILING (#%d) scenario %s: root cause of %q should be %q (%s):\n  %s", x.Known, scen, x.What, x.Cause, x.Why,
				strings.Join(wrong, "\n  "))
		case len(wrong) > 0:
			t.Errorf("scenario %s: root cause of %q should be %q:\n  %s", scen, x.What, x.Cause, strings.Join(wrong, "\n  "))
		}
	}
}

// checkIncidents checks that the events of the expectations with one
// Incident label are all in one incident.
func checkIncidents(t *testing.T, scen string, exps []expect, byWhat map[string][]int, events []event.Event) {
	t.Helper()
	ids := map[string]map[string][]string{} // label → incident id → raw lines
	for _, x := range exps {
		if x.Incident == "" {
			continue
		}
		if ids[x.Incident] == nil {
			ids[x.Incident] = map[string][]string{}
		}
		for _, i := range byWhat[x.What] {
			e := events[i]
			ids[x.Incident][e.IncidentID] = append(ids[x.Incident][e.IncidentID], e.EventType+" "+e.RawMsg)
		}
	}
	for _, label := range sortedKeys(ids) {
		byInc := ids[label]
		if _, none := byInc[""]; len(byInc) == 1 && !none {
			continue
		}
		var lines []string
		for _, id := range sortedKeys(byInc) {
			name := id
			if name == "" {
				name = "(no incident)"
			}
			lines = append(lines, fmt.Sprintf("%s: %q", name, byInc[id]))
		}
		t.Errorf("scenario %s: the events of %q are in %d incidents, want one:\n  %s", scen, label, len(byInc), strings.Join(lines, "\n  "))
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func writeCapture(k kernel, group, dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "kmsg"))
	if err != nil {
		return err
	}
	dst := filepath.Join("..", "..", "parsers", "testdata", "real", "lab", k.Release)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dst, group+".kmsg"), b, 0o644)
}

// writeDaemonCapture keeps the storage daemons' lines of a scenario and
// the daemons' versions (the facts daemon.NAME.version) in
// parsers/testdata/real/userspace/<scenario>, when it logged any.
func writeDaemonCapture(name, dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "daemons.json"))
	if errors.Is(err, os.ErrNotExist) || err == nil && len(b) == 0 {
		return nil
	}
	if err != nil {
		return err
	}
	facts, err := readFacts(filepath.Join(dir, "facts.env"))
	if err != nil {
		return err
	}
	var versions []string
	for _, k := range sortedKeys(facts) {
		if d, ok := strings.CutPrefix(k, "daemon."); ok {
			if d, ok = strings.CutSuffix(d, ".version"); ok {
				versions = append(versions, d+" "+facts[k]+"\n")
			}
		}
	}
	dst := filepath.Join("..", "..", "parsers", "testdata", "real", "userspace", name)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dst, "versions"), []byte(strings.Join(versions, "")), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dst, "journal.json"), b, 0o644)
}
