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
	bootID, err := readBootID(s.env.path("/proc/sys/kernel/random/boot_id"))
	if err != nil {
		return err
	}
	boot, err := s.bootTime(bootID)
	if err != nil {
		return err
	}
	p := s.env.path("/dev/kmsg")
	// O_NONBLOCK puts the file in the runtime poller, so that a read
	// deadline can stop a blocked read when ctx ends.
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("open kmsg: %w", err)
	}
	defer f.Close()

	var next uint64 // the sequence number expected next, when known
	known := false
	if savedBoot, seq, ok := parseKmsgPos(pos); ok && savedBoot == bootID {
		next, known = seq+1, true
	} else if _, err := unix.Seek(int(f.Fd()), 0, unix.SEEK_DATA); err != nil {
		return fmt.Errorf("seek %q to the oldest record: %w", p, err)
	}
	opened()
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Now()) })
	defer stop()

	buf := make([]byte, kmsgBufSize)
	for {
		n, err := f.Read(buf)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, syscall.EPIPE):
			// Records were overwritten before we read them; the next
			// read returns the oldest left, and the gap says how many.
			continue
		case err == io.EOF:
			return fmt.Errorf("read %q: unexpected end of file", p)
		case err != nil:
			return fmt.Errorf("read %q: %w", p, err)
		}
		rec, err := logfmt.DecodeKmsg(buf[:n])
		if err != nil {
			s.env.Log.Warn("undecodable kmsg record", "record", string(buf[:n]), "err", err)
			continue
		}
		if known && rec.Seq < next {
			continue // handled before the restart
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
			continue // written by userspace, never a kernel line
		}
		if rec.Hostname == "" {
			rec.Hostname = s.env.Hostname
		}
		if err := fn(Item{Record: rec, Pos: kmsgPos(bootID, rec.Seq)}); err != nil {
			return err
		}
	}
}

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
// time, and so the same event id.
func (s *KmsgSource) bootTime(bootID string) (time.Time, error) {
	var saved bootState
	if err := s.env.State.load(bootFile, &saved); err == nil && saved.BootID == bootID {
		return saved.Time, nil
	}
	var mono unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &mono); err != nil {
		return time.Time{}, fmt.Errorf("read monotonic clock: %w", err)
	}
	boot := time.Now().Add(-time.Duration(mono.Nano())).Round(time.Microsecond)
	if err := s.env.State.save(bootFile, bootState{BootID: bootID, Time: boot}); err != nil {
		return time.Time{}, err
	}
	return boot, nil
}
