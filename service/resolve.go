package service

import (
	"errors"
	"fmt"
	"time"

	"github.com/peripety/peripety/event"
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

	// pool is the last thin pool a thin line named, and when.
	pool   string
	poolAt time.Time
}

// lookup is one answer of the resolver for a device.
type lookup struct {
	// kdev is the device asked about: the event's, or the one it is
	// taken to be about.
	kdev string
	info sysfs.BlockInfo
	ext  map[string]string
	err  error
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
	info, ext, err := rs.r.ForEvent(kdev)
	return lookup{kdev: kdev, info: info, ext: ext, err: err}
}

// resolve fills ev's device identity from l, the resolver's answer for
// it. An event whose device cannot be resolved, or whose device name now
// belongs to a device that came after the event, takes the identity
// recorded for its device at the event's time and says why in
// extension.resolve_error; it is never dropped. It returns the identity
// it used, with the devices below it (zero when there is none).
func (rs *resolution) resolve(ev *event.Event, l lookup) sysfs.BlockInfo {
	if l.kdev == "" {
		return sysfs.BlockInfo{}
	}
	info, ext, err := l.info, l.ext, l.err
	if err != nil {
		old, ok := rs.ids.At(l.kdev, ev.Timestamp)
		if !ok {
			old, ok = rs.ids.Lookup(l.kdev)
		}
		if !ok {
			why := err.Error()
			if errors.Is(err, sysfs.ErrNotFound) {
				why += "; never seen while present"
			}
			ev.SetExt("resolve_error", why)
			return sysfs.BlockInfo{}
		}
		rs.fsUUID(ev, old)
		sysfs.FillEvent(ev, old.Info, old.Ext)
		ev.SetExt("resolve_error", fmt.Sprintf("%v; identity as last seen at %s", err, old.Seen.Format(time.RFC3339)))
		return old.Info
	}
	rs.ids.Record(info, ext, rs.now())
	cur, _ := rs.ids.Lookup(info.KernelName)
	if old, ok := rs.ids.At(info.KernelName, ev.Timestamp); ok && !sameInstance(old.Info, info) &&
		cur.FirstSeen.After(ev.Timestamp.Add(attachSlack)) {
		rs.fsUUID(ev, old)
		sysfs.FillEvent(ev, old.Info, old.Ext)
		ev.SetExt("resolve_error", fmt.Sprintf("%s is now another device (major:minor %s, diskseq %s; was %s, diskseq %s); identity as last seen at %s",
			info.KernelName, info.MajorMinor, info.DiskSeq, old.Info.MajorMinor, old.Info.DiskSeq, old.Seen.Format(time.RFC3339)))
		return old.Info
	}
	rs.fsUUID(ev, cur)
	sysfs.FillEvent(ev, info, ext)
	return info
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
	ev.SetExt("uuid", id.FSUUID)
}
