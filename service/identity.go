package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/peripety/peripety/sysfs"
)

const identityFile = "identities.json"

// maxInstances bounds the instances kept per kernel name.
const maxInstances = 4

// Identity is what the resolver said of one device instance while it was
// present. An instance is a kernel name with one major:minor and diskseq:
// a loop device re-attached, or a disk replaced, is a new instance of the
// same name.
type Identity struct {
	Info sysfs.BlockInfo `json:"info"`
	// Ext holds the extension keys the resolver gave for events on it.
	Ext map[string]string `json:"ext,omitempty"`
	// MountPoint is where its filesystem was last seen mounted: a
	// filesystem's unmount line, and lines read late, belong there.
	MountPoint string `json:"mount_point,omitempty"`
	// FSUUID is the UUID of the filesystem on it, as its kernel lines
	// last named it (most filesystem lines do not), and FSUUIDProbed the
	// one udev gave then (Info.UUID): once udev gives another, the device
	// was probed again since, a filesystem made on it, and the line's is
	// old (see noted).
	FSUUID       string `json:"fs_uuid,omitempty"`
	FSUUIDProbed string `json:"fs_uuid_probed,omitempty"`
	// FirstSeen and Seen are when the resolver first and last answered
	// for this instance.
	FirstSeen time.Time `json:"first_seen"`
	Seen      time.Time `json:"seen"`
	// Gone is when a uevent told the instance went (zero: not seen go).
	Gone time.Time `json:"gone,omitzero"`
}

func sameInstance(a, b sysfs.BlockInfo) bool {
	return a.KernelName == b.KernelName && a.MajorMinor == b.MajorMinor && a.DiskSeq == b.DiskSeq
}

// sameInfo says whether a and b say the same of a device, field by field
// (a nil and an empty list or map say the same): what Record compares at
// every event, which reflect.DeepEqual made a third of the pipeline's
// work.
func sameInfo(a, b sysfs.BlockInfo) bool {
	return a.WWID == b.WWID && a.BlkType == b.BlkType && a.BlkPath == b.BlkPath &&
		a.PreferredBlkPath == b.PreferredBlkPath && a.UUID == b.UUID && a.MountPoint == b.MountPoint &&
		a.TransportID == b.TransportID && a.KernelName == b.KernelName && a.MajorMinor == b.MajorMinor &&
		a.DiskSeq == b.DiskSeq && a.UdevInitialized == b.UdevInitialized &&
		maps.Equal(a.Transport, b.Transport) && slices.EqualFunc(a.Owners, b.Owners, sameInfo)
}

// IdentityStore remembers the identities of the devices seen, a few
// instances per kernel name, so that an event read after its device
// vanished, or after another device took its name, still carries the
// identity it had. It is kept in the state directory and is safe for
// concurrent use.
type IdentityStore struct {
	st *StateDir

	mu     sync.Mutex
	byName map[string][]*Identity // instances, oldest first
	byDev  map[string]string      // major:minor → kernel name
	// byPort maps an FC remote port (rport-2:0-3) to the device last seen
	// behind it: the kernel's lines about a port (FC_RPORT_LOST) often
	// come once the disks behind it are gone.
	byPort map[string]string
	dirty  bool
}

// OpenIdentityStore loads the identities saved in st; a missing file is an
// empty store. A file that cannot be read or decoded gives an empty store
// too, and an error that says so (wrapping ErrDamaged when the file was put
// aside): the daemon starts without the identities of devices gone.
func OpenIdentityStore(st *StateDir) (*IdentityStore, error) {
	s := &IdentityStore{st: st, byName: map[string][]*Identity{}, byDev: map[string]string{}, byPort: map[string]string{}}
	var saved []*Identity
	if err := st.load(identityFile, &saved); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return s, nil
		}
		return s, fmt.Errorf("load identities: %w", err)
	}
	for _, id := range saved {
		if id.Info.KernelName != "" {
			s.byName[id.Info.KernelName] = append(s.byName[id.Info.KernelName], id)
			if id.Info.MajorMinor != "" {
				s.byDev[id.Info.MajorMinor] = id.Info.KernelName
			}
			s.notePort(id)
		}
	}
	return s, nil
}

