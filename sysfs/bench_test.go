package sysfs

import (
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/peripety/peripety/sysfs/sysfstest"
)

// scale is the tree of 1,000 SCSI paths behind 250 multipath maps, built
// once for all benchmarks (a benchmark function runs several times) and
// removed by TestMain.
var scale struct {
	once sync.Once
	root string
}

func scaleRoot(b *testing.B) string {
	b.Helper()
	scale.once.Do(func() {
		dir, err := os.MkdirTemp("", "sysfs-scale-")
		if err != nil {
			b.Fatal(err)
		}
		scale.root = dir
		sysfstest.ScaleMultipath(sysfstest.New(b, dir), 1000, 4)
	})
	if scale.root == "" {
		b.Fatal("the scale tree could not be built")
	}
	return scale.root
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range []string{scale.root, shared.dir} {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkListBlocks lists a SAN of 1,000 paths behind 250 maps (target:
// under 2 s an operation). Beside the wall time it reports the CPU time,
// which says more on a machine shared with other work.
func BenchmarkListBlocks(b *testing.B) {
	r := NewResolver(scaleRoot(b))
	b.ResetTimer()
	cpu := cpuTime(b)
	defer func() {
		b.ReportMetric(float64((cpuTime(b)-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
	}()
	for i := 0; i < b.N; i++ {
		got, err := r.ListBlocks()
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != 250 || len(got[0].Owners) != 4 {
			b.Fatalf("ListBlocks gave %d devices, want 250 maps of 4 paths", len(got))
		}
	}
}

// benchmarkStorm resolves the paths of a storm of path failures again and
// again, as the daemon does when a fabric flaps (target: >= 1,000,000
// lookups/s with Watch running).
func benchmarkStorm(b *testing.B, watch bool) {
	r := NewResolver(scaleRoot(b))
	if watch {
		startWatch(b, r)
	}
	kdevs := []string{"sda", "65:16", "sdc", "2:0:0:1", "sdz", "66:32"}
	for _, k := range kdevs {
		if _, _, err := r.ForEvent(k); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, _, err := r.ForEvent(kdevs[i%len(kdevs)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

func BenchmarkForEventCachedWatch(b *testing.B)   { benchmarkStorm(b, true) }
func BenchmarkForEventCachedDiskseq(b *testing.B) { benchmarkStorm(b, false) }

// BenchmarkForEventUncached is a lookup of a device never seen before.
func BenchmarkForEventUncached(b *testing.B) {
	root := scaleRoot(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := NewResolver(root).ForEvent("sdc"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForEventAfterMount is the first lookup of a cached device after
// a mount or unmount elsewhere, which Watch reports and whose mount table
// it reads itself (not counted here): compare BenchmarkForEventUncached,
// what it cost when a mount staled every answer.
func BenchmarkForEventAfterMount(b *testing.B) {
	r := NewResolver(scaleRoot(b))
	r.cache.watching.Store(true)
	if _, _, err := r.ForEvent("sdc"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		r.cache.mountsChanged()
		if _, err := r.mountTable(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, _, err := r.ForEvent("sdc"); err != nil {
			b.Fatal(err)
		}
	}
}
