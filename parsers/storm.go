package parsers

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/peripety/peripety/event"
)

// Storm folding.
//
// A storm is more than Options.StormBurst events of one type on one device
// within Options.StormWindow, a burst no quiet system makes. The first
// StormBurst events of the burst go out as they come; every further one
// folds into a summary event of the same type and device whose count says
// how many it stands for and whose extension keeps the first and last
// position (first_sector/last_sector, first_lba/last_lba, first_block/
// last_block) and the extension values all folded events share. A summary
// covers at most one StormWindow of the burst, so a long storm gives one
// summary per window and nothing waits longer than that. A daemon's
// retries, seconds apart, storm within a longer window (retries).
//
// A filesystem's lifecycle events (mounting, mounted, remounted, unmounted)
// each tell of a change the user made and come in bursts no fault makes: a
// boot mounts dozens of filesystems, and a journal read back gives the
// kernel's backlog one reception time. They fold only beyond
// lifecycleBurstFactor times StormBurst within a window: a mount loop gone
// wild, never a busy boot.
//
// Rate-limit notices ("blk_print_req_error: 10 callbacks suppressed") tell
// of lines the kernel did not print. Nothing is dropped without being
// counted:
//   - when a summary of the notice's event type is being built, the count
//     is added to it (extension "suppressed" says how much of the count
//     was never printed);
//   - otherwise the notice becomes an event of that type whose count is the
//     number of suppressed lines, with an empty raw_msg (the kernel never
//     printed them) and the device of the latest event of that type within
//     the kernel's rate-limit interval (5 s), marked kdev_inferred=true, as
//     the notice itself names no device. With no such event kdev is empty.

// ratelimitInterval is the kernel's DEFAULT_RATELIMIT_INTERVAL.
const ratelimitInterval = 5 * time.Second

// suppressors maps the functions whose rate-limited printks are storage
// lines to the sub-system and event type of those lines.
var suppressors = map[string][2]string{
	"blk_print_req_error":       {event.SubBlock, "BLK_IO_ERROR"},
	"print_req_error":           {event.SubBlock, "BLK_IO_ERROR"},
	"blk_update_request":        {event.SubBlock, "BLK_IO_ERROR"},
	"buffer_io_error":           {event.SubBlock, "BUFFER_IO_ERROR"},
	"scsi_io_completion_action": {event.SubSCSI, "SCSI_CMD_FAILED"},
	"nvme_log_error":            {event.SubNVMe, "NVME_IO_ERROR"},
	"XFS: metadata IO error":    {event.SubXFS, "FS_IO_ERROR"},
	"iomap_finish_ioend":        {event.SubXFS, "FS_IO_ERROR"},
}

// retries are the event types a daemon logs again at each retry while a
// fault lasts, seconds apart: more than StormBurst of them on one device
// within window are a storm (one StormWindow would never hold a burst of
// them), and an event of a type in endedBy on the device ends it, its
// summary going out before that event. iscsid retries a login every 2 s
// or so while the target refuses it, and says so each time, until the
// connection is up again or logged out (testdata/real/userspace/iscsi).
var retries = map[string]struct {
	window  time.Duration
	endedBy []string
}{
	"ISCSI_LOGIN_FAILED": {time.Minute, []string{"ISCSI_CONN_RECOVERED", "ISCSI_SESSION_LOGIN", "ISCSI_SESSION_LOGOUT"}},
}

// window is the storm window of events of type typ.
func (s *storm) window(typ string) time.Duration {
	if r, ok := retries[typ]; ok {
		return r.window
	}
	return s.opt.StormWindow
}

// endRetries emits the summaries of the retries ev ends (see retries),
// and forgets them: the next fault's first retries go out as themselves.
func (s *storm) endRetries(ev *event.Event, emit func(event.Event)) {
	for typ, r := range retries {
		if !slices.Contains(r.endedBy, ev.EventType) {
			continue
		}
		k := stormKey{typ, ev.Kdev}
		if st := s.keys[k]; st != nil {
			delete(s.keys, k)
			if st.fold != nil {
				emit(st.fold.summary())
			}
		}
	}
}

// lifecycleBurstFactor multiplies StormBurst for lifecycle events.
const lifecycleBurstFactor = 10

// lifecycle are the event types of a filesystem's lifecycle.
var lifecycle = map[string]bool{
	"FS_MOUNTING": true, "FS_MOUNTED": true, "FS_REMOUNTED": true, "FS_UNMOUNTED": true,
}

// burst is how many events of type typ on one device a window takes
// before they fold.
func (s *storm) burst(typ string) int {
	if lifecycle[typ] {
		return s.opt.StormBurst * lifecycleBurstFactor
	}
	return s.opt.StormBurst
}

type stormKey struct{ typ, kdev string }

