//go:build cgo

package service

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/service/sdjournal"
)

// benchJournal is the journal of BenchmarkJournalDaemons: benchEntries
// entries of the current boot, 1 ms apart, of which benchStorage are
// storage lines (half the kernel's, half the daemons') and as many again
// the kernel's other lines; the rest are other services' lines the journal
// source never asks for.
const (
	benchEntries = 1_000_000
	benchStorage = benchEntries / 100
)

// benchJournalCache is the journal built for the benchmark's invocations
// in this process ("" before the first).
var benchJournalCache string

// writeBenchJournal writes the entries of benchJournal in the Journal
// Export Format.
func writeBenchJournal(w io.Writer, boot string) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	start := time.Now().Add(-2 * time.Hour)
	others := []struct{ ident, msg string }{
		{"systemd", "Started session-%d.scope - Session %d of User root."},
		{"sshd", "Accepted publickey for root from 192.0.2.%d port %d ssh2: ED25519 SHA256:x"},
		{"CRON", "pam_unix(cron:session): session opened for user root(uid=%d) by (uid=%d)"},
		{"NetworkManager", "<info>  [1733500000.%04d] dhcp4 (eth0): state changed new lease, address=192.0.2.%d"},
		{"dbus-daemon", "[system] Activating via systemd: service name='org.freedesktop.hostname1' requested by ':1.%d' (uid=0 pid=%d comm=\"hostnamectl\")"},
	}
	daemons := []func(i int) (ident, comm, msg string){
		func(i int) (string, string, string) {
			return "multipathd", "multipathd", fmt.Sprintf("checker failed path 8:%d in map mpath%c", 16*(i%16), 'a'+rune(i%16))
		},
		func(i int) (string, string, string) {
			return "multipathd", "multipathd", fmt.Sprintf("mpath%c: remaining active paths: %d", 'a'+rune(i%16), 1+i%3)
		},
		func(i int) (string, string, string) {
			return "smartd", "smartd", fmt.Sprintf("Device: /dev/sd%c [SAT], %d Currently unreadable (pending) sectors", 'a'+rune(i%26), 1+i%50)
		},
		func(i int) (string, string, string) {
			return "dmeventd", "dmeventd", fmt.Sprintf("WARNING: Thin pool vg%d-pool-tpool data is now %d.00%% full.", i%20, 80+i%20)
		},
		func(i int) (string, string, string) {
			return "iscsid", "iscsid", fmt.Sprintf("Kernel reported iSCSI connection %d:0 error (1020 - ISCSI_ERR_TCP_CONN_CLOSE: TCP connection closed) state (3)", 1+i%8)
		},
	}
	storage, kernelOther := 0, 0
	for i := range benchEntries {
		t := start.Add(time.Duration(i) * time.Millisecond)
		fields := []string{fmt.Sprintf("__REALTIME_TIMESTAMP=%d", t.UnixMicro()), fmt.Sprintf("__MONOTONIC_TIMESTAMP=%d", 1_000_000+i*1000),
			"_BOOT_ID=" + boot, "_HOSTNAME=bench", "_MACHINE_ID=3d1219c7c4c5404aaa1f6d2a48adfda4"}
		switch {
		case i%100 == 50 && storage < benchStorage && storage%2 == 0:
			fields = append(fields, "_TRANSPORT=kernel", "SYSLOG_IDENTIFIER=kernel", "SYSLOG_FACILITY=0", "PRIORITY=3",
				fmt.Sprintf("_SOURCE_MONOTONIC_TIMESTAMP=%d", 1_000_000+i*1000),
				fmt.Sprintf("MESSAGE=I/O error, dev sd%c, sector %d op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2", 'a'+rune(storage/2%26), 2048+8*i))
			storage++
		case i%100 == 50 && storage < benchStorage:
			ident, comm, msg := daemons[storage/2%len(daemons)](storage / 2 / len(daemons))
			fields = append(fields, "_TRANSPORT=stdout", "SYSLOG_IDENTIFIER="+ident, "_COMM="+comm, "SYSLOG_FACILITY=3", "PRIORITY=6",
				"_SYSTEMD_UNIT="+ident+".service", "MESSAGE="+msg)
			storage++
		case i%100 == 75 && kernelOther < benchStorage:
			fields = append(fields, "_TRANSPORT=kernel", "SYSLOG_IDENTIFIER=kernel", "SYSLOG_FACILITY=0", "PRIORITY=4",
				fmt.Sprintf("_SOURCE_MONOTONIC_TIMESTAMP=%d", 1_000_000+i*1000),
				fmt.Sprintf("MESSAGE=[UFW BLOCK] IN=eth0 OUT= MAC=00:16:3e:00:00:01 SRC=192.0.2.%d DST=192.0.2.20 LEN=60 PROTO=TCP SPT=%d DPT=22", i%250, i%60000))
			kernelOther++
		default:
			o := others[i%len(others)]
			fields = append(fields, "_TRANSPORT=syslog", "SYSLOG_IDENTIFIER="+o.ident, "_COMM="+strings.ToLower(o.ident), "SYSLOG_FACILITY=3",
				"PRIORITY=6", "MESSAGE="+fmt.Sprintf(o.msg, i%1000, i%65536))
		}
		if err := testenv.ExportEntry(bw, fields...); err != nil {
			return err
		}
	}
	if storage != benchStorage {
		return fmt.Errorf("wrote %d storage lines, want %d", storage, benchStorage)
	}
	return bw.Flush()
}

