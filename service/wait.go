package service

import (
	"errors"
	"slices"
	"time"

	"github.com/peripety/peripety/correlate"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/sysfs"
)

// Some lines come before what they are about can be looked up, and a live
// event of one is held and looked up again shortly, until it can be or its
// wait is over:
//
//   - a mount line, before the mount shows in mountinfo: it is looked up
//     again as soon as the resolver tells of a change of the
//     mount table, else every mountRetry (every mountRetryNotified when it
//     tells, in case a notice went astray), for at most mountWait (a mount
//     undone at once never shows), or mountBeginWait for a line printed as
//     the mount begins (mountBegins);
//   - a line about a device the kernel prints before the device's block
//     device exists (a new disk's "Power-on or device reset occurred",
//     printed as the SCSI scan meets it, before sd attaches it), which names
//     a device never seen: it is looked up again as soon as the resolver
//     tells of a block device uevent, else every deviceRetry (every
//     deviceRetryNotified when it tells), for at most deviceWait;
//   - a mount line of a filesystem whose UUID neither the line (ext4 on
//     6.1 names none) nor udev gives yet, on a device udev handles: a
//     filesystem made just before it was mounted, which udev probes as the
//     mkfs closes the device, a moment later (the lab's scsi-remove mounted
//     the disk right after mkfs, and its mount, read before udev's probe,
//     carried no UUID). It is looked up again as the devices' notices and
//     retries of a device wait come, for at most probeWait.
//
// Meanwhile the later events of its device are held behind it; other
// devices' events go on. The look-ups are cheap: the resolver's cache
// holds until a uevent, and only its mount points follow the mount table.
const (
	mountRetry          = 2 * time.Millisecond
	mountRetryNotified  = 25 * time.Millisecond
	mountWait           = 100 * time.Millisecond
	mountBeginWait      = 5 * time.Second
	deviceRetry         = 50 * time.Millisecond
	deviceRetryNotified = 500 * time.Millisecond
	deviceWait          = 3 * time.Second
	probeWait           = 5 * time.Second
)

// waitKind is what a held event waits for; waitNone is an event held only
// behind an earlier one of its device.
type waitKind int

const (
	waitNone waitKind = iota
	waitMount
	waitDevice
	// waitProbe: a mount event waits for udev to probe its filesystem.
	waitProbe
)

// wait is how long an event may wait for what it waits for.
func (k waitKind) wait() time.Duration {
	switch k {
	case waitDevice:
		return deviceWait
	case waitProbe:
		return probeWait
	}
	return mountWait
}

// onDevices says whether k is told by the resolver's device notices (else
// by its mount table notices).
func (k waitKind) onDevices() bool { return k == waitDevice || k == waitProbe }

// retry is how long after a look-up an event is looked up again, with or
// without a notice from the resolver.
func (k waitKind) retry(notified bool) time.Duration {
	switch {
	case k.onDevices() && notified:
		return deviceRetryNotified
	case k.onDevices():
		return deviceRetry
	case notified:
		return mountRetryNotified
	}
	return mountRetry
}

// mountEvents are printed by the kernel before the mount shows in
// mountinfo.
var mountEvents = map[string]bool{"FS_MOUNTED": true, "FS_REMOUNTED": true, "FS_REMOUNT_READ_ONLY": true}

// mountBegins are the mount events, by sub-system, whose line the kernel
// prints as the mount begins rather than as it ends: btrfs's "first mount
// of filesystem" (open_ctree, fs/btrfs/disk-io.c), printed before any of
// its trees is read. Their mount shows a whole mount later: in the lab
// (btrfs-failing) 260 ms later on a quiet guest, beyond mountWait on a
// loaded one.
var mountBegins = map[[2]string]bool{{event.SubBtrfs, "FS_MOUNTED"}: true}

