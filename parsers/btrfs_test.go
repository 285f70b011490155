package parsers

import (
	"testing"

	"github.com/peripety/peripety/event"
)

const uuid3 = "33333333-4444-5555-6666-777777777777"

var btrfsCases = []lineCase{
	{
		// Issue 15: a tree-checker report and the read's summary line.
		name: "tree-checker corrupt leaf",
		records: []string{
			"<2>BTRFS critical (device sdb1): corrupt leaf: root=2 block=30408704 slot=7, unexpected item end, have 16179 expect 16191",
			"<3>BTRFS error (device sdb1): block=30408704 read time tree block corruption detected",
		},
		want: []want{{Type: "FS_CORRUPTION", Kdev: "sdb1", Sev: event.Critical,
			Raw: "BTRFS critical (device sdb1): corrupt leaf: root=2 block=30408704 slot=7, unexpected item end, have 16179 expect 16191",
			Ext: map[string]string{"tree": "leaf", "logical": "30408704"}}},
	},
	single("<3>BTRFS error (device sdb1): read time tree block corruption detected on logical 30408704 mirror 1", "FS_CORRUPTION", "sdb1", event.Error,
		map[string]string{"mirror": "1"}),
	single("<3>BTRFS error (device dm-2): open_ctree failed", "FS_MOUNT_FAILED", "dm-2", event.Error, map[string]string{"reason": "open_ctree failed"}),
	single("<3>BTRFS error (device sdb): failed to read chunk root", "FS_MOUNT_FAILED", "sdb", event.Error, nil),
	single("<4>BTRFS warning (device sdb1): direct IO failed ino 261 rw 0,0 sector 0x1a5000 len 4096 err no 10", "FS_IO_ERROR", "sdb1", event.Warning,
		map[string]string{"ino": "261", "errno": "10"}),
	single("<3>btrfs: fixed up error at logical 1103101952 on dev /dev/sdc", "FS_CSUM_ERROR", "", event.Error, map[string]string{"bdev": "/dev/sdc"}),
	single("<3>BTRFS: Invalid seeding and uuid-changed device detected", "FS_ERROR", "", event.Error, nil),
	single("<4>BTRFS: uuid item with illegal size 17!", "FS_WARNING", "", event.Warning, nil),
	single("<6>BTRFS info (device loop3): first mount of filesystem "+uuid3, "FS_MOUNTED", "loop3", event.Info, map[string]string{"uuid": uuid3}),
	single("<6>BTRFS info (device loop3): last unmount of filesystem "+uuid3, "FS_UNMOUNTED", "loop3", event.Info, map[string]string{"uuid": uuid3}),
	single("<4>BTRFS warning (device loop3): csum failed root 5 ino 257 off 8192 csum 0xedaa33e4 expected csum 0x2b7bf6ab mirror 1", "FS_CSUM_ERROR", "loop3", event.Warning,
		map[string]string{"ino": "257", "off": "8192", "mirror": "1", "root": "5"}),
	single("<4>BTRFS warning (device sda): csum failed ino 257 off 0 csum 2566472073 expected csum 3681334314", "FS_CSUM_ERROR", "sda", event.Warning,
		map[string]string{"ino": "257"}),
	single("<3>BTRFS error (device loop3): bdev /dev/loop3 errs: wr 0, rd 0, flush 0, corrupt 1, gen 0", "FS_DEV_ERRORS", "loop3", event.Error,
		map[string]string{"bdev": "/dev/loop3", "corruption_errs": "1", "read_errs": "0"}),
	single("<3>BTRFS error (device loop4 state EA): bdev /dev/loop4 errs: wr 1, rd 1, flush 0, corrupt 0, gen 0", "FS_DEV_ERRORS", "loop4", event.Error,
		map[string]string{"state": "EA", "write_errs": "1"}),
	single("<6>BTRFS info (device loop3): bdev /dev/loop3 errs: wr 0, rd 0, flush 0, corrupt 3, gen 0", "FS_ERROR_SUMMARY", "loop3", event.Info, nil),
	single("<4>BTRFS warning (device loop3): scrub: checksum error at logical 13631488 on dev /dev/loop3, physical 13631488 root 5 inode 257 offset 0 length 4096 links 1 (path: data)",
		"FS_CSUM_ERROR", "loop3", event.Warning, map[string]string{"logical": "13631488", "bdev": "/dev/loop3"}),
	single("<4>BTRFS warning (device sdb): checksum error at logical 298844160 on dev /dev/sdb, physical 277872640, root 5, inode 257, offset 0, length 4096, links 1 (path: file)",
		"FS_CSUM_ERROR", "sdb", event.Warning, map[string]string{"physical": "277872640"}),
	single("<3>BTRFS error (device sdb): unable to fixup (regular) error at logical 298844160 on dev /dev/sdb", "FS_CSUM_ERROR", "sdb", event.Error,
		map[string]string{"kind": "regular"}),
	single("<3>BTRFS error (device sdb: state A): checksum verify failed on 30572544 wanted 0x12345678 found 0x87654321 level 0", "FS_CSUM_ERROR", "sdb", event.Error,
		map[string]string{"logical": "30572544", "state": "A"}),
	single("<3>BTRFS error (device loop4): Transaction aborted (error -5)", "FS_TRANSACTION_ABORTED", "loop4", event.Error, nil),
	single("<4>BTRFS: Transaction aborted (error -28)", "FS_TRANSACTION_ABORTED", "", event.Error, map[string]string{"errno": "-28"}),
	single("<2>BTRFS: error (device sda: state A) in btrfs_commit_transaction:2466: errno=-5 IO failure (Error while writing out transaction)", "FS_ERROR", "sda", event.Critical,
		map[string]string{"function": "btrfs_commit_transaction", "error": "IO failure", "detail": "Error while writing out transaction"}),
	single("<2>BTRFS: error (device sdb) in __btrfs_free_extent:3092: errno=-2 No such entry", "FS_ERROR", "sdb", event.Critical,
		map[string]string{"error": "No such entry"}),
	single("<2>BTRFS critical (device loop4 state EA): error in btrfs_finish_ordered_io:3097: errno=-5 IO failure", "FS_ERROR", "loop4", event.Critical, nil),
	single("<4>BTRFS warning (device sdb): lost page write due to IO error on /dev/sdb (-5)", "FS_IO_ERROR", "sdb", event.Warning, map[string]string{"bdev": "/dev/sdb"}),
	single("<3>BTRFS error (device sdb): error writing primary super block to device 1", "FS_IO_ERROR", "sdb", event.Error, nil),
	{
		name: "forced read-only and the skipped commit",
		records: []string{
			"<6>BTRFS info (device loop4 state EA): forced readonly",
			"<4>BTRFS warning (device loop4 state EA): Skipping commit of aborted transaction.",
		},
		want: []want{{Type: "FS_REMOUNT_READ_ONLY", Kdev: "loop4", Sev: event.Warning, Raw: "BTRFS info (device loop4 state EA): forced readonly"}},
	}, {
		name: "corruption repaired from the other copy",
		records: []string{
			"<3>BTRFS error (device sdb): parent transid verify failed on logical 30572544 mirror 1 wanted 1234 found 1230",
			"<6>BTRFS info (device sdb): read error corrected: ino 0 off 30572544 (dev /dev/sdc sector 76320)",
		},
		want: []want{{Type: "FS_CORRUPTION", Kdev: "sdb", Sev: event.Error,
			Raw: "BTRFS error (device sdb): parent transid verify failed on logical 30572544 mirror 1 wanted 1234 found 1230",
			Ext: map[string]string{"wanted": "1234", "corrected_dev": "/dev/sdc"}}},
	},
	single("<3>BTRFS error (device sdb): bad tree block start, mirror 1 want 30572544 have 0", "FS_CORRUPTION", "sdb", event.Error, nil),
	single("<3>BTRFS error (device sdb): level verify failed on logical 30572544 mirror 1 wanted 1 found 0", "FS_CORRUPTION", "sdb", event.Error,
		map[string]string{"detail": "level verify failed on logical 30572544 mirror 1 wanted 1 found 0"}),
	none("<6>BTRFS: device fsid "+uuid3+" devid 1 transid 6 /dev/loop3 (7:3) scanned by mount (7188)",
		"<6>BTRFS info (device loop3): using crc32c (crc32c-lib) checksum algorithm",
		"<6>BTRFS info (device loop3): checking UUID tree",
		"<6>BTRFS info (device sdb): read error corrected: ino 257 off 0 (dev /dev/sdb sector 2048)"),
}

