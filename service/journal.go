package service

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/service/journal"
	"github.com/peripety/peripety/service/sdjournal"
)

// JournalSource reads the kernel's entries, and those of the storage
// daemons parsers.Daemons lists (multipathd, iscsid, dmeventd, mdadm,
// smartd, udisksd, nvme-cli), from the local journal (SourceEnv.Journal
// moves it), through sd-journal (so a build without cgo has none: Run
// returns sdjournal.ErrNoJournald). It asks the journal for those entries
// only (matches on the kernel transport, the daemons' identifiers and
// process names), never the whole journal. Its position is the journal
// cursor of the last entry: a restarted daemon resumes after it, a first
// start reads the current boot from its start.
type JournalSource struct {
	env SourceEnv
}

func newJournalSource(env SourceEnv) (Source, error) {
	return &JournalSource{env: env}, nil
}

// Name implements Source.
func (s *JournalSource) Name() string { return "journal" }

// Key implements Source.
func (s *JournalSource) Key() string { return "journal" }

// FollowsDaemons implements DaemonFollower: the daemons' entries come
// beside the kernel's.
func (s *JournalSource) FollowsDaemons() bool { return true }

// Run implements Source. The journal is open once readLog reads, and
// an error opening it ends Run, so opened is called before.
func (s *JournalSource) Run(ctx context.Context, pos string, opened func(), fn func(Item) error) error {
	opened()
	return readLog(ctx, s.env.Journal, pos, func(rec parsers.Record, cursor string) error {
		if rec.Hostname == "" {
			rec.Hostname = s.env.Hostname
		}
		return fn(Item{Record: rec, Pos: cursor})
	})
}

