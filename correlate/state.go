package correlate

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Saved is the model as the daemon saves it between runs: its devices
// with their conditions, the open faults with their root causes, and the
// incidents, open and closed. It is plain data (JSON).
type Saved struct {
	Version   uint64          `json:"version"`
	Stats     Stats           `json:"stats"`
	Devices   []SavedDevice   `json:"devices"`
	Roots     []SavedRoot     `json:"roots"`
	Faults    []SavedFault    `json:"faults"`
	Incidents []SavedIncident `json:"incidents"`
}

// SavedDevice is a device of Saved.
type SavedDevice struct {
	DevInfo
	Below      []DevInfo   `json:"below,omitempty"`
	Conditions []CondState `json:"conditions,omitempty"`
	Seen       time.Time   `json:"seen"`
}

// SavedRoot is a root cause of open faults, or of an open incident.
type SavedRoot struct {
	Event    RootEvent `json:"event"`
	Count    uint32    `json:"count,omitempty"`
	Opened   bool      `json:"opened,omitempty"`
	Cleared  int       `json:"cleared,omitempty"`
	Until    time.Time `json:"until,omitzero"`
	Incident string    `json:"incident,omitempty"`
}

// SavedFault is an open fault; Root indexes Saved.Roots.
type SavedFault struct {
	Root       int       `json:"root"`
	Dev        Dev       `json:"dev"`
	Layer      Layer     `json:"layer"`
	Cond       Condition `json:"condition"`
	Scope      string    `json:"scope,omitempty"`
	Source     string    `json:"source,omitempty"`
	EventID    string    `json:"event_id"`
	First      time.Time `json:"first"`
	Last       time.Time `json:"last"`
	Recovering bool      `json:"recovering,omitempty"`
}

// SavedIncident is an incident; Touched are the devices of its events
// with their counts (an open incident's Devices are worked out when it is
// read).
type SavedIncident struct {
	Incident
	Touched []Affected `json:"touched,omitempty"`
}

// Save returns the model's state.
func (m *Model) Save() Saved {
	st := Saved{Version: m.version, Stats: m.stats}
	for _, d := range m.devs {
		sd := SavedDevice{DevInfo: d.info, Below: slices.Clone(d.below), Seen: d.seen, Conditions: slices.Clone(d.conds)}
		st.Devices = append(st.Devices, sd)
	}
	slices.SortFunc(st.Devices, func(a, b SavedDevice) int { return strings.Compare(a.Name+" "+a.MajMin, b.Name+" "+b.MajMin) })
	roots := map[*root]int{}
	addRoot := func(r *root) int {
		if i, ok := roots[r]; ok {
			return i
		}
		sr := SavedRoot{Event: r.ev, Count: r.count, Opened: r.opened, Cleared: r.cleared, Until: r.until}
		if r.inc != nil && r.inc.State != StateClosed {
			sr.Incident = r.inc.ID
		}
		roots[r] = len(st.Roots)
		st.Roots = append(st.Roots, sr)
		return roots[r]
	}
	for _, f := range m.order[m.head:] {
		if f.dead {
			continue
		}
		st.Faults = append(st.Faults, SavedFault{Root: addRoot(f.root), Dev: f.dev, Layer: f.layer, Cond: f.cond,
			Scope: f.scope, Source: f.source, EventID: f.evID, First: f.first, Last: f.last, Recovering: f.recovering})
	}
	save := func(inc *incident) {
		si := SavedIncident{Incident: inc.Incident}
		si.Counts = maps(inc.Counts)
		for _, a := range inc.devs {
			si.Touched = append(si.Touched, Affected{DevInfo: a.info, Events: a.events})
		}
		if inc.State != StateClosed {
			addRoot(inc.root)
		}
		st.Incidents = append(st.Incidents, si)
	}
	for _, inc := range m.closed {
		save(inc)
	}
	open := make([]*incident, 0, len(m.incidents))
	for _, inc := range m.incidents {
		open = append(open, inc)
	}
	slices.SortFunc(open, func(a, b *incident) int { return strings.Compare(a.ID, b.ID) })
	for _, inc := range open {
		save(inc)
	}
	return st
}

