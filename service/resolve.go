package service

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/sysfs"
)

// Resolver is the device resolver as the pipeline uses it (*sysfs.Resolver
// over --root).
type Resolver interface {
	// ForEvent resolves the kdev of an event, with the extension keys the
	// event should carry (mount point, transport details).
	ForEvent(kdev string) (sysfs.BlockInfo, map[string]string, error)
	// ListBlocks returns the top-level devices with their owners.
	ListBlocks() ([]sysfs.BlockInfo, error)
}

// Timing of resolution.
const (
	// rootCauseWindow is how far back an error on a device below an event's
	// device is taken as that event's root cause.
	rootCauseWindow = 5 * time.Second
	// maxRecentErrors bounds the errors kept for root-cause links.
	maxRecentErrors = 256
	// attachSlack: a device is first seen a little after the lines it
	// prints as it appears (a loop device's capacity change), so only a
	// device first seen later than this after an event is taken to have
	// come after it.
	attachSlack = 2 * time.Second
	// liveAge is how recent a record must be to be taken as live.
	liveAge = 5 * time.Second
)

// resolution fills in the identity of events and links them to their
// root cause. It is used by the pipeline goroutine only.
type resolution struct {
	r   Resolver
	ids *IdentityStore
	now func() time.Time
	// mono reads the monotonic clock (time since boot), udev's clock;
	// nil: unknown.
	mono func() time.Duration

	recent []recentError
	// answered keeps the identity given to each event type and device
	// lately, for storm summaries (see keep).
	answered map[stormKey]answer
}

// recentError is an error event kept for root-cause links.
type recentError struct {
	at        time.Time
	kdev      string
	wwid      string
	layer     int
	eventType string
	rootCause string
}

// layer orders sub-systems bottom up: an error at a lower layer of the same
// device can be the cause of an event at a higher one.
func layer(sub string) int {
	switch {
	case event.IsFilesystem(sub):
		return 3
	case sub == event.SubMultipath || sub == event.SubDM || sub == event.SubDirtyLog || sub == event.SubThin || sub == event.SubMD:
		return 2
	case sub == event.SubBlock:
		return 1
	}
	return 0
}

// sinceBoot reads the monotonic clock, 0 when unknown.
func (rs *resolution) sinceBoot() time.Duration {
	if rs.mono == nil {
		return 0
	}
	return rs.mono()
}

// lookup is one answer of the resolver for a device. appeared says the
// device was not there when the event's line was printed and the line
// named it ahead (pipeline.place): whatever instance of its name was seen
// before, the one there now is the line's.
type lookup struct {
	info     sysfs.BlockInfo
	ext      map[string]string
	err      error
	appeared bool
}

// lookUp asks the resolver about ev's device.
func (rs *resolution) lookUp(ev *event.Event) lookup {
	if ev.Kdev == "" {
		return lookup{}
	}
	info, ext, err := rs.r.ForEvent(ev.Kdev)
	return lookup{info: info, ext: ext, err: err}
}

// resolve fills ev's device identity from l, the resolver's answer for
// it. An event whose device cannot be resolved, or whose device name now
// belongs to a device that came after the event, takes the identity
// recorded for its device at the event's time and says why in
// extension.resolve_error; it is never dropped. A storm summary takes the
// identity the events of its storm had (see answered). It returns the
// kernel names of the devices below ev's device.
func (rs *resolution) resolve(ev *event.Event, l lookup) []string {
	if ev.Kdev == "" {
		return nil
	}
	key := stormKey{ev.EventType, ev.Kdev}
	if parsers.IsStormSummary(ev) {
		if a, ok := rs.answered[key]; ok {
			a.at = ev.Timestamp
			rs.answered[key] = a
			return rs.fill(ev, a)
		}
	}
	a := rs.answer(ev, l)
	rs.keep(key, a)
	return rs.fill(ev, a)
}

// answer decides the identity ev takes from l (see resolve).
func (rs *resolution) answer(ev *event.Event, l lookup) answer {
	a := answer{at: ev.Timestamp}
	info, ext, err := l.info, l.ext, l.err
	if err != nil {
		old, ok := rs.ids.At(ev.Kdev, ev.Timestamp)
		if !ok {
			old, ok = rs.ids.Lookup(ev.Kdev)
		}
		if !ok {
			a.why = err.Error()
			if errors.Is(err, sysfs.ErrNotFound) {
				a.why += "; never seen while present"
			}
			return a
		}
		a.found, a.id, a.info, a.ext = true, old, old.Info, old.Ext
		a.why = fmt.Sprintf("%v; identity as last seen at %s", err, old.Seen.Format(time.RFC3339))
		return a
	}
	rs.ids.Record(info, ext, rs.now(), rs.sinceBoot())
	cur, _ := rs.ids.Lookup(info.KernelName)
	if old, ok := rs.ids.At(info.KernelName, ev.Timestamp); ok && !l.appeared && !sameInstance(old.Info, info) &&
		cur.FirstSeen.After(ev.Timestamp.Add(attachSlack)) {
		a.found, a.id, a.info, a.ext = true, old, old.Info, old.Ext
		a.why = fmt.Sprintf("%s is now another device (major:minor %s, diskseq %s; was %s, diskseq %s); identity as last seen at %s",
			info.KernelName, info.MajorMinor, info.DiskSeq, old.Info.MajorMinor, old.Info.DiskSeq, old.Seen.Format(time.RFC3339))
		return a
	}
	a.found, a.id, a.info, a.ext = true, cur, info, ext
	return a
}

