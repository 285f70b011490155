package parsers

import (
	"github.com/peripety/peripety/event"
)

// ext4 lines (fs/ext4/super.c __ext4_msg, __ext4_error*, __ext4_warning,
// fs/ext4/page-io.c, fs/ext4/ioctl.c). The device is the filesystem's s_id:
// "EXT4-fs (sda1): …", "EXT4-fs error (device sda1): …",
// "EXT4-fs warning (device sda1): …".

const (
	ext4Msg  = `^EXT4-fs \((?P<kdev>[^)\s]+)\): `
	ext4UUID = `(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`
	// ext4Data is the data mode of a mount line: " ordered data mode",
	// "out journal", …
	ext4Data = `with(?:out journal| (?P<data_mode>\w+) data mode)\.`
)

var ext4Rules = []rule{{
	// 6.2+: "mounted filesystem <uuid> r/w with ordered data mode. Quota mode: none."
	name:  "ext4_mounted",
	level: kernInfo,
	typ:   "FS_MOUNTED",
	cond:  "fs:mounted",
	re:    pat(ext4Msg + `mounted filesystem ` + ext4UUID + ` (?P<mode>ro|r/w) ` + ext4Data + `(?: Quota mode: (?P<quota_mode>[^.]+)\.)?`),
	msg:   "ext4 filesystem {uuid} on {kdev} mounted {mode}",
}, {
	// ≤6.1: "mounted filesystem with ordered data mode. Opts: (null). Quota mode: none."
	// (Opts dropped in 6.0, Quota mode added in 5.12, 4.x ends after Opts).
	name:  "ext4_mounted_legacy",
	level: kernInfo,
	typ:   "FS_MOUNTED",
	cond:  "fs:mounted",
	re:    pat(ext4Msg + `mounted filesystem ` + ext4Data + `(?: Opts: (?P<opts>.*?))?\.?(?: Quota mode: (?P<quota_mode>[^.]+)\.)?$`),
	msg:   "ext4 filesystem on {kdev} mounted[ (options {opts})]",
}, {
	name:  "ext4_unmounting",
	level: kernInfo,
	typ:   "FS_UNMOUNTED",
	cond:  "fs:unmounted",
	re:    pat(ext4Msg + `unmounting filesystem(?: ` + ext4UUID + `)?\.`),
	msg:   "ext4 filesystem[ {uuid}] on {kdev} unmounted",
}, {
	// 6.2+ names the mode: read-write again clears a read-only state.
	name:  "ext4_remounted_rw",
	level: kernInfo,
	typ:   "FS_REMOUNTED",
	re:    pat(ext4Msg + `re-mounted(?: ` + ext4UUID + `)? (?P<mode>r/w)\.(?: Quota mode: (?P<quota_mode>[^.]+)\.)?`),
	cond:  "fs:rw",
	msg:   "ext4 filesystem[ {uuid}] on {kdev} remounted {mode}",
}, {
	name:  "ext4_remounted",
	level: kernInfo,
	typ:   "FS_REMOUNTED",
	re:    pat(ext4Msg + `re-mounted(?: ` + ext4UUID + `)?(?: (?P<mode>ro|r/w))?\.(?: Opts: (?P<opts>.*?)\.)?(?: Quota mode: (?P<quota_mode>[^.]+)\.)?`),
	msg:   "ext4 filesystem[ {uuid}] on {kdev} remounted[ {mode}]",
}, {
	name:  "ext4_remount_ro",
	level: kernCrit,
	typ:   "FS_REMOUNT_READ_ONLY",
	cond:  "fs:ro",
	re:    pat(ext4Msg + `Remounting filesystem read-only`),
	msg:   "ext4 filesystem on {kdev} remounted read-only after an error",
}, {
	name:  "ext4_shutdown",
	level: kernAlert,
	typ:   "FS_SHUTDOWN",
	cond:  "fs:shutdown",
	re:    pat(ext4Msg + `shut down requested \((?P<shutdown_flag>\d+)\)`),
	msg:   "ext4 filesystem on {kdev} shut down (flag {shutdown_flag})",
}, {
	// Printed 5 minutes after mount and daily while the superblock
	// records errors; the initial/last error lines follow it.
	name:  "ext4_error_count",
	level: kernNotice,
	typ:   "FS_ERROR_SUMMARY",
	re:    pat(ext4Msg + `error count since last fsck: (?P<error_count>\d+)`),
	key:   "ext4-errinfo", open: true,
	msg: "ext4 filesystem on {kdev} has recorded {error_count} errors since the last fsck[ (first in {initial_function})]",
}, {
	name:  "ext4_error_info",
	level: kernNotice,
	typ:   "FS_ERROR_SUMMARY",
	re:    pat(ext4Msg + `(?P<which>initial|last) error at time (?P<error_time>\d+): (?P<function>[^:\s]+):(?P<line>\d+)(?:: inode (?P<inode>\d+))?(?:: block (?P<block>\d+))?`),
	role:  roleJoin, key: "ext4-errinfo", open: true,
	msg: "ext4 filesystem on {kdev}: {which} recorded error at time {error_time} in {function}",
}, {
	name:  "ext4_end_bio_io_error",
	level: kernWarning,
	typ:   "FS_IO_ERROR",
	re: pat(`^EXT4-fs warning \(device (?P<kdev>[^)\s]+)\): ext4_end_bio:\d+: I/O error (?P<status>-?\d+) writing to inode (?P<inode>\d+)` +
		`(?: \(offset (?P<offset>\d+) size (?P<size>\d+))? starting block (?P<block>\d+)\)`),
	msg: "ext4 on {kdev}: I/O error writing inode {inode} at block {block}",
}, {
	name:  "ext4_unwritten_extents",
	level: kernEmerg,
	typ:   "FS_IO_ERROR",
	re: pat(ext4Msg + `failed to convert unwritten extents to written extents -- potential data loss!\s+\(inode (?P<inode>\d+), ` +
		`(?:offset (?P<offset>\d+), size (?P<size>\d+), )?error (?P<errno>-?\d+)\)`),
	msg: "ext4 on {kdev}: potential data loss in inode {inode}, unwritten extents not converted (error {errno})",
}, {
	name:   "ext4_superblock_io_error",
	level:  kernErr,
	typ:    "FS_IO_ERROR",
	needle: " superblock",
	re:     pat(ext4Msg + `(?P<detail>I/O error while writing superblock|previous I/O error to superblock detected)`),
	msg:    "ext4 on {kdev}: {detail}",
}, {
	name:  "ext4_delayed_allocation_failed",
	level: kernCrit,
	typ:   "FS_IO_ERROR",
	re: pat(ext4Msg + `Delayed block allocation failed for inode (?P<inode>\d+) at logical offset (?P<offset>\d+) ` +
		`with max blocks (?P<blocks>\d+) with error (?P<errno>-?\d+)`),
	key: "ext4-dalloc", open: true,
	msg: "ext4 on {kdev}: delayed allocation failed for inode {inode} (error {errno}), data will be lost",
}, {
	name:  "ext4_data_will_be_lost",
	level: kernCrit,
	re:    pat(ext4Msg + `This should not happen!! Data will be lost`),
	role:  roleContext, key: "ext4-dalloc",
}, {
	// ext4_print_free_blocks and the allocator's state dump that follow
	// a failed delayed allocation.
	name:  "ext4_dalloc_dump",
	level: kernCrit,
	re: pat(ext4Msg + `(?:Total free blocks count -?\d+|Free/Dirty block details|(?:free|dirty)_blocks=-?\d+|Block reservation details|` +
		`i_reserved_data_blocks=\d+|pa \S+: logic \d+, phys\. \d+, len \d+|Can't allocate: Allocation context details:|groups: |` +
		`orig \d+/.* cr \d+|start \d+, size \d+, fe_logical \d+|status -?\d+ flags \d+)$`),
	role: roleContext, key: "ext4-dalloc",
}, {
	name:  "ext4_mount_failed",
	level: kernErr,
	typ:   "FS_MOUNT_FAILED",
	re: pat(ext4Msg + `(?P<reason>VFS: Can't find ext4 filesystem|Could not load journal inode|no journal found|error loading journal|` +
		`VFS: Found ext4 filesystem with invalid superblock checksum\.\s+Run e2fsck\?|group descriptors corrupted!|get root inode failed|` +
		`failed to open journal device .*|journal inode is deleted|mount failed)`),
	msg: "ext4 on {kdev} failed to mount: {reason}",
}, {
	name:  "ext4_fsck_recommended",
	level: kernWarning,
	typ:   "FS_WARNING",
	re:    pat(ext4Msg + `warning: (?P<warning>(?:mounting fs with errors|maximal mount count reached|checktime reached|mounting unchecked fs)), running e2fsck is recommended`),
	msg:   "ext4 on {kdev}: {warning}, running e2fsck is recommended",
}, {
	name:  "ext4_recovery_complete",
	level: kernInfo,
	typ:   "FS_RECOVERY_COMPLETE",
	re:    pat(ext4Msg + `recovery complete`),
	msg:   "ext4 on {kdev}: journal recovery complete",
}, {
	name:  "ext4_error",
	level: kernCrit,
	typ:   "FS_ERROR",
	re: pat(`^EXT4-fs error \(device (?P<kdev>[^)\s]+)\)(?:: | in )(?P<function>[^:\s]+)(?::(?P<line>\d+))?:? ` +
		`(?:inode #(?P<inode>\d+): )?(?:block (?P<block>\d+): )?(?:comm (?P<comm>\S+?): )?(?P<detail>.*)$`),
	msg: "ext4 error on {kdev} in {function}: {detail}",
}, {
	// A directory block the filesystem could not read: __ext4_read_dirblock
	// (fs/ext4/namei.c, "error %ld reading directory block", named after
	// its caller) and ext4_dx_find_entry ("error %d reading directory index
	// block") warn when ext4_bread fails. -5 is EIO: the device failed the
	// read (the lab's ext4-ioerr); other errors stay warnings.
	name:  "ext4_dir_read_io_error",
	level: kernWarning,
	typ:   "FS_IO_ERROR",
	re: pat(`^EXT4-fs warning \(device (?P<kdev>[^)\s]+)\): (?P<function>[^:\s]+):(?P<line>\d+): ` +
		`(?:inode #(?P<inode>\d+): (?:lblock (?P<lblock>\d+): )?(?:comm (?P<comm>\S+?): )?)?error (?P<errno>-5) reading directory (?P<what>index block|block)$`),
	sev: sevOf(event.Error),
	msg: "ext4 on {kdev}: I/O error reading a directory {what}[ of inode {inode}][ (logical block {lblock})]",
}, {
	name:  "ext4_warning",
	level: kernWarning,
	typ:   "FS_WARNING",
	re:    pat(`^EXT4-fs warning \(device (?P<kdev>[^)\s]+)\): (?P<function>[^:\s]+):(?P<line>\d+): (?P<detail>.*)$`),
	msg:   "ext4 warning on {kdev} in {function}: {detail}",
}, {
	// errors=panic: the panic string reaches the log only via the
	// console or pstore.
	name:     "ext4_panic",
	level:    kernEmerg,
	typ:      "FS_ERROR",
	prefixes: []string{"EXT4-fs (device ", "Kernel panic - not syncing: EXT4-fs (device "},
	re:       pat(`^(?:Kernel panic - not syncing: )?EXT4-fs \(device (?P<kdev>[^)\s]+)\): panic forced after error`),
	sev:      sevOf(event.Emergency),
	msg:      "ext4 on {kdev}: kernel panic forced after a filesystem error (errors=panic)",
}, {
	// Mounts ext4 refuses for what it finds on disk or in the journal
	// (mount options it refuses are the caller's to report, and "couldn't
	// mount as ext3" is the ext3 driver's probe of an ext4 filesystem).
	name:  "ext4_mount_refused",
	level: kernErr,
	typ:   "FS_MOUNT_FAILED",
	re: pat(ext4Msg + `(?P<reason>Can't read superblock on 2nd try|unable to (?:read superblock|set blocksize)|` +
		`[Cc]ouldn't mount (?:RDWR )?because of unsupported optional features \([0-9a-f]+\)|` +
		`Filesystem with .* cannot be mounted .*|Unsupported filesystem blocksize .*|bad block size \d+|blocks per group .* inconsistent|` +
		`cluster size \(\d+\) smaller than block size .*|fragment/cluster size .* != block size .*|#(?:blocks|clusters) per group too big: \d+|` +
		`invalid (?:#clusters per group|first ino|inodes per group): \d+|inodes count not valid: .*|unsupported (?:descriptor|inode) size:? \d+|` +
		`Invalid log (?:block|cluster) size: \d+|Magic mismatch, very weird!|corrupt root inode, run e2fsck|get root dentry failed|` +
		`can't read (?:group )?descriptor \d+|couldn't read superblock of external journal|external journal has (?:bad|corrupt) superblock|` +
		`External journal has more than one user .*|blocksize too small for journal device|journal UUID does not match|invalid journal inode|` +
		`filesystem has both journal .*|VFS: Found ext4 filesystem with unknown checksum algorithm\.|Number of reserved GDT blocks insanely large: \d+|` +
		`bad s_(?:min|want)_extra_isize: \d+|can't mount with superblock charset: .*|Encoding requested by superblock is unknown|` +
		`Can't support bigalloc feature without extents feature|Unsupported encryption level \d+|Invalid default hash set in the superblock|` +
		`can't get journal size|error: (?:could not find journal device path.*|journal path .* is not a block device)|` +
		`journal device read-only, try mounting with '-o ro'|write access unavailable, cannot proceed \(try mounting with noload\)|` +
		`required journal recovery suppressed and not mounted read-only|failed to initialize (?:mballoc|system zone) \(-?\d+\)|` +
		`filesystem too large to mount safely on this system|get orphan inode failed|orphan file too big: \d+|` +
		`too many log groups per flexible block group|unable to initialize flex_bg meta info!|failed to create device journal)$`),
	msg: "ext4 on {kdev} failed to mount: {reason}",
}, {
	name:  "ext4_mount_refused_warn",
	level: kernWarning,
	typ:   "FS_MOUNT_FAILED",
	re: pat(ext4Msg + `(?P<reason>bad geometry: .*|groups count too large: .*|first meta block group too large: .*|` +
		`Couldn't remount RDWR because of unprocessed orphan inode list\..*)$`),
	msg: "ext4 on {kdev} failed to mount: {reason}",
}, {
	// Group descriptors and in-memory checks that found metadata wrong.
	name:  "ext4_corruption",
	level: kernErr,
	typ:   "FS_CORRUPTION",
	re: pat(ext4Msg + `(?P<detail>(?:ext4_check_descriptors|ext4_remount): (?:Checksum for group \d+ failed .*|` +
		`(?:Block bitmap|Inode bitmap|Inode table) for group \d+ (?:not in group .*|overlaps .*))|corruption in group \d+ at byte .*|` +
		`Inode \d+ \(\S+\): (?:orphan list check failed!|inode tracked as orphan!|i_reserved_data_blocks \(\d+\) not cleared!)|` +
		`ext4_free_inode:\d+: inode #\d+: (?:count|nlink)=\d+|Invalid checksum for backup superblock \d+)$`),
	msg: "ext4 on {kdev}: metadata corruption: {detail}",
}, {
	name:  "ext4_writeback_failed",
	level: kernCrit,
	typ:   "FS_IO_ERROR",
	re:    pat(ext4Msg + `(?P<function>ext4_(?:do_)?writepages): jbd2_start: (?P<pages>\d+) pages, ino (?P<inode>\d+); err (?P<errno>-?\d+)`),
	msg:   "ext4 on {kdev}: writeback of inode {inode} failed to start a journal handle (error {errno}); its data is not written",
}, {
	name:  "ext4_data_loss",
	level: kernEmerg,
	typ:   "FS_IO_ERROR",
	re:    pat(ext4Msg + `error restoring inline_data for inode -- potential data loss! \(inode (?P<inode>\d+), error (?P<errno>-?\d+)\)`),
	msg:   "ext4 on {kdev}: potential data loss in inode {inode}, inline data not restored (error {errno})",
}, {
	name:  "ext4_sb_update_failed",
	level: kernErr,
	typ:   "FS_IO_ERROR",
	re:    pat(ext4Msg + `(?P<detail>Failed to update primary superblock|I/O error on journal device)$`),
	msg:   "ext4 on {kdev}: {detail}",
}, {
	name:  "ext4_journal_bmap_failed",
	level: kernCrit,
	typ:   "FS_JOURNAL_IO_ERROR",
	re:    pat(ext4Msg + `journal bmap failed: block (?P<block>\d+) ret (?P<errno>-?\d+)`),
	msg:   "ext4 on {kdev}: journal block {block} could not be mapped (error {errno})",
}, {
	name:  "ext4_discard_failed",
	level: kernWarning,
	typ:   "FS_DISCARD_FAILED",
	re:    pat(ext4Msg + `discard request in group:(?P<group>\d+) block:(?P<block>-?\d+) count:(?P<count>\d+) failed with (?P<errno>-?\d+)`),
	msg:   "ext4 on {kdev}: discard of {count} blocks at block {block} of group {group} failed (error {errno})",
}, {
	name:  "ext4_quota_error",
	level: kernErr,
	typ:   "FS_QUOTA_ERROR",
	re:    pat(ext4Msg + `(?P<detail>Cannot turn on (?:journaled )?quotas?: .*)$`),
	msg:   "ext4 on {kdev}: {detail}",
}, {
	name:  "ext4_quota_write_cancelled",
	level: kernWarning,
	typ:   "FS_QUOTA_ERROR",
	re:    pat(ext4Msg + `(?P<detail>Quota write \(off=\d+, len=\d+\) cancelled because .*)$`),
	msg:   "ext4 on {kdev}: {detail}",
}, {
	// ext4_journal_abort_handle: a handle's journal operation failed
	// and its transaction is aborted (the line names no device).
	name:  "ext4_transaction_aborted",
	level: kernErr,
	typ:   "FS_TRANSACTION_ABORTED",
	re:    pat(`^EXT4-fs: (?P<function>\w+):(?P<line>\d+): aborting transaction: (?P<error>.+) in (?P<where>\S+)$`),
	msg:   "ext4 transaction aborted in {function}: {error} in {where} (the line names no device)",
}, {
	name:  "ext4_dirty_metadata_failed",
	level: kernErr,
	typ:   "FS_JOURNAL_ERROR",
	re:    pat(`^EXT4: jbd2_journal_dirty_metadata failed: (?P<detail>.+)$`),
	msg:   "ext4: journaling a metadata block failed: {detail} (the line names no device)",
}, {
	// fs/ext4/page-io.c, printk_ratelimited(KERN_ERR "%s: ret = %d\n",
	// __func__, ret): a page (folio since 6.x) of a file could not be put
	// under write-back (its encryption for it or the bio failed); the page
	// stays dirty for another try. The line names no device.
	name:  "ext4_page_writeback_failed",
	level: kernErr,
	typ:   "FS_IO_ERROR",
	re:    pat(`^(?P<function>ext4_bio_write_(?:page|folio)): ret = (?P<errno>-?\d+)$`),
	msg:   "ext4: write-back of a file page failed in {function} (error {errno}); the page stays dirty (the line names no device)",
}, {
	// fs/ext4/mballoc.c (5.10 on), pr_warn("Failed to read block
	// bitmap\n"): allocating or freeing blocks while a fast-commit log is
	// replayed (ext4_mb_new_blocks_simple, ext4_free_blocks_simple) could
	// not read a group's block bitmap. The line names no device.
	name:  "ext4_replay_bitmap_read_failed",
	level: kernWarning,
	typ:   "FS_IO_ERROR",
	re:    pat(`^Failed to read block bitmap$`),
	msg:   "ext4: a block bitmap could not be read while a fast-commit log was replayed (the line names no device)",
}}
