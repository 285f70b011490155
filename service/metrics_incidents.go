package service

import (
	"cmp"

	"github.com/peripety/peripety/correlate"
	"github.com/peripety/peripety/metrics"
)

// incidentFamilies are the incidents and device conditions the daemon
// keeps (package correlate), as gauges read when a scrape asks: how many
// incidents in each state and worst severity, and each device condition
// the events stated, for at most maxDevices devices (the conditions of
// the others counted under wwid="other").
func incidentFamilies(c *correlation, maxDevices int) []metrics.Family {
	incs := metrics.Family{Name: "peripety_incidents", Kind: metrics.Gauge,
		Help:   "Incidents the daemon keeps (open and recovering ones, and the latest closed), by state and worst severity.",
		Labels: []string{"state", "severity"}}
	conds := metrics.Family{Name: "peripety_device_conditions", Kind: metrics.Gauge,
		Help:   "Device conditions the events stated (path:failed, array:degraded, fs:ro...), by device (at most [metrics] max_devices, the rest under wwid=\"other\"): 1 each, or how many for other.",
		Labels: []string{"wwid", "dev_path", "mount_point", "condition"}}
	if c == nil {
		return []metrics.Family{incs, conds}
	}
	type key struct{ state, severity string }
	byState := map[key]int{}
	for _, inc := range c.incidents() {
		byState[key{string(inc.State), inc.Severity.String()}]++
	}
	for _, k := range sortedKeys(byState, func(a, b key) int { return cmp.Or(cmp.Compare(a.state, b.state), cmp.Compare(a.severity, b.severity)) }) {
		incs.Add(float64(byState[k]), k.state, k.severity)
	}
	other := map[string]int{}
	for i, dc := range c.conditions() { // sorted by device name
		for _, cs := range dc.Conditions {
			if i >= maxDevices {
				other[cs.Name()]++
				continue
			}
			conds.Add(1, dc.WWID, devLabel(dc.DevInfo), dc.Mount, cs.Name())
		}
	}
	for _, name := range sortedKeys(other, cmp.Compare[string]) {
		conds.Add(float64(other[name]), otherDevice, "", "", name)
	}
	return []metrics.Family{incs, conds}
}

// devLabel is a device's dev_path label: its path, else its kernel name.
func devLabel(d correlate.DevInfo) string {
	if d.Path != "" {
		return d.Path
	}
	return d.Name
}
