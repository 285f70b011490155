package parsers

import (
	"github.com/peripety/peripety/event"
)

// device-mapper lines (drivers/md): "device-mapper: <target>: …" (DM_FMT).
// Devices are named major:minor. Multipath (dm-mpath.c), the dirty region
// log (dm-log.c) and the raid1 mirror target (dm-raid1.c) live here; thin
// provisioning has its own file.

var dmRules = []rule{{
	// dm_init (drivers/md/dm.c) tells how the kernel was built as the
	// module loads: no device's event.
	name:  "dm_ima_htable_notice",
	level: kernWarning,
	sub:   event.SubDM,
	role:  roleNotice,
	re:    pat(`^device-mapper: core: CONFIG_IMA_DISABLE_HTABLE is disabled\.`),
	msg:   "a notice of how the kernel was built (CONFIG_IMA_DISABLE_HTABLE), printed as device-mapper loads",
}, {
	// 6.x / late 5.x: "device-mapper: multipath: 253:3: Failing path 8:112."
	// 4.x: "device-mapper: multipath: Failing path 8:32."
	name:  "dm_mpath_failing_path",
	level: kernWarning,
	sub:   event.SubMultipath,
	typ:   "DM_MPATH_PATH_FAILED",
	cond:  "path:failed",
	re:    pat(`^device-mapper: multipath: (?:(?P<map>\d+:\d+): )?Failing path (?P<kdev>\d+:\d+)\.?$`),
	msg:   "Multipath[ map {map}]: path {kdev} failed",
}, {
	name:  "dm_mpath_reinstating_path",
	level: kernWarning,
	sub:   event.SubMultipath,
	typ:   "DM_MPATH_PATH_REINSTATED",
	cond:  "path:active",
	re:    pat(`^device-mapper: multipath: (?:(?P<map>\d+:\d+): )?Reinstating path (?P<kdev>\d+:\d+)\.?$`),
	msg:   "Multipath[ map {map}]: path {kdev} reinstated",
}, {
	name:  "dm_mpath_queue_timeout",
	level: kernWarning,
	sub:   event.SubMultipath,
	typ:   "DM_MPATH_QUEUE_TIMEOUT",
	re:    pat(`^device-mapper: multipath: queue_if_no_path timeout on (?P<kdev>\d+:\d+), failing queued IO`),
	sev:   sevOf(event.Error),
	msg:   "Multipath map {kdev}: no path came back within queue_if_no_path timeout, queued I/O failed",
}, {
	name:  "dm_mpath_failover_failed",
	level: kernErr,
	sub:   event.SubMultipath,
	typ:   "DM_MPATH_FAILOVER_FAILED",
	// scsi_dh_activate's failure: the hardware handler (ALUA, RDAC, …)
	// could not switch the path group.
	re: pat(`^device-mapper: multipath: (?:(?P<map>\d+:\d+): )?Could not failover (?:device\.|the device: Handler scsi_dh_(?P<handler>\S+)) ` +
		`Error (?P<errno>-?\d+)\.?`),
	msg: "Multipath[ map {map}]: could not fail over[ with handler {handler}] (error {errno})",
}, {
	// Messages (multipathd's fail_path, switch_group, …) the map refuses.
	name:  "dm_mpath_message_rejected",
	level: kernWarning,
	sub:   event.SubMultipath,
	typ:   "DM_MPATH_MESSAGE_REJECTED",
	re: pat(`^device-mapper: multipath: (?P<detail>Invalid multipath message arguments\..*|Unrecognised multipath message received: .*|` +
		`invalid PG number supplied to \w+|message: error getting device (?P<kdev>\S+))$`),
	msg: "Multipath map refused a message[ for device {kdev}]: {detail}",
}, {
	name:  "dm_dirty_log_read_failed",
	level: kernWarning,
	sub:   event.SubDirtyLog,
	typ:   "DM_DIRTY_LOG_READ_FAILED",
	re:    pat(`^device-mapper: dirty region log: (?:(?P<kdev>\d+:\d+): )?Failed to read header on dirty region log device`),
	msg:   "Dirty region log[ {kdev}]: failed to read the log header",
}, {
	name:  "dm_dirty_log_write_failed",
	level: kernWarning,
	sub:   event.SubDirtyLog,
	typ:   "DM_DIRTY_LOG_WRITE_FAILED",
	re:    pat(`^device-mapper: dirty region log: (?:(?P<kdev>\d+:\d+): )?Failed to write header on dirty region log device`),
	msg:   "Dirty region log[ {kdev}]: failed to write the log header",
}, {
	name:  "dm_mirror_read_failed",
	level: kernErr,
	typ:   "DM_MIRROR_READ_FAILED",
	re:    pat(`^device-mapper: raid1: Mirror read failed from (?P<kdev>\d+:\d+)\. Trying alternative device`),
	msg:   "Mirror read failed on {kdev}, trying another mirror",
}, {
	name:  "dm_mirror_read_failure_io",
	level: kernErr,
	typ:   "DM_MIRROR_READ_FAILED",
	re:    pat(`^device-mapper: raid1: Read failure on mirror device (?P<kdev>\d+:\d+)\.\s+Failing I/O`),
	sev:   sevOf(event.Error),
	msg:   "Mirror read failed on {kdev} and no other mirror could serve it: I/O failed",
}, {
	name:  "dm_mirror_all_failed",
	level: kernErr,
	typ:   "DM_MIRROR_FAILED",
	re:    pat(`^device-mapper: raid1: All sides of mirror have failed\.`),
	msg:   "All sides of a device-mapper mirror have failed (the line names no device)",
}, {
	name:  "dm_mirror_primary_failed",
	level: kernWarning,
	typ:   "DM_MIRROR_PRIMARY_FAILED",
	re:    pat(`^device-mapper: raid1: Primary mirror \((?P<kdev>\d+:\d+)\) failed while out-of-sync: Reads may fail\.`),
	msg:   "Primary mirror {kdev} failed while out of sync: reads may fail",
}, {
	name:  "dm_mirror_write_error",
	level: kernErr,
	typ:   "DM_MIRROR_WRITE_FAILED",
	re:    pat(`^device-mapper: raid1: (?:Write error during recovery \(error = (?P<error>0x[0-9a-f]+)\)|Unable to read primary mirror during recovery)`),
	msg:   "Mirror recovery failed[ (error {error})]",
}, {
	name:  "dm_mirror_read_retry",
	level: kernWarning,
	typ:   "DM_MIRROR_READ_FAILED",
	re:    pat(`^device-mapper: raid1: Read failure on mirror device (?P<kdev>\d+:\d+)\.\s+Trying alternative device\.`),
	msg:   "Mirror read failed on {kdev}, trying another mirror",
}, {
	name:  "dm_mirror_read_failed_nodev",
	level: kernErr,
	typ:   "DM_MIRROR_READ_FAILED",
	re:    pat(`^device-mapper: raid1: Mirror read failed\.$`),
	msg:   "A device-mapper mirror read failed (the line names no device)",
}, {
	name:  "dm_mirror_all_dead",
	level: kernErr,
	typ:   "DM_MIRROR_FAILED",
	re:    pat(`^device-mapper: raid1: All replicated volumes dead, failing I/O`),
	msg:   "All legs of a device-mapper mirror are dead: I/O fails (the line names no device)",
}, {
	name:  "dm_mirror_log_error",
	level: kernWarning,
	typ:   "DM_MIRROR_LOG_ERROR",
	re:    pat(`^device-mapper: raid1: log (?P<operation>presuspend|postsuspend|resume) failed`),
	msg:   "Device-mapper mirror: its log's {operation} failed",
}, {
	// dm-raid (LVM raid): members and bitmaps it cannot load.
	name:  "dm_raid_superblock_error",
	level: kernErr,
	typ:   "DM_RAID_SUPERBLOCK_ERROR",
	re:    pat(`^device-mapper: raid: (?P<detail>Failed to read superblock of device at position (?P<position>\d+)|superblock size of a logical block is no longer valid)$`),
	msg:   "dm-raid: {detail}",
}, {
	name:  "dm_raid_bitmap_error",
	level: kernErr,
	typ:   "DM_RAID_BITMAP_ERROR",
	re:    pat(`^device-mapper: raid: Failed to (?P<operation>load|resize) bitmap$`),
	msg:   "dm-raid: failed to {operation} its write-intent bitmap",
}, {
	name:  "dm_raid_reshape_failed",
	level: kernWarning,
	typ:   "DM_RAID_RESHAPE_FAILED",
	re:    pat(`^device-mapper: raid: Failed to check/start reshape, continuing without change`),
	msg:   "dm-raid: could not check or start a reshape; the raid set continues unchanged",
}, {
	// dm core: I/O to a map without a live table fails.
	name:  "dm_table_unavailable",
	level: kernErr,
	typ:   "DM_TABLE_UNAVAILABLE",
	re:    pat(`^device-mapper: core(?:-rq)?: (?P<kdev>\d+:\d+): mapping table unavailable, erroring io`),
	msg:   "Device-mapper map {kdev} has no table: its I/O fails",
}, {
	name:  "dm_resume_failed",
	level: kernErr,
	typ:   "DM_RESUME_FAILED",
	re: pat(`^device-mapper: (?:table: (?P<kdev>\d+:\d+): (?P<target>[\w-]+): preresume failed, error = (?P<errno>-?\d+)|` +
		`core: Preresume method failed: (?P<errno>-?\d+))$`),
	msg: "Device-mapper map[ {kdev}]: resume failed[ in its {target} target] (error {errno})",
}, {
	name:  "dm_table_discards_ignored",
	level: kernWarning,
	typ:   "DM_TABLE_WARNING",
	re:    pat(`^device-mapper: table: (?P<kdev>\d+:\d+): (?P<target>[\w-]+): ignoring discards_supported because num_discard_bios is zero\.`),
	msg:   "Device-mapper map {kdev}: its {target} target ignores discards_supported (num_discard_bios is zero)",
}, {
	// dm-table.c's own warnings of a device missing from its list.
	name:  "dm_table_device_missing",
	level: kernWarning,
	typ:   "DM_TABLE_WARNING",
	re:    pat(`^device-mapper: table: (?P<kdev>\d+:\d+): (?P<detail>(?:any_congested: nonexistent device|dm_table_destroy: dm_put_device call missing for) \S+)$`),
	msg:   "Device-mapper map {kdev}: {detail}",
}, {
	// dm_table_add_target: a target's constructor refused its line
	// ("multipath: error getting device"), and the table checks.
	name:  "dm_table_error",
	level: kernErr,
	typ:   "DM_TABLE_ERROR",
	re: pat(`^device-mapper: table: (?:(?P<kdev>\d+:\d+): )?(?P<detail>table load rejected: .*|Inconsistent table: .*|zero-length target|` +
		`too large device|target type \S+ must appear alone in table|zone(?:d model| sectors) is not consistent .*|` +
		`(?:request-based|nvme bio-based) DM doesn't support multiple targets|unable to (?:determine table type|build btrees|allocate mempools)|` +
		`could not (?:construct crypto profile|register integrity profile)\.|Inline encryption .*|(?P<target>[\w-]+): (?:unknown target type|.+))$`),
	msg: "Device-mapper table load[ of {kdev}] failed: {detail}",
}, {
	name:  "dm_table_device_too_small",
	level: kernWarning,
	typ:   "DM_TABLE_DEVICE_TOO_SMALL",
	re: pat(`^device-mapper: table: (?P<kdev>\d+:\d+): (?P<device>\S+) (?:too small for target|is not yet initialised): ` +
		`start=(?P<start>\d+), len=(?P<len>\d+), dev_size=(?P<dev_size>\d+)`),
	msg: "Device-mapper map {kdev}: device {device} is smaller than its table needs (start {start}, length {len}, device size {dev_size})",
}, {
	// A table that does not fit the devices' block or zone size: the load
	// fails (DMWARN up to 6.1, DMERR in 6.12).
	name:  "dm_table_misaligned",
	level: kernWarning,
	typ:   "DM_TABLE_MISALIGNED",
	re: pat(`^device-mapper: table: (?P<kdev>\d+:\d+): (?P<detail>(?:start|len)=\d+ not aligned to h/w (?:logical block|zone) size .*|` +
		`table line \d+ .* not aligned to h/w logical block size \d+)$`),
	msg: "Device-mapper map {kdev}: {detail}",
}, {
	name:  "dm_table_alignment_warning",
	level: kernWarning,
	typ:   "DM_TABLE_MISALIGNED",
	re:    pat(`^device-mapper: table: (?P<kdev>\d+:\d+): (?P<detail>adding target device .* caused an alignment inconsistency.*)$`),
	msg:   "Device-mapper map {kdev}: {detail}",
}, {
	name:  "dm_forced_remove",
	level: kernWarning,
	typ:   "DM_DEVICE_REMOVED",
	re:    pat(`^device-mapper: core: (?P<kdev>\d+:\d+): Forcibly removing mapped_device still in use! \((?P<users>\d+) users\)`),
	cond:  "device:removed",
	msg:   "Device-mapper map {kdev} was removed while {users} users still had it open",
}, {
	name:  "dm_zone_error",
	level: kernErr,
	typ:   "DM_ZONE_ERROR",
	re: pat(`^device-mapper: zone: (?P<detail>Could not determine .* zone resource limits|Count .* zones failed -?\d+|` +
		`Get .* zone reset bitmap failed|Invalid zone type 0x[0-9a-f]+ at sectors \d+|Revalidate zones failed -?\d+)$`),
	msg: "Device-mapper zoned map: {detail}",
}, {
	// The userspace log server of clustered mirrors (dm-log-userspace).
	name:  "dm_userspace_log_error",
	level: kernErr,
	sub:   event.SubDirtyLog,
	typ:   "DM_DIRTY_LOG_ERROR",
	re: pat(`^device-mapper: dm-log-userspace: +(?P<detail>Userspace log server (?:not found|failed to create log)|` +
		`Unable to send log request \[.*\] to userspace: -?\d+|couldn't start dmlogd|Error trying to resume userspace log: -?\d+|` +
		`Failed to get region size of dirty log|Incomplete message received .*|Insufficient space to receive package .*)$`),
	msg: "Userspace dirty log: {detail}",
}, {
	name:  "dm_userspace_log_timeout",
	level: kernWarning,
	sub:   event.SubDirtyLog,
	typ:   "DM_DIRTY_LOG_ERROR",
	re:    pat(`^device-mapper: dm-log-userspace: (?P<detail>\[.*\] Request timed out: \[\d+/\d+\] - retrying)$`),
	msg:   "Userspace dirty log: {detail}",
}, {
	name:  "dm_dirty_log_bad_device",
	level: kernWarning,
	sub:   event.SubDirtyLog,
	typ:   "DM_DIRTY_LOG_ERROR",
	re:    pat(`^device-mapper: dirty region log: (?P<detail>log device (?P<kdev>\S+) too small: need \d+ bytes|incompatible disk log version)$`),
	msg:   "Dirty region log: {detail}",
}, {
	// log-writes: the log device of a write-logging map.
	name:  "dm_log_writes_error",
	level: kernErr,
	sub:   event.SubDirtyLog,
	typ:   "DM_LOG_WRITES_ERROR",
	re:    pat(`^device-mapper: log-writes: (?P<detail>Error writing log block, error=-?\d+|Couldn't write super|Ran out of space on the logdev)$`),
	msg:   "log-writes: {detail}",
}, {
	name:  "dm_log_writes_dax",
	level: kernWarning,
	sub:   event.SubDirtyLog,
	typ:   "DM_LOG_WRITES_ERROR",
	re:    pat(`^device-mapper: log-writes: (?P<detail>Error -?\d+ logging DAX write)$`),
	msg:   "log-writes: {detail}",
}}