func maps(m map[string]uint64) map[string]uint64 {
	out := make(map[string]uint64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Restore returns a model with cfg holding st (from Save). A
// state that does not hold together (a fault of a root that is not
// there) is an error, and the daemon starts afresh.
func Restore(cfg Config, st Saved) (*Model, error) {
	m := New(cfg)
	m.version, m.stats = st.Version, st.Stats
	for _, sd := range st.Devices {
		if sd.IsZero() {
			continue
		}
		d := &device{info: sd.DevInfo, below: sd.Below, seen: sd.Seen}
		for _, c := range sd.Conditions {
			d.setCond(c.Condition, c.Since, c.EventID)
		}
		m.devs[sd.Dev] = d
	}
	for _, d := range m.devs {
		for _, b := range d.below {
			if bd := m.devs[b.Dev]; bd != nil && b.Dev != d.info.Dev {
				d.belowDevs = append(d.belowDevs, bd)
				if !slices.Contains(bd.above, d.info.Dev) {
					bd.above = append(bd.above, d.info.Dev)
				}
			}
		}
	}
	roots := make([]*root, len(st.Roots))
	for i, sr := range st.Roots {
		roots[i] = &root{ev: sr.Event, count: sr.Count, opened: sr.Opened, cleared: sr.Cleared, until: sr.Until}
	}
	for i, sf := range st.Faults {
		if sf.Root < 0 || sf.Root >= len(roots) {
			return nil, fmt.Errorf("saved fault %d: root %d of %d", i, sf.Root, len(roots))
		}
		if sf.Layer >= numLayers {
			return nil, fmt.Errorf("saved fault %d: layer %d", i, sf.Layer)
		}
		r := roots[sf.Root]
		f := &fault{root: r, dev: sf.Dev, layer: sf.Layer, cond: sf.Cond, scope: sf.Scope, source: sf.Source, evID: sf.EventID,
			first: sf.First, last: sf.Last, recovering: sf.Recovering}
		d := m.devs[sf.Dev]
		if d == nil {
			d = &device{info: DevInfo{Dev: sf.Dev}, seen: sf.Last}
			m.devs[sf.Dev] = d
		}
		d.faults = append(d.faults, f)
		if f.cond.Kind.opens() {
			r.conds++
			if f.recovering {
				r.recovering++
			}
			if f.scope != "" {
				m.scoped[f.scope] = append(m.scoped[f.scope], f)
			}
		}
		m.order = append(m.order, f)
		m.live++
	}
	byIncident := map[string]*root{}
	for i, sr := range st.Roots {
		if sr.Incident != "" {
			byIncident[sr.Incident] = roots[i]
		}
	}
	for _, si := range st.Incidents {
		inc := &incident{Incident: si.Incident}
		if inc.Counts == nil {
			inc.Counts = map[string]uint64{}
		}
		for _, a := range si.Touched {
			inc.devs = append(inc.devs, &affected{info: a.DevInfo, events: a.Events})
		}
		if inc.State == StateClosed {
			inc.root = &root{ev: inc.RootCause, inc: inc}
			m.closed = append(m.closed, inc)
			m.closedIDs[inc.ID] = inc
			continue
		}
		r := byIncident[inc.ID]
		if r == nil {
			return nil, fmt.Errorf("saved incident %s: its root cause is not saved", inc.ID)
		}
		inc.Devices = nil
		inc.root, r.inc = r, inc
		m.incidents[inc.ID] = inc
	}
	slices.SortStableFunc(m.closed, func(a, b *incident) int { return a.Closed.Compare(b.Closed) })
	return m, m.check()
}
