package parsers

import (
	"testing"

	"github.com/peripety/peripety/event"
)

// Lines of the kernel's own formats (drivers/ata/libata-eh.c,
// fs/xfs/xfs_inode.c, …) that no specific rule takes.
var genericCases = []lineCase{
	single("<3>sd 6:0:0:0: [sdb] No Caching mode page found", "SCSI_ERROR", "sdb", event.Error, map[string]string{"detail": "No Caching mode page found"}),
	single("<3>scsi target2:0:0: Domain Validation detected failure, dropping back", "SCSI_ERROR", "", event.Error, nil),
	single("<4>sd 0:0:0:0: Optimal transfer size 33553920 bytes < PAGE_SIZE (4096 bytes)", "SCSI_WARNING", "0:0:0:0", event.Warning, nil),
	single("<3>ata1.00: revalidation failed (errno=-5)", "ATA_ERROR", "ata1.00", event.Error, map[string]string{"detail": "revalidation failed (errno=-5)"}),
	single("<4>ata1: limiting SATA link speed to 1.5 Gbps", "ATA_WARNING", "ata1", event.Warning, nil),
	single("<3>ahci 0000:00:1f.2: AHCI controller unavailable!", "ATA_ERROR", "", event.Error, nil),
	single("<3>nvme nvme0: failed to set APST feature (-19)", "NVME_ERROR", "nvme0", event.Error, nil),
	single("<4>nvme nvme1: missing or invalid SUBNQN field.", "NVME_WARNING", "nvme1", event.Warning, nil),
	single("<3> connection1:0: received invalid itt index 12 (max cmds 128.", "ISCSI_ERROR", "connection1:0", event.Error, nil),
	single("<4>iscsi: invalid session 3", "ISCSI_WARNING", "", event.Warning, nil),
	single("<3>md/raid:md0: cannot start dirty degraded array.", "MD_ERROR", "md0", event.Error, map[string]string{"detail": "cannot start dirty degraded array."}),
	single("<4>md0: bitmaps are not supported for raid0", "MD_WARNING", "md0", event.Warning, nil),
	single("<3>virtio_blk virtio2: zone 12: invalid condition 0x7", "BLK_VIRTIO_ERROR", "", event.Error, map[string]string{"virtio": "virtio2"}),
	single("<4>virtio_blk virtio1: zero write granularity reported", "BLK_VIRTIO_WARNING", "", event.Warning, nil),
	single("<1>XFS (sda1): xfs_imap_lookup: xfs_ialloc_read_agi() returned error -5, agno 0", "FS_ERROR", "sda1", event.Alert, nil),
	single("<4>XFS (sdb1): Corruption warning: Metadata has LSN (1:2345) ahead of current LSN (1:1234). Please unmount and run xfs_repair (>= v4.3) to resolve.",
		"FS_WARNING", "sdb1", event.Warning, nil),
	single("<3>EXT4-fs (sda1): ext4_check_descriptors: Checksum for group 0 failed (1234!=5678)", "FS_ERROR", "sda1", event.Error, nil),
	single("<4>EXT4-fs (sda2): Ignoring removed nomblk_io_submit option", "FS_WARNING", "sda2", event.Warning, nil),
	single("<3>JBD2: Spotted dirty metadata buffer (dev = sdb1, blocknr = 1234). There's a risk of filesystem corruption in case of system crash.",
		"FS_JOURNAL_ERROR", "", event.Error, nil),
	single("<4>JBD2: Ignoring recovery information on journal", "FS_JOURNAL_WARNING", "", event.Warning, nil),
	single("<3>device-mapper: multipath: Could not failover the device: Handler scsi_dh_alua Error 15.", "DM_MPATH_ERROR", "", event.Error,
		map[string]string{"target": "multipath"}),
	single("<4>device-mapper: multipath round-robin: repeat_count > 1 is deprecated, using 1 instead", "DM_MPATH_WARNING", "", event.Warning, nil),
	single("<3>device-mapper: thin metadata: couldn't read superblock", "DM_THIN_ERROR", "", event.Error, nil),
	single("<4>device-mapper: thin: 253:2: Data device (dm-3) discard unsupported: Disabling discard passdown.", "DM_THIN_WARNING", "253:2", event.Warning, nil),
	single("<3>device-mapper: log-writes: Ran out of space on the logdev", "DM_LOG_ERROR", "", event.Error, nil),
	single("<4>device-mapper: dirty region log: unrecognised sync argument to dirty region log: x", "DM_LOG_WARNING", "", event.Warning, nil),
	single("<3>device-mapper: table: 253:2: linear: Device lookup failed", "DM_ERROR", "253:2", event.Error, map[string]string{"target": "table"}),
	single("<4>device-mapper: ioctl: unable to remove open device vg-lv", "DM_WARNING", "", event.Warning, nil),
	single("<3>BTRFS error (device sdb): unable to find ref byte nr 1234 parent 0 root 5 owner 257 offset 0", "FS_ERROR", "sdb", event.Error, nil),
	single("<4>BTRFS warning (device sdb1): devid 2 uuid 0d5e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b is missing", "FS_WARNING", "sdb1", event.Warning, nil),
	single("<3>EXT4-fs: ext4_reserve_inode_write:5741: aborting transaction: IO failure in __ext4_journal_get_write_access",
		"FS_ERROR", "", event.Error, nil),
	// Info-level lines of the same prefixes are no events, nor are
	// lines of a log that does not say their level.
	none("<6>XFS (sdb1): Quotacheck needed: Please wait.", "<5>sd 2:0:0:0: [sdb] Attached SCSI disk", "<6>device-mapper: ioctl: 4.47.0-ioctl (2022-07-28) initialised: dm-devel@redhat.com"),
}

func TestGeneric(t *testing.T) { runCases(t, genericCases) }

// TestCatchAllNeedsLevel checks that a catch-all whose prefix does not say
// the level takes nothing from a log without levels.
func TestCatchAllNeedsLevel(t *testing.T) {
	rs := mustRuleSet(t)
	rec := Record{Message: "XFS (sdb1): xfs_imap_lookup: xfs_ialloc_read_agi() returned error -5, agno 0", Level: LevelUnknown}
	if name, ok := rs.MatchRule(rec); ok {
		t.Errorf("rule %s takes %q from a log without levels", name, rec.Message)
	}
	rec.Level = 1
	if name, _ := rs.MatchRule(rec); name != "generic_xfs_error" {
		t.Errorf("at KERN_ALERT: rule %q, want generic_xfs_error", name)
	}
}
