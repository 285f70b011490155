package correlate

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/peripety/peripety/event"
)

// Dev identifies one device instance: a kernel name with the major:minor
// and diskseq it had (a loop device attached again, or a disk replaced, is
// another instance of the name). A device the resolver never saw has only
// what the kernel line called it.
type Dev struct {
	Name   string `json:"name,omitempty"`
	MajMin string `json:"major_minor,omitempty"`
	Seq    string `json:"diskseq,omitempty"`
}

// IsZero reports whether d names no device.
func (d Dev) IsZero() bool { return d == Dev{} }

func (d Dev) String() string {
	switch {
	case d.Name != "" && d.MajMin != "":
		return d.Name + " (" + d.MajMin + ")"
	case d.Name != "":
		return d.Name
	}
	return d.MajMin
}

// DevInfo is a device with what an incident shows of it.
type DevInfo struct {
	Dev
	Path  string `json:"dev_path,omitempty"`
	WWID  string `json:"wwid,omitempty"`
	Mount string `json:"mount_point,omitempty"`
}

// Input is one event as the model takes it.
type Input struct {
	EventID   string
	Type      string
	SubSystem string
	Severity  event.Severity
	Time      time.Time
	// Count is how many kernel lines the event stands for.
	Count uint32
	// Msg summarises the event, for an incident it becomes the root of.
	Msg string
	// Dev is the device the event is about (a multipath path, not its
	// map; the disk behind an ATA port); zero when the line names none.
	Dev DevInfo
	// Below is every device below Dev in the stack, as the resolver saw
	// it (an LV's map and the map's paths). The model keeps the slice:
	// the caller must not change it after (the same slice for the same
	// stack, event after event, costs the model least).
	Below []DevInfo
	// Also are further devices a fault on Dev reaches: the other disks
	// behind one iSCSI session, FC remote port or NVMe controller.
	Also  []DevInfo
	Layer Layer
	Cond  Condition
	// Source is who logged the event: "" for the kernel, else the
	// storage daemon (extension key "daemon": multipathd, mdadm, …).
	// Their clocks differ (see Config.Skew).
	Source string
	// Scope is the kernel name of the array of an md member's condition:
	// the array clean again closes its members' failures.
	Scope string
}

// Result is what the model makes of an event.
type Result struct {
	// RootCause is the id of the event this one follows from, "" when it
	// follows from none (it is its own root cause).
	RootCause string
	// Incident is the id of the incident the event belongs to, "" for
	// none.
	Incident string
	// Cause is the id of the event that opened the fault the event was
	// linked through (its root cause, or an event that followed from
	// it), "" when none.
	Cause string
}

// Config bounds the model.
type Config struct {
	// Windows are how long an error without condition stays a cause
	// after its last occurrence, by layer (DefaultWindows).
	Windows [numLayers]time.Duration
	// MaxFaults bounds the open faults; past it the oldest is evicted.
	MaxFaults int
	// MaxDevices bounds the devices remembered; those without an open
	// fault or condition and seen longest ago go first.
	MaxDevices int
	// MaxClosed bounds the closed incidents kept; the oldest go first.
	MaxClosed int
	// Burst is how soon after a fault on a device an event of a lower
	// layer on the same device still follows from it: the layers of one
	// failed request print their lines in no fixed order (jbd2 aborts
	// the journal before the buffer layer reports the write it lost).
	Burst time.Duration
	// Skew is how much later than an event a fault logged by another
	// source (the kernel, or a storage daemon) may be stamped and still be
	// its cause. A kernel line is stamped when the kernel printed it, a
	// daemon's when journald received it: multipathd logs that its checker
	// failed a path before it tells dm-multipath to fail it, yet the
	// kernel's `Failing path` may be stamped first.
	Skew time.Duration
}

// DefaultConfig is what the daemon uses.
func DefaultConfig() Config {
	return Config{Windows: DefaultWindows, MaxFaults: 10000, MaxDevices: 20000, MaxClosed: 1000, Burst: 2 * time.Second,
		Skew: 2 * time.Second}
}

// Stats counts what the model holds and what its bounds cost.
type Stats struct {
	OpenFaults      int `json:"open_faults"`
	Devices         int `json:"devices"`
	OpenIncidents   int `json:"open_incidents"`
	ClosedIncidents int `json:"closed_incidents"`
	// EvictedFaults counts open faults dropped at MaxFaults: events that
	// follow from them are told as root causes of their own.
	EvictedFaults uint64 `json:"evicted_faults"`
	// EvictedDevices counts devices forgotten at MaxDevices.
	EvictedDevices uint64 `json:"evicted_devices"`
	// EvictedIncidents counts closed incidents dropped at MaxClosed.
	EvictedIncidents uint64 `json:"evicted_incidents"`
}

