package sysfs

import (
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
//     mount or unmount, or Invalidate, any of which stales every answer: a
//     lookup is then a map read, with no system call;
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
	gen      atomic.Uint64
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
}

// generation is read before a resolution starts, so a uevent that comes
// while it runs stales its answer.
func (c *cache) generation() uint64 { return c.gen.Load() }

// invalidate stales every answer.
func (c *cache) invalidate() { c.gen.Add(1) }

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

// put keeps an answer made in generation gen for the device d.
func (c *cache) put(key string, gen uint64, d device, info BlockInfo, ext map[string]string) {
	if d.SeqPath == "" && !c.watching.Load() {
		return
	}
	e := &cacheEntry{info: info, ext: ext, seqPath: d.SeqPath, diskseq: d.DiskSeq, gen: gen}
	if c.size.Load() >= maxCacheEntries {
		c.entries.Clear()
		c.size.Store(0)
	}
	if _, loaded := c.entries.Swap(key, e); !loaded {
		c.size.Add(1)
	}
}
