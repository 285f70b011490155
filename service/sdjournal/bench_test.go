//go:build cgo

package sdjournal

import (
	"context"
	"fmt"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/service/journal"
)

const (
	benchEvents  = 100_000
	benchDevices = 200
)

// benchStore is one private journald holding benchEvents events, filled
// once for every benchmark of the run and stopped by TestMain.
var benchStore struct {
	once sync.Once
	p    *testenv.PrivateJournal
	t0   time.Time // the timestamp of the first event
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchStore.p != nil {
		if err := benchStore.p.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "stop benchmark journald:", err)
		}
	}
	os.Exit(code)
}

// benchEvent is event i of the store: benchDevices loop devices, each
// under a backing disk (its owner), types and severities mixed.
func benchEvent(i int, t0 time.Time) event.Event {
	d := i % benchDevices
	types := []string{"BLK_IO_ERROR", "FS_IO_ERROR", "FS_MOUNTED", "SCSI_MEDIUM_ERROR"}
	return event.Event{
		EventID: fmt.Sprintf("bench-%06d", i), EventType: types[(i/benchDevices)%len(types)], Severity: event.Severity(3 + (i/benchDevices)%4),
		SubSystem: event.SubBlock, Timestamp: t0.Add(time.Duration(i) * time.Millisecond), Hostname: "bench",
		Kdev: fmt.Sprintf("loop%d", d), DevWWID: fmt.Sprintf("fs-uuid-%04d", d), DevPath: fmt.Sprintf("/dev/loop%d", d),
		OwnersWWIDs: []string{fmt.Sprintf("naa.5000c500%08d", d)}, OwnersPaths: []string{fmt.Sprintf("/dev/disk/by-id/wwn-0x5000c500%08d", d)},
		Msg:       fmt.Sprintf("I/O error, dev loop%d, sector %d op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 2", d, i*8),
		RawMsg:    fmt.Sprintf("I/O error, dev loop%d, sector %d op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 2", d, i*8),
		Extension: map[string]string{"sector": fmt.Sprint(i * 8), "op": "WRITE"}, Count: 1, Seq: uint64(i),
	}
}

// benchSource fills the benchmark journald on first use.
func benchSource(b *testing.B) Source {
	b.Helper()
	testenv.Journald(b)
	benchStore.once.Do(func() {
		p, err := testenv.NewPrivateJournal("bench")
		if err != nil {
			benchStore.err = err
			return
		}
		benchStore.p = p
		w := journal.NewWriter(p.Socket)
		defer w.Close()
		benchStore.t0 = time.Now().Add(-benchEvents * time.Millisecond)
		for i := range benchEvents {
			if err := w.Write(benchEvent(i, benchStore.t0)); err != nil {
				benchStore.err = err
				return
			}
		}
		benchStore.err = p.Sync()
	})
	if benchStore.err != nil {
		b.Fatal(benchStore.err)
	}
	return Source{Directory: benchStore.p.Dir}
}

// BenchmarkQuery queries 100,000 stored events (the D-Bus issue's target:
// < 200 ms filtered by device).
func BenchmarkQuery(b *testing.B) {
	st := NewStore(benchSource(b))
	defer st.Close()
	d := 42
	errSev := event.Error
	for _, bc := range []struct {
		name string
		f    event.Filter
		want int
	}{
		// Every identifier a resolver gives for loop42.
		{"device", event.Filter{Blk: []string{"loop42", "7:42", "/dev/loop42", fmt.Sprintf("fs-uuid-%04d", d)}}, benchEvents / benchDevices},
		{"owner", event.Filter{Blk: []string{fmt.Sprintf("naa.5000c500%08d", d)}}, benchEvents / benchDevices},
		{"device and type", event.Filter{Blk: []string{"loop42"}, EventTypes: []string{"FS_MOUNTED"}}, benchEvents / benchDevices / 4},
		{"latest 1000", event.Filter{}, event.DefaultLimit},
		{"severity", event.Filter{Severity: &errSev}, event.DefaultLimit},
		// Until in the middle of the store: the later half is looked
		// at (on its EVENT_TIMESTAMP_USEC) but not decoded.
		{"until", event.Filter{Until: benchStore.t0.Add(benchEvents / 2 * time.Millisecond)}, event.DefaultLimit},
	} {
		b.Run(bc.name, func(b *testing.B) {
			// CPU time as well as wall time: the machine running the
			// benchmark is shared, and wall time says as much about the
			// neighbours.
			var before, after syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &before)
			for b.Loop() {
				evs, err := st.Query(context.Background(), bc.f)
				if err != nil {
					b.Fatal(err)
				}
				if len(evs) != bc.want {
					b.Fatalf("%d events, want %d", len(evs), bc.want)
				}
			}
			syscall.Getrusage(syscall.RUSAGE_SELF, &after)
			cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
