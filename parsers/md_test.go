package parsers

import (
	"testing"

	"github.com/peripety/peripety/event"
)

var mdCases = []lineCase{
	single("<2>md/raid0md0: Disk failure on sdb1 detected, failing array.", "MD_ARRAY_FAILED", "sdb1", event.Critical, map[string]string{"array": "md0"}),
	single("<2>md/raid:md1: Disk failure on sdd, disabling device.", "MD_DISK_FAILURE", "sdd", event.Critical, map[string]string{"array": "md1"}),
	single("<2>md/raid:md1: Operation continuing on 3 devices.", "MD_DEGRADED", "md1", event.Critical, map[string]string{"devices": "3"}),
	{
		name:    "raid1 prints failure and degradation in one record",
		records: []string{"<2>md/raid1:md0: Disk failure on sdb1, disabling device.\nmd/raid1:md0: Operation continuing on 1 devices."},
		want: []want{
			{Type: "MD_DISK_FAILURE", Kdev: "sdb1", Sev: event.Critical, Raw: "md/raid1:md0: Disk failure on sdb1, disabling device.",
				Msg: "MD array md0: member sdb1 failed and was disabled"},
			{Type: "MD_DEGRADED", Kdev: "md0", Sev: event.Critical, Raw: "md/raid1:md0: Operation continuing on 1 devices.",
				Msg: "MD array md0 degraded: continuing on 1 devices"},
		},
	},
	single("<2>md/raid:md1: Cannot continue operation (2/4 failed).", "MD_ARRAY_FAILED", "md1", event.Critical, map[string]string{"failed": "2", "devices": "4"}),
	{
		name: "raid1 read error redirected",
		records: []string{
			"<3>md/raid1:md0: sdb1: rescheduling sector 1953792",
			"<6>md/raid1:md0: redirecting sector 1953792 to other mirror: sdc1",
		},
		want: []want{{Type: "MD_IO_ERROR", Kdev: "sdb1", Sev: event.Error, Raw: "md/raid1:md0: sdb1: rescheduling sector 1953792",
			Msg: "MD array md0: read error on sdb1 at sector 1953792, redirected to sdc1",
			Ext: map[string]string{"array": "md0", "sector": "1953792", "redirected_to": "sdc1"}}},
	},
	single("<6>md/raid:md1: read error corrected (8 sectors at 262144 on sdc)", "MD_READ_ERROR_CORRECTED", "sdc", event.Info, map[string]string{"sectors": "8", "sector": "262144"}),
	single("<6>md/raid1:md0: read error corrected (8 sectors at 2048 on sdb1)", "MD_READ_ERROR_CORRECTED", "sdb1", event.Info, nil),
	single("<4>md/raid:md1: read error not correctable (sector 262144 on sdc).", "MD_READ_ERROR_UNRECOVERABLE", "sdc", event.Warning, map[string]string{"sector": "262144"}),
	single("<4>md/raid:md1: read error NOT corrected!! (sector 262144 on sdc).", "MD_READ_ERROR_UNRECOVERABLE", "sdc", event.Warning, nil),
	single("<2>md/raid1:md0: sdb1: unrecoverable I/O read error for block 1953792", "MD_READ_ERROR_UNRECOVERABLE", "sdb1", event.Critical, map[string]string{"sector": "1953792"}),
	single("<4>md/raid:md1: Too many read errors, failing device sdc.", "MD_DISK_FAILURE", "sdc", event.Warning, map[string]string{"array": "md1"}),
	single("<4>md: kicking non-fresh sdc1 from array!", "MD_DEVICE_KICKED", "sdc1", event.Warning, nil),
	single("<6>md: recovery of RAID array md0", "MD_SYNC_STARTED", "md0", event.Info, map[string]string{"action": "recovery"}),
	single("<6>md: data-check of RAID array md127", "MD_SYNC_STARTED", "md127", event.Info, nil),
	single("<6>md: md0: recovery done.", "MD_SYNC_DONE", "md0", event.Info, nil),
	single("<6>md: md0: data-check interrupted.", "MD_SYNC_INTERRUPTED", "md0", event.Info, map[string]string{"action": "data-check"}),
	single("<3>md: super_written gets error=-5", "MD_IO_ERROR", "", event.Error, map[string]string{"error": "-5"}),
	single("<3>md: md0: super_written gets error=10", "MD_IO_ERROR", "md0", event.Error, nil),
	none("<6>md: md0: redirecting sector 1 to other mirror: sdc1"),
}

