package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peripety/peripety/correlate"
	pdbus "github.com/peripety/peripety/dbus"
	"github.com/peripety/peripety/dbus/client"
	"github.com/peripety/peripety/event"
)

// Incidents and device conditions are the daemon's: it builds them as it
// reads the log (docs/design.md, "Incidents"). The journal keeps each
// event's incident_id, which `prpt query --journal --incident ID` reads
// without the daemon.
const incidentsAlternative = "prpt query --journal --incident ID for an incident's events"

// IncidentsCmd is `prpt incidents`.
type IncidentsCmd struct {
	JSON  bool   `short:"J" name:"json" help:"Print one JSON incident object per line."`
	Open  bool   `help:"Only the incidents not closed (open or recovering)."`
	Since string `placeholder:"S" help:"Only the incidents seen since S (forms as prpt query --since)."`
	Blk   string `placeholder:"BLK" completes:"blk" help:"Only the incidents that touch this block device: kernel name, major:minor, /dev path, WWID, mount point."`
	Limit int    `placeholder:"N" help:"Print at most N incidents, the most recently seen (default 100)."`
	// With a journal (the collector of several hosts), incidents are
	// rebuilt from the events' incident ids (incidents_journal.go).
	Hostname []string `placeholder:"HOST" help:"With --journal or --directory: only the incidents of this host (repeat for several)."`
	JournalFlags
}

// Run lists the incidents the daemon holds, most recently seen first; or,
// with a journal, those its events tell.
func (c *IncidentsCmd) Run(env *Env) error {
	f := pdbus.IncidentFilter{Open: c.Open, Blk: c.Blk, Limit: c.Limit}
	if c.Limit < 0 {
		return fmt.Errorf("--limit %d: want a positive number", c.Limit)
	}
	if c.Since != "" {
		var err error
		if f.Since, err = event.ParseTimeSpec(c.Since, time.Now()); err != nil {
			return fmt.Errorf("--since: %w", err)
		}
	}
	ctx, stop := env.context()
	defer stop()
	if src, direct, err := c.source(); err != nil || direct {
		if err != nil {
			return err
		}
		return c.fromJournal(ctx, env, src, f)
	}
	var incs []correlate.Incident
	err := withDaemon(ctx, func(c *client.Client) (err error) {
		incs, err = c.ListIncidents(ctx, f)
		return err
	})
	if err != nil {
		return err
	}
	w := bufio.NewWriter(env.Stdout)
	for i := range incs {
		if c.JSON {
			if err := writeJSONLine(w, jsonIncident(incs[i])); err != nil {
				return err
			}
			continue
		}
		w.WriteString(incidentLine(&incs[i]))
	}
	return w.Flush()
}

// writeJSONLine writes v as one line of JSON.
func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// withDaemon connects to the daemon and runs fn with it.
func withDaemon(ctx context.Context, fn func(*client.Client) error) error {
	c, err := connectDaemon(incidentsAlternative)
	if err != nil {
		return err
	}
	defer c.Close()
	return daemonError(fn(c), incidentsAlternative)
}

// shortID is the first part of an incident's id, as the readable forms
// show it; prpt incident takes it.
func shortID(id string) string {
	if i := strings.IndexByte(id, '-'); i > 0 {
		return id[:i]
	}
	return id
}

// incidentLine is the readable form of an incident: when it was last
// seen, its id, state, worst severity, how many events, and its root
// cause with the devices it reached.
func incidentLine(inc *correlate.Incident) string {
	rc := inc.RootCause
	msg, _, _ := strings.Cut(rc.Msg, "\n")
	var above []string
	for _, d := range inc.Devices {
		if d.Role == correlate.RoleRoot {
			continue
		}
		s := d.Name
		if d.Mount != "" {
			s += " (" + d.Mount + ")"
		}
		above = append(above, s)
	}
	line := fmt.Sprintf("%s %s %-10s %-8s %s: %s %s: %s", inc.LastSeen.Format("2006-01-02 15:04:05"), shortID(inc.ID),
		inc.State, inc.Severity, plural(int(inc.Events), "event"), dash(rc.Dev.Name), rc.EventType, msg)
	if len(above) > 0 {
		line += " → " + strings.Join(above, ", ")
	}
	return line + "\n"
}

// jsonIncident gives lists as [] rather than null.
func jsonIncident(inc correlate.Incident) correlate.Incident {
	if inc.Devices == nil {
		inc.Devices = []correlate.Affected{}
	}
	if inc.Related == nil {
		inc.Related = []string{}
	}
	if inc.Counts == nil {
		inc.Counts = map[string]uint64{}
	}
	return inc
}

// IncidentCmd is `prpt incident ID`.
type IncidentCmd struct {
	ID     string `arg:"" name:"ID" help:"The incident: its id, or the start of it that prpt incidents shows."`
	JSON   bool   `short:"J" name:"json" help:"Print the incident as one JSON object, then its events, one JSON object per line."`
	Events bool   `help:"List every event of the incident, oldest first, rather than each kind of event on a device once."`
	Limit  int    `placeholder:"N" default:"10000" help:"Read at most N of its events."`
}

