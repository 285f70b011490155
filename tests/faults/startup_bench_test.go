package faults_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
	pjournal "github.com/peripety/peripety/service/journal"
)

// storedEvents is how many events BenchmarkStartup fills the store with.
const storedEvents = 1_000_000

// BenchmarkStartup starts peripetyd over a store of a million events and
// reports the time from the start to the first new event out and the
// daemon's peak RSS (VmHWM: the journal's pages it read count), for targets
// of 2 s and 64 MiB:
//
//	go test ./tests/faults -run '^$' -bench Startup -benchtime 1x
//
// restart is a daemon restarted after a long life: its position saved
// after the events were stored. no-position is one started with no
// position and a first record older than every stored event: the read-back
// meets as many events as it reads (maxReadBack).
func BenchmarkStartup(b *testing.B) {
	needRoot(b)
	j, err := testenv.NewPrivateJournal("bench-startup", "RateLimitIntervalSec=0", "SystemMaxUse=4G")
	if err != nil {
		b.Skipf("private journald: %v", err)
	}
	b.Cleanup(func() { j.Close() })
	old := time.Now()
	fill(b, j)
	conf := "[main]\nnotify_stdout = true\nsave_to_journald = true\ndump_blk_info_at_start = false\n"

	b.Run("restart", func(b *testing.B) {
		e := newEnv(b, j)
		if err := os.WriteFile(e.conf, []byte(conf), 0o644); err != nil {
			b.Fatal(err)
		}
		w := e.writer(time.Millisecond, spread)
		time.Sleep(6 * time.Second) // the position is saved after the store filled
		w.write(1)
		first := e.start()
		if !first.waitLog("ready", 30*time.Second) {
			b.Fatal("the first run did not start")
		}
		time.Sleep(time.Second)
		first.stop()
		measure(b, e, w)
	})
	b.Run("no-position", func(b *testing.B) {
		e := newEnv(b, j)
		if err := os.WriteFile(e.conf, []byte(conf), 0o644); err != nil {
			b.Fatal(err)
		}
		w := e.writer(time.Millisecond, spread)
		w.at = old.Add(-time.Minute)
		measure(b, e, w)
	})
}

// measure starts the daemon with a new line in the log, b.N times, and
// reports the last start.
func measure(b *testing.B, e *env, w *writer) {
	var took time.Duration
	var peak int
	for b.Loop() {
		w.write(1)
		took, peak = startToFirstEvent(b, e)
	}
	b.ReportMetric(took.Seconds(), "s-to-first-event")
	b.ReportMetric(float64(peak)/1024, "MiB-peak-RSS")
}

// fill stores storedEvents events in j, as fast as journald takes them.
func fill(b *testing.B, j *testenv.PrivateJournal) {
	b.Helper()
	w := pjournal.NewWriter(j.Socket)
	defer w.Close()
	began := time.Now()
	ev := event.Event{EventType: "BLK_IO_ERROR", Severity: event.Error, SubSystem: event.SubBlock, Hostname: "benchhost",
		Msg: "I/O error, dev sdz, sector 8 op 0x0:(READ)", Count: 1}
	for i := range storedEvents {
		ev.EventID = uuid.NewString()
		ev.Kdev = "sdz" + strconv.Itoa(i%100)
		ev.Timestamp = began.Add(time.Duration(i) * time.Microsecond)
		ev.Seq = uint64(i + 1)
		for try := 0; ; try++ {
			err := w.Write(ev)
			if err == nil {
				break
			}
			if try == 100 {
				b.Fatalf("store event %d: %v", i, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if err := j.Sync(); err != nil {
		b.Fatal(err)
	}
	b.Logf("stored %d events in %v", storedEvents, time.Since(began).Round(time.Second))
}

// startToFirstEvent runs the daemon until its first event of the log comes
// out on stdout; it returns how long that took and the peak RSS (KiB).
func startToFirstEvent(b *testing.B, e *env) (time.Duration, int) {
	b.Helper()
	cmd := exec.Command(binary(b, "peripetyd"), "--config", e.conf, "--source", "file:"+e.log, "--bus", "none",
		"--state-dir", e.state, "--journal-namespace", e.journal.Namespace)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(e.dir, "bench.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer logf.Close()
	cmd.Stderr = logf
	began := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev event.Event
		if err := ev.UnmarshalJSON(sc.Bytes()); err != nil || ev.EventType != "BUFFER_IO_ERROR" {
			continue
		}
		took := time.Since(began)
		time.Sleep(500 * time.Millisecond)
		_, peak := rssKB(cmd.Process.Pid)
		return took, peak
	}
	b.Fatalf("no event on stdout: %v", fmt.Sprint(sc.Err()))
	return 0, 0
}
