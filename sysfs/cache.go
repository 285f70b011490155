package sysfs

import (
	"slices"
	"sync"
	"sync/atomic"
)

// maxCacheEntries bounds the cache; past it the cache starts over.
const maxCacheEntries = 1 << 16

// cache keeps answers by the identifier asked for. An answer is served
// again only while the device it was found for is the same instance:
//
//   - while Watch listens to the kernel's uevents and the mount table, an
//     answer stands until the next block uevent (add, remove, change…), a
//     lost uevent or Invalidate, any of which stales every answer: a lookup
//     is then a map read, with no system call. A mount or unmount changes
//     no device, only where filesystems are mounted: the answers stand, and
//     the next lookup of each takes its mount points (and its owners') from
//     the new mount table, read once for every answer (by Watch, as soon as
//     the table changes). A lookup right after a mount is then a few map
//     reads, where resolving the device again took ~150 system calls;
//   - otherwise (ForEvent answers only) each hit re-reads the device's
//     diskseq attribute (the disk's for a partition) and compares it with
//     the one the answer was made with: the kernel gives a re-attached disk
//     a new diskseq, so a re-attached device is never served stale. A device
//     without diskseq (kernels before 5.15, NVMe controllers) is not cached.
//     This costs one small read a lookup and does not see a filesystem
//     mounted since: the daemon runs Watch.
//
// Reading diskseq on every hit was measured at ~2 µs even with pread on a
// descriptor kept open, so a storm of 1,000,000 lookups/s needs the uevents.
type cache struct {
	watching atomic.Bool
	gen      atomic.Uint64 // devices: uevents, Invalidate
	mountGen atomic.Uint64 // the mount table: its changes, Invalidate
	// mounts is the mount table last read, with the mountGen it was read
	// in.
	mounts atomic.Pointer[mountTable]
	// mu guards mountsWatched, set while Watch polls the mount table,
	// mountNotice, closed at its next change (MountsChanged), and
	// deviceNotice, closed at the next block uevent (DevicesChanged).
	mu            sync.Mutex
	mountsWatched bool
	mountNotice   chan struct{}
	deviceNotice  chan struct{}
	// entries maps a key to a *cacheEntry. sync.Map reads without a lock
	// once a key is settled, which a storm of lookups of a few devices is.
	entries sync.Map
	size    atomic.Int64
}

type cacheEntry struct {
	info    BlockInfo
	ext     map[string]string
	seqPath string // the diskseq attribute to compare
	diskseq string
	gen     uint64 // the generation the answer was made in
	// mountGen is the mount table generation info's mount points are of,
	// and mountable which of info (first) and info.Owners show a mount
	// point: those nothing was built on. remounted is info with the mount
	// points of a later mount table, once a lookup needed them.
	mountGen  uint64
	mountable []bool
	remounted atomic.Pointer[mountedInfo]
}

// mountedInfo is an answer with the mount points of mount table
// generation gen.
type mountedInfo struct {
	gen  uint64
	info BlockInfo
}

// mountTable is the mount table as read in mount table generation gen.
type mountTable struct {
	gen    uint64
	mounts []mount
}

// generation is read before a resolution starts, so a uevent that comes
// while it runs stales its answer.
func (c *cache) generation() uint64 { return c.gen.Load() }

// invalidate stales every answer.
func (c *cache) invalidate() {
	c.gen.Add(1)
	c.mountGen.Add(1)
}

// mountsChanged stales the mount points of every answer.
func (c *cache) mountsChanged() { c.mountGen.Add(1) }

// notice returns the channel notifyMounts closes next, or nil when the
// mount table is not watched.
func (c *cache) notice() chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.mountsWatched {
		return nil
	}
	if c.mountNotice == nil {
		c.mountNotice = make(chan struct{})
	}
	return c.mountNotice
}

// watchMounts says whether Watch polls the mount table; it ending tells
// those waiting for a change.
func (c *cache) watchMounts(on bool) {
	c.mu.Lock()
	c.mountsWatched = on
	c.mu.Unlock()
	if !on {
		c.notifyMounts()
	}
}

// devicesNotice returns the channel notifyDevices closes next, or nil when
// Watch is not running.
func (c *cache) devicesNotice() chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.watching.Load() {
		return nil
	}
	if c.deviceNotice == nil {
		c.deviceNotice = make(chan struct{})
	}
	return c.deviceNotice
}

// notifyDevices tells those waiting for a device to come or change.
func (c *cache) notifyDevices() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.deviceNotice != nil {
		close(c.deviceNotice)
		c.deviceNotice = nil
	}
}

// notifyMounts tells those waiting for a change of the mount table.
func (c *cache) notifyMounts() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mountNotice != nil {
		close(c.mountNotice)
		c.mountNotice = nil
	}
}

func (c *cache) get(key string) (*cacheEntry, bool) {
	v, ok := c.entries.Load(key)
	if !ok {
		return nil, false
	}
	e := v.(*cacheEntry)
	if c.watching.Load() {
		return e, e.gen == c.gen.Load()
	}
	if e.seqPath == "" {
		return nil, false
	}
	seq, err := readAttr(e.seqPath)
	return e, err == nil && seq == e.diskseq
}

// put keeps an answer made in generation gen, with the mount table of
// mountGen, by scan s for the device d.
func (c *cache) put(key string, gen, mountGen uint64, s *scan, d device, info BlockInfo, ext map[string]string) {
	if d.SeqPath == "" && !c.watching.Load() {
		return
	}
	mountable := make([]bool, 1+len(info.Owners))
	mountable[0] = s.mountable[info.KernelName]
	for i, o := range info.Owners {
		mountable[1+i] = s.mountable[o.KernelName]
	}
	e := &cacheEntry{info: info, ext: ext, seqPath: d.SeqPath, diskseq: d.DiskSeq, gen: gen,
		mountGen: mountGen, mountable: mountable}
	if c.size.Load() >= maxCacheEntries {
		c.entries.Clear()
		c.size.Store(0)
	}
	if _, loaded := c.entries.Swap(key, e); !loaded {
		c.size.Add(1)
	}
}

// remount returns e's answer with the mount points of the mount table t.
func (e *cacheEntry) remount(t *mountTable) BlockInfo {
	info := e.info
	if e.mountable[0] {
		info.MountPoint = mountPointIn(t.mounts, info)
	}
	if len(info.Owners) > 0 {
		info.Owners = slices.Clone(info.Owners)
		for i := range info.Owners {
			if e.mountable[1+i] {
				info.Owners[i].MountPoint = mountPointIn(t.mounts, info.Owners[i])
			}
		}
	}
	return info
}
