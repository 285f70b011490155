package service

import (
	"cmp"
	"maps"
	"slices"

	"github.com/peripety/peripety/correlate"
	"github.com/peripety/peripety/sysfs"
)

// Incidents returns the incidents the daemon holds, most recently seen
// first (the D-Bus ListIncidents method); none while Run is not running.
func (d *Daemon) Incidents() []correlate.Incident {
	if pl := d.pl.Load(); pl != nil {
		return pl.corr.incidents()
	}
	return nil
}

// Incident returns the incident with id (the D-Bus GetIncident method).
func (d *Daemon) Incident(id string) (correlate.Incident, bool) {
	if pl := d.pl.Load(); pl != nil {
		return pl.corr.incident(id)
	}
	return correlate.Incident{}, false
}

// IncidentsChanged returns the incidents changed after version since, and
// the version they bring the caller to (the IncidentChanged signal).
func (d *Daemon) IncidentsChanged(since uint64) ([]correlate.Incident, uint64) {
	if pl := d.pl.Load(); pl != nil {
		return pl.corr.changed(since)
	}
	return nil, since
}

// Conditions returns the conditions of every device (the D-Bus
// GetConditions method): each device present, with the states sysfs shows
// now and those the events stated that sysfs cannot show (a path failed,
// a pool full), and the devices gone with the conditions last stated. A
// state sysfs shows wins over one an event stated of the same object.
func (d *Daemon) Conditions() ([]correlate.DeviceConditions, error) {
	var known []correlate.DeviceConditions
	if pl := d.pl.Load(); pl != nil {
		known = pl.corr.conditions()
	}
	byDev := map[correlate.Dev]int{}
	for i, dc := range known {
		byDev[dc.Dev] = i
	}
	tops, err := d.opts.Resolver.ListBlocks()
	sr, _ := d.opts.Resolver.(StateReader)
	seen := map[string]bool{}
	var out []correlate.DeviceConditions
	for _, top := range tops {
		for _, b := range append([]sysfs.BlockInfo{top}, top.Owners...) {
			if seen[b.KernelName] {
				continue
			}
			seen[b.KernelName] = true
			dc := correlate.DeviceConditions{DevInfo: devInfo(&b, b.MountPoint)}
			if i, ok := byDev[dc.Dev]; ok {
				dc.Conditions = known[i].Conditions
				delete(byDev, dc.Dev)
			}
			dc.Present = true
			if sr != nil {
				if st, err := sr.State(b.KernelName); err == nil {
					dc.Conditions = withStates(dc.Conditions, st.States)
				}
			}
			out = append(out, dc)
		}
	}
	for _, i := range byDev {
		out = append(out, known[i]) // gone
	}
	slices.SortFunc(out, func(a, b correlate.DeviceConditions) int {
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.MajMin, b.MajMin)
	})
	return out, err
}

// withStates merges the states sysfs shows into the conditions events
// stated: a state sysfs shows replaces a different one of the same
// object, and keeps the event's when they agree.
func withStates(conds []correlate.CondState, states map[string]string) []correlate.CondState {
	out := slices.Clone(conds)
	for _, obj := range slices.Sorted(maps.Keys(states)) {
		c := condition(obj + ":" + states[obj])
		i := slices.IndexFunc(out, func(cs correlate.CondState) bool { return cs.Object == obj })
		switch {
		case i < 0:
			out = append(out, correlate.CondState{Condition: c})
		case out[i].State != c.State:
			out[i] = correlate.CondState{Condition: c}
		}
	}
	slices.SortFunc(out, func(a, b correlate.CondState) int { return cmp.Compare(a.Object, b.Object) })
	return out
}
