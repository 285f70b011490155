package correlate

import (
	"cmp"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/peripety/peripety/event"
)

// State is the state of an incident.
type State string

const (
	// StateOpen: its faults are open and none has cleared.
	StateOpen State = "open"
	// StateRecovering: some of its conditions cleared, or a rebuild runs,
	// and some are still open.
	StateRecovering State = "recovering"
	// StateClosed: none of its faults is open any more.
	StateClosed State = "closed"
)

// RootEvent is what an incident keeps of its root cause event.
type RootEvent struct {
	EventID   string         `json:"event_id"`
	EventType string         `json:"event_type"`
	SubSystem string         `json:"sub_system"`
	Severity  event.Severity `json:"severity"`
	Time      time.Time      `json:"timestamp"`
	Dev       DevInfo        `json:"device"`
	Msg       string         `json:"msg"`
	// Layer and Condition are where the root cause spoke and the device
	// condition it stated ("" for none).
	Layer     string `json:"layer"`
	Condition string `json:"condition,omitempty"`
}

// Device roles in an incident.
const (
	// RoleRoot: the device of the root cause.
	RoleRoot = "root"
	// RoleEvent: a device events of the incident are about.
	RoleEvent = "event"
	// RoleAbove: a device built on the root cause's device, no event of
	// the incident about it (yet).
	RoleAbove = "above"
)

// Affected is a device an incident touches.
type Affected struct {
	DevInfo
	Role string `json:"role"`
	// Events counts the incident's events about it.
	Events uint64 `json:"events"`
	// Conditions are the device's conditions as the model last knew them
	// ("path:failed", "fs:ro"), when the incident was read.
	Conditions []string `json:"conditions,omitempty"`
}

// Incident is one storage failure told as one story: the root cause and
// the events that followed from it.
type Incident struct {
	ID        string    `json:"incident_id"`
	State     State     `json:"state"`
	RootCause RootEvent `json:"root_cause"`
	// Severity is the worst of its events.
	Severity  event.Severity `json:"severity"`
	FirstSeen time.Time      `json:"first_seen"`
	LastSeen  time.Time      `json:"last_seen"`
	// Closed is when it closed, zero while it is not.
	Closed time.Time `json:"closed,omitzero"`
	// Events counts its events, Lines the kernel lines they stand for;
	// Counts the events per event type.
	Events uint64            `json:"events"`
	Lines  uint64            `json:"lines"`
	Counts map[string]uint64 `json:"counts"`
	// Devices are the devices it touches, bottom up: the root cause's,
	// those of its events, and those built on the root cause's.
	Devices []Affected `json:"devices"`
	// OpenFaults counts its faults still open.
	OpenFaults int `json:"open_faults"`
	// Related are incidents whose faults were open below some of its
	// events too (the other paths of a map that lost them all).
	Related []string `json:"related,omitempty"`
	// Version orders changes: an incident changed after another has a
	// greater one.
	Version uint64 `json:"version"`
}

// maxRelated bounds Incident.Related; maxAffected the devices of
// events kept per incident.
const (
	maxRelated  = 16
	maxAffected = 256
)

// incident is an incident as the model keeps it.
type incident struct {
	Incident
	root *root
	// devs are the devices of its events, in order of first event.
	devs []*affected
}

type affected struct {
	info   DevInfo
	events uint64
}

// incidentNS makes incident ids reproducible: the id is derived from the
// root cause's event id, so a daemon that reads the same records again
// gives the same ids.
var incidentNS = uuid.MustParse("1b0e4a8c-3f52-4e0e-9c1d-6a7b2f8e5d40")

// IncidentID is the id of the incident whose root cause is the event
// rootEventID.
func IncidentID(rootEventID string) string {
	return uuid.NewSHA1(incidentNS, []byte(rootEventID)).String()
}

// openIncident opens r's incident, as one of its events, not r's own
// unless first, comes.
func (m *Model) openIncident(r *root) {
	inc := &incident{root: r, Incident: Incident{
		ID: IncidentID(r.ev.EventID), State: StateOpen, RootCause: r.ev, Severity: r.ev.Severity,
		FirstSeen: r.ev.Time, LastSeen: r.ev.Time, Counts: map[string]uint64{},
	}}
	if !r.ev.Dev.IsZero() {
		inc.devs = append(inc.devs, &affected{info: r.ev.Dev})
	}
	if r.opened {
		// The root came first, below warning severity: it is counted
		// now that a later event opens its incident.
		inc.Events, inc.Lines, inc.Counts[r.ev.EventType] = 1, uint64(max(r.count, 1)), 1
		if len(inc.devs) > 0 {
			inc.devs[0].events = 1
		}
	}
	r.inc = inc
	m.incidents[inc.ID] = inc
}

// add counts in as an event of the incident.
func (inc *incident) add(in *Input) {
	inc.Events++
	inc.Lines += uint64(max(in.Count, 1))
	inc.Counts[in.Type]++
	if in.Severity < inc.Severity {
		inc.Severity = in.Severity
	}
	if in.Time.Before(inc.FirstSeen) {
		inc.FirstSeen = in.Time
	}
	if in.Time.After(inc.LastSeen) {
		inc.LastSeen = in.Time
	}
	inc.note(in.Dev, true)
	for _, a := range in.Also {
		inc.note(a, false)
	}
}

