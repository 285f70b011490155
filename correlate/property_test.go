package correlate

import (
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/quick"
	"time"

	"github.com/peripety/peripety/event"
)

// scenario is a random block stack and a random sequence of events on it:
// disks (some replaced by another instance of the same name), partitions,
// multipath maps over pairs of disks, LVs and md arrays over them; WWIDs
// shared by unrelated devices; faults, errors, warnings, info lines and
// clears in any order, at gaps from a microsecond to a minute.
type scenario struct {
	stack *stack
	steps []step
}

// templates are the events the generator draws from: sub-system, type,
// severity and condition, for devices of a kind.
var templates = map[string][]step{
	"disk": {
		{sub: "SCSI", typ: "SCSI_MEDIUM_ERROR", sev: errS},
		{sub: "SCSI", typ: "SCSI_DEVICE_OFFLINE", sev: errS, cond: "device:offline"},
		{sub: "SCSI", typ: "SCSI_DEVICE_RUNNING", sev: info, cond: "device:running"},
		{sub: "ATA", typ: "ATA_LINK_DOWN", sev: info, cond: "link:down"},
		{sub: "ATA", typ: "ATA_LINK_UP", sev: info, cond: "link:up"},
		{sub: "ATA", typ: "ATA_EH_COMPLETE", sev: info},
		{sub: "SCSI", typ: "SCSI_POWER_ON_RESET", sev: warn},
		{sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
		{sub: "Multipath", typ: "DM_MPATH_PATH_FAILED", sev: warn, cond: "path:failed"},
		{sub: "Multipath", typ: "DM_MPATH_PATH_REINSTATED", sev: warn, cond: "path:active"},
		{sub: "MD", typ: "MD_DISK_FAILURE", sev: crit, cond: "member:failed"},
	},
	"map": {
		{sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
		{sub: "Multipath", typ: "DM_MPATH_QUEUE_TIMEOUT", sev: errS},
		{sub: "Block", typ: "BUFFER_IO_ERROR", sev: errS},
		{sub: "LVM-ThinProvisioning", typ: "DM_THIN_POOL_FULL", sev: errS, cond: "pool:out_of_data"},
		{sub: "LVM-ThinProvisioning", typ: "DM_THIN_POOL_MODE_CHANGED", sev: info, cond: "pool:ok"},
		{sub: "MD", typ: "MD_DEGRADED", sev: crit, cond: "array:degraded"},
		{sub: "MD", typ: "MD_SYNC_STARTED", sev: info, cond: "array:recovering"},
		{sub: "MD", typ: "MD_SYNC_DONE", sev: info, cond: "array:clean"},
	},
	"fs": {
		{sub: "ext4", typ: "FS_ERROR", sev: crit},
		{sub: "ext4", typ: "FS_REMOUNT_READ_ONLY", sev: crit, cond: "fs:ro"},
		{sub: "ext4", typ: "FS_MOUNTED", sev: info, cond: "fs:mounted"},
		{sub: "ext4", typ: "FS_UNMOUNTED", sev: info, cond: "fs:unmounted"},
		{sub: "jbd2", typ: "FS_JOURNAL_ABORTED", sev: errS, cond: "fs:ro"},
		{sub: "Block", typ: "BUFFER_IO_ERROR", sev: errS},
		{sub: "Block", typ: "BLK_IO_ERROR", sev: info},
	},
}

// Generate makes a scenario (testing/quick).
func (scenario) Generate(r *rand.Rand, size int) reflect.Value {
	s := newStack()
	kind := map[string]string{}
	var disks []string
	nDisks := 2 + r.Intn(6)
	for i := range nDisks {
		d := "sd" + string(rune('a'+i))
		s.majMin[d] = "8:" + strconv.Itoa(16*i)
		s.wwid[d] = "wwid" + strconv.Itoa(r.Intn(3)) // shared at random
		kind[d] = "disk"
		disks = append(disks, d)
		if r.Intn(2) == 0 {
			p := d + "1"
			s.majMin[p] = "8:" + strconv.Itoa(16*i+1)
			s.below[p] = []string{d}
			kind[p] = "fs"
		}
	}
	for i := range r.Intn(4) {
		dm := "dm-" + strconv.Itoa(i)
		a, b := disks[r.Intn(len(disks))], disks[r.Intn(len(disks))]
		s.majMin[dm] = "254:" + strconv.Itoa(i)
		s.below[dm] = slices.Compact([]string{a, b})
		s.wwid[dm] = s.wwid[a]
		kind[dm] = "map"
		if r.Intn(2) == 0 {
			lv := "dm-" + strconv.Itoa(10+i)
			s.majMin[lv] = "254:" + strconv.Itoa(10+i)
			s.below[lv] = append([]string{dm}, s.below[dm]...)
			kind[lv] = "fs"
		}
	}
	var names []string
	for n := range kind {
		names = append(names, n)
	}
	slices.Sort(names)
	var steps []step
	t := 0.0
	for i := range 10 + r.Intn(size*4+1) {
		switch r.Intn(10) {
		case 0:
			t += float64(r.Intn(60))
		case 1, 2:
			t += float64(r.Intn(5))
		default:
			t += float64(r.Intn(1000)) / 1e6
		}
		dev := names[r.Intn(len(names))]
		if r.Intn(40) == 0 && kind[dev] == "disk" {
			// The disk is replaced: the name comes back as another
			// instance.
			s.majMin[dev] = "65:" + strconv.Itoa(i)
		}
		tm := templates[kind[dev]][r.Intn(len(templates[kind[dev]]))]
		st := step{id: "e" + strconv.Itoa(i), at: t, dev: dev, sub: tm.sub, typ: tm.typ, sev: tm.sev, cond: tm.cond}
		if r.Intn(15) == 0 {
			st.dev = "" // a line that names no device
		}
		if st.cond == "member:failed" {
			st.scope = "md0"
		}
		steps = append(steps, st)
	}
	return reflect.ValueOf(scenario{stack: s, steps: steps})
}

// GoString shows the scenario compactly when a property fails.
func (sc scenario) GoString() string {
	var b strings.Builder
	fmt.Fprintf(&b, "stack %v %v\n", sc.stack.majMin, sc.stack.below)
	for _, st := range sc.steps {
		fmt.Fprintf(&b, "%s %.6f %s %s %s %s\n", st.id, st.at, st.dev, st.typ, st.sev, st.cond)
	}
	return b.String()
}

// seen is one event the property test fed, with what the model said.
type seen struct {
	in  Input
	res Result
}

// check feeds sc to a model and checks every link it made: the cause is
// never later than its effect, never a fault that closed, and always on
// the effect's device (at its layer or below, or within the burst) or on
// a device below it (or, for an array's clear, on a member it failed);
// the root cause is the cause's own; an incident's root cause is its
// events'.
func (sc scenario) check(t *testing.T, cfg Config) error {
	m := New(cfg)
	cfg = m.cfg
	byID := map[string]*seen{}
	var order []*seen
	for _, st := range sc.steps {
		in := sc.stack.input(t, st)
		res := m.Observe(in)
		if in.Dev.IsZero() {
			in.Dev = DevInfo{Dev: Dev{Name: "(" + in.SubSystem + ")"}}
		}
		e := &seen{in: in, res: res}
		byID[st.id] = e
		order = append(order, e)
		if err := m.check(); err != nil {
			return fmt.Errorf("%s: %v", st.id, err)
		}
		if res.RootCause != "" {
			root, ok := byID[res.RootCause]
			if !ok || root.in.Time.After(in.Time) {
				return fmt.Errorf("%s: root cause %s unknown or later", st.id, res.RootCause)
			}
		}
		if res.Incident != "" {
			inc, ok := m.Incident(res.Incident)
			if !ok || inc.RootCause.EventID != rootOf(st.id, res) {
				return fmt.Errorf("%s: incident %s has root cause %s, the event %s", st.id, res.Incident, inc.RootCause.EventID, rootOf(st.id, res))
			}
		}
		if res.Cause == "" {
			continue
		}
		c, ok := byID[res.Cause]
		switch {
		case !ok || c == e:
			return fmt.Errorf("%s: cause %s is no earlier event", st.id, res.Cause)
		case c.in.Time.After(in.Time):
			return fmt.Errorf("%s at %v: cause %s is later (%v)", st.id, in.Time, c.in.EventID, c.in.Time)
		case rootOf(c.in.EventID, c.res) != res.RootCause:
			return fmt.Errorf("%s: root cause %s, its cause %s's is %s", st.id, res.RootCause, c.in.EventID, rootOf(c.in.EventID, c.res))
		}
		beside := c.in.Dev.Dev == in.Dev.Dev && (c.in.Layer <= in.Layer || in.Time.Sub(lastOf(c, order)) <= cfg.Burst)
		below := slices.ContainsFunc(in.Below, func(b DevInfo) bool { return b.Dev == c.in.Dev.Dev })
		// An array's clear or rebuild ends its members' failures, the
		// member below it when it failed (its line named the array).
		member := c.in.Scope != "" && c.in.Scope == in.Dev.Name && in.Cond.Object == "array"
		if !beside && !below && !member {
			return fmt.Errorf("%s on %s (%s): cause %s on %s (%s) is neither beside nor below", st.id, in.Dev.Dev, in.Layer,
				c.in.EventID, c.in.Dev.Dev, c.in.Layer)
		}
		if err := stillOpen(c, e, order, cfg); err != nil {
			return fmt.Errorf("%s: cause %s: %v", st.id, c.in.EventID, err)
		}
	}
	return nil
}

// stillOpen checks that the fault c opened was open when e came: no
// condition that clears it on its device in between, or, for an error,
// an occurrence of it within its window.
func stillOpen(c, e *seen, order []*seen, cfg Config) error {
	if c.in.Cond.Kind == Fault {
		for _, x := range order[slices.Index(order, c)+1 : len(order)-1] {
			if x.in.Cond.Kind == Clear && x.in.Dev.Dev == c.in.Dev.Dev && slices.Contains(clearedBy(x.in.Cond.Object), c.in.Cond.Object) {
				return fmt.Errorf("cleared by %s before %s", x.in.EventID, e.in.EventID)
			}
		}
		return nil
	}
	if last := lastOf(c, order); e.in.Time.Sub(last) >= cfg.Windows[c.in.Layer] {
		return fmt.Errorf("its window ended at %v, before %v", last.Add(cfg.Windows[c.in.Layer]), e.in.Time)
	}
	return nil
}

// lastOf is the time of the last event, up to the one before the newest
// in order, that stated again the fault c opened: on its device, at its
// layer, of its object, from its root cause.
func lastOf(c *seen, order []*seen) time.Time {
	last := c.in.Time
	for _, x := range order[slices.Index(order, c)+1 : len(order)-1] {
		fault := x.in.Cond.Kind == Fault || x.in.Cond.Kind == NoCondition && x.in.Severity.AtLeast(event.Error)
		if fault && x.in.Dev.Dev == c.in.Dev.Dev && x.in.Layer == c.in.Layer && x.in.Cond.Object == c.in.Cond.Object &&
			rootOf(x.in.EventID, x.res) == rootOf(c.in.EventID, c.res) {
			last = later(last, x.in.Time)
		}
	}
	return last
}

// TestProperties checks the links of random stacks and sequences.
func TestProperties(t *testing.T) {
	for _, cfg := range []Config{{}, {MaxFaults: 3, MaxDevices: 4, MaxClosed: 2}} {
		f := func(sc scenario) bool {
			if err := sc.check(t, cfg); err != nil {
				t.Log(err)
				return false
			}
			return true
		}
		if err := quick.Check(f, &quick.Config{MaxCount: 300, Rand: rand.New(rand.NewSource(13))}); err != nil {
			t.Error(err)
		}
	}
}

// FuzzObserve feeds the model sequences made from the fuzzer's bytes on a
// fixed stack (a map over two disks with an LV on it, a partitioned disk)
// and checks the links as TestProperties does: each three bytes are an
// event's device, kind and gap.
func FuzzObserve(f *testing.F) {
	f.Add([]byte{0, 1, 0, 3, 0, 5, 4, 0, 200})
	f.Add([]byte{1, 2, 1, 1, 9, 0, 2, 3, 60, 5, 4, 1})
	s := newStack("sda=8:0", "sdb=8:16", "sdc=8:32", "sdc1=8:33", "dm-0=254:0", "dm-1=254:1",
		"dm-0>sda,sdb", "dm-1>dm-0,sda,sdb", "sdc1>sdc", "sda#w", "sdc#w")
	devs := []string{"sda", "sdb", "sdc", "sdc1", "dm-0", "dm-1", ""}
	kinds := map[string]string{"sda": "disk", "sdb": "disk", "sdc": "disk", "sdc1": "fs", "dm-0": "map", "dm-1": "fs", "": "disk"}
	f.Fuzz(func(t *testing.T, data []byte) {
		var steps []step
		at := 0.0
		for i := 0; i+2 < len(data) && len(steps) < 200; i += 3 {
			dev := devs[int(data[i])%len(devs)]
			tms := templates[kinds[dev]]
			tm := tms[int(data[i+1])%len(tms)]
			at += float64(data[i+2]) / 4
			st := step{id: "e" + strconv.Itoa(len(steps)), at: at, dev: dev, sub: tm.sub, typ: tm.typ, sev: tm.sev, cond: tm.cond}
			if st.cond == "member:failed" {
				st.scope = "dm-0"
			}
			steps = append(steps, st)
		}
		if err := (scenario{stack: s, steps: steps}).check(t, Config{MaxFaults: 5, MaxDevices: 6, MaxClosed: 3}); err != nil {
			t.Fatal(err)
		}
	})
}