type stormState struct {
	ring []time.Time // times of the latest StormBurst events, folded or not
	next int
	last time.Time
	fold *fold
}

// fold is a storm summary being built.
type fold struct {
	// first is the first folded event as it was: a burst that folded one
	// event only gives that event back rather than a summary of one.
	initial     event.Event
	ev          event.Event
	start, last time.Time // of the first and the latest folded event
	due         time.Time
	before      int // how many went out one by one before the fold
	posKey      string
	first, upto string
	suppressed  int
}

type latest struct {
	kdev string
	sev  event.Severity
	at   time.Time
}

type storm struct {
	opt  Options
	keys map[stormKey]*stormState
	// spare are states of devices gone quiet, for reuse: events a few
	// seconds apart would each make a new one.
	spare    []*stormState
	lastType map[string]latest
	nextDue  time.Time // the earliest fold due or state to prune; zero: none
}

func (s *storm) init(opt Options) {
	s.opt = opt
	s.keys = make(map[stormKey]*stormState)
	s.lastType = make(map[string]latest)
}

// add passes ev (whose latest line was at t) on, or folds it into its
// device's storm summary.
func (s *storm) add(ev event.Event, t time.Time, emit func(event.Event)) {
	if s.opt.StormBurst < 0 {
		emit(ev)
		return
	}
	// Summaries whose window ended before t go out first: a window holds
	// what its records' times put in it, however late the flush comes, so
	// that a restart reading them again folds them the same.
	s.due(t, emit)
	s.endRetries(&ev, emit)
	s.lastType[ev.EventType] = latest{kdev: ev.Kdev, sev: ev.Severity, at: t}
	k := stormKey{ev.EventType, ev.Kdev}
	st := s.keys[k]
	if st == nil {
		st = s.newState(s.burst(ev.EventType))
		s.keys[k] = st
	}
	window := s.window(ev.EventType)
	storming := len(st.ring) == cap(st.ring) && t.Sub(st.ring[st.next]) < window
	if len(st.ring) < cap(st.ring) {
		st.ring = append(st.ring, t)
	} else if cap(st.ring) > 0 {
		st.ring[st.next] = t
		st.next = (st.next + 1) % cap(st.ring)
	}
	st.last = t
	s.wake(t.Add(window))
	if !storming {
		emit(ev)
		return
	}
	if st.fold == nil {
		st.fold = s.newFold(ev, t)
		s.wake(st.fold.due)
		return
	}
	st.fold.add(ev, t)
}

// newState returns an empty state for a burst of burst events, a spare one
// if there is.
func (s *storm) newState(burst int) *stormState {
	n := len(s.spare)
	if n == 0 || cap(s.spare[n-1].ring) != burst {
		return &stormState{ring: make([]time.Time, 0, burst)}
	}
	st := s.spare[n-1]
	s.spare = s.spare[:n-1]
	*st = stormState{ring: st.ring[:0]}
	return st
}

// maxSpare bounds the spare states kept.
const maxSpare = 64

func (s *storm) wake(t time.Time) {
	if s.nextDue.IsZero() || t.Before(s.nextDue) {
		s.nextDue = t
	}
}

func (s *storm) newFold(ev event.Event, t time.Time) *fold {
	f := &fold{initial: ev, ev: ev, start: t, last: t, due: t.Add(s.window(ev.EventType)), before: s.burst(ev.EventType)}
	id := s.opt.NewID()
	f.ev.EventID, f.ev.RootCauseEventID = id, id
	f.ev.Extension = make(map[string]string, len(ev.Extension))
	for k, v := range ev.Extension {
		f.ev.Extension[k] = v
	}
	for _, k := range []string{"sector", "lba", "block", "daddr"} {
		if v := ev.Extension[k]; v != "" {
			f.posKey, f.first, f.upto = k, v, v
			delete(f.ev.Extension, k)
			break
		}
	}
	return f
}

// add folds one more event: the extension keeps only the values shared by
// every folded event.
func (f *fold) add(ev event.Event, t time.Time) {
	f.ev.Count = addCount(f.ev.Count, int(ev.Count))
	f.last = t
	if ev.Severity < f.ev.Severity {
		f.ev.Severity = ev.Severity
	}
	for k, v := range f.ev.Extension {
		if ev.Extension[k] != v {
			delete(f.ev.Extension, k)
		}
	}
	if f.posKey != "" {
		if v := ev.Extension[f.posKey]; v != "" {
			f.upto = v
		}
	}
}

// ExtFoldedUntil is the extension key of a storm summary: the time of the
// last event it folds.
const ExtFoldedUntil = "folded_until"

