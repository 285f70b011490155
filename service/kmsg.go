package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers/logfmt"
)

// KmsgSource reads /dev/kmsg (Documentation/ABI/testing/dev-kmsg): one
// read(2) returns one record with its dictionary. Its position is the boot
// id and the sequence number of the last record: within the same boot the
// daemon resumes after it, in a new boot it starts at the oldest record the
// ring still holds. A ring overrun (EPIPE, or a gap in the sequence numbers
// on resuming) is reported as a PERIPETY_KMSG_OVERRUN event saying how many
// records were lost.
type KmsgSource struct {
	env SourceEnv
}

// Name implements Source.
func (s *KmsgSource) Name() string { return "kmsg" }

// Key implements Source.
func (s *KmsgSource) Key() string { return "kmsg" }

// kmsgBufSize holds the largest record the kernel hands out (a message of
// up to 1024 bytes escaped up to 4 times, and the dictionary).
const kmsgBufSize = 16 << 10

// Event types of the kmsg source's own events.
const EventKmsgOverrun = "PERIPETY_KMSG_OVERRUN"

// Run implements Source.
func (s *KmsgSource) Run(ctx context.Context, pos string, opened func(), fn func(Item) error) error {
	bootID, boot, err := bootTime(s.env)
	if err != nil {
		return err
	}
	k, err := openKmsg(s.env.path("/dev/kmsg"))
	if err != nil {
		return err
	}
	defer k.Close()

	var next uint64 // the sequence number expected next, when known
	known := false
	if savedBoot, seq, ok := parseKmsgPos(pos); ok && savedBoot == bootID {
		next, known = seq+1, true
	} else if err := k.seek(unix.SEEK_DATA); err != nil {
		return err
	}
	opened()
	return k.read(ctx, func(b []byte) error {
		rec, err := logfmt.DecodeKmsg(b)
		if err != nil {
			s.env.Log.Warn("undecodable kmsg record", "record", string(b), "err", err)
			return nil
		}
		if known && rec.Seq < next {
			return nil // handled before the restart
		}
		rec.Time = boot.Add(rec.Monotonic)
		if known && rec.Seq > next {
			ev := overrunEvent(next, rec.Seq, rec.Time, s.env.Hostname)
			if err := fn(Item{Own: &ev, Pos: kmsgPos(bootID, rec.Seq-1)}); err != nil {
				return err
			}
		}
		next, known = rec.Seq+1, true
		if rec.Facility != 0 {
			return nil // written by userspace, never a kernel line
		}
		if rec.Hostname == "" {
			rec.Hostname = s.env.Hostname
		}
		return fn(Item{Record: rec, Pos: kmsgPos(bootID, rec.Seq)})
	})
}

// kmsgFile is /dev/kmsg open for reading: each read(2) returns one whole
// record, or fails with EPIPE when records were overwritten in the ring
// before they were read (Documentation/ABI/testing/dev-kmsg).
type kmsgFile struct {
	f    *os.File
	path string
}

// openKmsg opens path, a /dev/kmsg, at the first record the ring holds.
func openKmsg(path string) (*kmsgFile, error) {
	// O_NONBLOCK puts the file in the runtime poller, so that a read
	// deadline can stop a blocked read when ctx ends.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("open kmsg: %w", err)
	}
	return &kmsgFile{f: f, path: path}, nil
}

// seek moves to the oldest record the ring holds (unix.SEEK_DATA) or past
// the newest (unix.SEEK_END).
func (k *kmsgFile) seek(whence int) error {
	if _, err := unix.Seek(int(k.f.Fd()), 0, whence); err != nil {
		where := "to the oldest record"
		if whence == unix.SEEK_END {
			where = "past the newest record"
		}
		return fmt.Errorf("seek %q %s: %w", k.path, where, err)
	}
	return nil
}

