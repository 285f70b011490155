package service

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/sysfs"
)

// BenchmarkFileReplay runs the whole pipeline in process over a saved
// error storm (file source, built-in rules, the memory store): the cost
// per kernel line, without the process and stdout of the end-to-end
// benchmark in tests/daemon.
//
//	go test ./service -run '^$' -bench FileReplay
func BenchmarkFileReplay(b *testing.B) {
	const lines = 20_000
	dir := b.TempDir()
	p := filepath.Join(dir, "storm.kmsg")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range lines {
		fmt.Fprintf(w, "3,%d,%d,-;I/O error, dev loop9, sector %d op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2\n",
			i+1, 5_000_000+i*100, 2048+8*i)
	}
	w.Flush()
	f.Close()
	b.ResetTimer()
	cpu := cpuTime(b)
	events := 0
	for i := range b.N {
		store := &memStore{}
		stop := startStoreDaemon(b, Options{
			Source:       SourceSpec{Kind: "file", Path: p},
			StateDir:     filepath.Join(dir, fmt.Sprint("state", i)),
			Store:        store,
			StoredEvents: store.query,
		})
		for {
			n := 0
			for _, ev := range store.logged() {
				n += int(ev.Count)
			}
			if n >= lines {
				break
			}
			time.Sleep(time.Millisecond)
		}
		stop()
		events += len(store.logged())
	}
	b.ReportMetric(float64(events)/float64(b.N), "events/run")
	b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(lines*b.N), "cpu-ns/line")
}

// benchStream is a failing stack's events with their resolved identities
// (an LV over an eight-path map): a path offline and another failed, then
// errors on the map, the LV's buffers and the filesystem, info lines on a
// path, and a path flapping every thousandth event; and a resolver that
// answers for its devices as the cached sysfs resolver would.
type benchItem struct {
	ev   event.Event
	info sysfs.BlockInfo
}

func benchStream() ([]benchItem, *fakeResolver) {
	var paths []sysfs.BlockInfo
	for i := range 8 {
		paths = append(paths, sysfs.BlockInfo{KernelName: fmt.Sprintf("sdp%d", i), MajorMinor: fmt.Sprintf("8:%d", 16*i), DiskSeq: "4",
			WWID: "naa.600a", BlkPath: fmt.Sprintf("/dev/sdp%d", i)})
	}
	mpath := sysfs.BlockInfo{KernelName: "dm-0", MajorMinor: "254:0", WWID: "mpath-600a", BlkPath: "/dev/dm-0",
		PreferredBlkPath: "/dev/mapper/mpatha", Owners: paths}
	lv := sysfs.BlockInfo{KernelName: "dm-1", MajorMinor: "254:1", WWID: "LVM-x", BlkPath: "/dev/dm-1", PreferredBlkPath: "/dev/mapper/vg-lv",
		MountPoint: "/srv", Owners: append([]sysfs.BlockInfo{mpath}, paths...)}
	res := &fakeResolver{devs: map[string]sysfs.BlockInfo{"3:0:0:0": mpath, "8:16": mpath, "dm-0": mpath, "dm-1": lv, "sdp2": paths[2]}}
	mk := func(typ, sub, kdev string, sev event.Severity, cond string, info sysfs.BlockInfo, ext ...string) benchItem {
		ev := event.Event{EventType: typ, SubSystem: sub, Severity: sev, Kdev: kdev, Count: 1, Msg: typ, RawMsg: typ + " on " + kdev,
			Extension: map[string]string{}}
		ev.SetExt("condition", cond)
		for i := 0; i+1 < len(ext); i += 2 {
			ev.SetExt(ext[i], ext[i+1])
		}
		return benchItem{ev, info}
	}
	item := func(i int) benchItem {
		switch {
		case i == 0:
			return mk("SCSI_DEVICE_OFFLINE", event.SubSCSI, "3:0:0:0", event.Error, "device:offline", mpath, "blk_major_minor", "8:0")
		case i%1000 == 1:
			return mk("DM_MPATH_PATH_FAILED", event.SubMultipath, "8:16", event.Warning, "path:failed", mpath, "blk_major_minor", "8:16")
		case i%1000 == 999:
			return mk("DM_MPATH_PATH_REINSTATED", event.SubMultipath, "8:16", event.Warning, "path:active", mpath, "blk_major_minor", "8:16")
		case i%4 == 0:
			return mk("BLK_IO_ERROR", event.SubBlock, "dm-0", event.Error, "", mpath)
		case i%4 == 1:
			return mk("BUFFER_IO_ERROR", event.SubBlock, "dm-1", event.Error, "", lv)
		case i%4 == 2:
			return mk("FS_ERROR", event.SubExt4, "dm-1", event.Critical, "", lv)
		}
		return mk("BLK_IO_ERROR", event.SubBlock, "sdp2", event.Info, "", paths[2])
	}
	items := make([]benchItem, 4000)
	for i := range items {
		items[i] = item(i)
	}
	return items, res
}