// Model is the causal model. It is not safe for concurrent use.
type Model struct {
	cfg  Config
	devs map[Dev]*device
	// order holds the live faults by when they opened, from head; dead
	// ones are skipped and compacted away.
	order []*fault
	head  int
	live  int
	// scoped holds the faults of md members by array name.
	scoped    map[string][]*fault
	incidents map[string]*incident // open and recovering
	closed    []*incident          // oldest first
	closedIDs map[string]*incident
	version   uint64
	stats     Stats
}

// device is what the model knows of one device.
type device struct {
	info  DevInfo
	below []DevInfo
	// belowDevs are the records of below, in its order; gone marks a
	// record the model forgot (its device may be learned again).
	belowDevs []*device
	gone      bool
	// above are the devices built on this one, as their stacks said.
	above  []Dev
	faults []*fault
	// conds are its conditions, one per object, by object.
	conds []CondState
	seen  time.Time
}

// CondState is a condition of a device as last stated.
type CondState struct {
	Condition
	// Since is when the device entered the state.
	Since time.Time `json:"since"`
	// EventID is the event that stated it, "" when sysfs showed it.
	EventID string `json:"event_id,omitempty"`
}

// fault is a fault open on one device.
type fault struct {
	root  *root
	dev   Dev
	layer Layer
	// cond is the condition that opened it; NoCondition for an error,
	// which stays open for its layer's window after last.
	cond  Condition
	scope string
	// source is who logged the event that opened it (Input.Source).
	source string
	// evID is the event that opened it.
	evID        string
	first, last time.Time
	recovering  bool
	dead        bool
}

func (f *fault) transient() bool { return f.cond.Kind == NoCondition }

// root is a root cause: the event, and what is open of the faults that
// follow from it.
type root struct {
	ev RootEvent
	// conds counts its open condition faults, recovering those marked
	// recovering, cleared those closed by a clear.
	conds, recovering, cleared int
	// until is when its last error without condition stops being a cause.
	until time.Time
	inc   *incident
	// count is the lines the root event stands for; opened is set once
	// an event after it was taken (then it is counted when its incident
	// opens).
	count  uint32
	opened bool
}

// New returns an empty model; zero fields of cfg take DefaultConfig's.
func New(cfg Config) *Model {
	def := DefaultConfig()
	for i, w := range cfg.Windows {
		if w <= 0 {
			cfg.Windows[i] = def.Windows[i]
		}
	}
	if cfg.MaxFaults <= 0 {
		cfg.MaxFaults = def.MaxFaults
	}
	if cfg.MaxDevices <= 0 {
		cfg.MaxDevices = def.MaxDevices
	}
	if cfg.MaxClosed <= 0 {
		cfg.MaxClosed = def.MaxClosed
	}
	if cfg.Burst <= 0 {
		cfg.Burst = def.Burst
	}
	if cfg.Skew <= 0 {
		cfg.Skew = def.Skew
	}
	return &Model{cfg: cfg, devs: map[Dev]*device{}, scoped: map[string][]*fault{},
		incidents: map[string]*incident{}, closedIDs: map[string]*incident{}}
}