// summary returns the summary event of f.
func (f *fold) summary() event.Event {
	if f.ev.Count == f.initial.Count && f.suppressed == 0 {
		return f.initial
	}
	ev := f.ev
	if f.posKey != "" {
		ev.SetExt("first_"+f.posKey, f.first)
		ev.SetExt("last_"+f.posKey, f.upto)
	}
	ev.SetExt(ExtFoldedUntil, f.last.Format(event.TimeLayout))
	if f.suppressed > 0 {
		ev.SetExt("suppressed", strconv.Itoa(f.suppressed))
	}
	span := ""
	if f.posKey != "" {
		span = fmt.Sprintf(", %s %s to %s", f.posKey, f.first, f.upto)
	}
	dev := ev.Kdev
	if dev == "" {
		dev = "an unnamed device"
	}
	// The count is said once: a reader of MESSAGE alone (journalctl) sees
	// it, and prpt's line shows the message as it is.
	ev.Msg = fmt.Sprintf("Storm on %s: %d further %s events in %s%s, folded into this one after the first %d",
		dev, ev.Count, ev.EventType, f.last.Sub(f.start).Round(time.Millisecond), span, f.before)
	if f.suppressed > 0 {
		ev.Msg += fmt.Sprintf(" (%d of them not printed by the kernel's rate limit)", f.suppressed)
	}
	return ev
}

// suppressed counts a rate-limit notice (see the comment at the top).
func (s *storm) suppressed(pe *pending, emit func(event.Event)) {
	fn := pe.ev.Extension["func"]
	st, ok := suppressors[fn]
	if !ok || pe.suppressed <= 0 {
		return
	}
	sub, typ := st[0], st[1]
	var best *stormState
	for k, st := range s.keys {
		if k.typ == typ && st.fold != nil && (best == nil || st.last.After(best.last)) {
			best = st
		}
	}
	if best != nil {
		best.fold.ev.Count = addCount(best.fold.ev.Count, pe.suppressed)
		best.fold.suppressed += pe.suppressed
		return
	}
	ev := pe.ev
	ev.EventType, ev.SubSystem = typ, sub
	ev.Count = uint32(pe.suppressed)
	ev.Extension = map[string]string{"suppressed": strconv.Itoa(pe.suppressed), "ratelimit_func": fn}
	where := "device not logged"
	if l, ok := s.lastType[typ]; ok && pe.last.Sub(l.at) <= ratelimitInterval {
		ev.Kdev = l.kdev
		ev.Severity = l.sev
		ev.SetExt("kdev_inferred", "true")
		where = "the latest logged one was on " + l.kdev
	}
	ev.Msg = fmt.Sprintf("%d %s lines suppressed by the kernel's rate limit in %s (%s)", pe.suppressed, typ, fn, where)
	emit(ev)
}

// due emits the summaries whose window has ended at now and forgets
// devices quiet for longer than a window.
func (s *storm) due(now time.Time, emit func(event.Event)) {
	if s.nextDue.IsZero() || now.Before(s.nextDue) {
		return
	}
	s.nextDue = time.Time{}
	var ready []*fold
	for k, st := range s.keys {
		if st.fold != nil {
			if now.Before(st.fold.due) {
				s.wake(st.fold.due)
				continue
			}
			ready = append(ready, st.fold)
			st.fold = nil
		}
		if end := st.last.Add(s.window(k.typ)); now.Before(end) {
			s.wake(end)
			continue
		}
		delete(s.keys, k)
		if len(s.spare) < maxSpare {
			s.spare = append(s.spare, st)
		}
	}
	for typ, l := range s.lastType {
		if now.Sub(l.at) > ratelimitInterval {
			delete(s.lastType, typ)
		}
	}
	emitFolds(ready, emit)
}

// emitFolds emits summaries in the order their bursts began.
func emitFolds(folds []*fold, emit func(event.Event)) {
	sort.Slice(folds, func(i, j int) bool { return folds[i].due.Before(folds[j].due) })
	for _, f := range folds {
		emit(f.summary())
	}
}

// nextDeadline returns when the next summary is due.
func (s *storm) nextDeadline() (time.Time, bool) {
	var d time.Time
	ok := false
	for _, st := range s.keys {
		if st.fold != nil && (!ok || st.fold.due.Before(d)) {
			d, ok = st.fold.due, true
		}
	}
	return d, ok
}

// flushAll emits every summary being built.
func (s *storm) flushAll(emit func(event.Event)) {
	var all []*fold
	for _, st := range s.keys {
		if st.fold != nil {
			all = append(all, st.fold)
			st.fold = nil
		}
	}
	emitFolds(all, emit)
}

// addCount adds n to an event count, saturating rather than wrapping.
func addCount(c uint32, n int) uint32 {
	if uint64(c)+uint64(n) > math.MaxUint32 {
		return math.MaxUint32
	}
	return c + uint32(n)
}
