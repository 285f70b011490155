package parsers

import (
	"runtime"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
)

// quietLines are kernel lines of a quiet system that are not storage
// events (some of them storage chatter that must be turned down cheaply).
var quietLines = []string{
	"e1000e 0000:00:1f.6 eno1: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
	"r8169 0000:02:00.0 enp2s0: Link is Down",
	"IPv6: ADDRCONF(NETDEV_CHANGE): wlp2s0: link becomes ready",
	"wlp2s0: authenticate with 02:00:00:00:01:00 (local address=02:00:00:00:02:00)",
	"wlp2s0: associated",
	"br-3f2a: port 1(veth4c1d2e3) entered forwarding state",
	"veth4c1d2e3: entered promiscuous mode",
	"[UFW BLOCK] IN=eth0 OUT= MAC=00:16:3e:00:00:01:00:16:3e:00:00:02:08:00 SRC=192.0.2.10 DST=192.0.2.20 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=54321 DF PROTO=TCP SPT=51234 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0",
	"audit: type=1400 audit(1700000000.123:45): apparmor=\"DENIED\" operation=\"open\" profile=\"snap.firefox.firefox\" name=\"/dev/sda\" pid=1234 comm=\"firefox\" requested_mask=\"r\" denied_mask=\"r\" fsuid=1000 ouid=0",
	"audit: type=1130 audit(1700000001.456:46): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='unit=systemd-tmpfiles-clean comm=\"systemd\" exe=\"/usr/lib/systemd/systemd\" hostname=? addr=? terminal=? res=success'",
	"kauditd_printk_skb: 12 callbacks suppressed",
	"usb 1-1.2: new high-speed USB device number 5 using xhci_hcd",
	"usb 1-1.2: New USB device found, idVendor=0781, idProduct=5581, bcdDevice= 1.00",
	"usb-storage 1-1.2:1.0: USB Mass Storage device detected",
	"hid-generic 0003:046D:C52B.0003: input,hidraw2: USB HID v1.11 Keyboard [Logitech USB Receiver] on usb-0000:00:14.0-2/input0",
	"input: Power Button as /devices/LNXSYSTM:00/LNXPWRBN:00/input/input3",
	"Bluetooth: hci0: Firmware revision 0.0 build 14 week 44 2021",
	"i915 0000:00:02.0: [drm] GuC firmware i915/tgl_guc_70.bin version 70.20.0",
	"snd_hda_intel 0000:00:1f.3: azx_get_response timeout, switching to polling mode: last cmd=0x20270503",
	"perf: interrupt took too long (2513 > 2500), lowering kernel.perf_event_max_sample_rate to 79500",
	"mce: [Hardware Error]: Machine check events logged",
	"TCP: request_sock_TCP: Possible SYN flooding on port 8080. Sending cookies.  Check SNMP counters.",
	"Out of memory: Killed process 4242 (java) total-vm:8123456kB, anon-rss:4123456kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:9000kB oom_score_adj:0",
	"watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [kworker/3:1:1234]",
	"rfkill: input handler disabled",
	"NET: Registered PF_ALG protocol family",
	"nf_conntrack: default automatic helper assignment has been turned off for security reasons",
	"EDAC MC0: 1 CE memory read error on CPU_SrcID#0_Ha#0_Chan#1_DIMM#0 (channel:1 slot:0 page:0x12345 offset:0x0 grain:32)",
	"fuse: init (API version 7.41)",
	"overlayfs: upper fs does not support tmpfile.",
	"loop: module loaded",
	"sd 0:0:0:0: [sda] Attached SCSI disk",
	"sd 0:0:0:0: [sda] Write Protect is off",
	"ata1: SATA link up 6.0 Gbps (SStatus 133 SControl 300)",
	"EXT4-fs (loop0): mounting ext2 file system using the ext4 subsystem",
	"BTRFS info (device loop3): using crc32c (crc32c-lib) checksum algorithm",
	"systemd-journald[312]: Received client request to flush runtime journal.",
	"random: crng init done",
	"x86/split lock detection: #AC: crashing the kernel on kernel split_locks and warning on user-space split_locks",
	"nvme nvme0: 8/0/0 default/read/poll queues",
}

