package daemon_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/service"
)

// stormLines is the size of the replayed error storm.
const stormLines = 100_000

// writeStorm writes n block-layer I/O errors on loop9, 100µs apart, in
// /dev/kmsg text form.
func writeStorm(b *testing.B, p string, n int) {
	b.Helper()
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		fmt.Fprintf(w, "3,%d,%d,-;I/O error, dev loop9, sector %d op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2\n",
			i+1, 5_000_000+i*100, 2048+8*i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// peakRSS reads VmHWM of a process, in bytes.
func peakRSS(b *testing.B, pid int) int64 {
	b.Helper()
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(st), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				b.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc/pid/status")
	return 0
}

// BenchmarkStormReplay replays a 100,000-line error storm through
// peripetyd (--source file:, events on stdout) and reports its peak RSS and
// throughput. Every line must be accounted for in the events' counts
// (storm summaries, and shed events' lines).
//
//	go test ./tests/daemon -run '^$' -bench StormReplay -benchtime 1x
func BenchmarkStormReplay(b *testing.B) {
	dir := b.TempDir()
	log := filepath.Join(dir, "storm.kmsg")
	writeStorm(b, log, stormLines)
	bin := binary(b, "peripetyd")
	conf := filepath.Join(dir, "peripetyd.conf")
	if err := os.WriteFile(conf, []byte("[main]\nnotify_stdout = true\nsave_to_journald = false\ndump_blk_info_at_start = false\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		cmd, sc := startFileDaemon(b, bin, conf, log, filepath.Join(dir, fmt.Sprint("state", i)))
		lines, events := readStormEvents(b, sc, func(kdev string) bool { return kdev == "loop9" })
		elapsed := time.Since(start)
		rss := peakRSS(b, cmd.Process.Pid)
		cmd.Process.Signal(syscall.SIGTERM)
		for sc.Scan() {
		}
		if err := cmd.Wait(); err != nil {
			b.Fatalf("peripetyd: %v", err)
		}
		if lines != stormLines {
			b.Fatalf("events account for %d lines, want %d", lines, stormLines)
		}
		b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
		b.ReportMetric(float64(stormLines)/elapsed.Seconds(), "lines/s")
		b.ReportMetric(float64(events), "events")
	}
}

// startFileDaemon starts peripetyd over the kernel log file log, its
// events on stdout, with no bus and the state in stateDir.
func startFileDaemon(b *testing.B, bin, conf, log, stateDir string) (*exec.Cmd, *bufio.Scanner) {
	cmd := exec.Command(bin, "--config", conf, "--source", "file:"+log, "--bus", "none",
		"--state-dir", stateDir, "--root", "/")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	return cmd, sc
}

// readStormEvents reads events from the daemon's stdout until they account
// for the storm's stormLines lines: the counts of the storm device's events
// (stormDev says which) and the lines of shed events.
func readStormEvents(b *testing.B, sc *bufio.Scanner, stormDev func(kdev string) bool) (lines, events int) {
	for lines < stormLines && sc.Scan() {
		var ev event.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			b.Fatalf("stdout %q: %v", sc.Text(), err)
		}
		events++
		switch {
		case ev.EventType == service.EventShed:
			n, _ := strconv.Atoi(ev.Ext("lines"))
			lines += n
		case stormDev(ev.Kdev):
			lines += int(ev.Count)
		}
	}
	return lines, events
}

// BenchmarkLatency measures how long a kernel line takes to come out of
// peripetyd as an event: XFS mount cycles (three lines each, which the
// kernel does not rate-limit) are read from /dev/kmsg or through journald,
// and each event is paired with its line as a reader of its own finds it
// in /dev/kmsg: the latency is from the kernel's timestamp of the line
// (corrected for its clock running ahead of CLOCK_MONOTONIC) to when the
// event was read from the daemon's stdout. Reports p50 and p99 in
// milliseconds.
//
//	go test ./tests/daemon -run '^$' -bench Latency -benchtime 10x
func BenchmarkLatency(b *testing.B) {
	needRoot(b)
	need(b, "mkfs.xfs")
	for _, s := range []sink{
		{name: "kmsg", source: "kmsg", cfg: config{stdout: true}},
		{name: "journal", source: "journal", cfg: config{stdout: true, journald: true}},
	} {
		b.Run(s.name, func(b *testing.B) {
			if s.cfg.journald {
				testenv.Journald(b)
			}
			dir := b.TempDir()
			dev := testenv.Loop(b, testenv.SparseFile(b, 320<<20))
			kdev := filepath.Base(dev)
			testenv.Run(b, "mkfs.xfs", "-q", "-f", dev)
			mp := filepath.Join(dir, "mnt")
			testenv.Run(b, "mkdir", mp)
			d := startDaemon(b, filepath.Join(dir, "state"), s.source, s.cfg)
			d.waitStdout(wait, func(evs []event.Event) bool { return len(evs) > 0 })
			kmsg := followKmsg(b)

			const cycles = 20
			b.ResetTimer()
			for range b.N {
				for range cycles {
					testenv.Run(b, "mount", dev, mp)
					testenv.Run(b, "umount", mp)
					time.Sleep(300 * time.Millisecond) // no storm folding
				}
			}
			b.StopTimer()
			evs := d.waitStdout(wait, func(evs []event.Event) bool {
				n := 0
				for _, ev := range evs {
					if ev.Kdev == kdev && ev.EventType == "FS_UNMOUNTED" {
						n++
					}
				}
				return n >= cycles*b.N
			})
			ahead := kmsg.clockAhead(b)
			recs := kmsg.records("XFS (" + kdev + "): ")
			lines := xfsLines(b, recs)
			// The same lines as the benchmark's own reader of /dev/kmsg got
			// them: the kernel's part, the floor under the daemon's figures.
			var floor []float64
			for _, r := range recs {
				floor = append(floor, float64(r.read-(r.at-ahead))/float64(time.Millisecond))
			}
			slices.Sort(floor)

			// FS_MOUNTED waits until mount(8) has made the mount visible in
			// mountinfo (its mount_point); the other events wait for
			// nothing but the daemon. Both figures are reported.
			// over is how much later than the bare reader the event came:
			// the daemon's own part, whatever the kernel's wake-up took.
			var lat, unheld, over []float64
			next := map[string]int{}
			for _, ev := range d.delivered(evs) {
				if ev.ev.Kdev != kdev || ev.ev.SubSystem != event.SubXFS {
					continue
				}
				i := next[ev.ev.EventType]
				next[ev.ev.EventType]++
				if i >= len(lines[ev.ev.EventType]) {
					b.Fatalf("%d %s events, but only %d such lines in /dev/kmsg", i+1, ev.ev.EventType, len(lines[ev.ev.EventType]))
				}
				line := lines[ev.ev.EventType][i]
				ms := float64(ev.mono-(line.at-ahead)) / float64(time.Millisecond)
				lat = append(lat, ms)
				over = append(over, float64(ev.mono-line.read)/float64(time.Millisecond))
				if ev.ev.EventType != "FS_MOUNTED" {
					unheld = append(unheld, ms)
				}
			}
			for typ, at := range lines {
				if next[typ] != len(at) {
					b.Fatalf("%d %s lines in /dev/kmsg, %d events", len(at), typ, next[typ])
				}
			}
			if len(lat) == 0 || len(unheld) == 0 {
				b.Fatal("no XFS events")
			}
			slices.Sort(lat)
			slices.Sort(unheld)
			slices.Sort(over)
			b.ReportMetric(lat[len(lat)/2], "p50-ms")
			b.ReportMetric(lat[min(len(lat)-1, len(lat)*99/100)], "p99-ms")
			b.ReportMetric(unheld[min(len(unheld)-1, len(unheld)*99/100)], "p99-not-mounted-ms")
			b.ReportMetric(float64(len(lat)), "samples")
			b.ReportMetric(float64(ahead)/float64(time.Millisecond), "kernel-clock-ahead-ms")
			b.ReportMetric(floor[len(floor)/2], "kmsg-reader-p50-ms")
			b.ReportMetric(floor[min(len(floor)-1, len(floor)*99/100)], "kmsg-reader-p99-ms")
			b.ReportMetric(over[len(over)/2], "over-reader-p50-ms")
			b.ReportMetric(over[min(len(over)-1, len(over)*99/100)], "over-reader-p99-ms")
		})
	}
}

// xfsLines sorts the XFS mount cycle lines by the event each makes.
func xfsLines(b *testing.B, recs []kmsgRecord) map[string][]kmsgRecord {
	b.Helper()
	out := map[string][]kmsgRecord{}
	for _, r := range recs {
		_, msg, _ := strings.Cut(r.msg, "): ")
		switch {
		case strings.HasPrefix(msg, "Mounting V"):
			out["FS_MOUNTING"] = append(out["FS_MOUNTING"], r)
		case strings.HasPrefix(msg, "Ending clean mount"):
			out["FS_MOUNTED"] = append(out["FS_MOUNTED"], r)
		case strings.HasPrefix(msg, "Unmounting Filesystem"):
			out["FS_UNMOUNTED"] = append(out["FS_UNMOUNTED"], r)
		default:
			b.Fatalf("unexpected XFS line in a clean mount cycle: %q", r.msg)
		}
	}
	return out
}

// writeSpreadStorm writes n block-layer I/O errors spread over devs
// devices (loop100…), 100µs apart: a storm of many incidents, which the
// parser's folding cannot make one.
func writeSpreadStorm(b *testing.B, p string, n, devs int) {
	b.Helper()
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		fmt.Fprintf(w, "3,%d,%d,-;I/O error, dev loop%d, sector %d op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2\n",
			i+1, 5_000_000+i*100, 100+i%devs, 2048+8*i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStormHooks replays a 100,000-line storm over 500 devices through
// peripetyd with a hook that selects every event (the [hooks] defaults:
// once per incident an hour, at most 10 runs an hour, 4 at once), and
// reports the events, the hook's runs and skips (from the daemon's
// metrics) and the daemon's peak RSS. The runs must stay within the rate
// limit.
//
//	go test ./tests/daemon -run '^$' -bench StormHooks -benchtime 1x
func BenchmarkStormHooks(b *testing.B) {
	dir := b.TempDir()
	log := filepath.Join(dir, "storm.kmsg")
	writeSpreadStorm(b, log, stormLines, 500)
	hooksDir := filepath.Join(dir, "hooks.d")
	if err := os.Mkdir(hooksDir, 0o755); err != nil {
		b.Fatal(err)
	}
	runs := filepath.Join(dir, "runs")
	if err := os.WriteFile(filepath.Join(hooksDir, "10-record"), []byte("#!/bin/sh\necho \"$PERIPETY_EVENT_ID\" >>"+runs+"\n"), 0o755); err != nil {
		b.Fatal(err)
	}
	sock := filepath.Join(dir, "metrics.sock")
	conf := filepath.Join(dir, "peripetyd.conf")
	text := fmt.Sprintf("[main]\nnotify_stdout = true\nsave_to_journald = false\ndump_blk_info_at_start = false\n[metrics]\nsocket = %q\n[hooks]\ndirectory = %q\n", sock, hooksDir)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
	bin := binary(b, "peripetyd")
	b.ResetTimer()
	for i := range b.N {
		os.Remove(runs)
		cmd, sc := startFileDaemon(b, bin, conf, log, filepath.Join(dir, fmt.Sprint("state", i)))
		_, events := readStormEvents(b, sc, func(kdev string) bool { return strings.HasPrefix(kdev, "loop") })
		go func() {
			for sc.Scan() {
			}
		}()
		// The hook runs end a little after the events are out.
		var m map[string]float64
		deadline := time.Now().Add(time.Minute)
		for {
			m = scrapeMetrics(b, sock)
			if m[`peripety_hooks_running`] == 0 && m[`peripety_hook_runs_total{hook="10-record",outcome="ok"}`] > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		rss := peakRSS(b, cmd.Process.Pid)
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			b.Fatalf("peripetyd: %v", err)
		}
		b2, _ := os.ReadFile(runs)
		ran := strings.Count(string(b2), "\n")
		if ran == 0 || ran > 10 {
			b.Fatalf("the hook ran %d times for %d events; want 1 to 10 (its rate limit)", ran, events)
		}
		b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
		b.ReportMetric(float64(events), "events")
		b.ReportMetric(float64(ran), "hook-runs")
		b.ReportMetric(m[`peripety_hook_skipped_total{hook="10-record",reason="rate_limit"}`], "hook-rate-limited")
		b.ReportMetric(m[`peripety_hook_skipped_total{hook="10-record",reason="dedup"}`], "hook-deduplicated")
	}
}

// scrapeMetrics reads the daemon's metrics socket into series → value.
func scrapeMetrics(tb testing.TB, sock string) map[string]float64 {
	tb.Helper()
	out, err := exec.Command("curl", "--silent", "--fail", "--unix-socket", sock, "http://localhost/metrics").Output()
	if err != nil {
		return nil
	}
	m := map[string]float64{}
	for _, l := range strings.Split(string(out), "\n") {
		if l == "" || l[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		v, err := strconv.ParseFloat(l[i+1:], 64)
		if err == nil {
			m[l[:i]] = v
		}
	}
	return m
}
