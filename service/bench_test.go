package service

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/peripety/peripety/config"
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
	for i := range b.N {
		store := &memStore{}
		d, err := New(Options{
			Source:       SourceSpec{Kind: "file", Path: p},
			StateDir:     filepath.Join(dir, fmt.Sprint("state", i)),
			Log:          slog.New(slog.DiscardHandler),
			Store:        store,
			StoredEvents: store.query,
			Resolver:     loopResolver(),
			Notify:       func(string) error { return nil },
		})
		if err != nil {
			b.Fatal(err)
		}
		d.cfg = &config.Config{Main: config.Main{SaveToJournald: true}}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx) }()
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
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkCorrelationStage is the correlation stage's cost per event, as
// pipeline.place pays it: the model's input built from the event and its
// resolved identity (an LV over an eight-path map), the model's links, the
// event's root cause and incident set. The stream is that of
// correlate.BenchmarkObserve: a path offline and another failed, then
// errors on the map, the LV's buffers and the filesystem, a path flapping
// every thousandth event; 10,000 faults open on other disks.
//
//	go test ./service -run '^$' -bench CorrelationStage
func BenchmarkCorrelationStage(b *testing.B) {
	c := openCorrelation(NewStateDirMust(b, b.TempDir()), &fakeResolver{}, slog.New(slog.DiscardHandler))
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for i := range 10000 {
		name := fmt.Sprintf("sdx%d", i)
		ev := event.Event{EventID: "off" + name, EventType: "SCSI_DEVICE_OFFLINE", SubSystem: event.SubSCSI, Severity: event.Error,
			Timestamp: t0, Kdev: name, Count: 1, Extension: map[string]string{"condition": "device:offline"}}
		c.link(&ev, sysfs.BlockInfo{KernelName: name, MajorMinor: fmt.Sprintf("65:%d", i), BlkPath: "/dev/" + name})
	}
	var paths []sysfs.BlockInfo
	for i := range 8 {
		paths = append(paths, sysfs.BlockInfo{KernelName: fmt.Sprintf("sdp%d", i), MajorMinor: fmt.Sprintf("8:%d", 16*i), DiskSeq: "4",
			WWID: "naa.600a", BlkPath: fmt.Sprintf("/dev/sdp%d", i)})
	}
	mpath := sysfs.BlockInfo{KernelName: "dm-0", MajorMinor: "254:0", WWID: "mpath-600a", BlkPath: "/dev/dm-0",
		PreferredBlkPath: "/dev/mapper/mpatha", Owners: paths}
	lv := sysfs.BlockInfo{KernelName: "dm-1", MajorMinor: "254:1", WWID: "LVM-x", BlkPath: "/dev/dm-1", PreferredBlkPath: "/dev/mapper/vg-lv",
		MountPoint: "/srv", Owners: append([]sysfs.BlockInfo{mpath}, paths...)}
	type item struct {
		ev   event.Event
		info sysfs.BlockInfo
	}
	mk := func(typ, sub, kdev string, sev event.Severity, cond string, info sysfs.BlockInfo, ext ...string) item {
		ev := event.Event{EventType: typ, SubSystem: sub, Severity: sev, Kdev: kdev, Count: 1, Msg: typ, Extension: map[string]string{}}
		ev.SetExt("condition", cond)
		for i := 0; i+1 < len(ext); i += 2 {
			ev.SetExt(ext[i], ext[i+1])
		}
		return item{ev, info}
	}
	stream := func(i int) item {
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
	items := make([]item, 4000)
	for i := range items {
		items[i] = stream(i)
	}
	start := t0.Add(time.Second)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		it := items[i%len(items)]
		it.ev.EventID = strconv.Itoa(i)
		it.ev.Timestamp = start.Add(time.Duration(i) * 10 * time.Microsecond)
		c.link(&it.ev, it.info)
		if i%100000 == 0 {
			c.tick(it.ev.Timestamp)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
