package cli

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/peripety/peripety/correlate"
	pdbus "github.com/peripety/peripety/dbus"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/service/sdjournal"
)

// hostIncident is an incident as the journal tells it, with the host
// whose events it groups.
type hostIncident struct {
	Hostname string `json:"hostname"`
	correlate.Incident
}

// journalIncidents rebuilds the incidents of the events stored in src
// that f selects, from each event's incident_id (one incident per id and
// host) that has an event blk matches: the journal keeps the events, not
// the daemon's model, so their state is not known (""); the root cause is
// the event whose id the others name as theirs, else the first. Most
// recently seen first.
func journalIncidents(ctx context.Context, src sdjournal.Source, f event.Filter, blk event.Filter) ([]hostIncident, error) {
	f.Limit = math.MaxInt
	evs, err := queryJournal(ctx, src, f)
	if err != nil {
		return nil, err
	}
	type key struct{ host, id string }
	byID := map[key]*hostIncident{}
	roots := map[key]string{}
	touches := map[key]bool{}
	for i := range evs {
		ev := &evs[i]
		if ev.IncidentID == "" {
			continue
		}
		k := key{ev.Hostname, ev.IncidentID}
		inc := byID[k]
		if inc == nil {
			inc = &hostIncident{Hostname: ev.Hostname, Incident: correlate.Incident{ID: ev.IncidentID, Severity: ev.Severity,
				FirstSeen: ev.Timestamp, Counts: map[string]uint64{}}}
			byID[k] = inc
			roots[k] = ev.RootCauseEventID
			inc.RootCause = rootEvent(ev)
		}
		if ev.EventID == roots[k] {
			inc.RootCause = rootEvent(ev)
		}
		inc.Events++
		inc.Lines += uint64(max(ev.Count, 1))
		inc.Counts[ev.EventType]++
		inc.Severity = min(inc.Severity, ev.Severity)
		if ev.Timestamp.After(inc.LastSeen) {
			inc.LastSeen = ev.Timestamp
		}
		if ev.Timestamp.Before(inc.FirstSeen) {
			inc.FirstSeen = ev.Timestamp
		}
		if blk.Match(ev) {
			touches[k] = true
		}
		addAffected(&inc.Incident, ev)
	}
	out := make([]hostIncident, 0, len(byID))
	for k, inc := range byID {
		if !touches[k] {
			continue
		}
		for i := range inc.Devices {
			if inc.Devices[i].Dev == inc.RootCause.Dev.Dev {
				inc.Devices[i].Role = correlate.RoleRoot
			}
		}
		out = append(out, *inc)
	}
	slices.SortFunc(out, func(a, b hostIncident) int {
		return cmp.Or(b.LastSeen.Compare(a.LastSeen), cmp.Compare(a.Hostname, b.Hostname), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

func rootEvent(ev *event.Event) correlate.RootEvent {
	return correlate.RootEvent{EventID: ev.EventID, EventType: ev.EventType, SubSystem: ev.SubSystem, Severity: ev.Severity,
		Time: ev.Timestamp, Dev: devOf(ev), Msg: ev.Msg}
}

func devOf(ev *event.Event) correlate.DevInfo {
	return correlate.DevInfo{Dev: correlate.Dev{Name: ev.Kdev}, Path: ev.DevPath, WWID: ev.DevWWID, Mount: ev.Ext("mount_point")}
}

// addAffected counts ev on its device among the incident's devices.
func addAffected(inc *correlate.Incident, ev *event.Event) {
	d := devOf(ev)
	if d.Name == "" {
		return
	}
	for i := range inc.Devices {
		if inc.Devices[i].Dev == d.Dev {
			inc.Devices[i].Events++
			return
		}
	}
	inc.Devices = append(inc.Devices, correlate.Affected{DevInfo: d, Role: correlate.RoleEvent, Events: 1})
}

// journalIncidentLine is incidentLine with the host in front, and its
// state unknown: the journal does not say it.
func journalIncidentLine(inc *hostIncident) string {
	shown := inc.Incident
	shown.State = "unknown"
	line := incidentLine(&shown)
	return fmt.Sprintf("%s %s", dash(inc.Hostname), line)
}

// fromJournal is `prpt incidents --journal|--directory|--file`.
func (c *IncidentsCmd) fromJournal(ctx context.Context, env *Env, src sdjournal.Source, f pdbus.IncidentFilter) error {
	if c.Open {
		return errors.New("--open needs the daemon: the journal keeps the events of an incident, not its state")
	}
	if err := localJournalAccess(src); err != nil {
		return err
	}
	var blk event.Filter
	if c.Blk != "" {
		blk.Blk = []string{c.Blk}
	}
	incs, err := journalIncidents(ctx, src, event.Filter{Since: f.Since, Hostnames: c.Hostname}, blk)
	if err != nil {
		return fmt.Errorf("incidents of %s: %w", src, err)
	}
	limit := c.Limit
	if limit == 0 {
		limit = 100
	}
	w := bufio.NewWriter(env.Stdout)
	for i := range incs[:min(limit, len(incs))] {
		if c.JSON {
			inc := incs[i]
			inc.Incident = jsonIncident(inc.Incident)
			if err := writeJSONLine(w, inc); err != nil {
				return err
			}
			continue
		}
		w.WriteString(journalIncidentLine(&incs[i]))
	}
	return w.Flush()
}
