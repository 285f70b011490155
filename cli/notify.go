package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/peripety/peripety/correlate"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/explain"
)

// notifyEvery is the least time between two updates of an incident's
// notification as its events come; a change of its state updates it at
// once.
const notifyEvery = 2 * time.Second

// maxShown bounds the incidents whose notifications are remembered.
const maxShown = 256

// incidentNotifier shows one notification per incident and updates it in
// place (the specification's replaces_id) as the incident grows, recovers
// and closes; an event outside incidents is a notification of its own.
type incidentNotifier struct {
	n     *desktopNotifier
	now   func() time.Time
	shown map[string]*shownIncident
	order []string // incident ids, by first shown
}

// shownIncident is what the notifier knows of one incident.
type shownIncident struct {
	id      uint32 // the notification's, 0 before it is shown
	updated time.Time
	first   event.Event
	last    event.Event
	events  int
	worst   event.Severity
	inc     *correlate.Incident
	pending bool // events came since the last update
}

func newIncidentNotifier(n *desktopNotifier, now func() time.Time) *incidentNotifier {
	return &incidentNotifier{n: n, now: now, shown: map[string]*shownIncident{}}
}

// event takes an event the monitor's filters passed.
func (in *incidentNotifier) event(ctx context.Context, ev event.Event) error {
	if ev.IncidentID == "" {
		return in.n.Notify(ctx, ev)
	}
	s := in.shown[ev.IncidentID]
	if s == nil {
		if len(in.order) == maxShown {
			delete(in.shown, in.order[0])
			in.order = in.order[1:]
		}
		s = &shownIncident{first: ev, worst: ev.Severity}
		in.shown[ev.IncidentID] = s
		in.order = append(in.order, ev.IncidentID)
	}
	s.last, s.pending = ev, true
	s.events++
	if ev.Severity < s.worst {
		s.worst = ev.Severity
	}
	if !s.worst.AtLeast(in.n.min) || s.id != 0 && in.now().Sub(s.updated) < notifyEvery {
		return nil
	}
	return in.show(ctx, ev.IncidentID, s)
}

// incident takes an incident that changed: the notification of one whose
// events the monitor showed follows its state.
func (in *incidentNotifier) incident(ctx context.Context, inc correlate.Incident) error {
	s := in.shown[inc.ID]
	if s == nil || !s.worst.AtLeast(in.n.min) {
		return nil
	}
	changed := s.inc == nil || s.inc.State != inc.State
	s.inc = &inc
	if !changed && !(s.pending && in.now().Sub(s.updated) >= notifyEvery) {
		return nil
	}
	return in.show(ctx, inc.ID, s)
}

// show shows or updates the notification of incident id.
func (in *incidentNotifier) show(ctx context.Context, id string, s *shownIncident) error {
	summary, body := incidentText(id, s)
	nid, err := in.n.show(ctx, s.id, s.worst, summary, body)
	if err != nil {
		return fmt.Errorf("--notify: incident %s: %w", id, err)
	}
	s.id, s.updated, s.pending = nid, in.now(), false
	return nil
}

// incidentText is the summary and body of an incident's notification, in
// plain language (package explain): what happened to which disk or
// filesystem, as its root cause says, and whether it recovered or cleared;
// then what to do, how many events and the latest, the incident's id, and
// last the root cause's kernel line. The body is escaped as markup.
func incidentText(id string, s *shownIncident) (summary, body string) {
	root := s.first
	state := correlate.StateOpen
	if s.inc != nil {
		state = s.inc.State
		if rc := s.inc.RootCause; rc.EventType != "" {
			root = event.Event{EventID: rc.EventID, EventType: rc.EventType, SubSystem: rc.SubSystem, Severity: rc.Severity,
				Timestamp: rc.Time, Kdev: rc.Dev.Name, DevPath: rc.Dev.Path, DevWWID: rc.Dev.WWID, Msg: rc.Msg, RawMsg: rc.Msg}
			root.SetExt("mount_point", rc.Dev.Mount)
		}
	}
	txt := explain.Explain(&root, explain.Device{Model: diskModel("/", &root)})
	summary = txt.Title
	switch state {
	case correlate.StateRecovering:
		summary += " (recovering)"
	case correlate.StateClosed:
		summary += " (cleared)"
	}
	var b strings.Builder
	if txt.Advice != "" && state != correlate.StateClosed {
		b.WriteString(markupEscaper.Replace(txt.Advice) + "\n")
	}
	if s.events > 1 {
		latest := explain.Explain(&s.last, explain.Device{}).Title
		fmt.Fprintf(&b, "%d events so far; the latest: %s\n", s.events, markupEscaper.Replace(latest))
	}
	b.WriteString("incident " + shortID(id))
	if when := s.last.Timestamp; !when.IsZero() {
		b.WriteString(" · " + when.Local().Format("2006-01-02 15:04:05"))
	}
	if s.last.Hostname != "" {
		b.WriteString(" · " + markupEscaper.Replace(s.last.Hostname))
	}
	if kernel := firstLine(root.RawMsg); kernel != "" {
		b.WriteString("\n" + markupEscaper.Replace("Kernel: "+kernel))
	}
	return summary, b.String()
}