// notePort maps the FC remote port id was reached through to it: the port
// ForEvent gave for events on it (a multipath path's port, for its map),
// else, when no other device is mapped to the port yet, its own transport's
// (a disk's).
func (s *IdentityStore) notePort(id *Identity) {
	if p := id.Ext["rport"]; p != "" {
		s.byPort[p] = id.Info.KernelName
	} else if p := id.Info.Transport["rport"]; p != "" && s.byPort[p] == "" {
		s.byPort[p] = id.Info.KernelName
	}
}

// Record keeps info (and each of its owners) as the identity of its
// instance; ext is what the resolver added for events on it. now is when
// the resolver answered, mono the monotonic clock (time since boot) then,
// 0 when unknown.
//
// An instance is first seen when udev first handled it
// (BlockInfo.UdevInitialized), if that was before now: about when it
// appeared. The lines a device prints as it appears are then its own
// however late they are read: a daemon that started a few seconds after
// an md array was made again under an old name took its first lines for
// the old array's.
func (s *IdentityStore) Record(info sysfs.BlockInfo, ext map[string]string, now time.Time, mono time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(info, ext, now, mono)
	for _, o := range info.Owners {
		s.record(o, nil, now, mono)
	}
}

// appeared returns when info's instance appeared: when udev first handled
// it, as a wall-clock time, or now when udev did not or the clocks cannot
// tell.
func appeared(info sysfs.BlockInfo, now time.Time, mono time.Duration) time.Time {
	if info.UdevInitialized <= 0 || info.UdevInitialized > mono {
		return now
	}
	return now.Add(info.UdevInitialized - mono)
}

func (s *IdentityStore) record(info sysfs.BlockInfo, ext map[string]string, now time.Time, mono time.Duration) {
	if info.KernelName == "" {
		return
	}
	first := appeared(info, now, mono)
	list := s.byName[info.KernelName]
	if n := len(list); n > 0 && sameInstance(list[n-1].Info, info) {
		last := list[n-1]
		if !sameInfo(last.Info, info) {
			last.Info = info
			s.dirty = true
		}
		if first.Before(last.FirstSeen) {
			last.FirstSeen = first
			s.dirty = true
		}
		if info.MountPoint != "" {
			last.MountPoint = info.MountPoint
		}
		if ext != nil && !maps.Equal(last.Ext, ext) {
			last.Ext = ext
			s.dirty = true
		}
		last.Seen = now
		s.notePort(last)
		return
	}
	id := &Identity{Info: info, Ext: ext, MountPoint: info.MountPoint, FirstSeen: first, Seen: now}
	s.notePort(id)
	list = append(list, id)
	if len(list) > maxInstances {
		list = slices.Delete(list, 0, len(list)-maxInstances)
	}
	s.byName[info.KernelName] = list
	if info.MajorMinor != "" {
		s.byDev[info.MajorMinor] = info.KernelName
	}
	s.dirty = true
}

// instances returns the instances recorded for kdev: a kernel name, a
// major:minor, or an FC remote port (those of the device behind it).
func (s *IdentityStore) instances(kdev string) []*Identity {
	if list, ok := s.byName[kdev]; ok {
		return list
	}
	if name, ok := s.byPort[kdev]; ok {
		return s.byName[name]
	}
	var list []*Identity
	for _, id := range s.byName[s.byDev[kdev]] {
		if id.Info.MajorMinor == kdev {
			list = append(list, id)
		}
	}
	return list
}

// SetFSUUID notes the filesystem UUID a kernel line gave for the instance
// info names.
func (s *IdentityStore) SetFSUUID(info sysfs.BlockInfo, uuid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.byName[info.KernelName]
	if n := len(list); n > 0 && sameInstance(list[n-1].Info, info) &&
		(list[n-1].FSUUID != uuid || list[n-1].FSUUIDProbed != info.UUID) {
		list[n-1].FSUUID, list[n-1].FSUUIDProbed = uuid, info.UUID
		s.dirty = true
	}
}

