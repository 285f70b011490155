package correlate

import (
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// openFaults opens n device-offline faults on n disks of their own.
func openFaults(m *Model, n int, at time.Time) {
	c := Condition{Object: "device", State: "offline", Kind: Fault}
	for i := range n {
		name := "sd" + strconv.Itoa(i)
		m.Observe(Input{EventID: "off" + strconv.Itoa(i), Type: "SCSI_DEVICE_OFFLINE", SubSystem: "SCSI", Severity: errS,
			Time: at.Add(time.Duration(i) * time.Microsecond), Count: 1,
			Dev: DevInfo{Dev: Dev{Name: name, MajMin: "65:" + strconv.Itoa(i)}, Path: "/dev/" + name}, Layer: Device, Cond: c})
	}
}

// lvStack is a failing stack: ext4 on an LV over a map of eight paths,
// with the events of every layer: the first path offline and the second
// failed, then a stream of errors on the map, the LV's buffers and the
// filesystem; every thousandth event the second path comes back and
// fails again.
type lvStack struct {
	paths     []DevInfo
	mpath, lv DevInfo
	lvBelow   []DevInfo
}

func newLVStack() *lvStack {
	s := &lvStack{
		mpath: DevInfo{Dev: Dev{Name: "dm-0", MajMin: "254:0"}, Path: "/dev/mapper/mpatha"},
		lv:    DevInfo{Dev: Dev{Name: "dm-1", MajMin: "254:1"}, Path: "/dev/mapper/vg-lv", Mount: "/srv"},
	}
	for i := range 8 {
		name := "sdp" + strconv.Itoa(i)
		s.paths = append(s.paths, DevInfo{Dev: Dev{Name: name, MajMin: "8:" + strconv.Itoa(16*i)}, Path: "/dev/" + name})
	}
	s.lvBelow = append([]DevInfo{s.mpath}, s.paths...)
	return s
}

// input is the i-th event of the stream.
func (s *lvStack) input(i int, t time.Time) Input {
	in := Input{EventID: "e" + strconv.Itoa(i), Time: t, Count: 1}
	switch {
	case i == 0:
		in.Type, in.SubSystem, in.Severity, in.Dev, in.Layer = "SCSI_DEVICE_OFFLINE", "SCSI", errS, s.paths[0], Device
		in.Cond = Condition{Object: "device", State: "offline", Kind: Fault}
	case i%1000 == 1:
		in.Type, in.SubSystem, in.Severity, in.Dev, in.Layer = "DM_MPATH_PATH_FAILED", "Multipath", warn, s.paths[1], Mapping
		in.Cond = Condition{Object: "path", State: "failed", Kind: Fault}
	case i%1000 == 999:
		in.Type, in.SubSystem, in.Severity, in.Dev, in.Layer = "DM_MPATH_PATH_REINSTATED", "Multipath", warn, s.paths[1], Mapping
		in.Cond = Condition{Object: "path", State: "active", Kind: Clear}
	case i%4 == 0:
		in.Type, in.SubSystem, in.Severity, in.Dev, in.Below, in.Layer = "BLK_IO_ERROR", "Block", errS, s.mpath, s.paths, Block
	case i%4 == 1:
		in.Type, in.SubSystem, in.Severity, in.Dev, in.Below, in.Layer = "BUFFER_IO_ERROR", "Block", errS, s.lv, s.lvBelow, Buffer
	case i%4 == 2:
		in.Type, in.SubSystem, in.Severity, in.Dev, in.Below, in.Layer = "FS_ERROR", "ext4", crit, s.lv, s.lvBelow, Filesystem
	default:
		in.Type, in.SubSystem, in.Severity, in.Dev, in.Layer = "BLK_IO_ERROR", "Block", info, s.paths[2], Block
	}
	return in
}

// cpuTime is the process's user and system time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkObserve is the model's cost per event on a failing stack (see
// lvStack) with 10,000 faults open on other disks. cpu-ns/op is the
// process's CPU time per event, which other work on the machine does not
// inflate as it does the wall-clock ns/op. The daemon's whole pipeline
// costs several microseconds an event (service's BenchmarkFileReplay); at
// 100,000 events/s correlation may take a tenth of the 10 µs each has.
//
//	go test ./correlate -run '^$' -bench Observe
func BenchmarkObserve(b *testing.B) {
	m := New(Config{})
	openFaults(m, 10000, t0)
	s := newLVStack()
	start := t0.Add(time.Second)
	ins := make([]Input, 4000)
	for i := range ins {
		ins[i] = s.input(i, start)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime(b)
	for i := range b.N {
		in := ins[i%len(ins)]
		in.Time = start.Add(time.Duration(i) * 10 * time.Microsecond)
		m.Observe(in)
		if i%100000 == 0 {
			m.Tick(in.Time)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkStorm is one disk's error storm: every event the same fault.
func BenchmarkStorm(b *testing.B) {
	m := New(Config{})
	dev := DevInfo{Dev: Dev{Name: "loop9", MajMin: "7:9"}, Path: "/dev/loop9"}
	b.ReportAllocs()
	cpu := cpuTime(b)
	for i := range b.N {
		m.Observe(Input{EventID: "e" + strconv.Itoa(i), Type: "BLK_IO_ERROR", SubSystem: "Block", Severity: errS,
			Time: t0.Add(time.Duration(i) * 10 * time.Microsecond), Dev: dev, Layer: Block})
	}
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkOpenFaults is the memory the model holds for 10,000 open
// faults (each on a disk of its own, each its own incident: the worst
// case), and shows the bound: 100,000 faults opened, at most 10,000 kept.
//
//	go test ./correlate -run '^$' -bench OpenFaults -benchtime 1x
func BenchmarkOpenFaults(b *testing.B) {
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m := New(Config{})
		openFaults(m, 10000, t0)
		runtime.GC()
		runtime.ReadMemStats(&after)
		held := after.HeapAlloc - before.HeapAlloc
		b.ReportMetric(float64(held)/(1<<20), "MiB/10k-faults")
		openFaults(m, 100000, t0.Add(time.Minute))
		runtime.GC()
		runtime.ReadMemStats(&after)
		st := m.Stats()
		if st.OpenFaults > 10000 || st.EvictedFaults < 90000 {
			b.Fatalf("stats %+v: the bound does not hold", st)
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB/after-100k")
		b.ReportMetric(float64(st.EvictedFaults), "evicted")
		runtime.KeepAlive(m)
	}
}