// btrfsFaultCases are btrfs's corruption reports, missing devices, I/O
// errors, refused mounts and the failures of its own operations
// (4.19-6.12), each a specific event.
var btrfsFaultCases = []lineCase{
	single("<2>BTRFS critical (device sdb1): corrupt superblock syschunk array: chunk_start=22020096, invalid chunk type 0", "FS_CORRUPTION", "sdb1", event.Critical, nil),
	single("<3>BTRFS error (device sdb1): super block at physical 65536 devid 1 has bad csum", "FS_CORRUPTION", "sdb1", event.Error, nil),
	single("<4>BTRFS warning (device sdb1): tree block 30408704 mirror 1 has bad csum, has 0x8941f998 want 0x12345678", "FS_CORRUPTION", "sdb1", event.Warning, nil),
	single("<3>BTRFS error (device sdb1): bytenr 30408704 has 0 references, expect > 0", "FS_CORRUPTION", "sdb1", event.Error, nil),
	// 6.1 puts the filesystem's state after the device.
	single("<3>BTRFS error (device sdb1: state EA): bytenr 30408704 has 0 references, expect > 0", "FS_CORRUPTION", "sdb1", event.Error,
		map[string]string{"state": "EA"}),
	single("<3>BTRFS error (device sdb1): devid 2 uuid 0d5e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b is missing", "FS_DEVICE_MISSING", "sdb1", event.Error,
		map[string]string{"devid": "2"}),
	single("<4>BTRFS warning (device sdb1): chunk 22020096 missing 1 devices, max tolerance is 0 for writable mount", "FS_DEVICE_MISSING", "sdb1", event.Warning, nil),
	single("<3>BTRFS error (device sdb1): IO error rebuilding logical 1103101952 for dev /dev/sdc", "FS_IO_ERROR", "sdb1", event.Error,
		map[string]string{"logical": "1103101952", "bdev": "/dev/sdc"}),
	single("<4>BTRFS warning (device sdb1): lost super block write due to IO error on /dev/sdc (-5)", "FS_IO_ERROR", "sdb1", event.Warning, nil),
	single("<3>BTRFS error (device sdb1): -5 errors while writing supers", "FS_IO_ERROR", "sdb1", event.Error, nil),
	single("<4>BTRFS warning (device sdb1): couldn't read tree root", "FS_MOUNT_FAILED", "sdb1", event.Warning, nil),
	single("<3>BTRFS error (device sdb1): remounting read-write after error is not allowed", "FS_MOUNT_FAILED", "sdb1", event.Error, nil),
	single("<4>BTRFS warning (device sdb1): no space to allocate a new chunk for block group 1103101952", "FS_NO_SPACE", "sdb1", event.Warning, nil),
	single("<3>BTRFS error (device sdb1): error relocating chunk 1103101952", "FS_BALANCE_FAILED", "sdb1", event.Error, nil),
	single("<4>BTRFS warning (device sdb1): failed to resume device replace: -5", "FS_DEV_REPLACE_FAILED", "sdb1", event.Warning, nil),
	single("<4>BTRFS warning (device sdb1): failed to load free space cache for block group 1103101952, rebuilding it now", "FS_SPACE_CACHE_ERROR", "sdb1", event.Warning, nil),
	single("<3>BTRFS error (device nvme0n1): zoned: write pointer mismatch found in block group 1103101952", "FS_ZONE_ERROR", "nvme0n1", event.Error, nil),
	single("<3>BTRFS error (device sdb1): error -5 accounting leaf items, quota is out of sync, rescan required", "FS_QUOTA_ERROR", "sdb1", event.Error, nil),
	single("<4>BTRFS warning (device sdb1): checksum error at logical 1103101952 mirror 1 root 5 inode 257 offset 0 length 4096 links 1 (path: data/file)",
		"FS_CSUM_ERROR", "sdb1", event.Warning, map[string]string{"ino": "257", "mirror": "1"}),
	single("<4>BTRFS warning (device sdb1): i/o error at logical 1103101952 on dev /dev/sdc, physical 2097152, root 5, inode 257, offset 0, length 4096, links 1 (path: data/file)",
		"FS_IO_ERROR", "sdb1", event.Warning, map[string]string{"error": "i/o error", "bdev": "/dev/sdc"}),
	single("<4>BTRFS warning (device sdb1): header error at logical 1103101952 on dev /dev/sdc, physical 2097152: metadata node (level 1) in tree 2",
		"FS_CORRUPTION", "sdb1", event.Warning, map[string]string{"error": "header error"}),
	single("<4>BTRFS warning (device sdb1): failed to trim 1 device(s), last error -5", "FS_DISCARD_FAILED", "sdb1", event.Warning, nil),
}

func TestBtrfs(t *testing.T) {
	runCases(t, btrfsCases)
	runCases(t, btrfsFaultCases)
}