// noted returns the filesystem UUID a kernel line last named for id's
// instance, "" when none did or when udev has probed another filesystem
// on it since: a line's UUID outlives udev's stale answer (XFS names the
// UUID as it mounts, before udev probed a filesystem just made), udev's
// new answer outlives the line's (ext4, whose 6.1 lines name none, made
// where an XFS was).
func (id *Identity) noted() string {
	if id.Info.UUID != "" && id.Info.UUID != id.FSUUIDProbed {
		return ""
	}
	return id.FSUUID
}

// Lookup returns the latest identity recorded for kdev, a kernel name,
// major:minor or FC remote port.
func (s *IdentityStore) Lookup(kdev string) (Identity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.instances(kdev)
	if len(list) == 0 {
		return Identity{}, false
	}
	return *list[len(list)-1], true
}

// At returns the identity kdev had at t: the latest instance first seen no
// later than t. ok is false when every instance was first seen after t.
func (s *IdentityStore) At(kdev string, t time.Time) (Identity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.instances(kdev)
	for i := len(list) - 1; i >= 0; i-- {
		if !list[i].FirstSeen.After(t) {
			return *list[i], true
		}
	}
	return Identity{}, false
}

// DeviceChangeTeller is a Resolver that tells which block devices came,
// changed or went (*sysfs.Resolver while it watches).
type DeviceChangeTeller interface {
	// DeviceChanges returns a channel of the kernel names of the block
	// devices a uevent told of; lookups made after a name is received
	// show the change.
	DeviceChanges() <-chan string
}

// follow records what res says now of each block device changes tells of,
// until ctx ends. The store then holds each device's identity as it last
// was while present, even when no event looked the device up since it
// changed: in the lab's scsi-remove, ext4 was made and mounted on a new
// disk and the disk deleted, and the events after the deletion took the
// identity of the disk's only lookup, made before udev had probed the new
// filesystem: no filesystem UUID.
func (s *IdentityStore) follow(ctx context.Context, res Resolver, changes <-chan string) {
	for {
		select {
		case <-ctx.Done():
			return
		case name := <-changes:
			info, ext, err := res.ForEvent(name)
			if errors.Is(err, sysfs.ErrNotFound) {
				s.markGone(name, time.Now()) // the identity it had stays
				continue
			}
			if err != nil {
				continue
			}
			mono, _ := monotonic() // 0 when unreadable: first seen now
			s.Record(info, ext, time.Now(), mono)
		}
	}
}

// markGone notes that the last instance of the block device name went at
// now, unless it was noted gone before.
func (s *IdentityStore) markGone(name string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.byName[name]
	if n := len(list); n > 0 && list[n-1].Gone.IsZero() {
		list[n-1].Gone = now
		s.dirty = true
	}
}

// saveEvery saves the store every interval while it changes, until ctx
// ends.
func (s *IdentityStore) saveEvery(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var r retry
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if !r.due(now) {
				continue
			}
			if err := s.Save(); err != nil {
				if r.fail(err, now) {
					log.Error("cannot save identities: retrying", "err", err)
				}
			} else if ended := r.succeed(); ended != nil {
				log.Info("identities saved again", "failed", ended)
			}
		}
	}
}

// Save writes the store to the state directory when it changed.
func (s *IdentityStore) Save() error {
	s.mu.Lock()
	if !s.dirty {
		s.mu.Unlock()
		return nil
	}
	var all []*Identity
	for _, list := range s.byName {
		for _, id := range list {
			c := *id
			all = append(all, &c)
		}
	}
	s.dirty = false
	s.mu.Unlock()
	slices.SortStableFunc(all, func(a, b *Identity) int {
		if c := strings.Compare(a.Info.KernelName, b.Info.KernelName); c != 0 {
			return c
		}
		return a.FirstSeen.Compare(b.FirstSeen)
	})
	if err := s.st.save(identityFile, all); err != nil {
		s.mu.Lock()
		s.dirty = true
		s.mu.Unlock()
		return fmt.Errorf("save identities: %w", err)
	}
	return nil
}
