package service

import (
	"slices"
	"time"

	"github.com/peripety/peripety/event"
)

// The kernel prints a mount line before the mount shows in mountinfo, so a
// live mount event without a mount point is looked up again as soon as the
// resolver tells of a change of the mount table, else every mountRetry
// (every mountRetryNotified when it tells, in case a notice went astray),
// for at most mountWait (a mount undone at once never shows). Meanwhile the
// event is held, and the events of its device behind it; other devices'
// events go on. The look-ups are cheap: the resolver's cache holds, and only
// its mount points follow the mount table.
const (
	mountRetry         = 2 * time.Millisecond
	mountRetryNotified = 25 * time.Millisecond
	mountWait          = 100 * time.Millisecond
)

// mountEvents are printed by the kernel before the mount shows in
// mountinfo.
var mountEvents = map[string]bool{"FS_MOUNTED": true, "FS_REMOUNTED": true, "FS_REMOUNT_READ_ONLY": true}

// MountNotifier is a Resolver that tells of changes of the mount table
// (*sysfs.Resolver while it watches).
type MountNotifier interface {
	// MountsChanged returns a channel closed at the next change of the
	// mount table, after which lookups show it, or nil when it cannot
	// tell.
	MountsChanged() <-chan struct{}
}

// mountNotice returns the resolver's notice of the next change of the
// mount table, nil when it gives none.
func (rs *resolution) mountNotice() <-chan struct{} {
	if n, ok := rs.r.(MountNotifier); ok {
		return n.MountsChanged()
	}
	return nil
}

// awaitsMount says whether ev is a live mount event whose mount does not
// show in l yet: it is worth looking up again shortly.
func (rs *resolution) awaitsMount(ev *event.Event, l lookup) bool {
	return ev.Kdev != "" && l.err == nil && mountEvents[ev.EventType] && l.info.MountPoint == "" && rs.now().Sub(ev.Timestamp) < liveAge
}

// mountWaits holds the events not delivered yet, in emission order: live
// mount events whose mount does not show in mountinfo yet, and behind each
// the later events of its device, so that a device's events keep their
// order (its unmount never comes out before its mount, and takes the mount
// point its mount found); such a later event ends the wait. Other devices'
// events are not held: seq numbers are given at delivery, so seq order is
// delivery order, which may differ from record order across devices by up
// to mountWait. It is used by the pipeline goroutine only.
type mountWaits struct {
	held []*heldEvent
	// notice, while a held mount event waits, is the resolver's notice
	// of a change of the mount table since it was last looked up (nil
	// when the resolver gives none): the pipeline then looks again
	// (pipeline.mountsChanged).
	notice <-chan struct{}
}

// heldEvent is an event of mountWaits.held.
type heldEvent struct {
	ev event.Event
	// waiting is set for a mount event looked up again at retryAt, until
	// until; the others wait for the one of their device ahead of them.
	waiting        bool
	retryAt, until time.Time
}

// holds says whether an event of device kdev is held.
func (w *mountWaits) holds(kdev string) bool {
	return kdev != "" && slices.ContainsFunc(w.held, func(h *heldEvent) bool { return h.ev.Kdev == kdev })
}

// behind holds ev behind the held events of its device, and ends their
// waits: a further line of the device (its unmount, say) means the moment
// of the mount has passed, and a mount that has not shown by now is in
// another mount namespace or already gone.
func (w *mountWaits) behind(ev event.Event, now time.Time) {
	w.held = append(w.held, &heldEvent{ev: ev})
	for _, h := range w.held {
		if h.waiting && h.ev.Kdev == ev.Kdev {
			h.retryAt, h.until = now, now
		}
	}
}

// await holds ev, a mount event a lookup found unmounted, until until.
// notice, taken before that lookup, becomes the notice to wait for, unless
// an older one is kept; it is looked up again when the notice comes, or
// after mountRetry (mountRetryNotified with a notice).
func (w *mountWaits) await(ev event.Event, now, until time.Time, notice <-chan struct{}) {
	if w.notice == nil {
		w.notice = notice
	}
	retry := mountRetry
	if notice != nil {
		retry = mountRetryNotified
	}
	w.held = append(w.held, &heldEvent{ev: ev, waiting: true, retryAt: now.Add(retry), until: until})
}

// due says when a held mount event is next looked up again (wall-clock
// time).
func (w *mountWaits) due() (at time.Time, ok bool) {
	for _, h := range w.held {
		if h.waiting && (!ok || h.retryAt.Before(at)) {
			at, ok = h.retryAt, true
		}
	}
	return at, ok
}

// changed makes every held mount event due now: the mount table changed.
func (w *mountWaits) changed(now time.Time) {
	w.notice = nil
	for _, h := range w.held {
		if h.waiting {
			h.retryAt = now
		}
	}
}

// take returns the held events and holds none: the caller places each
// again or keeps it, in order.
func (w *mountWaits) take() []*heldEvent {
	held := w.held
	w.held = nil
	return held
}

// keep holds h again, behind those held.
func (w *mountWaits) keep(h *heldEvent) { w.held = append(w.held, h) }

// settle forgets the notice once no mount event waits.
func (w *mountWaits) settle() {
	if !slices.ContainsFunc(w.held, func(h *heldEvent) bool { return h.waiting }) {
		w.notice = nil
	}
}