// mdFaultCases are md's arrays that fail to start or rebuild, refused
// members, I/O errors, bitmaps, journals and the multipath personality
// (4.19-6.12), each a specific event.
var mdFaultCases = []lineCase{
	single("<2>md/raid:md1: not enough operational devices (2/4 failed)", "MD_ARRAY_FAILED", "md1", event.Critical,
		map[string]string{"failed": "2", "condition": "array:failed"}),
	single("<3>md/raid10:md2: not enough operational mirrors.", "MD_ARRAY_FAILED", "md2", event.Error, nil),
	single("<2>md/raid:md1: cannot start dirty degraded array.", "MD_ARRAY_NOT_STARTED", "md1", event.Critical, nil),
	single("<2>md/raid:md1: starting dirty degraded array - data corruption possible.", "MD_DEGRADED", "md1", event.Critical,
		map[string]string{"condition": "array:degraded"}),
	single("<4>md/raid:md1: failed to run raid set.", "MD_ARRAY_NOT_STARTED", "md1", event.Warning, nil),
	single("<4>md/linear:md3: not enough drives present. Aborting!", "MD_ARRAY_NOT_STARTED", "md3", event.Warning, nil),
	single("<4>md: pers->run() failed ...", "MD_ARRAY_NOT_STARTED", "", event.Warning, nil),
	single("<3>md/raid0:md4: cannot assemble multi-zone RAID0 with default_layout setting", "MD_ARRAY_NOT_STARTED", "md4", event.Error, nil),
	single("<3>md: open failed - cannot start array md5", "MD_ARRAY_NOT_STARTED", "md5", event.Error, nil),
	single("<3>md/raid10:md2: resync fails", "MD_RECOVERY_FAILED", "md2", event.Error, nil),
	single("<4>md/raid10:md2: insufficient working devices for recovery.", "MD_RECOVERY_FAILED", "md2", event.Warning, nil),
	single("<5>md/raid10:md2: recovery aborted due to read error", "MD_RECOVERY_FAILED", "md2", event.Notice,
		map[string]string{"condition": "array:degraded"}),
	single("<4>md0: could not start resync thread...", "MD_RECOVERY_FAILED", "md0", event.Warning, nil),
	single("<4>md: fatal superblock inconsistency in sdc1 -- removing from array", "MD_DEVICE_KICKED", "sdc1", event.Warning, nil),
	single("<3>md: disabled device sdc1, could not read superblock.", "MD_DEVICE_KICKED", "sdc1", event.Error, nil),
	single("<4>md: invalid superblock checksum on sdd1", "MD_SUPERBLOCK_ERROR", "sdd1", event.Warning, nil),
	single("<4>md: sdd1 has different UUID to sdc1", "MD_SUPERBLOCK_ERROR", "sdd1", event.Warning, nil),
	single("<4>md: sde1 has zero or unknown size, marking faulty!", "MD_DEVICE_KICKED", "sde1", event.Warning, nil),
	single("<4>md/raid:md1: 21 read_errors > 20 stripes", "MD_IO_ERROR", "md1", event.Warning, nil),
	single("<4>md: sdd1 does not have a valid v1.2 superblock, not importing!", "MD_SUPERBLOCK_ERROR", "sdd1", event.Warning, nil),
	single("<3>md/raid10:md2: sdb1: redirecting sector 2048 to another mirror", "MD_IO_ERROR", "sdb1", event.Error, map[string]string{"array": "md2"}),
	single("<3>md: md0 flush io error -5", "MD_IO_ERROR", "md0", event.Error, nil),
	single("<3>md: bitmap read error: (512B @ 8): -5", "MD_IO_ERROR", "", event.Error, nil),
	single("<3>md/linear:md3: make_request: Sector 4194304 out of bounds on dev sdb1: 2097152 sectors, offset 0", "MD_IO_ERROR", "sdb1", event.Error,
		map[string]string{"array": "md3"}),
	single("<4>md/raid:md1: read error on replacement device (sector 4096 on sde1).", "MD_IO_ERROR", "md1", event.Warning,
		map[string]string{"member": "sde1"}),
	single("<4>md1: mismatch sector in range 2048-2056", "MD_MISMATCH", "md1", event.Warning, map[string]string{"first_sector": "2048"}),
	single("<4>md0: bitmap file is out of date (12 < 14) -- forcing full recovery", "MD_BITMAP_ERROR", "md0", event.Warning, nil),
	single("<4>md/raid:md1: journal disk is missing, force array readonly", "MD_JOURNAL_ERROR", "md1", event.Warning, nil),
	single("<3>md/raid:md1: failed to rewrite stripes to journal", "MD_JOURNAL_ERROR", "md1", event.Error, nil),
	single("<4>md/raid:md1: PPL header signature does not match on all member drives", "MD_JOURNAL_ERROR", "md1", event.Warning, nil),
	{
		name:    "md multipath path failure, one record of two lines",
		records: []string{"<3>multipath: IO failure on sdc, disabling IO path.\nmultipath: Operation continuing on 1 IO paths."},
		want: []want{{Type: "MD_MULTIPATH_PATH_FAILED", Kdev: "sdc", Sev: event.Error, Raw: "multipath: IO failure on sdc, disabling IO path.",
			Msg: "MD multipath: path sdc failed and was disabled; 1 paths left", Ext: map[string]string{"condition": "path:failed"}}},
	},
	single("<4>multipath: no operational IO paths for md7", "MD_MULTIPATH_NO_PATH", "md7", event.Warning, nil),
	single("<2>multipath_map(): no more operational IO paths?", "MD_MULTIPATH_NO_PATH", "", event.Critical, nil),
	single("<3>multipath: md7: unrecoverable IO read error for block 1024", "MD_IO_ERROR", "md7", event.Error, nil),
}

func TestMD(t *testing.T) {
	runCases(t, mdCases)
	runCases(t, mdFaultCases)
}
