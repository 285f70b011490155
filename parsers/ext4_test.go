package parsers

import (
	"testing"

	"github.com/peripety/peripety/event"
)

const uuid1 = "11111111-2222-3333-4444-555555555555"

var ext4Cases = []lineCase{{
	// The lab's ext4-ioerr (parsers/testdata/real/lab/…/dm.kmsg): a
	// directory block the device failed to read.
	name:    "directory block read failed with EIO",
	records: []string{"<4>EXT4-fs warning (device dm-0): htree_dirblock_to_tree:1083: inode #13: lblock 0: comm ls: error -5 reading directory block"},
	want: []want{{Type: "FS_IO_ERROR", Kdev: "dm-0", Sev: event.Error,
		Raw: "EXT4-fs warning (device dm-0): htree_dirblock_to_tree:1083: inode #13: lblock 0: comm ls: error -5 reading directory block",
		Msg: "ext4 on dm-0: I/O error reading a directory block of inode 13 (logical block 0)",
		Ext: map[string]string{"function": "htree_dirblock_to_tree", "inode": "13", "lblock": "0", "comm": "ls", "errno": "-5", "what": "block"}}},
}, {
	name:    "directory index block read failed with EIO",
	records: []string{"<4>EXT4-fs warning (device sdb1): ext4_dx_find_entry:1819: inode #2: comm find: error -5 reading directory index block"},
	want: []want{{Type: "FS_IO_ERROR", Kdev: "sdb1", Sev: event.Error,
		Raw: "EXT4-fs warning (device sdb1): ext4_dx_find_entry:1819: inode #2: comm find: error -5 reading directory index block",
		Ext: map[string]string{"inode": "2", "comm": "find", "what": "index block"}}},
}, {
	// Not EIO (out of memory): a warning.
	name:    "directory block read failed otherwise",
	records: []string{"<4>EXT4-fs warning (device sdb1): htree_dirblock_to_tree:1083: inode #13: lblock 0: comm ls: error -12 reading directory block"},
	want: []want{{Type: "FS_WARNING", Kdev: "sdb1", Sev: event.Warning,
		Raw: "EXT4-fs warning (device sdb1): htree_dirblock_to_tree:1083: inode #13: lblock 0: comm ls: error -12 reading directory block"}},
}, {
	name:    "6.x mount",
	records: []string{"<6>EXT4-fs (loop0): mounted filesystem " + uuid1 + " r/w with ordered data mode. Quota mode: none."},
	want: []want{{Type: "FS_MOUNTED", Kdev: "loop0", Sev: event.Info,
		Raw: "EXT4-fs (loop0): mounted filesystem " + uuid1 + " r/w with ordered data mode. Quota mode: none.",
		Msg: "ext4 filesystem " + uuid1 + " on loop0 mounted r/w",
		Ext: map[string]string{"uuid": uuid1, "mode": "r/w", "data_mode": "ordered", "quota_mode": "none"}}},
},
	single("<6>EXT4-fs (loop0): mounted filesystem "+uuid1+" ro without journal. Quota mode: none.", "FS_MOUNTED", "loop0", event.Info,
		map[string]string{"uuid": uuid1, "mode": "ro"}),
	single("<6>EXT4-fs (sda2): mounted filesystem with ordered data mode. Opts: errors=remount-ro. Quota mode: none.", "FS_MOUNTED", "sda2", event.Info,
		map[string]string{"opts": "errors=remount-ro", "quota_mode": "none", "data_mode": "ordered"}),
	single("<6>EXT4-fs (dm-0): mounted filesystem with ordered data mode. Opts: (null). Quota mode: none.", "FS_MOUNTED", "dm-0", event.Info,
		map[string]string{"opts": "(null)"}),
	single("<6>EXT4-fs (dm-1): mounted filesystem with ordered data mode. Opts: (null)", "FS_MOUNTED", "dm-1", event.Info,
		map[string]string{"opts": "(null)"}),
	single("<6>EXT4-fs (sdb1): mounted filesystem with journalled data mode. Quota mode: none.", "FS_MOUNTED", "sdb1", event.Info,
		map[string]string{"data_mode": "journalled"}),
	single("<6>EXT4-fs (loop0): unmounting filesystem "+uuid1+".", "FS_UNMOUNTED", "loop0", event.Info, map[string]string{"uuid": uuid1}),
	single("<6>EXT4-fs (sdb1): unmounting filesystem.", "FS_UNMOUNTED", "sdb1", event.Info, nil),
	single("<6>EXT4-fs (loop0): re-mounted "+uuid1+" ro.", "FS_REMOUNTED", "loop0", event.Info, map[string]string{"uuid": uuid1, "mode": "ro"}),
	single("<6>EXT4-fs (sdb1): re-mounted. Quota mode: none.", "FS_REMOUNTED", "sdb1", event.Info, nil),
	single("<6>EXT4-fs (sdb1): re-mounted. Opts: errors=remount-ro. Quota mode: none.", "FS_REMOUNTED", "sdb1", event.Info,
		map[string]string{"opts": "errors=remount-ro"}),
	single("<2>EXT4-fs (loop0): Remounting filesystem read-only", "FS_REMOUNT_READ_ONLY", "loop0", event.Critical, nil),
	single("<1>EXT4-fs (loop0): shut down requested (1)", "FS_SHUTDOWN", "loop0", event.Alert, map[string]string{"shutdown_flag": "1"}),
	{
		name: "daily error report",
		records: []string{
			"<5>EXT4-fs (loop1): error count since last fsck: 3",
			"<5>EXT4-fs (loop1): initial error at time 1795619531: ext4_lookup:1789: inode 2",
			"<5>EXT4-fs (loop1): last error at time 1795619600: ext4_find_entry:1661: inode 2: block 1234",
		},
		want: []want{{Type: "FS_ERROR_SUMMARY", Kdev: "loop1", Sev: event.Notice, Raw: "EXT4-fs (loop1): error count since last fsck: 3",
			Msg: "ext4 filesystem on loop1 has recorded 3 errors since the last fsck",
			Ext: map[string]string{"error_count": "3", "which": "initial", "function": "ext4_lookup"}}},
	},
	single("<5>EXT4-fs (loop1): last error at time 1795619531: ext4_lookup:1789: inode 2", "FS_ERROR_SUMMARY", "loop1", event.Notice,
		map[string]string{"which": "last", "inode": "2"}),
	single("<4>EXT4-fs warning (device loop4): ext4_end_bio:368: I/O error 10 writing to inode 12 starting block 4139)", "FS_IO_ERROR", "loop4", event.Warning,
		map[string]string{"inode": "12", "block": "4139", "status": "10"}),
	single("<4>EXT4-fs warning (device sda1): ext4_end_bio:322: I/O error -5 writing to inode 1311 (offset 0 size 4096 starting block 1234)", "FS_IO_ERROR", "sda1", event.Warning,
		map[string]string{"inode": "1311", "block": "1234", "size": "4096"}),
	single("<0>EXT4-fs (loop4): failed to convert unwritten extents to written extents -- potential data loss!  (inode 12, error -5)", "FS_IO_ERROR", "loop4", event.Emergency,
		map[string]string{"inode": "12", "errno": "-5"}),
	single("<3>EXT4-fs (loop4): I/O error while writing superblock", "FS_IO_ERROR", "loop4", event.Error, nil),
	single("<3>EXT4-fs (loop4): previous I/O error to superblock detected", "FS_IO_ERROR", "loop4", event.Error, nil),
	{
		name: "delayed allocation failure and its data-loss line",
		records: []string{
			"<2>EXT4-fs (sdb1): Delayed block allocation failed for inode 14 at logical offset 0 with max blocks 1 with error 5",
			"<2>EXT4-fs (sdb1): This should not happen!! Data will be lost",
		},
		want: []want{{Type: "FS_IO_ERROR", Kdev: "sdb1", Sev: event.Critical,
			Raw: "EXT4-fs (sdb1): Delayed block allocation failed for inode 14 at logical offset 0 with max blocks 1 with error 5"}},
	},
	single("<3>EXT4-fs (loop4): Could not load journal inode", "FS_MOUNT_FAILED", "loop4", event.Error, map[string]string{"reason": "Could not load journal inode"}),
	single("<3>EXT4-fs (sdb1): VFS: Can't find ext4 filesystem", "FS_MOUNT_FAILED", "sdb1", event.Error, nil),
	single("<4>EXT4-fs (sdb1): warning: mounting fs with errors, running e2fsck is recommended", "FS_WARNING", "sdb1", event.Warning,
		map[string]string{"warning": "mounting fs with errors"}),
	single("<6>EXT4-fs (sdb1): recovery complete", "FS_RECOVERY_COMPLETE", "sdb1", event.Info, nil),
	single("<2>EXT4-fs error (device loop0): htree_dirblock_to_tree:1051: inode #32769: comm ls: Directory block failed checksum", "FS_ERROR", "loop0", event.Critical,
		map[string]string{"function": "htree_dirblock_to_tree", "inode": "32769", "comm": "ls", "detail": "Directory block failed checksum"}),
	single("<2>EXT4-fs error (device loop0): ext4_validate_block_bitmap:423: comm kworker/u8:1: bg 0: bad block bitmap checksum", "FS_ERROR", "loop0", event.Critical,
		map[string]string{"comm": "kworker/u8:1", "detail": "bg 0: bad block bitmap checksum"}),
	single("<2>EXT4-fs error (device loop4): __ext4_get_inode_loc_noinmem:4996: inode #74: block 41: comm stat: unable to read itable block", "FS_ERROR", "loop4", event.Critical,
		map[string]string{"block": "41", "inode": "74"}),
	single("<2>EXT4-fs error (device sda2) in ext4_reserve_inode_write:5741: IO failure", "FS_ERROR", "sda2", event.Critical,
		map[string]string{"function": "ext4_reserve_inode_write", "detail": "IO failure"}),
	single("<2>EXT4-fs error (device sdb1): ext4_journal_start_sb: Detected aborted journal", "FS_ERROR", "sdb1", event.Critical,
		map[string]string{"function": "ext4_journal_start_sb", "detail": "Detected aborted journal"}),
	single("<4>EXT4-fs warning (device loop0): ext4_clear_journal_err:6358: Marked fs in need of filesystem check.", "FS_WARNING", "loop0", event.Warning,
		map[string]string{"function": "ext4_clear_journal_err"}),
	single("<0>Kernel panic - not syncing: EXT4-fs (device sda1): panic forced after error", "FS_ERROR", "sda1", event.Emergency, nil),
	none("<4>EXT4-fs: Warning: mounting with data=journal disables delayed allocation, dioread_nolock, O_DIRECT and fast_commit support!",
		"<6>EXT4-fs (loop0): mounting ext2 file system using the ext4 subsystem",
		"<3>ext4: Unknown parameter 'bogusopt'",
		"<6>EXT4-fs (sda1): couldn't mount as ext3 due to feature incompatibilities"),
}

