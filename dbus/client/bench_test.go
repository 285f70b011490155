package client

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	godbus "github.com/godbus/dbus/v5"
	pdbus "github.com/peripety/peripety/dbus"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/membackend"
	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/service/journal"
	"github.com/peripety/peripety/service/sdjournal"
)

// BenchmarkSignals measures StorageEvent signals delivered per second, end
// to end through one private system bus, sender and receiver in this
// process, for two paths side by side:
//
//   - bare: a godbus Emit loop of the already encoded event, received on a
//     plain signal channel: the cost of the bus itself;
//   - server: Server.Emit (encoding each event), received and decoded by
//     Client.Subscribe and checked to arrive complete and in seq order.
//
// The paths alternate in batches so that both see the same machine load;
// server/bare is the ratio of their times (target: at most 1.2).
func BenchmarkSignals(b *testing.B) {
	testenv.RequireRoot(b, "the shipped bus policy lets only root own "+pdbus.BusName)
	bus := testenv.SystemBus(b)
	srv := pdbus.NewServer(bus.Conn(b), membackend.New(), pdbus.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := srv.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	sample := ev(1, "FS_IO_ERROR", event.Error)
	sample.Hostname, sample.DevWWID, sample.Msg = "host1", "11111111-2222-3333-4444-555555555555", "ext4 on loop4: I/O error"
	sample.OwnersPaths, sample.Extension = []string{"/dev/loop4"}, map[string]string{"inode": "12", "block": "4139"}

	// bare
	send := bus.Conn(b)
	recv := bus.Conn(b, godbus.WithSignalHandler(godbus.NewSequentialSignalHandler()))
	if err := recv.AddMatchSignal(godbus.WithMatchSender(send.Names()[0]), godbus.WithMatchInterface(pdbus.Interface)); err != nil {
		b.Fatal(err)
	}
	bareCh := make(chan *godbus.Signal, 1024)
	recv.Signal(bareCh)
	encoded := pdbus.EncodeEvent(&sample)
	bare := func(n int) time.Duration {
		start := time.Now()
		errc := make(chan error, 1)
		go func() {
			for range n {
				if err := send.Emit(pdbus.ObjectPath, pdbus.SignalName, sample.EventType, sample.Severity.String(),
					sample.SubSystem, sample.DevWWID, sample.DevPath, encoded); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
		for got := range n {
			select {
			case <-bareCh:
			case <-time.After(10 * time.Second):
				b.Fatalf("bare: received %d of %d signals", got, n)
			}
		}
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}

	// server
	c, err := Connect()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ready := make(chan struct{})
	seqs := make(chan uint64, 1024)
	done := make(chan error, 1)
	go func() {
		done <- c.subscribe(ctx, Subscription{}, func(e event.Event) error { seqs <- e.Seq; return nil }, func() { close(ready) })
	}()
	defer func() { cancel(); <-done }()
	<-ready
	var seq uint64
	server := func(n int) time.Duration {
		start := time.Now()
		first := seq + 1
		errc := make(chan error, 1)
		go func() {
			e := sample
			for i := range uint64(n) {
				e.Seq = first + i
				if err := srv.Emit(ctx, e); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
		for range n {
			select {
			case s := <-seqs:
				if s != seq+1 {
					b.Fatalf("server: event %d arrived after %d", s, seq)
				}
				seq = s
			case err := <-done:
				b.Fatalf("server: subscription ended: %v", err)
			case <-time.After(10 * time.Second):
				b.Fatalf("server: received %d of %d signals", seq-first+1, n)
			}
		}
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}

	const batch = 500
	var tBare, tServer time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		n := min(batch, b.N-done)
		tBare += bare(n)
		tServer += server(n)
	}
	b.ReportMetric(float64(b.N)/tBare.Seconds(), "bare-signals/s")
	b.ReportMetric(float64(b.N)/tServer.Seconds(), "server-signals/s")
	b.ReportMetric(tServer.Seconds()/tBare.Seconds(), "server/bare")
}

// queryEvents is the size of the store BenchmarkQuery asks, over
// queryDevices devices.
const (
	queryEvents  = 100_000
	queryDevices = 200
)

// queryEvent is event i of the benchmark store: I/O errors spread over
// queryDevices loop devices.
func queryEvent(i int, t0 time.Time) event.Event {
	d := i % queryDevices
	e := ev(uint64(i+1), "BLK_IO_ERROR", event.Error)
	e.SubSystem, e.Timestamp = event.SubBlock, t0.Add(time.Duration(i)*time.Millisecond)
	e.Kdev, e.DevPath = fmt.Sprintf("loop%d", d), fmt.Sprintf("/dev/loop%d", d)
	e.Msg = fmt.Sprintf("I/O error, dev loop%d, sector %d op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 2", d, i*8)
	e.RawMsg = e.Msg
	return e
}

// journalBackend answers Query from a journald store, as the daemon does.
type journalBackend struct {
	*membackend.Backend
	store *sdjournal.Store
}

func (j journalBackend) Query(ctx context.Context, f event.Filter) ([]event.Event, error) {
	return j.store.Query(ctx, f)
}

// BenchmarkQuery measures one Query through the bus for one device's events
// out of 100,000 stored (target: < 200 ms), with the events
//
//   - in memory: the bus side of the latency (authorization, filter,
//     encoding, transfer, decoding) without a store's search;
//   - in a private journald, read back with service/sdjournal as the
//     daemon does: the whole latency.
func BenchmarkQuery(b *testing.B) {
	testenv.RequireRoot(b, "the shipped bus policy lets only root own "+pdbus.BusName)
	bus := testenv.SystemBus(b)
	t0 := time.Now().Add(-queryEvents * time.Millisecond)
	b.Run("memory", func(b *testing.B) {
		evs := make([]event.Event, queryEvents)
		for i := range evs {
			evs[i] = queryEvent(i, t0)
		}
		backend := membackend.New()
		backend.Add(evs...)
		benchQuery(b, bus, backend)
	})
	b.Run("journal", func(b *testing.B) {
		testenv.Journald(b)
		p, err := testenv.NewPrivateJournal("prpt-dbus-bench")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { p.Close() })
		w := journal.NewWriter(p.Socket)
		for i := range queryEvents {
			if err := w.Write(queryEvent(i, t0)); err != nil {
				b.Fatal(err)
			}
		}
		w.Close()
		if err := p.Sync(); err != nil {
			b.Fatal(err)
		}
		store := sdjournal.NewStore(sdjournal.Source{Directory: p.Dir})
		b.Cleanup(func() { store.Close() })
		backend := journalBackend{membackend.New(), store}
		if _, err := backend.Query(context.Background(), event.Filter{Limit: 1}); errors.Is(err, sdjournal.ErrNoJournald) {
			b.Skipf("service/sdjournal built without cgo: %v", err)
		}
		benchQuery(b, bus, backend)
	})
}

func benchQuery(b *testing.B, bus *testenv.Bus, backend pdbus.Backend) {
	srv := pdbus.NewServer(bus.Conn(b), backend, pdbus.Options{})
	if err := srv.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	c, err := Connect()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	q := pdbus.QueryFilter{Blk: "loop137"}
	// CPU time of this process (client, server, store reader) beside the
	// wall time: on a shared machine the latter says as much about the
	// neighbours.
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	for b.Loop() {
		evs, err := c.Query(context.Background(), q)
		if err != nil {
			b.Fatal(err)
		}
		if len(evs) != queryEvents/queryDevices {
			b.Fatalf("Query blk loop137 returned %d events, want %d", len(evs), queryEvents/queryDevices)
		}
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
