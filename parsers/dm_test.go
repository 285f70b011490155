package parsers

import (
	"testing"

	"github.com/peripety/peripety/event"
)

var dmCases = []lineCase{
	// The lab's boots (parsers/testdata/real/lab/…): device-mapper's build
	// notice as it loads is no event, not a DM_WARNING of the catch-all.
	{name: "IMA build notice", records: []string{
		"<4>device-mapper: core: CONFIG_IMA_DISABLE_HTABLE is disabled. Duplicate IMA measurements will not be recorded in the IMA log."}},
	single("<4>device-mapper: multipath: 253:5: Failing path 259:3.", "DM_MPATH_PATH_FAILED", "259:3", event.Warning, map[string]string{"map": "253:5"}),
	single("<4>device-mapper: multipath: Failing path 8:32.", "DM_MPATH_PATH_FAILED", "8:32", event.Warning, map[string]string{}),
	single("<4>device-mapper: multipath: 253:3: Reinstating path 8:112.", "DM_MPATH_PATH_REINSTATED", "8:112", event.Warning, map[string]string{"map": "253:3"}),
	single("<4>device-mapper: multipath: Reinstating path 8:32.", "DM_MPATH_PATH_REINSTATED", "8:32", event.Warning, nil),
	single("<4>device-mapper: multipath: queue_if_no_path timeout on 253:3, failing queued IO", "DM_MPATH_QUEUE_TIMEOUT", "253:3", event.Error, nil),
	single("<3>device-mapper: multipath: 253:3: Could not failover device. Error -5.", "DM_MPATH_FAILOVER_FAILED", "", event.Error, map[string]string{"map": "253:3", "errno": "-5"}),
	single("<4>device-mapper: dirty region log: 253:7: Failed to write header on dirty region log device", "DM_DIRTY_LOG_WRITE_FAILED", "253:7", event.Warning, nil),
	single("<4>device-mapper: dirty region log: 8:48: Failed to read header on dirty region log device", "DM_DIRTY_LOG_READ_FAILED", "8:48", event.Warning, nil),
	single("<3>device-mapper: raid1: Mirror read failed from 8:64. Trying alternative device.", "DM_MIRROR_READ_FAILED", "8:64", event.Error, nil),
	single("<3>device-mapper: raid1: Read failure on mirror device 8:80.  Failing I/O.", "DM_MIRROR_READ_FAILED", "8:80", event.Error, nil),
	single("<3>device-mapper: raid1: All sides of mirror have failed.", "DM_MIRROR_FAILED", "", event.Error, nil),
	single("<3>device-mapper: multipath: Could not failover the device: Handler scsi_dh_alua Error 15.", "DM_MPATH_FAILOVER_FAILED", "", event.Error,
		map[string]string{"handler": "alua", "errno": "15"}),
	single("<4>device-mapper: multipath: message: error getting device 8:48", "DM_MPATH_MESSAGE_REJECTED", "8:48", event.Warning, nil),
	single("<4>device-mapper: raid1: Read failure on mirror device 253:4. Trying alternative device.", "DM_MIRROR_READ_FAILED", "253:4", event.Warning, nil),
	single("<3>device-mapper: raid1: Mirror read failed.", "DM_MIRROR_READ_FAILED", "", event.Error, nil),
	single("<3>device-mapper: raid1: All replicated volumes dead, failing I/O", "DM_MIRROR_FAILED", "", event.Error, nil),
	single("<4>device-mapper: raid1: log resume failed", "DM_MIRROR_LOG_ERROR", "", event.Warning, map[string]string{"operation": "resume"}),
	single("<3>device-mapper: raid: Failed to read superblock of device at position 1", "DM_RAID_SUPERBLOCK_ERROR", "", event.Error,
		map[string]string{"position": "1"}),
	single("<3>device-mapper: raid: Failed to load bitmap", "DM_RAID_BITMAP_ERROR", "", event.Error, nil),
	single("<4>device-mapper: raid: Failed to check/start reshape, continuing without change", "DM_RAID_RESHAPE_FAILED", "", event.Warning, nil),
	single("<3>device-mapper: core: 253:7: mapping table unavailable, erroring io", "DM_TABLE_UNAVAILABLE", "253:7", event.Error, nil),
	single("<3>device-mapper: table: 253:7: multipath: preresume failed, error = -5", "DM_RESUME_FAILED", "253:7", event.Error,
		map[string]string{"target": "multipath", "errno": "-5"}),
	single("<3>device-mapper: core: Preresume method failed: -22", "DM_RESUME_FAILED", "", event.Error, nil),
	single("<3>device-mapper: table: 253:2: linear: Device lookup failed (-ENXIO)", "DM_TABLE_ERROR", "253:2", event.Error, map[string]string{"target": "linear"}),
	single("<3>device-mapper: table: table load rejected: including non-request-stackable devices", "DM_TABLE_ERROR", "", event.Error, nil),
	single("<4>device-mapper: table: 253:2: crypt: ignoring discards_supported because num_discard_bios is zero.", "DM_TABLE_WARNING", "253:2", event.Warning, nil),
	single("<4>device-mapper: table: 253:2: sdb too small for target: start=0, len=2097152, dev_size=1048576", "DM_TABLE_DEVICE_TOO_SMALL", "253:2", event.Warning,
		map[string]string{"device": "sdb", "dev_size": "1048576"}),
	single("<4>device-mapper: table: 253:2: start=1 not aligned to h/w logical block size 4096 of sdb", "DM_TABLE_MISALIGNED", "253:2", event.Warning, nil),
	single("<4>device-mapper: table: 253:2: adding target device sdb caused an alignment inconsistency: physical_block_size=4096, logical_block_size=512, alignment_offset=0, start=1",
		"DM_TABLE_MISALIGNED", "253:2", event.Warning, nil),
	single("<4>device-mapper: table: 253:2: dm_table_destroy: dm_put_device call missing for sdb", "DM_TABLE_WARNING", "253:2", event.Warning, nil),
	single("<4>device-mapper: core: 253:2: Forcibly removing mapped_device still in use! (2 users)", "DM_DEVICE_REMOVED", "253:2", event.Warning,
		map[string]string{"condition": "device:removed"}),
	single("<3>device-mapper: zone: Revalidate zones failed -5", "DM_ZONE_ERROR", "", event.Error, nil),
	single("<3>device-mapper: dm-log-userspace: Userspace log server not found", "DM_DIRTY_LOG_ERROR", "", event.Error, nil),
	single("<4>device-mapper: dm-log-userspace: [5k2iMbGD] Request timed out: [7/1] - retrying", "DM_DIRTY_LOG_ERROR", "", event.Warning, nil),
	single("<4>device-mapper: dirty region log: log device 253:5 too small: need 4096 bytes", "DM_DIRTY_LOG_ERROR", "253:5", event.Warning, nil),
	single("<3>device-mapper: log-writes: Ran out of space on the logdev", "DM_LOG_WRITES_ERROR", "", event.Error, nil),
	single("<4>device-mapper: log-writes: Error -5 logging DAX write", "DM_LOG_WRITES_ERROR", "", event.Warning, nil),
	single("<4>device-mapper: multipath: invalid PG number supplied to switch_pg_num", "DM_MPATH_MESSAGE_REJECTED", "", event.Warning, nil),
	single("<3>device-mapper: raid1: Primary mirror (8:16) failed while out-of-sync: Reads may fail.", "DM_MIRROR_PRIMARY_FAILED", "8:16", event.Error, nil),
	single("<3>device-mapper: raid1: Write error during recovery (error = 0x1)", "DM_MIRROR_WRITE_FAILED", "", event.Error, map[string]string{"error": "0x1"}),
	none("<6>device-mapper: uevent: version 1.0.3", "<6>device-mapper: ioctl: 4.48.0-ioctl (2023-03-01) initialised: dm-devel@lists.linux.dev",
		"<6>device-mapper: multipath round-robin: version 1.2.0 loaded"),
}

func TestDM(t *testing.T) { runCases(t, dmCases) }
