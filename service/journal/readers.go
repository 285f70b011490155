//go:build cgo

package journal

import (
	"sync"
	"time"
)

// Query keeps the journals it has opened for the next Query of the same
// source. Opening a journal maps its files afresh, and the first touch of
// every mapped page then faults: for a device Query over 100,000 stored
// events that and sd_journal_close were a third of the time. A kept
// journal is refreshed (sd_journal_process: files rotated in or vacuumed
// away) before it is used again, and closed once idle for readerIdle, so
// that it does not pin the space of journal files deleted since.
const (
	readerIdle    = 30 * time.Second
	readersPerSrc = 2
)

var readers = readerPool{idle: make(map[string][]*idleReader)}

type readerPool struct {
	mu   sync.Mutex
	idle map[string][]*idleReader
}

type idleReader struct {
	r     *reader
	timer *time.Timer
}

// readerKey tells sources apart: String quotes every file name.
func readerKey(src Source) string { return src.String() }

// get returns an open journal of src with no matches: a kept one when
// there is one that refreshes, else a new one.
func (p *readerPool) get(src Source) (*reader, error) {
	key := readerKey(src)
	for {
		p.mu.Lock()
		list := p.idle[key]
		if len(list) == 0 {
			p.mu.Unlock()
			return open(src)
		}
		ir := list[len(list)-1]
		p.idle[key] = list[:len(list)-1]
		if len(p.idle[key]) == 0 {
			delete(p.idle, key)
		}
		ir.timer.Stop()
		p.mu.Unlock()
		if err := ir.r.refresh(); err != nil {
			ir.r.Close()
			continue
		}
		return ir.r, nil
	}
}

// put keeps r for the next get of src, or closes it when enough are kept.
func (p *readerPool) put(src Source, r *reader) {
	// Watch from now on (the first call sets the inotify watches up and
	// looks at the directories again), so that refresh sees every file
	// that appears or goes before the next get.
	if err := r.watch(); err != nil {
		r.Close()
		return
	}
	key := readerKey(src)
	p.mu.Lock()
	if len(p.idle[key]) >= readersPerSrc {
		p.mu.Unlock()
		r.Close()
		return
	}
	ir := &idleReader{r: r}
	ir.timer = time.AfterFunc(readerIdle, func() { p.expire(key, ir) })
	p.idle[key] = append(p.idle[key], ir)
	p.mu.Unlock()
}

// expire closes ir unless a get has taken it meanwhile.
func (p *readerPool) expire(key string, ir *idleReader) {
	p.mu.Lock()
	list := p.idle[key]
	i := -1
	for k, x := range list {
		if x == ir {
			i = k
		}
	}
	if i < 0 {
		p.mu.Unlock()
		return
	}
	p.idle[key] = append(list[:i], list[i+1:]...)
	if len(p.idle[key]) == 0 {
		delete(p.idle, key)
	}
	p.mu.Unlock()
	ir.r.Close()
}

// refresh readies a kept journal for another query: no matches, and the
// files rotated in or deleted since it was last used taken in.
func (r *reader) refresh() error {
	r.j.FlushMatches()
	return r.watch()
}