// mountWaitFor is how long the mount event ev may wait for its mount.
func mountWaitFor(ev *event.Event) time.Duration {
	if mountBegins[[2]string{ev.SubSystem, ev.EventType}] {
		return mountBeginWait
	}
	return mountWait
}

// MountNotifier is a Resolver that tells of changes of the mount table
// (*sysfs.Resolver while it watches).
type MountNotifier interface {
	// MountsChanged returns a channel closed at the next change of the
	// mount table, after which lookups show it, or nil when it cannot
	// tell.
	MountsChanged() <-chan struct{}
}

// DeviceNotifier is a Resolver that tells of block devices coming, going
// or changing (*sysfs.Resolver while it watches).
type DeviceNotifier interface {
	// DevicesChanged returns a channel closed at the next block device
	// uevent, after which lookups show it, or nil when it cannot tell.
	DevicesChanged() <-chan struct{}
}

// notice returns the resolver's notice of the next change of what k
// waits for, nil when it gives none.
func (rs *resolution) notice(k waitKind) <-chan struct{} {
	if n, ok := rs.r.(MountNotifier); ok && k == waitMount {
		return n.MountsChanged()
	}
	if n, ok := rs.r.(DeviceNotifier); ok && k.onDevices() {
		return n.DevicesChanged()
	}
	return nil
}

// live says whether ev was logged recently enough to wait for the system to
// catch up with it: a line read late (a replay, a restart's backlog)
// waits for nothing.
func (rs *resolution) live(ev *event.Event) bool {
	return ev.Kdev != "" && rs.now().Sub(ev.Timestamp) < liveAge
}

// awaitsMount says whether ev is a live mount event whose mount does not
// show in l yet: it is worth looking up again shortly.
func (rs *resolution) awaitsMount(ev *event.Event, l lookup) bool {
	return mountEvents[ev.EventType] && rs.live(ev) && l.err == nil && l.info.MountPoint == ""
}

// awaitsDevice says whether ev is a live event about a device that is not
// there and was never seen: one the kernel names before it exists.
func (rs *resolution) awaitsDevice(ev *event.Event, l lookup) bool {
	if !rs.live(ev) || !errors.Is(l.err, sysfs.ErrNotFound) {
		return false
	}
	_, seen := rs.ids.Lookup(ev.Kdev)
	return !seen
}

// awaitsProbe says whether ev is a live mount event of a filesystem whose
// UUID is not known yet, on a device udev handles (it has an entry for
// it): udev, probing the device as a mkfs closed it, will give it.
func (rs *resolution) awaitsProbe(ev *event.Event, l lookup) bool {
	if !mountEvents[ev.EventType] || !event.IsFilesystem(ev.SubSystem) || !rs.live(ev) || l.err != nil ||
		l.info.UdevInitialized == 0 || l.info.UUID != "" || ev.Ext("uuid") != "" {
		return false
	}
	id, ok := rs.ids.Lookup(l.info.KernelName)
	return !ok || !sameInstance(id.Info, l.info) || id.noted() == ""
}

// waits holds the events not delivered yet, in emission order: live events
// that wait (a mount to show, a device to appear), and behind each the
// later events of its device, so that a device's events keep their order
// (its unmount never comes out before its mount, and takes the mount point
// its mount found); such a later event ends the wait. Other devices'
// events are not held: seq numbers are given at delivery, so seq order is
// delivery order, which may differ from record order across devices by up
// to deviceWait. It is used by the pipeline goroutine only.
type waits struct {
	held []*heldEvent
	// mountNotice and deviceNotice, while an event waits for a mount or a
	// device, are the resolver's notices of a change since it was last
	// looked up (nil when the resolver gives none): the pipeline then
	// looks again (pipeline.noticed).
	mountNotice, deviceNotice <-chan struct{}
	// lane holds the events behind a kernel event waiting for the
	// daemon's line that caused it: they come to held, or are placed,
	// as they leave it.
	lane causeLane
}