// ext4FaultCases are ext4's refused mounts, corruption, writeback and
// journal failures (4.19-6.12), each a specific event.
var ext4FaultCases = []lineCase{
	single("<3>EXT4-fs (sda1): ext4_check_descriptors: Checksum for group 0 failed (1234!=5678)", "FS_CORRUPTION", "sda1", event.Error, nil),
	single("<3>EXT4-fs (sda1): Inode 2049 (000000001a2b3c4d): orphan list check failed!", "FS_CORRUPTION", "sda1", event.Error, nil),
	single("<3>EXT4-fs (sdc1): Can't read superblock on 2nd try", "FS_MOUNT_FAILED", "sdc1", event.Error, nil),
	single("<3>EXT4-fs (sdc1): Couldn't mount because of unsupported optional features (400)", "FS_MOUNT_FAILED", "sdc1", event.Error, nil),
	single("<3>EXT4-fs (sdc1): journal UUID does not match", "FS_MOUNT_FAILED", "sdc1", event.Error, nil),
	single("<4>EXT4-fs (sdc1): bad geometry: block count 2621440 exceeds size of device (262144 blocks)", "FS_MOUNT_FAILED", "sdc1", event.Warning, nil),
	single("<2>EXT4-fs (dm-2): ext4_writepages: jbd2_start: 9223372036854775807 pages, ino 12; err -5", "FS_IO_ERROR", "dm-2", event.Critical,
		map[string]string{"inode": "12", "errno": "-5"}),
	single("<0>EXT4-fs (dm-2): failed to convert unwritten extents to written extents -- potential data loss!  (inode 131, offset 0, size 4096, error -5)",
		"FS_IO_ERROR", "dm-2", event.Emergency, map[string]string{"inode": "131", "size": "4096"}),
	single("<0>EXT4-fs (dm-2): error restoring inline_data for inode -- potential data loss! (inode 131, error -5)", "FS_IO_ERROR", "dm-2", event.Emergency, nil),
	single("<3>EXT4-fs (dm-2): Failed to update primary superblock", "FS_IO_ERROR", "dm-2", event.Error, nil),
	single("<2>EXT4-fs (dm-2): journal bmap failed: block 1024 ret -5", "FS_JOURNAL_IO_ERROR", "dm-2", event.Critical, nil),
	single("<4>EXT4-fs (dm-2): discard request in group:3 block:1024 count:64 failed with -5", "FS_DISCARD_FAILED", "dm-2", event.Warning,
		map[string]string{"group": "3"}),
	single("<3>EXT4-fs (dm-2): Cannot turn on quotas: error -5", "FS_QUOTA_ERROR", "dm-2", event.Error, nil),
	single("<4>EXT4-fs (dm-2): Quota write (off=1024, len=512) cancelled because transaction is not started", "FS_QUOTA_ERROR", "dm-2", event.Warning, nil),
	single("<3>EXT4-fs: ext4_reserve_inode_write:5741: aborting transaction: IO failure in __ext4_journal_get_write_access",
		"FS_TRANSACTION_ABORTED", "", event.Error, map[string]string{"function": "ext4_reserve_inode_write"}),
	single("<3>EXT4: jbd2_journal_dirty_metadata failed: handle type 2 started at line 1234, credits 8/0, errcode -5", "FS_JOURNAL_ERROR", "", event.Error, nil),
	single("<3>ext4_bio_write_page: ret = -5", "FS_IO_ERROR", "", event.Error, map[string]string{"function": "ext4_bio_write_page", "errno": "-5"}),
	single("<3>ext4_bio_write_folio: ret = -12", "FS_IO_ERROR", "", event.Error, map[string]string{"function": "ext4_bio_write_folio", "errno": "-12"}),
	single("<4>Failed to read block bitmap", "FS_IO_ERROR", "", event.Warning, nil),
	{
		name: "a failed delayed allocation and the free block counts after it",
		records: []string{
			"<2>EXT4-fs (sdb1): Delayed block allocation failed for inode 12 at logical offset 0 with max blocks 1 with error 28",
			"<2>EXT4-fs (sdb1): This should not happen!! Data will be lost",
			"<2>EXT4-fs (sdb1): Total free blocks count 0",
			"<2>EXT4-fs (sdb1): Free/Dirty block details",
			"<2>EXT4-fs (sdb1): free_blocks=0",
		},
		want: []want{{Type: "FS_IO_ERROR", Kdev: "sdb1", Sev: event.Critical,
			Raw: "EXT4-fs (sdb1): Delayed block allocation failed for inode 12 at logical offset 0 with max blocks 1 with error 28"}},
	},
}

func TestExt4(t *testing.T) {
	runCases(t, ext4Cases)
	runCases(t, ext4FaultCases)
}