// note adds dev to the incident's devices; byEvent counts an event about
// it.
func (inc *incident) note(dev DevInfo, byEvent bool) {
	if dev.IsZero() {
		return
	}
	for _, a := range inc.devs {
		if a.info.Dev == dev.Dev {
			a.info = mergeInfo(a.info, dev)
			if byEvent {
				a.events++
			}
			return
		}
	}
	if len(inc.devs) >= maxAffected {
		return
	}
	a := &affected{info: dev}
	if byEvent {
		a.events = 1
	}
	inc.devs = append(inc.devs, a)
}

func (inc *incident) relate(id string) {
	if len(inc.Related) < maxRelated && !slices.Contains(inc.Related, id) {
		inc.Related = append(inc.Related, id)
	}
}

// touch marks inc changed.
func (m *Model) touch(inc *incident) {
	m.version++
	inc.Version = m.version
}

// refresh sets inc's state as of now; it reports whether it changed. A
// closed incident leaves the open ones.
func (m *Model) refresh(inc *incident, now time.Time) bool {
	if inc.State == StateClosed {
		return false
	}
	r := inc.root
	inc.OpenFaults = r.conds
	state := StateOpen
	switch {
	case r.conds == 0 && !now.Before(r.until):
		state = StateClosed
	case r.recovering > 0 || r.cleared > 0:
		state = StateRecovering
	}
	if state == inc.State {
		return false
	}
	inc.State = state
	if state == StateClosed {
		inc.Closed = now
		inc.Devices = m.devices(inc)
		delete(m.incidents, inc.ID)
		m.closed = append(m.closed, inc)
		m.closedIDs[inc.ID] = inc
		if len(m.closed) > m.cfg.MaxClosed {
			old := m.closed[0]
			m.closed = slices.Delete(m.closed, 0, 1)
			delete(m.closedIDs, old.ID)
			old.root.inc = nil
			m.stats.EvictedIncidents++
		}
	}
	return true
}

// devices lists the devices inc touches, as the model knows them now:
// the root cause's and the events' devices, and the devices built on the
// root cause's; lowest in the stack first.
func (m *Model) devices(inc *incident) []Affected {
	out := make([]Affected, 0, len(inc.devs)+2)
	has := func(d Dev) bool { return slices.ContainsFunc(out, func(a Affected) bool { return a.Dev == d }) }
	rootDev := inc.RootCause.Dev.Dev
	for _, a := range inc.devs {
		role := RoleEvent
		if a.info.Dev == rootDev {
			role = RoleRoot
		}
		out = append(out, m.affected(a.info, role, a.events))
	}
	if rd := m.devs[rootDev]; rd != nil {
		for _, a := range rd.above {
			if d := m.devs[a]; d != nil && !has(a) {
				out = append(out, m.affected(d.info, RoleAbove, 0))
			}
		}
	}
	depth := func(a Affected) int {
		if d := m.devs[a.Dev]; d != nil {
			return len(d.below)
		}
		return 0
	}
	slices.SortStableFunc(out, func(a, b Affected) int {
		if c := cmp.Compare(depth(a), depth(b)); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return out
}

// affected describes one device of an incident, with its current
// conditions.
func (m *Model) affected(info DevInfo, role string, events uint64) Affected {
	a := Affected{DevInfo: info, Role: role, Events: events}
	if d := m.devs[info.Dev]; d != nil {
		a.DevInfo = mergeInfo(info, d.info)
		for _, c := range d.conds {
			a.Conditions = append(a.Conditions, c.Name())
		}
		slices.Sort(a.Conditions)
	}
	return a
}

// snapshot returns inc as it stands, for the model's readers.
func (m *Model) snapshot(inc *incident) Incident {
	out := inc.Incident
	out.Counts = make(map[string]uint64, len(inc.Counts))
	for k, v := range inc.Counts {
		out.Counts[k] = v
	}
	out.Related = slices.Clone(inc.Related)
	if inc.State != StateClosed {
		out.Devices = m.devices(inc)
	} else {
		out.Devices = slices.Clone(inc.Devices)
	}
	return out
}

// Incidents returns every incident the model holds, open ones and the
// closed ones it keeps, most recently seen first.
func (m *Model) Incidents() []Incident {
	out := make([]Incident, 0, len(m.incidents)+len(m.closed))
	for _, inc := range m.incidents {
		out = append(out, m.snapshot(inc))
	}
	for _, inc := range m.closed {
		out = append(out, m.snapshot(inc))
	}
	slices.SortFunc(out, func(a, b Incident) int {
		if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// Incident returns the incident with id.
func (m *Model) Incident(id string) (Incident, bool) {
	if inc, ok := m.incidents[id]; ok {
		return m.snapshot(inc), true
	}
	if inc, ok := m.closedIDs[id]; ok {
		return m.snapshot(inc), true
	}
	return Incident{}, false
}

// Changed returns the incidents changed after version since, oldest
// change first, and the version they bring the reader to.
func (m *Model) Changed(since uint64) ([]Incident, uint64) {
	var out []Incident
	for _, inc := range m.incidents {
		if inc.Version > since {
			out = append(out, m.snapshot(inc))
		}
	}
	for _, inc := range m.closed {
		if inc.Version > since {
			out = append(out, m.snapshot(inc))
		}
	}
	slices.SortFunc(out, func(a, b Incident) int { return cmp.Compare(a.Version, b.Version) })
	return out, m.version
}