// Observe takes one event, in the order the events were logged, and says
// what it follows from and which incident it belongs to.
func (m *Model) Observe(in Input) Result {
	if in.Layer >= numLayers {
		in.Layer = Device
	}
	if in.Dev.IsZero() {
		// A line that names no device: its repeats are one story, and
		// nothing else follows from it.
		in.Dev, in.Below = DevInfo{Dev: Dev{Name: "(" + in.SubSystem + ")"}}, nil
	}
	d := m.learn(in.Dev, in.Below, true, in.Time)
	also := make([]*device, 0, len(in.Also))
	for _, a := range in.Also {
		if !a.IsZero() && a.Dev != in.Dev.Dev {
			also = append(also, m.learn(a, nil, false, in.Time))
		}
	}
	cause, others := m.cause(&in, d)
	var ended *fault
	switch in.Cond.Kind {
	case Clear:
		ended = m.clear(in.Cond, d, also, in.Time)
	case Recovering:
		ended = m.recover(in.Cond, d, in.Time)
	}
	if ended != nil {
		// A clear or a rebuild belongs with what it ends.
		cause = ended
	}
	var r *root
	if cause != nil {
		r = cause.root
	}
	isFault := in.Cond.Kind == Fault || in.Cond.Kind == NoCondition && in.Severity.AtLeast(event.Error)
	if r == nil && isFault {
		r = &root{ev: rootEvent(&in), count: in.Count}
	} else if r != nil {
		r.opened = true
	}
	if isFault {
		m.addFaultOn(&in, d, r)
		for _, a := range also {
			m.addFaultOn(&in, a, r)
		}
	}
	if in.Cond.Kind != NoCondition {
		d.setCond(in.Cond, in.Time, in.EventID)
		for _, a := range also {
			a.setCond(in.Cond, in.Time, in.EventID)
		}
	}
	if r == nil {
		return Result{}
	}
	res := Result{RootCause: r.ev.EventID}
	if cause != nil {
		res.Cause = cause.evID
	}
	if r.inc == nil && in.Severity.AtLeast(event.Warning) && in.Cond.Kind != Clear && in.Cond.Kind != Recovering {
		m.openIncident(r)
	}
	if inc := r.inc; inc != nil {
		inc.add(&in)
		for _, o := range others {
			if o.inc != nil && o.inc != inc {
				inc.relate(o.inc.ID)
				o.inc.relate(inc.ID)
				m.touch(o.inc)
			}
		}
		m.refresh(inc, in.Time)
		m.touch(inc)
		res.Incident = inc.ID
	}
	return res
}

// Learn notes that dev, built on the devices below, was there at t: a
// stack the events did not show (the map a path event resolved to, the
// devices present when the daemon starts), so that an incident lists the
// devices built on its root cause's.
func (m *Model) Learn(dev DevInfo, below []DevInfo, t time.Time) {
	if !dev.IsZero() {
		m.learn(dev, below, true, t)
	}
}

// learn notes dev (and, with stack, the devices below it) as seen at t,
// and returns its record.
func (m *Model) learn(dev DevInfo, below []DevInfo, stack bool, t time.Time) *device {
	d := m.devs[dev.Dev]
	if d == nil {
		if len(m.devs) >= m.cfg.MaxDevices {
			m.forgetDevices(t)
		}
		d = &device{info: dev}
		m.devs[dev.Dev] = d
	}
	if d.info != dev {
		d.info = mergeInfo(d.info, dev)
	}
	if t.After(d.seen) {
		d.seen = t
	}
	if stack && !sameSlice(d.below, below) {
		if !slices.Equal(d.below, below) {
			m.restack(d, below, t)
		}
		d.below = below
	}
	return d
}

// sameSlice reports whether a and b are the same slice.
func sameSlice(a, b []DevInfo) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// restack sets the devices d is built on.
func (m *Model) restack(d *device, below []DevInfo, t time.Time) {
	dev := d.info.Dev
	for _, b := range d.below {
		if bd := m.devs[b.Dev]; bd != nil {
			bd.above = slices.DeleteFunc(bd.above, func(a Dev) bool { return a == dev })
		}
	}
	d.below, d.belowDevs = below, d.belowDevs[:0]
	for _, b := range below {
		if b.IsZero() || b.Dev == dev {
			continue
		}
		bd := m.learn(b, nil, false, t)
		d.belowDevs = append(d.belowDevs, bd)
		if !slices.Contains(bd.above, dev) {
			bd.above = append(bd.above, dev)
		}
	}
}

// mergeInfo keeps what old knew that now is silent on: an event read
// after its filesystem was unmounted still names where it was.
func mergeInfo(old, now DevInfo) DevInfo {
	if now.Path == "" {
		now.Path = old.Path
	}
	if now.WWID == "" {
		now.WWID = old.WWID
	}
	if now.Mount == "" {
		now.Mount = old.Mount
	}
	return now
}

// alive reports whether f can be a cause of an event at t logged by
// source: opened no later than t (than t and the skew, for a fault another
// source logged), and open.
func (m *Model) alive(f *fault, t time.Time, source string) bool {
	if f.dead || f.first.After(t) && (f.source == source || f.first.After(t.Add(m.cfg.Skew))) {
		return false
	}
	return !f.transient() || t.Sub(f.last) < m.cfg.Windows[f.layer]
}

