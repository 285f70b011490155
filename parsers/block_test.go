package parsers

import (
	"strings"
	"testing"

	"github.com/peripety/peripety/event"
)

var blockCases = []lineCase{
	// The lab's nvme-remove and scsi-remove (parsers/testdata/real/lab/…):
	// writes to a disk gone under its filesystem. One record of two lines.
	{name: "access beyond the end of a removed device",
		records: []string{"<6>jbd2/nvme1n1-8: attempt to access beyond end of device\nnvme1n1: rw=38913, sector=32796, nr_sectors = 2 limit=0"},
		want: []want{{Type: "BLK_IO_ERROR", Kdev: "nvme1n1", Sev: event.Error, Raw: "nvme1n1: rw=38913, sector=32796, nr_sectors = 2 limit=0",
			Msg: "I/O beyond the end of nvme1n1 failed at sector 32796: the device has 0 sectors",
			Ext: map[string]string{"rw": "38913", "sector": "32796", "nr_sectors": "2", "limit": "0"}}}},
	{name: "access beyond the end, 4.19",
		records: []string{"<6>attempt to access beyond end of device", "<6>sdb1: rw=1, want=2097160, limit=2097152"},
		want: []want{{Type: "BLK_IO_ERROR", Kdev: "sdb1", Sev: event.Error, Raw: "sdb1: rw=1, want=2097160, limit=2097152",
			Ext: map[string]string{"want": "2097160", "limit": "2097152"}}}},
	single("<3>sdb: guard tag error at sector 2048 (rcvd 1f2e, want 3c4d)", "BLK_INTEGRITY_ERROR", "sdb", event.Error, map[string]string{"pi_tag": "guard", "sector": "2048"}),
	single("<4>Trying to write to read-only block-device sdb (partno 1)", "BLK_WRITE_READ_ONLY", "sdb", event.Warning, map[string]string{"partno": "1"}),
	single("<4>VFS: Dirty inode writeback failed for block device sdc (err=-5).", "BLK_WRITEBACK_ERROR", "sdc", event.Warning, map[string]string{"errno": "-5"}),
	single("<4>VFS: busy inodes on changed media sr0", "BLK_MEDIA_CHANGED", "sr0", event.Warning, nil),
	single("<4>sdb: p2 size 41943040 extends beyond EOD, truncated", "BLK_PARTITION_INVALID", "sdb", event.Warning, map[string]string{"partno": "2"}),
	single("<3> sdb: p3 could not be added: -16", "BLK_PARTITION_INVALID", "sdb", event.Error, map[string]string{"errno": "-16"}),
	single("<4>nvme0n2: zone 12: Invalid mix of zone append and regular writes", "BLK_ZONE_ERROR", "nvme0n2", event.Warning, nil),
	single("<3>blk_insert_cloned_request: over max size limit. (256 > 128)", "BLK_CLONED_REQUEST_REJECTED", "", event.Error, map[string]string{"limit": "size"}),
	// Issue 15: loop's own write error (≤5.x, file-backed).
	single("<3>loop: Write error at byte offset 1048576, length 4096.", "BLK_IO_ERROR", "", event.Error, map[string]string{"offset": "1048576", "length": "4096"}),
	single("<3>virtio_blk virtio2: virtio_blk: invalid block size: 0x3", "BLK_VIRTIO_PROBE_ERROR", "", event.Error, map[string]string{"virtio": "virtio2"}),
	single("<4>virtio_blk virtio2: Capacity 18446744073709551615 too large: truncating", "BLK_VIRTIO_PROBE_ERROR", "", event.Warning, nil),
	single("<3>virtio_blk virtio2: zone 12: invalid condition 0x7", "BLK_ZONE_ERROR", "", event.Error, nil),
	single("<4>virtio_blk virtio1: zero write granularity reported", "BLK_ZONE_ERROR", "", event.Warning, nil), {
		name: "6.x block errors",
		records: []string{
			"<3>I/O error, dev loop4, sector 2048 op 0x0:(READ) flags 0x80700 phys_seg 2 prio class 2",
			"<3>operation not supported error, dev loop4, sector 304 op 0x9:(WRITE_ZEROES) flags 0x800 phys_seg 0 prio class 2",
		},
		want: []want{
			{Type: "BLK_IO_ERROR", Kdev: "loop4", Sev: event.Error,
				Raw: "I/O error, dev loop4, sector 2048 op 0x0:(READ) flags 0x80700 phys_seg 2 prio class 2",
				Msg: "I/O error on loop4 at sector 2048 (READ)", Ext: map[string]string{"sector": "2048", "op": "READ", "status": "I/O", "blk_status": "BLK_STS_IOERR"}},
			// mkfs probing WRITE ZEROES (issue 13): no I/O failed.
			{Type: "BLK_IO_ERROR", Kdev: "loop4", Sev: event.Info,
				Raw: "operation not supported error, dev loop4, sector 304 op 0x9:(WRITE_ZEROES) flags 0x800 phys_seg 0 prio class 2",
				Msg: "loop4 does not support WRITE_ZEROES (sector 304): the caller falls back, no I/O failed",
				Ext: map[string]string{"sector": "304", "blk_status": "BLK_STS_NOTSUPP"}},
		},
	}, {
		name: "5.x, 4.x and 3.x forms",
		records: []string{
			"<3>blk_update_request: critical medium error, dev sda, sector 230762136 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0",
			"<3>print_req_error: I/O error, dev nbd0, sector 66264 flags 3000",
			"<3>print_req_error: I/O error, dev sda, sector 54732672",
			"<3>blk_update_request: I/O error, dev sdb, sector 1234",
			"<3>end_request: I/O error, dev sdc, sector 0",
			"<3>blk_update_request: critical nexus error, dev sdm, sector 2048 op 0x1:(WRITE) flags 0x8800 phys_seg 1 prio class 0",
		},
		want: []want{
			{Type: "BLK_IO_ERROR", Kdev: "sda", Sev: event.Error, Ext: map[string]string{"sector": "230762136", "status": "critical medium", "blk_status": "BLK_STS_MEDIUM"},
				Raw: "blk_update_request: critical medium error, dev sda, sector 230762136 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0"},
			{Type: "BLK_IO_ERROR", Kdev: "nbd0", Sev: event.Error, Ext: map[string]string{"sector": "66264", "flags": "3000"},
				Raw: "print_req_error: I/O error, dev nbd0, sector 66264 flags 3000", Msg: "I/O error on nbd0 at sector 66264"},
			{Type: "BLK_IO_ERROR", Kdev: "sda", Sev: event.Error, Ext: map[string]string{"sector": "54732672"},
				Raw: "print_req_error: I/O error, dev sda, sector 54732672"},
			{Type: "BLK_IO_ERROR", Kdev: "sdb", Sev: event.Error, Ext: map[string]string{"sector": "1234"},
				Raw: "blk_update_request: I/O error, dev sdb, sector 1234"},
			{Type: "BLK_IO_ERROR", Kdev: "sdc", Sev: event.Error, Ext: map[string]string{"sector": "0"},
				Raw: "end_request: I/O error, dev sdc, sector 0"},
			{Type: "BLK_IO_ERROR", Kdev: "sdm", Sev: event.Error, Ext: map[string]string{"sector": "2048", "status": "critical nexus"},
				Raw: "blk_update_request: critical nexus error, dev sdm, sector 2048 op 0x1:(WRITE) flags 0x8800 phys_seg 1 prio class 0"},
		},
	}, {
		name: "buffer I/O errors",
		records: []string{
			"<3>Buffer I/O error on dev loop4, logical block 256, async page read",
			"<3>Buffer I/O error on device loop4, logical block 4139",
			"<3>Buffer I/O error on dev dm-0, logical block 32801, lost sync page write",
		},
		want: []want{
			{Type: "BUFFER_IO_ERROR", Kdev: "loop4", Sev: event.Error, Raw: "Buffer I/O error on dev loop4, logical block 256, async page read",
				Msg: "Buffer I/O error on loop4 at logical block 256 (async page read)", Ext: map[string]string{"block": "256"}},
			{Type: "BUFFER_IO_ERROR", Kdev: "loop4", Sev: event.Error, Raw: "Buffer I/O error on device loop4, logical block 4139",
				Msg: "Buffer I/O error on loop4 at logical block 4139"},
			{Type: "BUFFER_IO_ERROR", Kdev: "dm-0", Sev: event.Error, Raw: "Buffer I/O error on dev dm-0, logical block 32801, lost sync page write",
				Ext: map[string]string{"detail": "lost sync page write"}},
		},
	}, {
		name:    "capacity change",
		records: []string{"<6>loop4: detected capacity change from 524288 to 1048576", "<6>nvme0n1: detected capacity change from 1953525168 to 0"},
		want: []want{
			{Type: "BLK_CAPACITY_CHANGE", Kdev: "loop4", Sev: event.Info, Raw: "loop4: detected capacity change from 524288 to 1048576",
				Msg: "Capacity of loop4 changed from 524288 to 1048576 sectors"},
			{Type: "BLK_CAPACITY_CHANGE", Kdev: "nvme0n1", Sev: event.Info, Raw: "nvme0n1: detected capacity change from 1953525168 to 0"},
		},
	}, {
		name: "a rate-limit notice counts the lines it stands for",
		records: []string{
			"<3>I/O error, dev loop4, sector 0 op 0x1:(WRITE) flags 0x3800 phys_seg 2 prio class 2",
			"<4>blk_print_req_error: 10 callbacks suppressed",
		},
		want: []want{
			{Type: "BLK_IO_ERROR", Kdev: "loop4", Sev: event.Error, Raw: "I/O error, dev loop4, sector 0 op 0x1:(WRITE) flags 0x3800 phys_seg 2 prio class 2"},
			{Type: "BLK_IO_ERROR", Kdev: "loop4", Sev: event.Error, Count: 10, Raw: "",
				Msg: "10 BLK_IO_ERROR lines suppressed by the kernel's rate limit in blk_print_req_error (the latest logged one was on loop4)",
				Ext: map[string]string{"suppressed": "10", "kdev_inferred": "true"}},
		},
	}, {
		name:    "a rate-limit notice with no event before it",
		records: []string{"<4>buffer_io_error: 3 callbacks suppressed"},
		want: []want{{Type: "BUFFER_IO_ERROR", Sev: event.Warning, Count: 3,
			Msg: "3 BUFFER_IO_ERROR lines suppressed by the kernel's rate limit in buffer_io_error (device not logged)"}},
	}, {
		name:    "a notice of nothing suppressed counts nothing",
		records: []string{"<4>print_req_error: 0 callbacks suppressed"},
	}, {
		name:    "an absurd count saturates",
		records: []string{"<4>buffer_io_error: 99999999999 callbacks suppressed"},
		want:    []want{{Type: "BUFFER_IO_ERROR", Sev: event.Warning, Count: 4294967295, Ext: map[string]string{"suppressed": "4294967295"}}},
	}, {
		name:    "other rate-limit notices are not storage",
		records: []string{"<4>net_ratelimit: 5 callbacks suppressed", "<4>loop: module loaded"},
	}}

