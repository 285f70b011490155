package parsers

import (
	"time"

	"github.com/peripety/peripety/event"
)

// State is what a Parser carries from one record to the next that a
// restarted daemon needs to go on as if it had not stopped: the storm
// folding's (which devices are storming, the summaries being built, the
// latest event of each type for rate-limit notices). A daemon saves it with
// its position and gives it back to the parser of its next start
// (Resume), so that the records read after the position fold exactly as
// they would have: the same summaries, with the same counts and ids, none
// lost or counted twice. Lines grouped into one event are not part of it:
// Snapshot has none to give while a group is open.
type State struct {
	// Now is the latest record time seen.
	Now    time.Time
	Storms []StormState
	Latest []LatestState
}

// StormState is the folding of one event type on one device.
type StormState struct {
	Type, Kdev string
	// Ring holds the times of its latest events, Next the oldest's index.
	Ring []time.Time
	Next int
	Last time.Time
	Fold *FoldState
}

// FoldState is a storm summary being built.
type FoldState struct {
	Initial, Event event.Event
	Last, Due      time.Time
	PosKey         string
	First, Upto    string
	Suppressed     int
}

// LatestState is the latest event of a type.
type LatestState struct {
	Type     string
	Kdev     string
	Severity event.Severity
	At       time.Time
}

// Snapshot returns p's state; ok is false while lines wait in an open
// group (a restart then reads their records again).
func (p *Parser) Snapshot() (st State, ok bool) {
	if len(p.queue) > 0 || len(p.open) > 0 {
		return State{}, false
	}
	st.Now = p.now
	for k, s := range p.storm.keys {
		ss := StormState{Type: k.typ, Kdev: k.kdev, Ring: append([]time.Time(nil), s.ring...), Next: s.next, Last: s.last}
		if f := s.fold; f != nil {
			ss.Fold = &FoldState{Initial: cloneEvent(f.initial), Event: cloneEvent(f.ev), Last: f.last, Due: f.due,
				PosKey: f.posKey, First: f.first, Upto: f.upto, Suppressed: f.suppressed}
		}
		st.Storms = append(st.Storms, ss)
	}
	for typ, l := range p.storm.lastType {
		st.Latest = append(st.Latest, LatestState{Type: typ, Kdev: l.kdev, Severity: l.sev, At: l.at})
	}
	return st, true
}

// FoldDue is when the first storm summary being built is due (record
// time); ok is false when none is.
func (p *Parser) FoldDue() (due time.Time, ok bool) { return p.storm.nextDeadline() }

// Storming says whether p holds a storm's state: Snapshot then has
// something to save.
func (p *Parser) Storming() bool { return len(p.storm.keys) > 0 || len(p.storm.lastType) > 0 }

// Resume makes p, a new parser with the same options, go on from st.
func (p *Parser) Resume(st State) {
	if st.Now.After(p.now) {
		p.now = st.Now
	}
	for _, ss := range st.Storms {
		s := &stormState{ring: make([]time.Time, 0, max(p.opt.StormBurst, 0)), next: ss.Next, last: ss.Last}
		for _, t := range ss.Ring {
			if len(s.ring) < cap(s.ring) {
				s.ring = append(s.ring, t)
			}
		}
		if s.next >= max(len(s.ring), 1) {
			s.next = 0
		}
		if f := ss.Fold; f != nil {
			s.fold = &fold{initial: f.Initial, ev: f.Event, last: f.Last, due: f.Due, posKey: f.PosKey,
				first: f.First, upto: f.Upto, suppressed: f.Suppressed}
			p.storm.wake(f.Due)
		}
		p.storm.keys[stormKey{ss.Type, ss.Kdev}] = s
		p.storm.wake(ss.Last.Add(p.opt.StormWindow))
	}
	for _, l := range st.Latest {
		p.storm.lastType[l.Type] = latest{kdev: l.Kdev, sev: l.Severity, at: l.At}
	}
}

func cloneEvent(ev event.Event) event.Event {
	if ev.Extension != nil {
		ext := make(map[string]string, len(ev.Extension))
		for k, v := range ev.Extension {
			ext[k] = v
		}
		ev.Extension = ext
	}
	return ev
}

// IsStormSummary says whether ev is a storm summary (events of its type and
// device folded into it): its text counts what it folded, so a daemon derives its id from its first record (its timestamp,
// device and raw line) and window alone, which its text does not change.
func IsStormSummary(ev *event.Event) bool { return ev.Extension[ExtFoldedUntil] != "" }