// cause returns the earliest fault open at in's time on in's device at
// its layer or below (or above, within the burst), or on a device below
// it; others are the roots of the other faults it found.
func (m *Model) cause(in *Input, d *device) (best *fault, others []*root) {
	consider := func(f *fault) {
		if best != nil && f.root != best.root && !slices.Contains(others, f.root) {
			others = append(others, f.root)
		}
		if best == nil || earlier(f, best) {
			if best != nil && best.root != f.root && !slices.Contains(others, best.root) {
				others = append(others, best.root)
			}
			best = f
		}
	}
	for _, f := range d.faults {
		if (f.layer <= in.Layer || in.Time.Sub(f.last) <= m.cfg.Burst) && m.alive(f, in.Time, in.Source) {
			consider(f)
		}
	}
	for i, bd := range d.belowDevs {
		if bd.gone {
			// Forgotten since: its device may have been learned again.
			if bd = m.devs[bd.info.Dev]; bd == nil {
				continue
			}
			d.belowDevs[i] = bd
		}
		for _, f := range bd.faults {
			if m.alive(f, in.Time, in.Source) {
				consider(f)
			}
		}
	}
	if best != nil {
		others = slices.DeleteFunc(others, func(r *root) bool { return r == best.root })
	}
	return best, others
}

// earlier orders candidate causes: the first to open, then the lower
// layer, then the root's event id, so that the choice is the same on any
// replay.
func earlier(a, b *fault) bool {
	if !a.first.Equal(b.first) {
		return a.first.Before(b.first)
	}
	if a.layer != b.layer {
		return a.layer < b.layer
	}
	return strings.Compare(a.root.ev.EventID, b.root.ev.EventID) < 0
}

// addFaultOn opens (or extends) the fault in states on d.
func (m *Model) addFaultOn(in *Input, d *device, r *root) {
	if !in.Cond.Kind.opens() {
		r.until = later(r.until, in.Time.Add(m.cfg.Windows[in.Layer]))
	}
	d.faults = slices.DeleteFunc(d.faults, func(f *fault) bool { return f.dead })
	for _, f := range d.faults {
		if f.root == r && f.layer == in.Layer && f.cond.Object == in.Cond.Object && f.cond.Kind.opens() == in.Cond.Kind.opens() {
			f.last = later(f.last, in.Time)
			f.cond = in.Cond
			return
		}
	}
	if m.live >= m.cfg.MaxFaults {
		m.makeRoom(in.Time)
	}
	f := &fault{root: r, dev: d.info.Dev, layer: in.Layer, cond: in.Cond, source: in.Source, evID: in.EventID, first: in.Time, last: in.Time}
	if in.Cond.Kind.opens() {
		r.conds++
		if in.Scope != "" {
			f.scope = in.Scope
			m.scoped[in.Scope] = append(slices.DeleteFunc(m.scoped[in.Scope], func(f *fault) bool { return f.dead }), f)
		}
	}
	d.faults = append(d.faults, f)
	m.order = append(m.order, f)
	m.live++
}

// opens reports whether a fault of this kind stays open until cleared.
func (k Kind) opens() bool { return k == Fault }

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// makeRoom drops the faults that expired by now and, when that is not
// enough, evicts the oldest open faults, a hundredth of MaxFaults at a
// time so that a stream of new faults at the bound pays for one sweep
// per batch.
func (m *Model) makeRoom(now time.Time) {
	m.sweep(now)
	target := m.cfg.MaxFaults - max(1, m.cfg.MaxFaults/100)
	for m.live > target && m.head < len(m.order) {
		f := m.order[m.head]
		m.head++
		if f.dead {
			continue
		}
		m.kill(f)
		m.stats.EvictedFaults++
		if f.root.inc != nil {
			m.refresh(f.root.inc, now)
			m.touch(f.root.inc)
		}
	}
	m.compact()
}

// sweep drops the errors whose window passed by now.
func (m *Model) sweep(now time.Time) {
	for _, f := range m.order[m.head:] {
		if !f.dead && f.transient() && now.Sub(f.last) >= m.cfg.Windows[f.layer] {
			m.kill(f)
		}
	}
	m.compact()
}

// kill takes f out of the live faults without clearing it.
func (m *Model) kill(f *fault) {
	f.dead = true
	m.live--
	if f.cond.Kind.opens() {
		f.root.conds--
		if f.recovering {
			f.root.recovering--
		}
	}
}