func TestBlock(t *testing.T) { runCases(t, blockCases) }

// TestBlockStatuses checks every status word of blk_errors[] (4.19-6.12):
// its blk_status and severity alone, and that its line still ends the SCSI
// or NVMe failure printed before it for the same disk.
func TestBlockStatuses(t *testing.T) {
	rs := mustRuleSet(t)
	for _, c := range []struct {
		word, name string
		sev        event.Severity
		cond       string
	}{
		{"operation not supported", "BLK_STS_NOTSUPP", event.Info, ""},
		{"timeout", "BLK_STS_TIMEOUT", event.Error, ""},
		{"critical space allocation", "BLK_STS_NOSPC", event.Error, ""},
		{"recoverable transport", "BLK_STS_TRANSPORT", event.Error, ""},
		{"critical target", "BLK_STS_TARGET", event.Error, ""},
		{"critical nexus", "BLK_STS_NEXUS", event.Error, ""},
		{"reservation conflict", "BLK_STS_RESV_CONFLICT", event.Error, ""},
		{"critical medium", "BLK_STS_MEDIUM", event.Error, ""},
		{"protection", "BLK_STS_PROTECTION", event.Error, ""},
		{"kernel resource", "BLK_STS_RESOURCE", event.Warning, ""},
		{"device resource", "BLK_STS_DEV_RESOURCE", event.Warning, ""},
		{"nonblocking retry", "BLK_STS_AGAIN", event.Info, ""},
		{"device offline", "BLK_STS_OFFLINE", event.Error, "device:offline"},
		{"dm internal retry", "BLK_STS_DM_REQUEUE", event.Info, ""},
		{"open zones exceeded", "BLK_STS_ZONE_OPEN_RESOURCE", event.Error, ""},
		{"active zones exceeded", "BLK_STS_ZONE_ACTIVE_RESOURCE", event.Error, ""},
		{"duration limit exceeded", "BLK_STS_DURATION_LIMIT", event.Error, ""},
		{"invalid", "BLK_STS_INVAL", event.Error, ""},
		{"I/O", "BLK_STS_IOERR", event.Error, ""},
	} {
		t.Run(c.word, func(t *testing.T) {
			blk := c.word + " error, dev sdc, sector 490871808 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2"
			for _, form := range []string{blk, "blk_update_request: " + blk, "print_req_error: " + c.word + " error, dev sdc, sector 490871808"} {
				got := parseAll(t, rs, Options{}, []string{"<3>" + form})
				if len(got) != 1 || got[0].EventType != "BLK_IO_ERROR" || got[0].Severity != c.sev ||
					got[0].Ext("blk_status") != c.name || got[0].Ext("condition") != c.cond {
					t.Errorf("%q: got %+v, want one BLK_IO_ERROR of severity %s, blk_status %s, condition %q", form, got, c.sev, c.name, c.cond)
				}
			}
			scsi := []string{
				"<6>sd 2:0:0:0: [sdc] tag#19 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=3s",
				"<6>sd 2:0:0:0: [sdc] tag#19 Sense Key : Medium Error [current] ",
				"<6>sd 2:0:0:0: [sdc] tag#19 CDB: Read(16) 88 00 00 00 00 00 1d 42 1c 00 00 00 00 08 00 00",
				"<3>" + blk,
			}
			nvme := []string{
				"<3>nvme0n1: Read(0x2) @ LBA 1953520, 8 blocks, Unrecovered Read Error (sct 0x2 / sc 0x81) DNR ",
				"<3>" + strings.Replace(blk, "sdc", "nvme0n1", 1),
			}
			for _, recs := range [][]string{scsi, nvme} {
				got := parseAll(t, rs, Options{}, recs)
				if len(got) != 1 || got[0].Ext("sector") != "490871808" || got[0].EventType == "BLK_IO_ERROR" {
					t.Errorf("%q after %q: got %+v, want it folded into one event", blk, recs[0], got)
				}
			}
		})
	}
}