// Run tells the story of an incident: its root cause, then what followed
// from it, layer by layer up the stack, and the devices it touches.
func (c *IncidentCmd) Run(env *Env) error {
	ctx, stop := env.context()
	defer stop()
	var inc correlate.Incident
	var evs []event.Event
	err := withDaemon(ctx, func(cl *client.Client) error {
		var err error
		if inc, err = findIncident(ctx, cl, c.ID); err != nil {
			return err
		}
		evs, err = cl.Query(ctx, pdbus.QueryFilter{Filter: event.Filter{IncidentID: inc.ID, Limit: c.Limit}})
		return err
	})
	if err != nil {
		return err
	}
	w := bufio.NewWriter(env.Stdout)
	if c.JSON {
		if err := writeJSONLine(w, jsonIncident(inc)); err != nil {
			return err
		}
		ew := &eventWriter{w: w, asJSON: true}
		for i := range evs {
			if err := ew.write(&evs[i]); err != nil {
				return err
			}
		}
		return w.Flush()
	}
	writeStory(w, &inc, evs, c.Events)
	return w.Flush()
}

// findIncident returns the incident id names, or the one incident whose
// id starts with it.
func findIncident(ctx context.Context, c *client.Client, id string) (correlate.Incident, error) {
	inc, err := c.GetIncident(ctx, id)
	if !errors.Is(err, client.ErrNotFound) {
		return inc, err
	}
	all, lerr := c.ListIncidents(ctx, pdbus.IncidentFilter{Limit: 1 << 30})
	if lerr != nil {
		return inc, lerr
	}
	var found []correlate.Incident
	for _, i := range all {
		if strings.HasPrefix(i.ID, id) {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 0:
		return inc, fmt.Errorf("no incident %q: prpt incidents lists those the daemon holds (%s)", id, incidentsAlternative)
	case 1:
		return found[0], nil
	}
	return inc, fmt.Errorf("%d incidents start with %q: give more of the id", len(found), id)
}

// writeStory writes the readable story of inc and its events.
func writeStory(w io.Writer, inc *correlate.Incident, evs []event.Event, every bool) {
	const tf = "2006-01-02 15:04:05.000000"
	fmt.Fprintf(w, "Incident %s: %s, %s\n", inc.ID, inc.State, inc.Severity)
	fmt.Fprintf(w, "  %d events (%d kernel lines) from %s to %s", inc.Events, inc.Lines, inc.FirstSeen.Format(tf), inc.LastSeen.Format(tf))
	if !inc.Closed.IsZero() {
		fmt.Fprintf(w, ", closed %s", inc.Closed.Format(tf))
	} else if inc.OpenFaults > 0 {
		fmt.Fprintf(w, ", %s open", plural(inc.OpenFaults, "fault"))
	}
	fmt.Fprintln(w)
	rc := inc.RootCause
	fmt.Fprintf(w, "\nRoot cause\n  %s  %s  %s %s %s (%s layer)\n    %s\n", rc.Time.Format(tf), devName(rc.Dev), rc.SubSystem,
		rc.Severity, rc.EventType, rc.Layer, firstLine(rc.Msg))
	fmt.Fprintln(w, "\nWhat followed, up the stack, layer by layer")
	if every {
		writeEvents(w, evs, rc.EventID)
	} else {
		writeLayers(w, evs, inc)
	}
	if int(inc.Events) > len(evs) {
		fmt.Fprintf(w, "  (%d of its %d events read)\n", len(evs), inc.Events)
	}
	fmt.Fprintln(w, "\nDevices")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, d := range inc.Devices {
		mount := ""
		if d.Mount != "" {
			mount = "on " + d.Mount
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", d.Name, d.Role, dash(d.Path), mount, strings.Join(d.Conditions, " "))
	}
	tw.Flush()
	if len(inc.Related) > 0 {
		var ids []string
		for _, r := range inc.Related {
			ids = append(ids, shortID(r))
		}
		fmt.Fprintf(w, "\nRelated incidents (their faults were open under these events too): %s\n", strings.Join(ids, " "))
	}
}

// layerOf places an event as the daemon's correlation does.
func layerOf(ev *event.Event) correlate.Layer {
	c, _ := correlate.ParseCondition(ev.Ext("condition"), correlate.NoCondition)
	return correlate.LayerOf(ev.SubSystem, ev.EventType, c)
}

// story is one line of writeLayers: the events of one type on one
// device at one layer.
type story struct {
	rank        int
	layer       correlate.Layer
	dev, typ    string
	first, last time.Time
	events, cnt uint64
	msg         string
	sev         event.Severity
}

// rankOf places an event's device among the incident's devices, lowest in
// the stack first; a name they do not know (an ATA port, a SCSI address)
// is a transport of the lowest, and goes with it.
func rankOf(ev *event.Event, devs []correlate.Affected) (int, string) {
	mm := ev.Ext("blk_major_minor")
	for i, d := range devs {
		if d.Name != "" && (ev.Kdev == d.Name || ev.Kdev == d.MajMin || mm != "" && mm == d.MajMin) {
			return i, d.Name
		}
	}
	return 0, dash(ev.Kdev)
}

// writeLayers writes the events other than the root cause up the stack:
// device by device from the lowest, layer by layer on each, each type
// once with how many and when.
func writeLayers(w io.Writer, evs []event.Event, inc *correlate.Incident) {
	var lines []*story
	for i := range evs {
		ev := &evs[i]
		if ev.EventID == inc.RootCause.EventID {
			continue
		}
		l := layerOf(ev)
		rank, dev := rankOf(ev, inc.Devices)
		j := slices.IndexFunc(lines, func(s *story) bool { return s.layer == l && s.dev == dev && s.typ == ev.EventType })
		if j < 0 {
			lines = append(lines, &story{rank: rank, layer: l, dev: dev, typ: ev.EventType, first: ev.Timestamp,
				msg: firstLine(ev.Msg), sev: ev.Severity})
			j = len(lines) - 1
		}
		s := lines[j]
		s.last = ev.Timestamp
		s.events++
		s.cnt += uint64(max(ev.Count, 1))
		if ev.Severity < s.sev {
			s.sev = ev.Severity
		}
	}
	slices.SortStableFunc(lines, func(a, b *story) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return int(a.layer) - int(b.layer)
	})
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := ""
	for _, s := range lines {
		if h := s.dev + " (" + s.layer.String() + ")"; h != head {
			head = h
			fmt.Fprintf(tw, "  %s\t\t\t\t\n", h)
		}
		when := s.first.Format("15:04:05.000000")
		if s.last.Sub(s.first) > 0 {
			when += " – " + s.last.Format("15:04:05.000000")
		}
		times := fmt.Sprintf("×%d", s.events)
		if s.cnt != s.events {
			times += fmt.Sprintf(" (%d lines)", s.cnt)
		}
		fmt.Fprintf(tw, "    %s\t%s %s\t%s\t%s\n", s.typ, s.sev, times, when, s.msg)
	}
	if len(lines) == 0 {
		fmt.Fprintf(tw, "  nothing yet\n")
	}
	tw.Flush()
}

// writeEvents writes every event but the root cause, oldest first, with
// its layer.
func writeEvents(w io.Writer, evs []event.Event, root string) {
	for i := range evs {
		if evs[i].EventID == root {
			continue
		}
		fmt.Fprintf(w, "  %-10s %s", layerOf(&evs[i]), eventLine(&evs[i]))
	}
}

// plural says n things: "1 event", "3 events".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

func devName(d correlate.DevInfo) string {
	switch {
	case d.Name != "" && d.Path != "":
		return d.Name + " (" + d.Path + ")"
	case d.Name != "":
		return d.Name
	}
	return dash(d.MajMin)
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// StatusCmd is `prpt status`.
type StatusCmd struct {
	JSON bool `short:"J" name:"json" help:"Print one JSON object per device."`
	All  bool `help:"Also list the devices with nothing to say (no condition known)."`
}

// Run prints the current conditions of the block devices: those sysfs
// shows of each present device, those events stated (a path failed, a
// pool out of space), and the conditions last known of devices gone.
func (c *StatusCmd) Run(env *Env) error {
	ctx, stop := env.context()
	defer stop()
	var devs []correlate.DeviceConditions
	err := withDaemon(ctx, func(cl *client.Client) (err error) {
		devs, err = cl.Conditions(ctx)
		return err
	})
	if err != nil {
		return err
	}
	w := bufio.NewWriter(env.Stdout)
	if c.JSON {
		for _, d := range devs {
			if d.Conditions == nil {
				d.Conditions = []correlate.CondState{}
			}
			if err := writeJSONLine(w, d); err != nil {
				return err
			}
		}
		return w.Flush()
	}
	writeStatus(w, devs, c.All)
	return w.Flush()
}

// writeStatus writes one line per device: name, major:minor, path, mount
// point and conditions, faults marked with "!"; gone devices after the
// present ones.
func writeStatus(w io.Writer, devs []correlate.DeviceConditions, all bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tMAJ:MIN\tPATH\tMOUNT\tCONDITIONS")
	faults := 0
	for _, gone := range []bool{false, true} {
		for _, d := range devs {
			if d.Present == gone || len(d.Conditions) == 0 && !all {
				continue
			}
			var conds []string
			for _, c := range d.Conditions {
				s := c.Name()
				if c.Kind == correlate.Fault {
					s += "!"
					faults++
				}
				if !c.Since.IsZero() {
					s += " (since " + c.Since.Format("2006-01-02 15:04:05") + ")"
				}
				conds = append(conds, s)
			}
			name := d.Name
			if gone {
				name += " (gone)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", dash(name), dash(d.MajMin), dash(d.Path), dash(d.Mount), strings.Join(conds, ", "))
		}
	}
	tw.Flush()
	if faults == 0 {
		fmt.Fprintln(w, "No fault open.")
	} else {
		fmt.Fprintf(w, "%s open (marked !); prpt incidents --open tells their stories.\n", plural(faults, "fault"))
	}
}
