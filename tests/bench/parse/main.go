// Command parse is the benchmark of `prpt parse` against grep (issue 2): it
// writes a kernel log of -records records, 90% of them the chatter of a quiet
// system and 10% storage lines (the records of
// parsers/testdata/corpus/storage.kmsg, in turn), then times
// `prpt parse -J FILE >/dev/null` and `grep -c -F -f PREFIXES FILE` side
// by side, best of -runs (wall and CPU time), with each one's peak RSS; then it does the same
// for a log -big records long, to show that prpt's memory stays flat.
//
//	go build -o bin/prpt ./cmd/prpt && go run ./tests/bench/parse
//
// or tests/bench/parse.sh, which builds and runs it.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/parsers/logfmt"
)

func main() {
	records := flag.Int("records", 1_000_000, "records in the log timed against grep")
	big := flag.Int("big", 4_000_000, "records in the second log, for peak memory (0: skip)")
	runs := flag.Int("runs", 3, "runs of each command; the fastest counts")
	prpt := flag.String("prpt", "bin/prpt", "the prpt binary")
	corpus := flag.String("corpus", "parsers/testdata/corpus/storage.kmsg", "storage records to mix in")
	format := flag.String("format", "kmsg", "format of the generated log: kmsg, dmesg or syslog")
	keep := flag.String("dir", "", "write the logs here and keep them (default: a temporary directory, removed)")
	flag.Parse()
	if err := run(*records, *big, *runs, *prpt, *corpus, *format, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(records, big, runs int, prpt, corpus, format, keep string) error {
	storage, err := readCorpus(corpus)
	if err != nil {
		return err
	}
	dir := keep
	if dir == "" {
		if dir, err = os.MkdirTemp("", "prpt-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	prefixes := filepath.Join(dir, "storage-prefixes")
	if err := os.WriteFile(prefixes, []byte(strings.Join(storagePrefixes, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Printf("format %s; %d storage records from %s; %d grep prefixes; best of %d runs\n",
		format, len(storage), corpus, len(storagePrefixes), runs)
	fmt.Printf("%-9s %-7s %8s %8s %6s %9s %9s %6s %10s %10s %7s\n", "records", "size",
		"grep", "prpt", "ratio", "grep cpu", "prpt cpu", "ratio", "grep rss", "prpt rss", "events")
	for _, n := range []int{records, big} {
		if n == 0 {
			continue
		}
		log := filepath.Join(dir, fmt.Sprintf("kernel-%d.%s", n, format))
		size, err := generate(log, n, storage, format)
		if err != nil {
			return err
		}
		grepOut := filepath.Join(dir, "grep.out")
		g, err := best(runs, grepOut, "grep", "-c", "-F", "-f", prefixes, log)
		if err != nil {
			return err
		}
		count, err := os.ReadFile(grepOut)
		if err != nil {
			return err
		}
		p, err := best(runs, os.DevNull, prpt, "parse", "-J", log)
		if err != nil {
			return err
		}
		events, err := countEvents(prpt, log)
		if err != nil {
			return err
		}
		fmt.Printf("%-9d %-7s %7.2fs %7.2fs %5.2fx %8.2fs %8.2fs %5.2fx %7.1f MB %7.1f MB %7d\n", n, mib(size),
			g.wall.Seconds(), p.wall.Seconds(), p.wall.Seconds()/g.wall.Seconds(),
			g.cpu.Seconds(), p.cpu.Seconds(), p.cpu.Seconds()/g.cpu.Seconds(),
			float64(g.maxRSS)/1024, float64(p.maxRSS)/1024, events)
		fmt.Printf("%-9s grep counted %s lines with a storage prefix\n", "", strings.TrimSpace(string(count)))
		if keep == "" {
			os.Remove(log)
		}
	}
	return nil
}

func mib(n int64) string { return fmt.Sprintf("%dMiB", n>>20) }

// result is one command's best run. On a shared machine wall time varies
// with the load; CPU time (user+system) much less.
type result struct {
	wall   time.Duration
	cpu    time.Duration
	maxRSS int64 // KiB
}

// best runs the command runs times with its standard output to the file
// out, and keeps the shortest wall and CPU times and the largest peak RSS.
func best(runs int, out string, name string, args ...string) (result, error) {
	var b result
	for i := 0; i < runs; i++ {
		f, err := os.Create(out)
		if err != nil {
			return b, err
		}
		cmd := exec.Command(name, args...)
		cmd.Stdout = f
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		err = cmd.Run()
		wall := time.Since(start)
		f.Close()
		if err != nil {
			var ee *exec.ExitError
			// grep -c exits 1 when it counts no line.
			if !errors.As(err, &ee) || name != "grep" || ee.ExitCode() != 1 {
				return b, fmt.Errorf("%s: %v: %s", name, err, stderr.String())
			}
		}
		r := result{wall: wall}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.maxRSS = ru.Maxrss
			r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
		if i == 0 {
			b = r
			continue
		}
		b.wall = min(b.wall, r.wall)
		b.cpu = min(b.cpu, r.cpu)
		b.maxRSS = max(b.maxRSS, r.maxRSS)
	}
	return b, nil
}

// countEvents runs prpt parse -J once more, untimed, to count its events.
func countEvents(prpt, log string) (int64, error) {
	cmd := exec.Command(prpt, "parse", "-J", log)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	n, cerr := countLines(out)
	if err := cmd.Wait(); err != nil {
		return 0, fmt.Errorf("%s: %w", prpt, err)
	}
	return n, cerr
}

// countLines reads r to its end, counting lines.
func countLines(r io.Reader) (int64, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var n int64
	for {
		_, err := br.ReadSlice('\n')
		switch {
		case err == nil:
			n++
		case errors.Is(err, bufio.ErrBufferFull):
		case errors.Is(err, io.EOF):
			return n, nil
		default:
			return n, err
		}
	}
}

// storagePrefixes are the literals a storage line starts with (or holds):
// what an administrator would grep for.
var storagePrefixes = []string{
	"I/O error", "critical medium error", "critical target error", "Buffer I/O error",
	"blk_update_request", "print_req_error", "EXT4-fs", "JBD2", "XFS (", "BTRFS",
	"Aborting journal", "sd ", "scsi ", "ata", "nvme", "md/raid", "md:", "device-mapper:",
	" connection", "session", "detected capacity change", "I/O error, dev",
}

// readCorpus returns the kernel records of a kmsg file.
func readCorpus(path string) ([]parsers.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := logfmt.NewReader(f, logfmt.FormatKmsg)
	if err != nil {
		return nil, err
	}
	var recs []parsers.Record
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if rec.Facility == 0 {
			recs = append(recs, rec)
		}
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: no kernel records", path)
	}
	return recs, nil
}

// generate writes n records: one in ten a storage record, the rest chatter,
// 0.1-1 s apart (storage records come 1-10 s apart, as on a quiet system
// with a failing disk; the corpus itself is spaced so).
func generate(path string, n int, storage []parsers.Record, format string) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	boot := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	var usec int64 = 5_000_000
	si := 0
	for seq := 0; seq < n; seq++ {
		usec += 100_000 + rng.Int64N(900_000)
		var rec parsers.Record
		if seq%10 == 9 {
			rec = storage[si%len(storage)]
			si++
		} else {
			rec = chatter(rng)
		}
		rec.Seq = uint64(seq)
		rec.Monotonic = time.Duration(usec) * time.Microsecond
		rec.Time = boot.Add(rec.Monotonic)
		if err := write(w, &rec, format); err != nil {
			f.Close()
			return 0, err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return 0, err
	}
	return st.Size(), f.Close()
}

func write(w *bufio.Writer, rec *parsers.Record, format string) error {
	usec := rec.Monotonic.Microseconds()
	switch format {
	case "kmsg":
		fmt.Fprintf(w, "%d,%d,%d,-;", rec.Facility<<3|rec.Level, rec.Seq, usec)
		escape(w, rec.Message)
		w.WriteByte('\n')
		if rec.Subsystem != "" {
			fmt.Fprintf(w, " SUBSYSTEM=%s\n DEVICE=%s\n", rec.Subsystem, rec.Device)
		}
	case "dmesg":
		prefix := fmt.Sprintf("[%5d.%06d] ", usec/1e6, usec%1e6)
		w.WriteString(prefix)
		w.WriteString(strings.ReplaceAll(rec.Message, "\n", "\n"+strings.Repeat(" ", len(prefix))))
		w.WriteByte('\n')
	case "syslog":
		prefix := rec.Time.Format("Jan _2 15:04:05") + " bench kernel: "
		w.WriteString(prefix)
		w.WriteString(strings.ReplaceAll(rec.Message, "\n", "\n"+strings.Repeat(" ", len(prefix))))
		w.WriteByte('\n')
	default:
		return fmt.Errorf("unknown format %q: want kmsg, dmesg or syslog", format)
	}
	return nil
}

// escape writes s as /dev/kmsg does: \xNN for control bytes, bytes from
// 0x7f up and the backslash.
func escape(w *bufio.Writer, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c >= 0x7f || c == '\\' {
			fmt.Fprintf(w, `\x%02x`, c)
			continue
		}
		w.WriteByte(c)
	}
}

// chatter returns one line of what a quiet machine's kernel says that is
// not about storage: networking, firewall, audit, USB, power, OOM, traps.
func chatter(rng *rand.Rand) parsers.Record {
	n := func(k int) int { return rng.IntN(k) }
	mac := func() string {
		return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", n(256), n(256), n(256), n(256), n(256), n(256))
	}
	ip := func() string { return fmt.Sprintf("10.%d.%d.%d", n(256), n(256), n(256)) }
	lines := []func() (int, string){
		func() (int, string) {
			return 4, fmt.Sprintf("[UFW BLOCK] IN=eth0 OUT= MAC=%s:%s:08:00 SRC=%s DST=%s LEN=%d TOS=0x00 PREC=0x00 TTL=%d ID=%d DF PROTO=TCP SPT=%d DPT=%d WINDOW=%d RES=0x00 SYN URGP=0",
				mac(), mac(), ip(), ip(), 40+n(1400), 32+n(200), n(65536), 1024+n(60000), n(1024), n(65535))
		},
		func() (int, string) {
			return 5, fmt.Sprintf(`audit: type=1400 audit(%d.%03d:%d): apparmor="DENIED" operation="open" class="file" profile="snap.firefox.firefox" name="/proc/%d/mountinfo" pid=%d comm="firefox" requested_mask="r" denied_mask="r" fsuid=1000 ouid=1000`,
				1795600000+n(100000), n(1000), n(100000), n(40000), n(40000))
		},
		func() (int, string) {
			return 6, fmt.Sprintf("usb %d-%d: new high-speed USB device number %d using xhci_hcd", 1+n(3), 1+n(6), 2+n(60))
		},
		func() (int, string) {
			return 6, fmt.Sprintf("usb %d-%d: New USB device found, idVendor=%04x, idProduct=%04x, bcdDevice= %d.%02d", 1+n(3), 1+n(6), n(65536), n(65536), n(10), n(100))
		},
		func() (int, string) {
			return 6, fmt.Sprintf("e1000e 0000:00:1f.6 eno1: NIC Link is Up %d Mbps Full Duplex, Flow Control: Rx/Tx", []int{100, 1000}[n(2)])
		},
		func() (int, string) {
			return 6, fmt.Sprintf("docker0: port %d(veth%07x) entered %s state", 1+n(8), n(1<<28), []string{"blocking", "forwarding", "disabled"}[n(3)])
		},
		func() (int, string) {
			return 6, fmt.Sprintf("IPv6: ADDRCONF(NETDEV_CHANGE): veth%07x: link becomes ready", n(1<<28))
		},
		func() (int, string) {
			return 4, fmt.Sprintf("TCP: request_sock_TCP: Possible SYN flooding on port %s:%d. Sending cookies.", ip(), n(65536))
		},
		func() (int, string) {
			return 6, fmt.Sprintf("traps: %s[%d] general protection fault ip:%x sp:%x error:0 in libc.so.6[%x+%x]",
				[]string{"chrome", "node", "python3", "java"}[n(4)], n(100000), n(1<<30), n(1<<30), n(1<<30), n(1<<20))
		},
		func() (int, string) {
			return 4, fmt.Sprintf("perf: interrupt took too long (%d > %d), lowering kernel.perf_event_max_sample_rate to %d", 2500+n(5000), 2500+n(2000), 10000+n(90000))
		},
		func() (int, string) {
			return 3, fmt.Sprintf("Out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:%dkB, shmem-rss:0kB, UID:1000 pgtables:%dkB oom_score_adj:%d",
				n(100000), []string{"chrome", "java", "node"}[n(3)], n(1<<24), n(1<<22), n(1<<16), n(1<<14), n(1000))
		},
		func() (int, string) {
			return 6, fmt.Sprintf("wlp2s0: associated (aid %d)", 1+n(20))
		},
		func() (int, string) {
			return 6, fmt.Sprintf("Bluetooth: hci0: Bootloader revision %d.%d build %d week %d %d", n(10), n(10), n(100), n(52), 2020+n(6))
		},
		func() (int, string) {
			return 4, fmt.Sprintf("kauditd_printk_skb: %d callbacks suppressed", 1+n(50))
		},
		func() (int, string) {
			return 6, fmt.Sprintf("systemd[1]: Started session-%d.scope - Session %d of User user.", n(1000), n(1000))
		},
		func() (int, string) {
			return 6, fmt.Sprintf("hrtimer: interrupt took %d ns", 10000+n(1000000))
		},
		func() (int, string) {
			return 6, fmt.Sprintf("ACPI: \\_SB_.PCI0.LPCB.EC0_: event %d", n(100))
		},
		func() (int, string) {
			return 7, fmt.Sprintf("cfg80211: Loading compiled-in X.509 certificates for regulatory database (%d)", n(10))
		},
	}
	level, msg := lines[n(len(lines))]()
	return parsers.Record{Level: level, Message: msg}
}