// openFaultsFor gives c 10,000 faults open on other disks.
func openFaultsFor(c *correlation, t0 time.Time) {
	for i := range 10000 {
		name := fmt.Sprintf("sdx%d", i)
		ev := event.Event{EventID: "off" + name, EventType: "SCSI_DEVICE_OFFLINE", SubSystem: event.SubSCSI, Severity: event.Error,
			Timestamp: t0, Kdev: name, Count: 1, Extension: map[string]string{"condition": "device:offline"}}
		c.link(&ev, sysfs.BlockInfo{KernelName: name, MajorMinor: fmt.Sprintf("65:%d", i), BlkPath: "/dev/" + name})
	}
}

// BenchmarkCorrelationStage is the correlation stage's cost per event, as
// pipeline.place pays it: the model's input built from the event and its
// resolved identity, the model's links, the event's root cause and
// incident set; over benchStream, with 10,000 faults open on other disks.
// BenchmarkPipelineEvents is the whole pipeline's cost per event over the
// same stream: their cpu-ns/op give the share of correlation.
//
//	go test ./service -run '^$' -bench 'CorrelationStage|PipelineEvents' -benchtime 1000000x
func BenchmarkCorrelationStage(b *testing.B) {
	items, res := benchStream()
	c := openCorrelation(NewStateDirMust(b, b.TempDir()), res, slog.New(slog.DiscardHandler))
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	openFaultsFor(c, t0)
	start := t0.Add(time.Second)
	ids := make([]string, len(items))
	for i := range ids {
		ids[i] = strconv.Itoa(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime(b)
	for i := range b.N {
		it := items[i%len(items)]
		it.ev.EventID = ids[i%len(ids)]
		it.ev.Timestamp = start.Add(time.Duration(i) * 10 * time.Microsecond)
		c.link(&it.ev, it.info)
		if i%100000 == 0 {
			c.tick(it.ev.Timestamp)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkPipelineEvents is the pipeline's cost per event from emission
// to delivery: pipeline.emit's id, the resolver's (cached) answer and the
// identity filled in, the correlation stage, the seq, and the stdout sink
// writing each event's JSON in its goroutine; over benchStream, with
// 10,000 faults open on other disks.
func BenchmarkPipelineEvents(b *testing.B) {
	items, res := benchStream()
	st := NewStateDirMust(b, b.TempDir())
	ids, err := OpenIdentityStore(st)
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	sink := newSinkRunner("stdout", true, 4096, time.Second, log)
	sink.sink = NewStdoutSink(io.Discard)
	sink.on.Store(true)
	done := make(chan struct{})
	go func() { sink.run(context.Background()); close(done) }()
	p := &pipeline{log: log, sourceKey: "bench", hostname: "host1", parser: &fakeParser{}, sinks: []*sinkRunner{sink},
		res: &resolution{r: res, ids: ids, now: time.Now}, corr: openCorrelation(st, res, log)}
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	openFaultsFor(p.corr, t0)
	start := t0.Add(time.Second)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime(b)
	for i := range b.N {
		ev := items[i%len(items)].ev
		ev.Timestamp = start.Add(time.Duration(i) * 10 * time.Microsecond)
		ev.Extension = maps.Clone(ev.Extension)
		p.emit(ev)
		if i%100000 == 0 {
			p.corr.tick(ev.Timestamp)
		}
	}
	sink.closeQueue()
	<-done
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// cpuTime is the process's user and system time so far: per event it is
// the cost of the work, which other work on a busy machine does not
// inflate as it does the wall-clock time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