// compact drops dead faults from order once they are half of it.
func (m *Model) compact() {
	dead := len(m.order) - m.live
	if dead < 64 || dead*2 < len(m.order) {
		return
	}
	out := m.order[:0]
	for _, f := range m.order[m.head:] {
		if !f.dead {
			out = append(out, f)
		}
	}
	clear(m.order[len(out):])
	m.order, m.head = out, 0
}

// clear closes the faults the condition c clears on d (and on the
// devices also), at t; it returns the earliest fault closed.
func (m *Model) clear(c Condition, d *device, also []*device, t time.Time) *fault {
	objs := clearedBy(c.Object)
	var first *fault
	closeOne := func(dv *device, f *fault) {
		if f.dead || !f.cond.Kind.opens() || !slices.Contains(objs, f.cond.Object) || f.first.After(t) {
			return
		}
		m.closeFault(f, t)
		if f.cond.Object != c.Object {
			if cs, ok := dv.cond(f.cond.Object); ok && cs.Kind != Clear {
				dv.dropCond(f.cond.Object)
			}
		}
		if first == nil || earlier(f, first) {
			first = f
		}
	}
	for _, dv := range append([]*device{d}, also...) {
		for _, f := range dv.faults {
			closeOne(dv, f)
		}
	}
	if c.Object == "array" && d.info.Name != "" {
		for _, f := range m.scoped[d.info.Name] {
			if f.dead {
				continue
			}
			m.closeFault(f, t)
			if md := m.devs[f.dev]; md != nil {
				md.dropCond("member")
			}
			if first == nil || earlier(f, first) {
				first = f
			}
		}
		delete(m.scoped, d.info.Name)
	}
	return first
}

// closeFault closes f as cleared at t.
func (m *Model) closeFault(f *fault, t time.Time) {
	m.kill(f)
	f.root.cleared++
	if inc := f.root.inc; inc != nil {
		m.refresh(inc, t)
		m.touch(inc)
	}
}

// recover marks the faults of c's object on d (and an array's members)
// as recovering; it returns the earliest of them.
func (m *Model) recover(c Condition, d *device, t time.Time) *fault {
	var first *fault
	mark := func(f *fault) {
		if f.dead || !f.cond.Kind.opens() || f.first.After(t) {
			return
		}
		if !f.recovering {
			f.recovering = true
			f.root.recovering++
		}
		if first == nil || earlier(f, first) {
			first = f
		}
	}
	for _, f := range d.faults {
		if f.cond.Object == c.Object {
			mark(f)
		}
	}
	if c.Object == "array" && d.info.Name != "" {
		for _, f := range m.scoped[d.info.Name] {
			mark(f)
		}
	}
	if first == nil {
		return nil
	}
	if inc := first.root.inc; inc != nil {
		m.refresh(inc, t)
		m.touch(inc)
	}
	return first
}

// Recover applies a condition read from sysfs rather than from an event:
// a clear closes what it clears, a recovering state marks the faults it
// concerns. Fault states are shown (Conditions) but open nothing: a fault
// needs an event to be a cause.
func (m *Model) Recover(dev Dev, c Condition, t time.Time) {
	d := m.devs[dev]
	if d == nil {
		return
	}
	if cs, ok := d.cond(c.Object); ok && cs.State == c.State {
		return
	}
	switch c.Kind {
	case Clear:
		m.clear(c, d, nil, t)
	case Recovering:
		m.recover(c, d, t)
	default:
		return
	}
	d.setCond(c, t, "")
}

// setCond notes that the device is in condition c since t.
func (d *device) setCond(c Condition, t time.Time, eventID string) {
	cs := CondState{Condition: c, Since: t, EventID: eventID}
	i, found := slices.BinarySearchFunc(d.conds, c.Object, func(a CondState, obj string) int { return strings.Compare(a.Object, obj) })
	switch {
	case !found:
		d.conds = slices.Insert(d.conds, i, cs)
	case d.conds[i].State != c.State:
		d.conds[i] = cs
	}
}

// cond returns the device's condition of object obj.
func (d *device) cond(obj string) (CondState, bool) {
	for _, c := range d.conds {
		if c.Object == obj {
			return c, true
		}
	}
	return CondState{}, false
}

// dropCond forgets the device's condition of object obj.
func (d *device) dropCond(obj string) {
	d.conds = slices.DeleteFunc(d.conds, func(c CondState) bool { return c.Object == obj })
}