// readLog follows the kernel's own entries and the storage daemons' in the
// journal src names and calls fn with each as a parsers.Record and the
// entry's cursor, until ctx ends (then it returns ctx.Err()) or fn fails
// (then it returns that error). It starts after the entry cursor names
// when cursor is not "" (an entry rotated away since: at the next one
// still stored), else at the start of the current boot, so lines logged
// before the daemon started are read too. A caller that saves the cursor
// of each record it has handled and passes the last one back resumes with
// nothing lost and nothing twice. A cursor sd-journal cannot parse gives
// an error wrapping sdjournal.ErrBadCursor. It sees a new kernel entry
// within milliseconds when it can read /dev/kmsg (kernelWait), a daemon's
// within sdjournal.WaitStep, else as late as journald tells (up to about
// 250ms).
func readLog(ctx context.Context, src sdjournal.Source, cursor string, fn func(rec parsers.Record, cursor string) error) error {
	j, err := sdjournal.Open(src)
	if err != nil {
		return err
	}
	defer j.Close()
	if err := seekLog(j, cursor); err != nil {
		return err
	}
	// Without /dev/kmsg (no root, no such device) the follower waits on
	// the journal alone. It is the host's /dev/kmsg, not one under
	// --root: the journal read is the host's too.
	w := &kernelWait{j: j}
	if h, err := openKmsgHint("/dev/kmsg"); err == nil {
		w.hint = h
		hintCtx, stopHint := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); h.run(hintCtx) }()
		defer func() { stopHint(); <-done }()
	}
	skip := cursor != ""
	fields := make(map[string][]byte, len(entryFields)+2)
	for {
		ok, err := j.Next()
		if err != nil {
			return err
		}
		if !ok {
			if err := w.wait(ctx); err != nil {
				return err
			}
			continue
		}
		if skip {
			// The first entry after seeking is the cursor's own, unless
			// it has been rotated away.
			skip = false
			if j.TestCursor(cursor) {
				continue
			}
		}
		rec, cur, err := logEntry(j, fields)
		if err != nil {
			return err
		}
		if err := fn(rec, cur); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// seekLog watches j, keeps it to the kernel's and the daemons' entries
// (logMatches), and places it before the entry after cursor, or before the
// first of the current boot.
func seekLog(j sdjournal.Journal, cursor string) error {
	if err := j.Wait(0); err != nil {
		return err
	}
	groups := logMatches()
	if cursor == "" {
		boot, err := j.BootID()
		if err != nil {
			return err
		}
		for i := range groups {
			groups[i] = append(groups[i], fieldBootID+"="+boot)
		}
	}
	for i, g := range groups {
		if i > 0 {
			if err := j.AddDisjunction(); err != nil {
				return err
			}
		}
		for _, m := range g {
			if err := j.AddMatch(m); err != nil {
				return err
			}
		}
	}
	if cursor != "" {
		return j.SeekCursor(cursor)
	}
	return j.SeekHead()
}

// logMatches are the groups of journal matches the source reads: the
// journal ANDs the matches of different fields and ORs the values of one
// field within a group, and ORs the groups (sd_journal_add_disjunction(3)).
// The kernel's entries first, then the daemons' (parsers.JournalMatches).
func logMatches() [][]string {
	return append([][]string{slices.Clone(kernelMatches)}, parsers.JournalMatches()...)
}

// logEntry reads j's current entry, the kernel's or a daemon's, into
// fields (emptied first, reused from entry to entry). It reads the fields
// a Record holds and no more, in one pass over the entry (entryFields):
// whose entry it is, its text, level, host and facility; a kernel entry's
// own timestamp and device; a daemon's process and unit, which say whose
// it is when its identifier does not. (A kernel entry's facility is 0,
// kernelMatches.)
func logEntry(j sdjournal.Journal, fields map[string][]byte) (parsers.Record, string, error) {
	clear(fields)
	if err := j.Fields(fields, entryFields); err != nil {
		return parsers.Record{}, "", err
	}
	var mono uint64
	if string(fields[fieldIdentifier]) == "kernel" {
		m, err := j.Monotonic()
		if err != nil {
			return parsers.Record{}, "", err
		}
		mono = m
	} else {
		// Only the kernel's entries have a kernel timestamp and device.
		delete(fields, fieldSourceMonotonic)
		delete(fields, fieldKernelSubsystem)
		delete(fields, fieldKernelDevice)
	}
	rt, err := j.Realtime()
	if err != nil {
		return parsers.Record{}, "", err
	}
	cur, err := j.Cursor()
	if err != nil {
		return parsers.Record{}, "", err
	}
	rec, err := entryRecord(fields, rt, mono)
	if err != nil {
		return rec, "", fmt.Errorf("entry %s: %w", cur, err)
	}
	return rec, cur, nil
}

// The journal fields of an entry (systemd.journal-fields(7)) that make a
// parsers.Record.
const (
	fieldTransport       = "_TRANSPORT"
	fieldFacility        = "SYSLOG_FACILITY"
	fieldHostname        = "_HOSTNAME"
	fieldSourceMonotonic = "_SOURCE_MONOTONIC_TIMESTAMP"
	fieldKernelSubsystem = "_KERNEL_SUBSYSTEM"
	fieldKernelDevice    = "_KERNEL_DEVICE"
	fieldBootID          = "_BOOT_ID"
	fieldIdentifier      = "SYSLOG_IDENTIFIER"
	fieldComm            = "_COMM"
	fieldUnit            = "_SYSTEMD_UNIT"
)

// kernelMatches select the kernel's own lines: journald reads them from
// /dev/kmsg with _TRANSPORT=kernel, but lines a process writes to
// /dev/kmsg (journald itself logs there when it runs without systemd)
// arrive the same way with facility 1 (user) or more; only the kernel
// logs with facility 0. Kernel entries never carry IS_PERIPETY, and no
// daemon's match takes peripetyd's own entries.
var kernelMatches = []string{fieldTransport + "=kernel", fieldFacility + "=0"}

// entryFields are read from each entry.
var entryFields = []string{fieldIdentifier, journal.FieldMessage, journal.FieldPriority, fieldHostname, fieldFacility,
	fieldSourceMonotonic, fieldKernelSubsystem, fieldKernelDevice, fieldComm, fieldUnit}

// entryRecord makes a Record of an entry's fields (values without the
// FIELD= prefix), its __REALTIME_TIMESTAMP and, for a kernel entry, its
// __MONOTONIC_TIMESTAMP in µs (0 for a daemon's): a storage daemon's when
// parsers.DaemonOf names one from SYSLOG_IDENTIFIER, _COMM and
// _SYSTEMD_UNIT, else the kernel's. A field that does not parse is an
// error; a missing one leaves its part of Record zero.
//
// A kernel entry's timestamps say when journald read the line from
// /dev/kmsg, which on a loaded machine is hundreds of milliseconds after
// the kernel printed it, and not the same delay for lines printed
// together: the lab's scsi-medium read a sense report and the block
// layer's line printed 1 ms after it 280 ms apart, and the parser, whose
// windows run on record time, told them apart. Record.Time of a kernel
// entry is when the kernel printed the line: the entry's wall-clock time
// less how long after the kernel's own timestamp
// (_SOURCE_MONOTONIC_TIMESTAMP, same clock) journald read it. A daemon's
// entry is at its wall-clock time.
func entryRecord(fields map[string][]byte, realtime, monotonic uint64) (parsers.Record, error) {
	rec := parsers.Record{
		Message:   string(fields[journal.FieldMessage]),
		Hostname:  string(fields[fieldHostname]),
		Subsystem: string(fields[fieldKernelSubsystem]),
		Device:    string(fields[fieldKernelDevice]),
	}
	if id := string(fields[fieldIdentifier]); id != "kernel" {
		rec.Daemon = parsers.DaemonOf(id, string(fields[fieldComm]), string(fields[fieldUnit]))
	}
	if realtime > 0 {
		rec.Time = time.UnixMicro(int64(realtime))
	}
	num := func(field string, max uint64) (uint64, error) {
		v, ok := fields[field]
		if !ok {
			return 0, nil
		}
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil || n > max {
			return 0, fmt.Errorf("journal entry: bad %s %q", field, v)
		}
		return n, nil
	}
	level, err := num(journal.FieldPriority, 7)
	if err != nil {
		return rec, err
	}
	facility, err := num(fieldFacility, 23)
	if err != nil {
		return rec, err
	}
	mono, err := num(fieldSourceMonotonic, 1<<62/1000)
	if err != nil {
		return rec, err
	}
	rec.Level, rec.Facility = int(level), int(facility)
	rec.Monotonic = time.Duration(mono) * time.Microsecond
	if realtime > 0 && mono > 0 && mono <= monotonic && monotonic-mono <= realtime {
		rec.Time = time.UnixMicro(int64(realtime - (monotonic - mono)))
	}
	return rec, nil
}

// Kernel entries reach the journal through journald reading /dev/kmsg, and
// journald tells readers of new entries late: it coalesces the inotify
// notifications of its writes (250ms in systemd 252), so sd_journal_wait
// returns up to that long after an entry is in the file. The entries are
// in the file (shared memory) long before; a reader that looks finds them.
//
// So the kernel follower watches /dev/kmsg itself: a record there is an
// entry journald is about to store, and the follower looks at the journal
// every hotPoll until hotSpan after the latest record. With nothing printed
// it looks every sdjournal.WaitStep, as sd_journal_wait would have woken it.
const (
	hotPoll = 2 * time.Millisecond
	hotSpan = 250 * time.Millisecond
)

// kernelWait waits for kernel entries in j: hinted by /dev/kmsg when hint
// is set, else on the journal.
type kernelWait struct {
	j        sdjournal.Journal
	hint     *kmsgHint
	hotUntil time.Time
}

// wait returns when the journal may hold a new kernel entry: at once when
// ctx ended (with ctx.Err()), hotPoll after the last wait while journald
// may still be storing records the kernel printed, else when the kernel
// prints or after sdjournal.WaitStep.
func (w *kernelWait) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if w.hint == nil {
		if err := w.j.Wait(sdjournal.WaitStep); err != nil {
			return err
		}
		return ctx.Err()
	}
	d := sdjournal.WaitStep
	if time.Now().Before(w.hotUntil) {
		d = hotPoll
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-w.hint.C:
		w.hotUntil = time.Now().Add(hotSpan)
	case <-t.C:
	}
	// Take in what changed in the journal's files (a rotation, a new
	// file), without waiting.
	if err := w.j.Wait(0); err != nil {
		return err
	}
	return ctx.Err()
}

