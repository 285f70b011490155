package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/peripety/peripety/correlate"
	"github.com/peripety/peripety/event"
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
	if s.id != 0 && in.now().Sub(s.updated) < notifyEvery {
		return nil
	}
	return in.show(ctx, ev.IncidentID, s)
}

// incident takes an incident that changed: the notification of one whose
// events the monitor showed follows its state.
func (in *incidentNotifier) incident(ctx context.Context, inc correlate.Incident) error {
	s := in.shown[inc.ID]
	if s == nil {
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

// incidentText is the summary and body of an incident's notification: how
// bad, where, in what state; then the root cause, how many events, the
// latest, and the incident's id. The body is escaped as markup.
func incidentText(id string, s *shownIncident) (summary, body string) {
	state, dev, root := "open", s.first.DevPath, s.first.Msg
	if dev == "" {
		dev = s.first.Kdev
	}
	if s.inc != nil {
		state = string(s.inc.State)
		if d := s.inc.RootCause.Dev; d.Path != "" || d.Name != "" {
			dev = d.Path
			if dev == "" {
				dev = d.Name
			}
		}
		if s.inc.RootCause.Msg != "" {
			root = s.inc.RootCause.Msg
		}
	}
	summary = "Storage " + strings.ToLower(s.worst.String())
	if dev != "" {
		summary += " on " + dev
	}
	summary += " (" + state + ")"
	var b strings.Builder
	b.WriteString(markupEscaper.Replace(firstLine(root)))
	if s.events > 1 {
		fmt.Fprintf(&b, "\n%d events; latest: %s", s.events, markupEscaper.Replace(firstLine(s.last.Msg)))
	}
	when := s.last.Timestamp
	b.WriteString("\nincident " + shortID(id))
	if !when.IsZero() {
		b.WriteString(" · " + when.Local().Format("2006-01-02 15:04:05"))
	}
	return summary, b.String()
}