// forgetDevices drops the devices seen longest ago, those with no open
// fault and no standing fault condition first, down to three quarters of
// MaxDevices. The open faults of a device dropped are evicted.
func (m *Model) forgetDevices(now time.Time) {
	type cand struct {
		d    *device
		busy bool
	}
	all := make([]cand, 0, len(m.devs))
	for _, d := range m.devs {
		all = append(all, cand{d, d.busy()})
	}
	slices.SortFunc(all, func(a, b cand) int {
		if a.busy != b.busy {
			if a.busy {
				return 1
			}
			return -1
		}
		return a.d.seen.Compare(b.d.seen)
	})
	drop := len(m.devs) - m.cfg.MaxDevices*3/4
	for _, c := range all[:min(drop, len(all))] {
		d := c.d
		for _, f := range d.faults {
			if !f.dead {
				m.kill(f)
				m.stats.EvictedFaults++
				if inc := f.root.inc; inc != nil {
					m.refresh(inc, now)
					m.touch(inc)
				}
			}
		}
		m.unlink(d)
		d.gone = true
		delete(m.devs, d.info.Dev)
		m.stats.EvictedDevices++
	}
	m.compact()
}

// unlink takes d out of the stacks of the devices above and below it.
func (m *Model) unlink(d *device) {
	for _, b := range d.below {
		if bd := m.devs[b.Dev]; bd != nil {
			bd.above = slices.DeleteFunc(bd.above, func(a Dev) bool { return a == d.info.Dev })
		}
	}
	for _, a := range d.above {
		if ad := m.devs[a]; ad != nil {
			ad.below = slices.DeleteFunc(slices.Clone(ad.below), func(b DevInfo) bool { return b.Dev == d.info.Dev })
			ad.belowDevs = slices.DeleteFunc(ad.belowDevs, func(bd *device) bool { return bd == d })
		}
	}
}

// busy reports whether d holds a fault or a condition worth keeping.
func (d *device) busy() bool {
	for _, f := range d.faults {
		if !f.dead {
			return true
		}
	}
	for _, c := range d.conds {
		if c.Kind != Clear {
			return true
		}
	}
	return false
}

// Tick lets time pass: errors whose window ended stop being causes, and
// incidents left with no open fault close. now is the time of the log
// (the record time the events carry), as it advances.
func (m *Model) Tick(now time.Time) {
	m.sweep(now)
	for _, inc := range m.incidents {
		if m.refresh(inc, now) {
			m.touch(inc)
		}
	}
}

// Stats returns the model's counts.
func (m *Model) Stats() Stats {
	s := m.stats
	s.OpenFaults = m.live
	s.Devices = len(m.devs)
	s.OpenIncidents = len(m.incidents)
	s.ClosedIncidents = len(m.closed)
	return s
}

func rootEvent(in *Input) RootEvent {
	return RootEvent{EventID: in.EventID, EventType: in.Type, SubSystem: in.SubSystem, Severity: in.Severity,
		Time: in.Time, Dev: in.Dev, Msg: in.Msg, Layer: in.Layer.String(), Condition: in.Cond.Name()}
}

// check is used by the tests: the model's own bookkeeping agrees with
// its faults.
func (m *Model) check() error {
	live := 0
	conds := map[*root]int{}
	for _, f := range m.order[m.head:] {
		if !f.dead {
			live++
			if f.cond.Kind.opens() {
				conds[f.root]++
			}
		}
	}
	if live != m.live {
		return fmt.Errorf("live faults: counted %d, kept %d", live, m.live)
	}
	for r, n := range conds {
		if r.conds != n {
			return fmt.Errorf("root %s: %d open condition faults, kept %d", r.ev.EventID, n, r.conds)
		}
	}
	return nil
}

// DeviceConditions is a device with the conditions stated of it.
type DeviceConditions struct {
	DevInfo
	// Present is set by the daemon for a device it found in sysfs; the
	// model does not know.
	Present    bool        `json:"present"`
	Conditions []CondState `json:"conditions"`
}

// Conditions returns every device the model knows a condition of, by
// name, each condition by object.
func (m *Model) Conditions() []DeviceConditions {
	var out []DeviceConditions
	for _, d := range m.devs {
		if len(d.conds) == 0 {
			continue
		}
		dc := DeviceConditions{DevInfo: d.info, Conditions: slices.Clone(d.conds)}
		out = append(out, dc)
	}
	slices.SortFunc(out, func(a, b DeviceConditions) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.MajMin, b.MajMin)
	})
	return out
}