// kmsgHint reports each record the kernel adds to /dev/kmsg from when it is
// opened. Its records are not read as data: the journal is the source.
type kmsgHint struct {
	k *kmsgFile
	// C receives a value when records came since the last receive.
	C chan struct{}
}

// openKmsgHint opens path (/dev/kmsg) past its newest record.
func openKmsgHint(path string) (*kmsgHint, error) {
	k, err := openKmsg(path)
	if err != nil {
		return nil, err
	}
	if err := k.seek(unix.SEEK_END); err != nil {
		k.Close()
		return nil, err
	}
	return &kmsgHint{k: k, C: make(chan struct{}, 1)}, nil
}

// run signals C for each record until ctx ends or a read fails, then closes
// the file. A failed read leaves the follower with its slow wait; it is not
// an error of the follower's.
func (h *kmsgHint) run(ctx context.Context) {
	defer h.k.Close()
	h.k.read(ctx, func([]byte) error {
		select {
		case h.C <- struct{}{}:
		default:
		}
		return nil
	})
}

// JournalNamespace returns where the journald of the journal namespace ns
// (systemd-journald@.service(8), LogNamespace= in a unit) listens and
// keeps its files: its socket /run/systemd/journal.<ns>/socket, and its
// directory <machine-id>.<ns> under /var/log/journal when that exists
// (persistent storage), else under /run/log/journal. The directory is
// made when missing, so that the events can be read back before journald
// wrote its first file.
func JournalNamespace(ns string) (socket string, read sdjournal.Source, err error) {
	if ns == "" || strings.ContainsAny(ns, "/.") {
		return "", sdjournal.Source{}, fmt.Errorf("journal namespace %q: want a name without '/' or '.'", ns)
	}
	mid, err := os.ReadFile("/etc/machine-id")
	if err != nil {
		return "", sdjournal.Source{}, fmt.Errorf("journal namespace %s: read machine id: %w", ns, err)
	}
	base := "/run/log/journal"
	if st, err := os.Stat("/var/log/journal"); err == nil && st.IsDir() {
		base = "/var/log/journal"
	}
	dir := filepath.Join(base, strings.TrimSpace(string(mid))+"."+ns)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", sdjournal.Source{}, fmt.Errorf("journal namespace %s: %w", ns, err)
	}
	return "/run/systemd/journal." + ns + "/socket", sdjournal.Source{Directory: dir}, nil
}
