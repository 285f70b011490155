package parsers

import (
	"testing"

	"github.com/peripety/peripety/event"
)

// Lines of the kernel's own formats (drivers/ata/libata-eh.c,
// fs/xfs/xfs_inode.c, …) that no specific rule takes.
var genericCases = []lineCase{
	single("<3>sd 6:0:0:0: [sdb] No Caching mode page found", "SCSI_ERROR", "sdb", event.Error, map[string]string{"detail": "No Caching mode page found"}),
	single("<3>scsi host2: can_queue = 0 no longer supported", "SCSI_ERROR", "", event.Error, nil),
	single("<4>sd 0:0:0:0: Optimal transfer size 33553920 bytes < PAGE_SIZE (4096 bytes)", "SCSI_WARNING", "0:0:0:0", event.Warning, nil),
	single("<3>ata1.00: CDL must be disabled to enable NCQ priority", "ATA_ERROR", "ata1.00", event.Error,
		map[string]string{"detail": "CDL must be disabled to enable NCQ priority"}),
	single("<4>ata1.00: NCQ Send/Recv Log not supported", "ATA_WARNING", "ata1.00", event.Warning, nil),
	single("<3>ahci 0000:00:1f.2: Invalid port map mask", "ATA_ERROR", "", event.Error, nil),
	single("<3>nvme nvme0: failed to register subsystem device.", "NVME_ERROR", "nvme0", event.Error, nil),
	single("<4>nvme nvme1: IO queue depth clamped to 64", "NVME_WARNING", "nvme1", event.Warning, nil),
	single("<3> connection1:0: Could not allocate pdu for mgmt task.", "ISCSI_ERROR", "connection1:0", event.Error, nil),
	single("<4>iscsi: invalid session 3", "ISCSI_WARNING", "", event.Warning, nil),
	single("<3>md/raid1:md0: cannot register rd3", "MD_ERROR", "md0", event.Error, map[string]string{"detail": "cannot register rd3"}),
	single("<4>md0: bitmaps are not supported for raid0", "MD_WARNING", "md0", event.Warning, nil),
	single("<3>virtio_blk virtio2: virtio_blk: failed to get some new queue", "BLK_VIRTIO_ERROR", "", event.Error, map[string]string{"virtio": "virtio2"}),
	single("<4>virtio_blk virtio1: virtio_blk: some new warning", "BLK_VIRTIO_WARNING", "", event.Warning, nil),
	single("<1>XFS (sda1): Trying to grow file system without AGs", "FS_ERROR", "sda1", event.Alert, nil),
	single("<4>XFS (sdb1): Unable to free reserved block pool. Freespace may not be correct on next mount.", "FS_WARNING", "sdb1", event.Warning, nil),
	single("<3>EXT4-fs (sda1): can't mount with journal_checksum, fs mounted w/o journal", "FS_ERROR", "sda1", event.Error, nil),
	single("<4>EXT4-fs (sda2): Ignoring removed nomblk_io_submit option", "FS_WARNING", "sda2", event.Warning, nil),
	single("<3>JBD2: Out of memory during recovery.", "FS_JOURNAL_ERROR", "", event.Error, nil),
	single("<4>JBD2: Ignoring recovery information on journal", "FS_JOURNAL_WARNING", "", event.Warning, nil),
	single("<3>device-mapper: multipath: bio-based multipath doesn't allow hardware handler args", "DM_MPATH_ERROR", "", event.Error,
		map[string]string{"target": "multipath"}),
	single("<4>device-mapper: multipath round-robin: repeat_count > 1 is deprecated, using 1 instead", "DM_MPATH_WARNING", "", event.Warning, nil),
	single("<3>device-mapper: thin: bio unserviceable, yet pool is in PM_WRITE mode", "DM_THIN_ERROR", "", event.Error, nil),
	single("<4>device-mapper: thin: 253:2: Data device (dm-3) discard unsupported: Disabling discard passdown.", "DM_THIN_WARNING", "253:2", event.Warning, nil),
	single("<3>device-mapper: log-writes: Couldn't alloc log bio", "DM_LOG_ERROR", "", event.Error, nil),
	single("<4>device-mapper: dirty region log: unrecognised sync argument to dirty region log: x", "DM_LOG_WARNING", "", event.Warning, nil),
	single("<3>device-mapper: stats: Memory usage accounting bug.", "DM_ERROR", "", event.Error, map[string]string{"target": "stats"}),
	single("<4>device-mapper: ioctl: unable to remove open device vg-lv", "DM_WARNING", "", event.Warning, nil),
	single("<3>BTRFS error (device sdb): unable to find ref byte nr 1234 parent 0 root 5 owner 257 offset 0", "FS_ERROR", "sdb", event.Error, nil),
	single("<4>BTRFS warning (device sdb1): failed to start uuid_scan task", "FS_WARNING", "sdb1", event.Warning, nil),
	single("<3>EXT4-fs: failed to create workqueue", "FS_ERROR", "", event.Error, nil),
	// Info-level lines of the same prefixes are no events, nor are
	// lines of a log that does not say their level.
	none("<6>XFS (sdb1): Quotacheck needed: Please wait.", "<5>sd 2:0:0:0: [sdb] Attached SCSI disk", "<6>device-mapper: ioctl: 4.47.0-ioctl (2022-07-28) initialised: dm-devel@redhat.com"),
}

func TestGeneric(t *testing.T) { runCases(t, genericCases) }

// TestCatchAllNeedsLevel checks that a catch-all whose prefix does not say
// the level takes nothing from a log without levels.
func TestCatchAllNeedsLevel(t *testing.T) {
	rs := mustRuleSet(t)
	rec := Record{Message: "XFS (sdb1): Trying to grow file system without AGs", Level: LevelUnknown}
	if name, ok := rs.MatchRule(rec); ok {
		t.Errorf("rule %s takes %q from a log without levels", name, rec.Message)
	}
	rec.Level = 1
	if name, _ := rs.MatchRule(rec); name != "generic_xfs_error" {
		t.Errorf("at KERN_ALERT: rule %q, want generic_xfs_error", name)
	}
}