// benchJournalDir returns the benchmark's journal, built with
// systemd-journal-remote unless an earlier invocation of the benchmark in
// this process built it, and removes it once the last invocation ends: the
// testing package calls a benchmark with b.N 1 and then, under
// -benchtime=Nx, once more with N; under a time it calls it until the time
// is spent, so each builds its own.
func benchJournalDir(b *testing.B) string {
	b.Helper()
	if _, err := os.Stat(testenv.JournalRemote); err != nil {
		b.Skipf("no %s (apt install systemd-journal-remote): %v", testenv.JournalRemote, err)
	}
	last := true
	if f := flag.Lookup("test.benchtime"); f != nil {
		if n, ok := strings.CutSuffix(f.Value.String(), "x"); ok {
			last = n == strconv.Itoa(b.N)
		}
	}
	dir := benchJournalCache
	if dir == "" {
		var err error
		if dir, err = buildBenchJournal(testenv.BootID(b)); err != nil {
			b.Fatal(err)
		}
		benchJournalCache = dir
	}
	if last {
		b.Cleanup(func() { os.RemoveAll(dir); benchJournalCache = "" })
	}
	return dir
}

// buildBenchJournal writes the benchmark's journal of boot into a new
// directory and returns it.
func buildBenchJournal(boot string) (string, error) {
	dir, err := os.MkdirTemp("", "peripety-bench-journal-")
	if err != nil {
		return "", err
	}
	cmd := exec.Command(testenv.JournalRemote, "--output="+filepath.Join(dir, "remote.journal"), "-")
	in, err := cmd.StdinPipe()
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	werr := writeBenchJournal(in, boot)
	in.Close()
	if err := cmd.Wait(); err != nil || werr != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("%s: %v, %v: %s", testenv.JournalRemote, err, werr, out.String())
	}
	return dir, nil
}