// fill gives ev the identity a.
func (rs *resolution) fill(ev *event.Event, a answer) []string {
	if !a.found {
		ev.SetExt("resolve_error", a.why)
		return nil
	}
	rs.fsUUID(ev, a.id)
	sysfs.FillEvent(ev, a.info, a.ext)
	if a.why != "" {
		ev.SetExt("resolve_error", a.why)
	}
	return ownerNames(a.info)
}

// answer is the identity an event was given: the resolver's (info, ext)
// and the identity store's record of the instance (id), or, when found is
// false, none; why says what is missing or old in it, "" when nothing.
type answer struct {
	at    time.Time // the time of the latest event it was given to
	found bool
	info  sysfs.BlockInfo
	ext   map[string]string
	id    Identity
	why   string
}

// stormKey is what a storm folds: events of one type on one device.
type stormKey struct{ typ, kdev string }

// Storm summaries are folded by the parser from events of one type and
// device after the first of a burst went out one by one, and come out at
// the end of their window, often after the device is gone (the lab's storm:
// the last summary came after the unmount and the loop device's detach,
// with no identity and no resolve_error). The answer each event type and
// device was last given is kept, for its summaries, which take it: the
// identity the storm's events had. It is kept while its summaries come,
// at most maxAnswered of them, the longest unused dropped first.
const maxAnswered = 256

// keep keeps a, the answer an event of key was given.
func (rs *resolution) keep(key stormKey, a answer) {
	if rs.answered == nil {
		rs.answered = make(map[stormKey]answer)
	}
	if _, ok := rs.answered[key]; !ok && len(rs.answered) >= maxAnswered {
		var oldest stormKey
		first := true
		for k, v := range rs.answered {
			if first || v.at.Before(rs.answered[oldest].at) {
				oldest, first = k, false
			}
		}
		delete(rs.answered, oldest)
	}
	rs.answered[key] = a
}

// fsUUID keeps the filesystem UUID of id's device: a filesystem line that
// names it (mount, unmount) is noted, one that does not (errors) takes
// the one last noted; and a filesystem line read once the filesystem is
// unmounted takes the mount point it last had.
func (rs *resolution) fsUUID(ev *event.Event, id Identity) {
	if !event.IsFilesystem(ev.SubSystem) {
		return
	}
	if id.Info.MountPoint == "" && ev.Ext("mount_point") == "" {
		// Unmounted by now (an unmount line is printed as it goes, and a
		// line may be read late): the event belongs where it was mounted.
		ev.SetExt("mount_point", id.MountPoint)
	}
	if u := ev.Ext("uuid"); u != "" {
		rs.ids.SetFSUUID(id.Info, u)
		return
	}
	ev.SetExt("uuid", id.noted())
}

func ownerNames(info sysfs.BlockInfo) []string {
	names := make([]string, 0, len(info.Owners))
	for _, o := range info.Owners {
		names = append(names, o.KernelName)
	}
	return names
}

// linkRootCause points ev at the root cause of the most recent error,
// within rootCauseWindow, on a device below it, or on the same device at a
// lower layer (the block error under a filesystem error) or of another type
// at the same layer (the I/O error under a buffer error). It only changes a
// warning or worse (an unmount after an error is not caused by it) that is
// its own root cause. Error events are then kept as candidates for later
// ones.
func (rs *resolution) linkRootCause(ev *event.Event, owners []string) {
	cutoff := ev.Timestamp.Add(-rootCauseWindow)
	rs.recent = slices.DeleteFunc(rs.recent, func(r recentError) bool { return r.at.Before(cutoff) })
	if ev.Kdev == "" {
		return
	}
	if (ev.RootCauseEventID == ev.EventID || ev.RootCauseEventID == "") && ev.Severity.AtLeast(event.Warning) {
		ev.RootCauseEventID = ev.EventID
		l := layer(ev.SubSystem)
		for i := len(rs.recent) - 1; i >= 0; i-- {
			r := rs.recent[i]
			if r.at.After(ev.Timestamp) {
				continue
			}
			below := slices.Contains(owners, r.kdev) || (r.wwid != "" && slices.Contains(ev.OwnersWWIDs, r.wwid))
			if below || (r.kdev == ev.Kdev && (r.layer < l || r.layer == l && r.eventType != ev.EventType)) {
				ev.RootCauseEventID = r.rootCause
				break
			}
		}
	}
	if ev.Severity.AtLeast(event.Error) && !strings.HasPrefix(ev.EventType, "PERIPETY_") {
		if len(rs.recent) == maxRecentErrors {
			rs.recent = slices.Delete(rs.recent, 0, 1)
		}
		rs.recent = append(rs.recent, recentError{at: ev.Timestamp, kdev: ev.Kdev, wwid: ev.DevWWID,
			layer: layer(ev.SubSystem), eventType: ev.EventType, rootCause: ev.RootCauseEventID})
	}
}
