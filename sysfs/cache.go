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
//   - while Watch listens to the kernel's uevents, an answer stands until
//     the next block uevent (add, remove, change, move…) or Invalidate,
//     which stale every answer: a lookup is then a map read, with no
//     system call;
//   - otherwise each hit re-reads the device's diskseq attribute (the
//     disk's for a partition) and compares it with the one the answer was
//     made with: the kernel gives a re-attached disk a new diskseq, so a
//     re-attached device is never served stale. A device without diskseq
//     (kernels before 5.15, NVMe controllers) is not cached.
type cache struct {
	watching atomic.Bool
	gen      atomic.Uint64
	mu       sync.RWMutex
	entries  map[string]*cacheEntry
}

type cacheEntry struct {
	info    BlockInfo
	ext     map[string]string
	seqPath string // the diskseq attribute to compare
	diskseq string
	gen     uint64 // the generation the answer was made in
}

func newCache() cache { return cache{entries: make(map[string]*cacheEntry)} }

// generation is read before a resolution starts, so a uevent that comes
// while it runs stales its answer.
func (c *cache) generation() uint64 { return c.gen.Load() }

// invalidate stales every answer.
func (c *cache) invalidate() { c.gen.Add(1) }

func (c *cache) get(key string) (*cacheEntry, bool) {
	c.mu.RLock()
	e := c.entries[key]
	c.mu.RUnlock()
	if e == nil {
		return nil, false
	}
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
	c.mu.Lock()
	if len(c.entries) >= maxCacheEntries {
		c.entries = make(map[string]*cacheEntry)
	}
	c.entries[key] = e
	c.mu.Unlock()
}