// storageLines are storage lines of the corpus, one failure each.
var storageLines = []string{
	"I/O error, dev loop4, sector 2048 op 0x0:(READ) flags 0x80700 phys_seg 2 prio class 2",
	"Buffer I/O error on dev loop4, logical block 256, async page read",
	"EXT4-fs (loop0): mounted filesystem 11111111-2222-3333-4444-555555555555 r/w with ordered data mode. Quota mode: none.",
	"EXT4-fs error (device loop0): htree_dirblock_to_tree:1051: inode #32769: comm ls: Directory block failed checksum",
	"XFS (loop4): metadata I/O error in \"__xfs_buf_ioend+0x1e0/0x580\" at daddr 0x2 len 1 error 5",
	"sd 2:0:0:0: [sdc] tag#19 Sense Key : Medium Error [current] ",
	"device-mapper: multipath: 253:5: Failing path 259:3.",
	"md/raid:md1: Disk failure on sdd, disabling device.",
	"nvme0n1: I/O Cmd(0x1) @ LBA 4096, 256 blocks, I/O Error (sct 0x2 / sc 0x80) DNR ",
	"BTRFS error (device loop3): bdev /dev/loop3 errs: wr 0, rd 0, flush 0, corrupt 1, gen 0",
}

// benchMix returns n records: 90% quiet lines, 10% storage lines, 2 s
// apart like a quiet system.
func benchMix(n int) []Record {
	recs := make([]Record, n)
	for i := range recs {
		msg := quietLines[i%len(quietLines)]
		if i%10 == 9 {
			msg = storageLines[(i/10)%len(storageLines)]
		}
		recs[i] = Record{Time: t0.Add(time.Duration(i) * 2 * time.Second), Message: msg, Level: 6}
	}
	return recs
}

// BenchmarkMatch measures the matcher alone: prefilter and regexp, for
// which rule takes each record of the mix.
func BenchmarkMatch(b *testing.B) {
	rs := mustRuleSet(b)
	recs := benchMix(len(quietLines) * len(storageLines))
	cpu := startCPU(b)
	hits := 0
	for i := 0; i < b.N; i++ {
		if _, ok := rs.MatchRule(recs[i%len(recs)]); ok {
			hits++
		}
	}
	cpu.stop()
	if b.N >= len(recs) && hits == 0 {
		b.Fatal("no record matched")
	}
}

// BenchmarkParser measures the whole engine: matching, grouping, event
// construction and storm bookkeeping.
func BenchmarkParser(b *testing.B) {
	rs := mustRuleSet(b)
	recs := benchMix(len(quietLines) * len(storageLines))
	p := NewParser(rs, Options{NewID: func() string { return "id" }})
	n := 0
	emit := func(event.Event) { n++ }
	cpu := startCPU(b)
	for i := 0; i < b.N; i++ {
		rec := recs[i%len(recs)]
		rec.Time = t0.Add(time.Duration(i) * 2 * time.Second)
		p.Push(rec, emit)
	}
	p.Close(emit)
	cpu.stop()
}

// cpuClock reports a benchmark's throughput both per wall-clock second
// (records/s) and per CPU second of its thread (records/cpu-s): on a
// machine shared with other work the second is the one-core figure.
type cpuClock struct {
	b     *testing.B
	start time.Duration
	ok    bool
}

func startCPU(b *testing.B) *cpuClock {
	runtime.LockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	c := &cpuClock{b: b}
	c.start, c.ok = threadCPU()
	return c
}

func (c *cpuClock) stop() {
	end, ok := threadCPU()
	c.b.StopTimer()
	runtime.UnlockOSThread()
	c.b.ReportMetric(float64(c.b.N)/c.b.Elapsed().Seconds(), "records/s")
	if c.ok && ok && end > c.start {
		c.b.ReportMetric(float64(c.b.N)/(end-c.start).Seconds(), "records/cpu-s")
	}
}
