//go:build cgo

package journal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Kernel entries reach the journal through journald reading /dev/kmsg, and
// journald tells readers of new entries late: it coalesces the inotify
// notifications of its writes (250ms in systemd 252), so sd_journal_wait
// returns up to that long after an entry is in the file. The entries are
// in the file (shared memory) long before; a reader that looks finds them.
//
// So a kernel follower watches /dev/kmsg itself: a record there is an entry
// journald is about to store, and the follower looks at the journal every
// hotPoll until hotSpan after the latest record. With nothing printed it
// looks every waitStep, as sd_journal_wait would have woken it.
const (
	hotPoll = 2 * time.Millisecond
	hotSpan = 250 * time.Millisecond
)

// kmsgHint reports each record the kernel adds to /dev/kmsg from when it is
// opened. Its records are not read as data: the journal is the source.
type kmsgHint struct {
	f *os.File
	// C receives a value when records came since the last receive.
	C chan struct{}
}

// openKmsgHint opens path (/dev/kmsg) at its end.
func openKmsgHint(path string) (*kmsgHint, error) {
	// O_NONBLOCK puts the file in the runtime poller, so that a read
	// deadline ends a blocked read.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", path, err)
	}
	if _, err := unix.Seek(int(f.Fd()), 0, unix.SEEK_END); err != nil {
		f.Close()
		return nil, fmt.Errorf("seek %q to its end: %w", path, err)
	}
	return &kmsgHint{f: f, C: make(chan struct{}, 1)}, nil
}

// run signals C for each record until ctx ends or a read fails, then closes
// the file. A failed read leaves the follower with its slow wait; it is not
// an error of the follower's.
func (h *kmsgHint) run(ctx context.Context) {
	defer h.f.Close()
	stop := context.AfterFunc(ctx, func() { h.f.SetReadDeadline(time.Now()) })
	defer stop()
	buf := make([]byte, 16<<10) // a whole record: /dev/kmsg fails a shorter read
	for {
		_, err := h.f.Read(buf)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, syscall.EPIPE):
			// Overrun: records were lost to us, which is a record too.
		case err != nil:
			return
		}
		select {
		case h.C <- struct{}{}:
		default:
		}
	}
}