// BenchmarkJournalDaemons runs the whole daemon (journal source, parsers,
// pipeline, a memory store; a fixed resolver) over a journal of 1M entries
// of which 1% are storage lines of the kernel and the storage daemons,
// from its first start to the last storage line's event, and journalctl
// over the same journal with the same matches (-o cat, the least it can
// print). It reports both times and their ratio, in wall-clock time and in
// CPU time (the daemon's: this process's while it ran); and the journal
// source alone (readLog, without the pipeline and sinks) against
// journalctl (source-wall-ratio, source-cpu-ratio):
//
//	go test ./service -run '^$' -bench JournalDaemons -benchtime 3x
//
// The journal is built once per run (systemd-journal-remote, about a
// minute) in a temporary directory named peripety-bench-journal-*,
// removed after (see benchJournalDir).
func BenchmarkJournalDaemons(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("the journal source watches /dev/kmsg as root; run as root")
	}
	dir := benchJournalDir(b)
	boot := testenv.BootID(b)
	var args []string
	for i, g := range logMatches() {
		if i > 0 {
			args = append(args, "+")
		}
		args = append(args, g...)
		args = append(args, fieldBootID+"="+boot)
	}
	jcArgs := append([]string{"--no-pager", "-q", "-D", dir, "-o", "cat"}, args...)
	b.Logf("journalctl %s > /dev/null", strings.Join(jcArgs, " "))
	var daemonTime, jcTime, daemonCPU, jcCPU, srcTime, srcCPU time.Duration
	b.ResetTimer()
	for i := range b.N {
		// The garbage of building the journal, or of the round before, is
		// not the daemon's to collect.
		b.StopTimer()
		runtime.GC()
		b.StartTimer()
		cpu := processCPU(b)
		start := time.Now()
		runDaemonOverJournal(b, dir, i)
		daemonTime += time.Since(start)
		daemonCPU += processCPU(b) - cpu

		b.StopTimer()
		cmd := exec.Command("journalctl", jcArgs...)
		lines := &lineCounter{}
		cmd.Stdout = lines
		start = time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("journalctl: %v", err)
		}
		jcTime += time.Since(start)
		jcCPU += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		if lines.n != 2*benchStorage {
			b.Fatalf("journalctl printed %d lines, want %d", lines.n, 2*benchStorage)
		}

		runtime.GC()
		cpu = processCPU(b)
		start = time.Now()
		readSource(b, dir)
		srcTime += time.Since(start)
		srcCPU += processCPU(b) - cpu
		b.StartTimer()
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(daemonTime.Seconds()/n, "daemon-s/op")
	b.ReportMetric(jcTime.Seconds()/n, "journalctl-s/op")
	b.ReportMetric(daemonTime.Seconds()/jcTime.Seconds(), "wall-ratio")
	b.ReportMetric(daemonCPU.Seconds()/n, "daemon-cpu-s/op")
	b.ReportMetric(jcCPU.Seconds()/n, "journalctl-cpu-s/op")
	b.ReportMetric(daemonCPU.Seconds()/jcCPU.Seconds(), "cpu-ratio")
	b.ReportMetric(srcTime.Seconds()/jcTime.Seconds(), "source-wall-ratio")
	b.ReportMetric(srcCPU.Seconds()/jcCPU.Seconds(), "source-cpu-ratio")
}

// readSource reads the journal in dir as the journal source does
// (readLog: the same matches, each entry made a parsers.Record) until it
// has every entry journalctl printed: what the source costs without the
// pipeline and the sinks behind it.
func readSource(b *testing.B, dir string) {
	n := 0
	err := readLog(context.Background(), sdjournal.Source{Directory: dir}, "", func(parsers.Record, string) error {
		if n++; n == 2*benchStorage {
			return errEnough
		}
		return nil
	})
	if !errors.Is(err, errEnough) {
		b.Fatalf("the source read %d entries: %v", n, err)
	}
}

// processCPU is the CPU time (user and system) this process used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// countStore keeps the events stored, as journald would (the journald
// sink reads each back before it takes it off its spool), and counts
// their lines.
type countStore struct {
	memStore
	lines atomic.Int64
}

func (s *countStore) Write(ev event.Event) error {
	if err := s.memStore.Write(ev); err != nil {
		return err
	}
	if ev.EventType != EventStarted {
		s.lines.Add(int64(ev.Count))
	}
	return nil
}

// storedIDs gives the ids stored, the latest first, as journald's reader
// does: a walk back that stops when fn has seen enough, not a copy of the
// whole store per call (memStore.query), which would be the benchmark's
// cost, not the daemon's.
func (s *countStore) storedIDs(_ context.Context, _ time.Time, fn func(id string) bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.evs) - 1; i >= 0; i-- {
		if !fn(s.evs[i].EventID) {
			return nil
		}
	}
	return nil
}

// runDaemonOverJournal runs the daemon over the journal in dir until it
// stored an event for every storage line.
func runDaemonOverJournal(b *testing.B, dir string, round int) {
	// Room for every event from the start: the store's growth is
	// journald's work, not the daemon's.
	store := &countStore{memStore: memStore{evs: make([]event.Event, 0, benchStorage+1)}}
	stop := startStoreDaemon(b, Options{
		Source:        SourceSpec{Kind: "journal"},
		StateDir:      filepath.Join(b.TempDir(), fmt.Sprint("state", round)),
		Store:         store,
		StoredEvents:  store.query,
		StoredIDs:     store.storedIDs,
		SourceJournal: sdjournal.Source{Directory: dir},
	})
	deadline := time.Now().Add(5 * time.Minute)
	for {
		n := store.lines.Load()
		if n >= benchStorage {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d storage lines stored after 5 minutes", n, benchStorage)
		}
		time.Sleep(2 * time.Millisecond)
	}
	stop()
}

// lineCounter counts the lines written to it.
type lineCounter struct{ n int }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n += strings.Count(string(p), "\n")
	return len(p), nil
}