// heldEvent is an event of waits.held.
type heldEvent struct {
	ev event.Event
	// kind is what it waits for: it is looked up again at retryAt, and
	// delivered however it resolves once its wait, which began at since,
	// is over or ended. waitNone: it waits for the one of its device
	// ahead of it, and its own wait, if any, counts from since (zero:
	// from when it is placed).
	kind    waitKind
	retryAt time.Time
	since   time.Time
	ended   bool
	// device: it waited for its device to appear, or is held behind one
	// of its device that did (see pipeline.place's appeared).
	device bool
}

// holds says whether an event of device kdev is held.
func (w *waits) holds(kdev string) bool {
	return kdev != "" && slices.ContainsFunc(w.held, func(h *heldEvent) bool { return h.ev.Kdev == kdev })
}

// behind holds ev behind the held events of its device, and ends their
// waits for a mount: a further line of the device (its unmount, say) means
// the moment has passed, and a mount that has not shown by now is in
// another mount namespace or already gone. A wait for the device itself
// goes on: a new device's lines come before it, one after the other.
//
// ev's own wait, once it is placed, counts from the start of the wait of
// the first one ahead of it: a device that never appears holds its lines
// for one deviceWait, not one each.
func (w *waits) behind(ev event.Event, now time.Time) {
	h := &heldEvent{ev: ev}
	for _, a := range w.held {
		if a.ev.Kdev == ev.Kdev && a.kind != waitNone && h.since.IsZero() {
			h.since = a.since
		}
		if a.ev.Kdev == ev.Kdev && a.device {
			h.device = true
		}
		if a.kind == waitMount && a.ev.Kdev == ev.Kdev {
			a.retryAt, a.ended = now, true
		}
	}
	w.held = append(w.held, h)
}

// await holds ev, which waits for k since since. notice, taken before the
// lookup that found it waiting, becomes the notice to wait for, unless an
// older one is kept; it is looked up again when the notice comes, or after
// k's retry.
func (w *waits) await(ev event.Event, k waitKind, now, since time.Time, notice <-chan struct{}) {
	p := &w.mountNotice
	if k.onDevices() {
		p = &w.deviceNotice
	}
	if *p == nil {
		*p = notice
	}
	w.held = append(w.held, &heldEvent{ev: ev, kind: k, retryAt: now.Add(k.retry(notice != nil)), since: since, device: k == waitDevice})
}

// due says when a held event is next looked up again, or the lane's head
// waits no longer (wall-clock time).
func (w *waits) due() (at time.Time, ok bool) {
	at, ok = w.lane.due()
	for _, h := range w.held {
		if h.kind != waitNone && (!ok || h.retryAt.Before(at)) {
			at, ok = h.retryAt, true
		}
	}
	return at, ok
}

// changed makes every event waiting for what k's notices tell of due now:
// it changed.
func (w *waits) changed(k waitKind, now time.Time) {
	if k.onDevices() {
		w.deviceNotice = nil
	} else {
		w.mountNotice = nil
	}
	for _, h := range w.held {
		if h.kind != waitNone && h.kind.onDevices() == k.onDevices() {
			h.retryAt = now
		}
	}
}

// take returns the held events and holds none: the caller places each
// again or keeps it, in order.
func (w *waits) take() []*heldEvent {
	held := w.held
	w.held = nil
	return held
}

// keep holds h again, behind those held.
func (w *waits) keep(h *heldEvent) { w.held = append(w.held, h) }

// settle forgets the notices once no event waits for them.
func (w *waits) settle() {
	for devices, p := range map[bool]*<-chan struct{}{false: &w.mountNotice, true: &w.deviceNotice} {
		if !slices.ContainsFunc(w.held, func(h *heldEvent) bool { return h.kind != waitNone && h.kind.onDevices() == devices }) {
			*p = nil
		}
	}
}

