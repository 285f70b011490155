package parsers

import (
	"testing"

	"github.com/peripety/peripety/event"
)

const uuid2 = "22222222-3333-4444-5555-666666666666"

var xfsCases = []lineCase{
	{
		// Issue 15: the inode verifier's form, and "Corruption detected"
		// after an internal error folds into it.
		name: "inode verifier",
		records: []string{
			"<1>XFS (dm-0): Metadata corruption detected at xfs_dinode_verify.part.0+0x180/0x620 [xfs], inode 0x84 dinode",
			"<1>XFS (dm-0): Unmount and run xfs_repair",
		},
		want: []want{{Type: "FS_CORRUPTION", Kdev: "dm-0", Sev: event.Alert,
			Raw: "XFS (dm-0): Metadata corruption detected at xfs_dinode_verify.part.0+0x180/0x620 [xfs], inode 0x84 dinode",
			Ext: map[string]string{"inode": "0x84", "inode_structure": "dinode"}}},
	}, {
		name: "internal error with its corruption line",
		records: []string{
			"<1>XFS (sdb1): Internal error xfs_trans_cancel at line 1097 of file fs/xfs/xfs_trans.c.  Caller xfs_inactive_ifree+0x1a8/0x240 [xfs]",
			"<1>XFS (sdb1): Corruption detected. Unmount and run xfs_repair",
		},
		want: []want{{Type: "FS_CORRUPTION", Kdev: "sdb1", Sev: event.Alert,
			Raw: "XFS (sdb1): Internal error xfs_trans_cancel at line 1097 of file fs/xfs/xfs_trans.c.  Caller xfs_inactive_ifree+0x1a8/0x240 [xfs]"}},
	},
	single("<5>XFS (sdb1): xfs_inactive_ifree: xfs_ifree returned error -117", "FS_CORRUPTION", "sdb1", event.Error, map[string]string{"errno": "-117"}),
	single("<4>XFS (sdb1): empty log check failed", "FS_MOUNT_FAILED", "sdb1", event.Warning, nil),
	single("<5>XFS (loop2): Mounting V5 Filesystem "+uuid2, "FS_MOUNTING", "loop2", event.Notice, map[string]string{"uuid": uuid2, "version": "5"}),
	single("<5>XFS (sdb1): Mounting V5 Filesystem", "FS_MOUNTING", "sdb1", event.Notice, nil),
	single("<6>XFS (loop2): Ending clean mount", "FS_MOUNTED", "loop2", event.Info, nil),
	single("<5>XFS (loop2): Starting recovery (logdev: internal)", "FS_RECOVERY_STARTED", "loop2", event.Notice, map[string]string{"logdev": "internal"}),
	single("<5>XFS (loop2): Ending recovery (logdev: internal)", "FS_MOUNTED", "loop2", event.Notice, nil),
	single("<5>XFS (loop2): Unmounting Filesystem "+uuid2, "FS_UNMOUNTED", "loop2", event.Notice, map[string]string{"uuid": uuid2}),
	single("<5>XFS (sdb1): Unmounting Filesystem", "FS_UNMOUNTED", "sdb1", event.Notice, nil),
	{
		name: "user initiated shutdown: three lines, one event",
		records: []string{
			"<1>XFS (loop2): User initiated shutdown received.",
			"<1>XFS (loop2): Metadata I/O Error (0x4) detected at xfs_fs_goingdown+0x7b/0xb0 (fs/xfs/xfs_fsops.c:472).  Shutting down filesystem.",
			"<1>XFS (loop2): Please unmount the filesystem and rectify the problem(s)",
		},
		want: []want{{Type: "FS_SHUTDOWN", Kdev: "loop2", Sev: event.Alert, Raw: "XFS (loop2): User initiated shutdown received.",
			Msg: "XFS filesystem on loop2 shut down by request: Metadata I/O Error",
			Ext: map[string]string{"shutdown_flags": "0x4", "function": "xfs_fs_goingdown+0x7b/0xb0"}}},
	},
	single("<1>XFS (dm-3): Metadata I/O Error (0x1) detected at xfs_trans_read_buf_map+0x1e6/0x2e0 [xfs] (fs/xfs/xfs_trans_buf.c:296).  Shutting down filesystem.",
		"FS_SHUTDOWN", "dm-3", event.Alert, map[string]string{"reason": "Metadata I/O Error", "location": "fs/xfs/xfs_trans_buf.c:296"}),
	{
		name: "4.x shutdown",
		records: []string{
			"<5>XFS (dm-2): xfs_do_force_shutdown(0x2) called from line 1196 of file fs/xfs/xfs_log.c. Return address = ffffffffc12dea8a",
			"<1>XFS (dm-2): Log I/O Error Detected. Shutting down filesystem",
			"<1>XFS (dm-2): Please umount the filesystem and rectify the problem(s)",
		},
		want: []want{{Type: "FS_SHUTDOWN", Kdev: "dm-2", Sev: event.Alert,
			Raw: "XFS (dm-2): xfs_do_force_shutdown(0x2) called from line 1196 of file fs/xfs/xfs_log.c. Return address = ffffffffc12dea8a",
			Msg: "XFS filesystem on dm-2 shut down (flags 0x2) from fs/xfs/xfs_log.c:1196: Log I/O Error"}},
	},
	single("<1>XFS (sdb1): Corruption of in-memory data detected.  Shutting down filesystem", "FS_SHUTDOWN", "sdb1", event.Alert,
		map[string]string{"reason": "Corruption of in-memory data"}),
	single("<1>XFS (loop4): Filesystem has been shut down due to log error (0x2).", "FS_SHUTDOWN", "loop4", event.Alert, map[string]string{"shutdown_flags": "0x2"}),
	single(`<1>XFS (loop4): metadata I/O error in "__xfs_buf_ioend+0x1e0/0x580" at daddr 0x2 len 1 error 5`, "FS_IO_ERROR", "loop4", event.Alert,
		map[string]string{"daddr": "0x2", "len": "1", "errno": "5"}),
	single(`<1>XFS (dm-0): metadata I/O error: block 0x50080d0 ("xlog_iodone") error 5 numblks 64`, "FS_IO_ERROR", "dm-0", event.Alert,
		map[string]string{"daddr": "0x50080d0", "function": "xlog_iodone"}),
	single("<1>XFS (loop4): log I/O error -5", "FS_IO_ERROR", "loop4", event.Alert, map[string]string{"errno": "-5"}),
	single("<1>XFS (sdc1): Failing async write on buffer block 0x3c07c8. Retrying async write.", "FS_IO_ERROR", "sdc1", event.Alert, nil),
	single("<1>XFS (sdc1): Corruption Alert: Buffer at daddr 0x3c07c8 had permanent write failures!", "FS_IO_ERROR", "sdc1", event.Alert, nil),
	single("<3>XFS (dm-0): writeback error on sector 12345", "FS_IO_ERROR", "dm-0", event.Error, map[string]string{"sector": "12345"}),
	single("<3>loop4: writeback error on inode 131, offset 0, sector 192", "FS_IO_ERROR", "loop4", event.Error,
		map[string]string{"inode": "131", "sector": "192"}),
	single("<3>XFS (dm-0): xfs_log_force: error -5 returned.", "FS_ERROR", "dm-0", event.Error, nil),
	{
		name: "verifier failure with its hex dump",
		records: []string{
			"<1>XFS (loop2): Metadata corruption detected at xfs_dir3_data_reada_verify+0x25/0x70, xfs_dir3_data_reada block 0x78 ",
			"<1>XFS (loop2): Unmount and run xfs_repair",
			"<1>XFS (loop2): First 128 bytes of corrupted metadata buffer:",
			"<1>00000000: ef cd cd 4c 7d cb 65 d6 ec 98 da b9 ba 02 d1 6e  ...L}.e........n",
			"<1>00000010: 58 44 32 44 00 00 00 00 00 00 00 00 00 00 00 00  XD2D............",
		},
		want: []want{{Type: "FS_CORRUPTION", Kdev: "loop2", Sev: event.Alert,
			Raw: "XFS (loop2): Metadata corruption detected at xfs_dir3_data_reada_verify+0x25/0x70, xfs_dir3_data_reada block 0x78 ",
			Msg: "XFS on loop2: metadata corruption in xfs_dir3_data_reada block 0x78; unmount and run xfs_repair"}},
	},
	single("<1>XFS (sdb1): Metadata CRC error detected at xfs_agf_read_verify+0xd0/0x100 [xfs], xfs_agf block 0x1 ", "FS_CORRUPTION", "sdb1", event.Alert,
		map[string]string{"corruption": "CRC error", "structure": "xfs_agf"}),
	single("<1>XFS (sdb1): Internal error XFS_WANT_CORRUPTED_GOTO at line 1234 of file fs/xfs/libxfs/xfs_alloc.c.  Caller xfs_free_ag_extent+0x3f0/0x870 [xfs]",
		"FS_CORRUPTION", "sdb1", event.Alert, map[string]string{"check": "XFS_WANT_CORRUPTED_GOTO"}),
	single("<1>XFS (sdb1): Corruption detected. Unmount and run xfs_repair", "FS_CORRUPTION", "sdb1", event.Alert, nil),
	single("<4>XFS (loop5): Filesystem has duplicate UUID "+uuid2+" - can't mount", "FS_MOUNT_FAILED", "loop5", event.Warning, map[string]string{"uuid": uuid2}),
	single("<4>XFS (loop5): Invalid superblock magic number", "FS_MOUNT_FAILED", "loop5", event.Warning, nil),
	none("<4>xfs filesystem being mounted at /srv/scratch supports timestamps until 2038-01-19 (0x7fffffff)",
		"<6>SGI XFS with ACLs, security attributes, realtime, scrub, quota, no debug enabled",
		"<1>00000000: ef cd cd 4c 7d cb 65 d6 ec 98 da b9 ba 02 d1 6e  ...L}.e........n",
		"<1>XFS (loop2): Please unmount the filesystem and rectify the problem(s)"),
}