// read calls fn with each record until ctx ends (then it returns
// ctx.Err()), a read fails, or fn fails (then it returns fn's error as
// is). The record is valid until fn returns. An overrun is passed over: the
// next read returns the oldest record left, and the gap in the sequence
// numbers says how many were lost.
func (k *kmsgFile) read(ctx context.Context, fn func(record []byte) error) error {
	stop := context.AfterFunc(ctx, func() { k.f.SetReadDeadline(time.Now()) })
	defer stop()
	buf := make([]byte, kmsgBufSize)
	for {
		n, err := k.f.Read(buf)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, syscall.EPIPE):
			continue
		case err == io.EOF:
			return fmt.Errorf("read %q: unexpected end of file", k.path)
		case err != nil:
			return fmt.Errorf("read %q: %w", k.path, err)
		}
		if err := fn(buf[:n]); err != nil {
			return err
		}
	}
}

func (k *kmsgFile) Close() error { return k.f.Close() }

// overrunEvent reports the records from seq first up to (not including)
// seq next as lost.
func overrunEvent(first, next uint64, at time.Time, host string) event.Event {
	lost := next - first
	ev := event.Event{
		EventType: EventKmsgOverrun,
		Severity:  event.Warning,
		SubSystem: event.SubPeripety,
		Timestamp: at,
		Hostname:  host,
		Msg:       fmt.Sprintf("kernel log ring buffer overrun: %d records lost (seq %d to %d) before peripetyd read them", lost, first, next-1),
		Count:     1,
	}
	ev.SetExt("lost", strconv.FormatUint(lost, 10))
	ev.SetExt("first_lost_seq", strconv.FormatUint(first, 10))
	ev.SetExt("last_lost_seq", strconv.FormatUint(next-1, 10))
	return ev
}

func kmsgPos(bootID string, seq uint64) string {
	return bootID + " " + strconv.FormatUint(seq, 10)
}

func parseKmsgPos(pos string) (bootID string, seq uint64, ok bool) {
	id, n, found := strings.Cut(pos, " ")
	if !found || id == "" {
		return "", 0, false
	}
	seq, err := strconv.ParseUint(n, 10, 64)
	return id, seq, err == nil
}

func readBootID(p string) (string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("read boot id: %w", err)
	}
	id := strings.TrimSpace(string(b))
	if id == "" {
		return "", fmt.Errorf("read boot id %q: empty", p)
	}
	return id, nil
}

const bootFile = "boot.json"

type bootState struct {
	BootID string    `json:"boot_id"`
	Time   time.Time `json:"boot_time"`
}

// bootTime returns the wall-clock time of boot, the base of the kmsg
// timestamps. It is computed once per boot and kept in the state
// directory, so that a record read again after a restart gets the same
// time, and so the same event id. A state directory that cannot keep it
// (read-only) costs that only: the time computed is returned.
func bootTime(env SourceEnv) (bootID string, boot time.Time, err error) {
	if bootID, err = readBootID(env.path("/proc/sys/kernel/random/boot_id")); err != nil {
		return "", time.Time{}, err
	}
	if env.State != nil {
		var saved bootState
		if err := env.State.load(bootFile, &saved); err == nil && saved.BootID == bootID {
			return bootID, saved.Time, nil
		}
	}
	mono, err := monotonic()
	if err != nil {
		return "", time.Time{}, err
	}
	boot = time.Now().Add(-mono).Round(time.Microsecond)
	if env.State == nil {
		return bootID, boot, nil // nowhere to keep it: a source outside a daemon
	}
	if err := env.State.save(bootFile, bootState{BootID: bootID, Time: boot}); err != nil {
		env.Log.Warn("cannot keep the boot time: records read again after a restart may get other ids", "err", err)
	}
	return bootID, boot, nil
}

// monotonic reads CLOCK_MONOTONIC, the clock of the kernel's log and of
// udev's USEC_INITIALIZED: the time since boot.
func monotonic() (time.Duration, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0, fmt.Errorf("read monotonic clock: %w", err)
	}
	return time.Duration(ts.Nano()), nil
}
