package daemon_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/peripety/peripety/parsers/logfmt"
)

// monotonic reads CLOCK_MONOTONIC, the clock a kernel line's time is
// compared with. It may be called from any goroutine.
func monotonic(tb testing.TB) time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		tb.Errorf("read CLOCK_MONOTONIC: %v", err)
	}
	return time.Duration(ts.Nano())
}

// kmsgRecord is a kernel log record as the kernel stamped it.
type kmsgRecord struct {
	at   time.Duration // the record's time, on the kernel's log clock
	read time.Duration // when the follower read it (CLOCK_MONOTONIC)
	msg  string
}

// kmsgFollower reads /dev/kmsg from its end, as a reader of the kernel log
// independent of the daemon, keeping every record.
type kmsgFollower struct {
	f    *os.File
	done chan struct{}

	mu   sync.Mutex
	recs []kmsgRecord
}

func followKmsg(tb testing.TB) *kmsgFollower {
	tb.Helper()
	// O_NONBLOCK puts the file in the runtime poller, so Close ends a
	// blocked read.
	f, err := os.OpenFile("/dev/kmsg", os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		tb.Fatalf("open /dev/kmsg: %v", err)
	}
	if _, err := unix.Seek(int(f.Fd()), 0, unix.SEEK_END); err != nil {
		tb.Fatalf("seek /dev/kmsg to its end: %v", err)
	}
	k := &kmsgFollower{f: f, done: make(chan struct{})}
	go func() {
		defer close(k.done)
		buf := make([]byte, 16<<10)
		for {
			n, err := f.Read(buf)
			read := monotonic(tb)
			switch {
			case errors.Is(err, syscall.EPIPE):
				continue // overwritten before read: the pairing finds out
			case err != nil:
				return
			}
			rec, err := logfmt.DecodeKmsg(buf[:n])
			if err != nil {
				continue
			}
			k.mu.Lock()
			k.recs = append(k.recs, kmsgRecord{at: rec.Monotonic, read: read, msg: rec.Message})
			k.mu.Unlock()
		}
	}()
	tb.Cleanup(func() { f.Close(); <-k.done })
	return k
}

// records returns the records read so far whose message has prefix.
func (k *kmsgFollower) records(prefix string) []kmsgRecord {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []kmsgRecord
	for _, r := range k.recs {
		if strings.HasPrefix(r.msg, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// clockAhead measures how far the kernel's log clock (local_clock, which
// stamps each record) runs ahead of CLOCK_MONOTONIC: it writes probe lines
// to /dev/kmsg, each stamped between two readings of CLOCK_MONOTONIC, and
// takes the probe whose readings are closest. The two clocks drift apart
// by a millisecond or more over a boot, which would otherwise bias every
// latency taken from a kernel timestamp.
func (k *kmsgFollower) clockAhead(tb testing.TB) time.Duration {
	tb.Helper()
	const probes = 50
	tag := fmt.Sprintf("peripety-bench-%d: clock probe ", os.Getpid())
	before := make([]time.Duration, probes)
	after := make([]time.Duration, probes)
	for i := range probes {
		// A writer may write 10 lines per 5 s (printk.devkmsg=ratelimit):
		// one each.
		w, err := os.OpenFile("/dev/kmsg", os.O_WRONLY, 0)
		if err != nil {
			tb.Fatalf("open /dev/kmsg for writing: %v", err)
		}
		line := fmt.Sprintf("<7>%s%d\n", tag, i) // facility user: the daemon skips it
		before[i] = monotonic(tb)
		_, err = w.WriteString(line)
		after[i] = monotonic(tb)
		w.Close()
		if err != nil {
			tb.Fatalf("write /dev/kmsg: %v", err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		recs := k.records(tag)
		if len(recs) == probes {
			best := 0
			for i := range probes {
				if after[i]-before[i] < after[best]-before[best] {
					best = i
				}
			}
			return recs[best].at - (before[best]+after[best])/2
		}
		if time.Now().After(deadline) {
			tb.Fatalf("read back %d of %d clock probes from /dev/kmsg", len(recs), probes)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