// xfsFaultCases are XFS's corruption reports, I/O errors, refused
// mounts, failed log recovery and log trouble (4.19-6.12), each a
// specific event.
var xfsFaultCases = []lineCase{
	single("<1>XFS (sda1): xfs_imap_lookup: xfs_ialloc_read_agi() returned error -5, agno 0", "FS_CORRUPTION", "sda1", event.Alert, nil),
	single("<1>XFS (sda1): xfs_iflush_int: Bad inode 1234 magic number 0x0, ptr 0xffff8881", "FS_CORRUPTION", "sda1", event.Alert, nil),
	single("<1>XFS (sda1): Metadata corruption detected at xfs_dquot_verify+0x7a/0x120 [xfs], quota 1000", "FS_CORRUPTION", "sda1", event.Alert, nil),
	single("<3>XFS (sda1): AG 3: Corrupt btree 2 pointer at level 1 index 7.", "FS_CORRUPTION", "sda1", event.Error, nil),
	single("<4>XFS (sdb1): Corruption warning: Metadata has LSN (1:2345) ahead of current LSN (1:1234). Please unmount and run xfs_repair (>= v4.3) to resolve.",
		"FS_CORRUPTION", "sdb1", event.Warning, nil),
	single("<4>XFS (sdb1): corrupt inode 133 ((a)extents = 5).", "FS_CORRUPTION", "sdb1", event.Warning, nil),
	{
		name: "a btree record's corruption and its fields",
		records: []string{
			"<4>XFS (sdb1): Reverse Mapping BTree record corruption in AG 2 detected at xfs_rmapbt_check+0x1/0x2 [xfs]!",
			"<4>XFS (sdb1): Owner 0x83, flags 0x0, start block 0x1a0 block count 0x8",
		},
		want: []want{{Type: "FS_CORRUPTION", Kdev: "sdb1", Sev: event.Warning,
			Raw: "XFS (sdb1): Reverse Mapping BTree record corruption in AG 2 detected at xfs_rmapbt_check+0x1/0x2 [xfs]!"}},
	},
	single("<4>XFS (sdb1): Torn write (CRC failure) detected at log block 0x3a8. Truncating head block from 0x3b0.", "FS_CORRUPTION", "sdb1", event.Warning, nil),
	single("<4>XFS (sdb1): xlog_recovery_process_trans: bad flag 0x7", "FS_CORRUPTION", "sdb1", event.Warning, nil),
	single("<0>XFS (sdb1): xlog_verify_iclog: corrupt iclog ring", "FS_CORRUPTION", "sdb1", event.Emergency, nil),
	single("<1>XFS (dm-3): page discard on page 00000000a1b2c3d4, inode 0x83, pos 4096.", "FS_IO_ERROR", "dm-3", event.Alert, map[string]string{"inode": "0x83"}),
	single("<1>XFS (dm-3): log recovery write I/O error at daddr 0x2 len 4096 error -5", "FS_IO_ERROR", "dm-3", event.Alert, map[string]string{"daddr": "0x2"}),
	single("<4>XFS (dm-3): write error -5 updating a secondary superblock near ag 4", "FS_IO_ERROR", "dm-3", event.Warning, nil),
	single("<4>XFS (sdc1): Superblock has unknown incompatible features (0x20) enabled.", "FS_MOUNT_FAILED", "sdc1", event.Warning, nil),
	single("<4>XFS (sdc1): filesystem is marked as having an external log; specify logdev on the mount command line.", "FS_MOUNT_FAILED", "sdc1", event.Warning, nil),
	single("<2>XFS (sdc1): Log size out of supported range.", "FS_MOUNT_FAILED", "sdc1", event.Critical, nil),
	single("<1>XFS (sdc1): Superblock has unknown read-only compatible features (0x10) enabled.", "FS_MOUNT_FAILED", "sdc1", event.Alert, nil),
	single("<1>XFS (sdc1): Failed to recover intents", "FS_RECOVERY_FAILED", "sdc1", event.Alert, nil),
	single("<3>XFS (sdc1): Error -28 recovering leftover CoW allocations.", "FS_RECOVERY_FAILED", "sdc1", event.Error, nil),
	{
		name: "a log reservation overrun and its summary",
		records: []string{
			"<4>XFS (sdb1): Transaction log reservation overrun:",
			"<4>XFS (sdb1):   log items: 16 bytes (iov hdrs: 0 bytes)",
			"<4>XFS (sdb1):   split region headers: 0 bytes",
			"<4>XFS (sdb1):   ctx ticket: 0 bytes",
		},
		want: []want{{Type: "FS_JOURNAL_ERROR", Kdev: "sdb1", Sev: event.Warning, Raw: "XFS (sdb1): Transaction log reservation overrun:"}},
	},
	single("<1>XFS (sdb1): ctx ticket reservation ran out. Need to up reservation", "FS_JOURNAL_ERROR", "sdb1", event.Alert, nil),
	single("<2>XFS (sdb1): AAIEEE! Log failed size checks. Abort!", "FS_JOURNAL_ERROR", "sdb1", event.Critical, nil),
	single("<4>XFS (sdb1): Per-AG reservation for AG 7 failed.  Filesystem may run out of space.", "FS_RESERVE_LOW", "sdb1", event.Warning, nil),
	single("<3>XFS (sdb1): Insufficient free space to reset per-AG reservation for AG 7 after repair.", "FS_RESERVE_LOW", "sdb1", event.Error, nil),
	single("<4>XFS (sdb1): Quotacheck: Unsuccessful (Error -5): Disabling quotas.", "FS_QUOTA_ERROR", "sdb1", event.Warning, nil),
	single("<1>XFS (sdb1): xfs_qm_qino_alloc failed (error -28)!", "FS_QUOTA_ERROR", "sdb1", event.Alert, nil),
	single("<1>XFS (pmem0): All device paths lost.  Shutting down filesystem", "FS_SHUTDOWN", "pmem0", event.Alert,
		map[string]string{"condition": "fs:shutdown"}),
	none("<4>XFS (sdb1):   log items: 16 bytes (iov hdrs: 0 bytes)", "<4>XFS (sdb1): start block 0x10 block count 0x8"),
}

func TestXFS(t *testing.T) {
	runCases(t, xfsCases)
	runCases(t, xfsFaultCases)
}