// causeWait bounds how long a kernel event that a storage daemon's action
// may have caused (correlate.Actions: dm-multipath failing or reinstating
// a path at multipathd's word) is held for the daemon's line that says so,
// when the source follows the daemons (the journal source). multipathd
// logs its checker's verdict, then asks the kernel to fail the path (and
// logs a reinstatement once the kernel did it); journald stores the
// kernel's line, read from /dev/kmsg, before the daemon's, read from its
// stream: 14 to 116 ms later for a failure, 67 to 338 ms for a
// reinstatement in the lab's loaded TCG guests; the source sees a daemon's
// entry within hotSpan's polls of the kernel's, else within
// sdjournal.WaitStep (200 ms). 1 s is three times the worst gap seen, half
// the model's Skew (so the daemon's line, however stamped, is still taken
// as the cause), and what a path failure's event is late at most when no
// daemon line comes.
const causeWait = time.Second

// causeLane holds, in arrival order, a live kernel event that a daemon's
// action may have caused and every event that comes after it, until the
// daemon's event that answers it (correlate.Answers) comes or causeWait
// is over: the answering event, with the same daemon's events that came
// between, moves ahead of the kernel's, which then goes on. No source's
// own events change order: a kernel event of another device comes out
// behind the held one, a daemon's events keep theirs. It is used by the
// pipeline goroutine only.
type causeLane struct {
	held []*laneEvent
}

// laneEvent is an event of causeLane.held: waits says that it is a kernel
// event waiting, since it came, for the daemon's event that caused it.
type laneEvent struct {
	ev    event.Event
	since time.Time
	waits bool
}

// daemonOf is the storage daemon whose line ev is, "" for the kernel's.
func daemonOf(ev *event.Event) string { return ev.Ext("daemon") }

// enter holds ev in the lane when the lane holds events or ev is a kernel
// event a daemon may have caused, live (follows says that the source
// follows the daemons); it reports whether ev is held.
func (l *causeLane) enter(ev event.Event, now time.Time, live, follows bool) bool {
	daemon := daemonOf(&ev)
	if len(l.held) == 0 && (!follows || daemon != "" || !live || !correlate.Acted(ev.EventType)) {
		return false
	}
	e := &laneEvent{ev: ev, since: now, waits: daemon == "" && live && correlate.Acted(ev.EventType)}
	if daemon != "" {
		for i, k := range l.held {
			if k.waits && correlate.Answers(ev.Ext("kernel_action"), ev.Kdev, k.ev.EventType, k.ev.Kdev) {
				l.answer(i, e)
				return true
			}
		}
	}
	l.held = append(l.held, e)
	return true
}

// answer places d, a daemon's event that caused the held kernel event at
// i, ahead of it, with the events of d's daemon held behind it (they came
// before d), and ends its wait.
func (l *causeLane) answer(i int, d *laneEvent) {
	k := l.held[i]
	var moved, rest []*laneEvent
	for _, e := range l.held[i+1:] {
		if daemonOf(&e.ev) == daemonOf(&d.ev) {
			moved = append(moved, e)
		} else {
			rest = append(rest, e)
		}
	}
	k.waits = false
	held := append(l.held[:i:i], moved...)
	held = append(held, d, k)
	l.held = append(held, rest...)
}

// release returns the events at the head of the lane that wait no longer
// at now (all of them with force), in order, and holds the rest.
func (l *causeLane) release(now time.Time, force bool) []event.Event {
	var out []event.Event
	for len(l.held) > 0 {
		h := l.held[0]
		if h.waits && !force && now.Before(h.since.Add(causeWait)) {
			break
		}
		out = append(out, h.ev)
		l.held[0] = nil
		l.held = l.held[1:]
	}
	if len(l.held) == 0 {
		l.held = nil
	}
	return out
}

// due says when the head of the lane waits no longer.
func (l *causeLane) due() (time.Time, bool) {
	if len(l.held) == 0 || !l.held[0].waits {
		return time.Time{}, false
	}
	return l.held[0].since.Add(causeWait), true
}
