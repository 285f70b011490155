package service

import (
	"errors"
	"fmt"
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
	// attachSlack: a device is first seen a little after the lines it
	// prints as it appears (a loop device's capacity change), so only a
	// device first seen later than this after an event is taken to have
	// come after it.
	attachSlack = 2 * time.Second
	// liveAge is how recent a record must be to be taken as live.
	liveAge = 5 * time.Second
	// poolLineWindow is how long after a thin line that names its pool a
	// thin line that names none ("No free metadata blocks") is taken to
	// be about the same pool: the low water mark comes first, and the
	// pool runs out as fast as it is written (12 s later in the lab's
	// slow guest).
	poolLineWindow = 5 * time.Minute
)

// resolution fills in the identity of events. It is used by the pipeline
// goroutine only.
type resolution struct {
	r   Resolver
	ids *IdentityStore
	now func() time.Time
	// mono reads the monotonic clock (time since boot), udev's clock;
	// nil: unknown.
	mono func() time.Duration

	// pool is the last thin pool a thin line named, and when.
	pool   string
	poolAt time.Time
	// answered keeps the identity given to each event type and device
	// lately, for storm summaries (see keep).
	answered map[stormKey]answer
	// missing holds the devices the resolver did not find since devices
	// last changed, with its error; missingUntil is the resolver's notice
	// of the next change, which ends it (see find).
	missing      map[string]error
	missingUntil <-chan struct{}
}

// maxMissing bounds resolution.missing.
const maxMissing = 1024

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
	// kdev is the device asked about: the event's, or the one it is
	// taken to be about.
	kdev     string
	info     sysfs.BlockInfo
	ext      map[string]string
	err      error
	appeared bool
}

// lookUp asks the resolver about ev's device. A thin-provisioning line
// that names no pool (dm-thin's "No free metadata blocks", the metadata
// space map's) is about the pool the thin line just before it named, when
// that came within poolLineWindow: it is looked up as that pool, and says
// so in extension.pool.
func (rs *resolution) lookUp(ev *event.Event) lookup {
	kdev := ev.Kdev
	if ev.SubSystem == event.SubThin {
		switch {
		case kdev != "":
			rs.pool, rs.poolAt = kdev, ev.Timestamp
		case rs.pool != "" && !ev.Timestamp.Before(rs.poolAt) && ev.Timestamp.Sub(rs.poolAt) <= poolLineWindow:
			kdev = rs.pool
			ev.SetExt("pool", kdev)
		}
	}
	if kdev == "" {
		return lookup{}
	}
	info, ext, err := rs.find(kdev)
	return lookup{kdev: kdev, info: info, ext: ext, err: err}
}

// find asks the resolver about kdev. A device it did not find is not asked
// about again until devices change: looking for a device that is not
// there reads all of sysfs (0.1 ms on a small host, 13 ms behind 1,000
// paths, sysfs.Resolver caching only what it finds), and a storm of lines,
// or a daemon's retries, can name one at every line. Only a resolver
// that tells of device changes (DeviceNotifier: *sysfs.Resolver while it
// watches) has its answers kept; its notice is taken before the look-up,
// so that no change goes unseen.
func (rs *resolution) find(kdev string) (sysfs.BlockInfo, map[string]string, error) {
	if rs.missingUntil != nil {
		select {
		case <-rs.missingUntil:
			rs.missing, rs.missingUntil = nil, nil
		default:
			if err, ok := rs.missing[kdev]; ok {
				return sysfs.BlockInfo{}, nil, err
			}
		}
	}
	until := rs.notice(waitDevice)
	info, ext, err := rs.r.ForEvent(kdev)
	if until == nil || !errors.Is(err, sysfs.ErrNotFound) {
		return info, ext, err
	}
	if until != rs.missingUntil || len(rs.missing) >= maxMissing {
		rs.missing, rs.missingUntil = make(map[string]error), until
	}
	rs.missing[kdev] = err
	return info, ext, err
}

// resolve fills ev's device identity from l, the resolver's answer for
// it. An event whose device cannot be resolved, or whose device name now
// belongs to a device that came after the event, takes the identity
// recorded for its device at the event's time and says why in
// extension.resolve_error; it is never dropped. A storm summary takes the
// identity the events of its storm had (see keep). It returns the identity
// it used, with the devices below it (zero when there is none).
func (rs *resolution) resolve(ev *event.Event, l lookup) sysfs.BlockInfo {
	if l.kdev == "" {
		return sysfs.BlockInfo{}
	}
	key := stormKey{ev.EventType, l.kdev}
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
		old, ok := rs.ids.At(l.kdev, ev.Timestamp)
		if !ok {
			old, ok = rs.ids.Lookup(l.kdev)
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
		cur.FirstSeen.After(ev.Timestamp.Add(attachSlack)) && !goneBefore(old, l.kdev, ev.Timestamp) {
		a.found, a.id, a.info, a.ext = true, old, old.Info, old.Ext
		a.why = fmt.Sprintf("%s is now another device (major:minor %s, diskseq %s; was %s, diskseq %s); identity as last seen at %s",
			info.KernelName, info.MajorMinor, info.DiskSeq, old.Info.MajorMinor, old.Info.DiskSeq, old.Seen.Format(time.RFC3339))
		return a
	}
	a.found, a.id, a.info, a.ext = true, cur, info, ext
	return a
}

// goneBefore says that a line naming kdev at t cannot be about old: kdev
// is a SCSI address and old's disk was seen gone before t. A SCSI address
// names a device only while a SCSI device has it, and a new one has it
// before its disk attaches (its reset line comes first), so the line is
// the new disk's however late udev tells of it (the lab's mpath-path
// under load). A disk's own name is another matter: the kernel's lines
// name a deleted disk for as long as it is held open, after it went.
func goneBefore(old Identity, kdev string, t time.Time) bool {
	return sysfs.IsSCSIAddress(kdev) && !old.Gone.IsZero() && old.Gone.Before(t)
}

// fill gives ev the identity a and returns it (zero when there is none).
func (rs *resolution) fill(ev *event.Event, a answer) sysfs.BlockInfo {
	if !a.found {
		ev.SetExt("resolve_error", a.why)
		return sysfs.BlockInfo{}
	}
	rs.fsUUID(ev, a.id)
	sysfs.FillEvent(ev, a.info, a.ext)
	if a.why != "" {
		ev.SetExt("resolve_error", a.why)
	}
	return a.info
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
