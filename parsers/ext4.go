package parsers

import (
	"regexp"

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
	re:    regexp.MustCompile(ext4Msg + `mounted filesystem ` + ext4UUID + ` (?P<mode>ro|r/w) ` + ext4Data + `(?: Quota mode: (?P<quota_mode>[^.]+)\.)?`),
	msg:   "ext4 filesystem {uuid} on {kdev} mounted {mode}",
}, {
	// ≤6.1: "mounted filesystem with ordered data mode. Opts: (null). Quota mode: none."
	// (Opts dropped in 6.0, Quota mode added in 5.12, 4.x ends after Opts).
	name:  "ext4_mounted_legacy",
	level: kernInfo,
	typ:   "FS_MOUNTED",
	re:    regexp.MustCompile(ext4Msg + `mounted filesystem ` + ext4Data + `(?: Opts: (?P<opts>.*?))?\.?(?: Quota mode: (?P<quota_mode>[^.]+)\.)?$`),
	msg:   "ext4 filesystem on {kdev} mounted[ (options {opts})]",
}, {
	name:  "ext4_unmounting",
	level: kernInfo,
	typ:   "FS_UNMOUNTED",
	re:    regexp.MustCompile(ext4Msg + `unmounting filesystem(?: ` + ext4UUID + `)?\.`),
	msg:   "ext4 filesystem[ {uuid}] on {kdev} unmounted",
}, {
	name:  "ext4_remounted",
	level: kernInfo,
	typ:   "FS_REMOUNTED",
	re:    regexp.MustCompile(ext4Msg + `re-mounted(?: ` + ext4UUID + `)?(?: (?P<mode>ro|r/w))?\.(?: Opts: (?P<opts>.*?)\.)?(?: Quota mode: (?P<quota_mode>[^.]+)\.)?`),
	msg:   "ext4 filesystem[ {uuid}] on {kdev} remounted[ {mode}]",
}, {
	name:  "ext4_remount_ro",
	level: kernCrit,
	typ:   "FS_REMOUNT_READ_ONLY",
	re:    regexp.MustCompile(ext4Msg + `Remounting filesystem read-only`),
	msg:   "ext4 filesystem on {kdev} remounted read-only after an error",
}, {
	name:  "ext4_shutdown",
	level: kernAlert,
	typ:   "FS_SHUTDOWN",
	re:    regexp.MustCompile(ext4Msg + `shut down requested \((?P<shutdown_flag>\d+)\)`),
	msg:   "ext4 filesystem on {kdev} shut down (flag {shutdown_flag})",
}, {
	// Printed 5 minutes after mount and daily while the superblock
	// records errors; the initial/last error lines follow it.
	name:  "ext4_error_count",
	level: kernNotice,
	typ:   "FS_ERROR_SUMMARY",
	re:    regexp.MustCompile(ext4Msg + `error count since last fsck: (?P<error_count>\d+)`),
	key:   "ext4-errinfo", open: true,
	msg: "ext4 filesystem on {kdev} has recorded {error_count} errors since the last fsck[ (first in {initial_function})]",
}, {
	name:  "ext4_error_info",
	level: kernNotice,
	typ:   "FS_ERROR_SUMMARY",
	re:    regexp.MustCompile(ext4Msg + `(?P<which>initial|last) error at time (?P<error_time>\d+): (?P<function>[^:\s]+):(?P<line>\d+)(?:: inode (?P<inode>\d+))?(?:: block (?P<block>\d+))?`),
	role:  roleJoin, key: "ext4-errinfo", open: true,
	msg: "ext4 filesystem on {kdev}: {which} recorded error at time {error_time} in {function}",
}, {
	name:  "ext4_end_bio_io_error",
	level: kernWarning,
	typ:   "FS_IO_ERROR",
	re: regexp.MustCompile(`^EXT4-fs warning \(device (?P<kdev>[^)\s]+)\): ext4_end_bio:\d+: I/O error (?P<status>-?\d+) writing to inode (?P<inode>\d+)` +
		`(?: \(offset (?P<offset>\d+) size (?P<size>\d+))? starting block (?P<block>\d+)\)`),
	msg: "ext4 on {kdev}: I/O error writing inode {inode} at block {block}",
}, {
	name:  "ext4_unwritten_extents",
	level: kernEmerg,
	typ:   "FS_IO_ERROR",
	re:    regexp.MustCompile(ext4Msg + `failed to convert unwritten extents to written extents -- potential data loss!\s+\(inode (?P<inode>\d+), error (?P<errno>-?\d+)\)`),
	msg:   "ext4 on {kdev}: potential data loss in inode {inode}, unwritten extents not converted (error {errno})",
}, {
	name:   "ext4_superblock_io_error",
	level:  kernErr,
	typ:    "FS_IO_ERROR",
	needle: " superblock",
	re:     regexp.MustCompile(ext4Msg + `(?P<detail>I/O error while writing superblock|previous I/O error to superblock detected)`),
	msg:    "ext4 on {kdev}: {detail}",
}, {
	name:  "ext4_delayed_allocation_failed",
	level: kernCrit,
	typ:   "FS_IO_ERROR",
	re: regexp.MustCompile(ext4Msg + `Delayed block allocation failed for inode (?P<inode>\d+) at logical offset (?P<offset>\d+) ` +
		`with max blocks (?P<blocks>\d+) with error (?P<errno>-?\d+)`),
	key: "ext4-dalloc", open: true,
	msg: "ext4 on {kdev}: delayed allocation failed for inode {inode} (error {errno}), data will be lost",
}, {
	name:  "ext4_data_will_be_lost",
	level: kernCrit,
	re:    regexp.MustCompile(ext4Msg + `This should not happen!! Data will be lost`),
	role:  roleContext, key: "ext4-dalloc",
}, {
	name:  "ext4_mount_failed",
	level: kernErr,
	typ:   "FS_MOUNT_FAILED",
	re: regexp.MustCompile(ext4Msg + `(?P<reason>VFS: Can't find ext4 filesystem|Could not load journal inode|no journal found|error loading journal|` +
		`VFS: Found ext4 filesystem with invalid superblock checksum\.\s+Run e2fsck\?|group descriptors corrupted!|get root inode failed|` +
		`failed to open journal device .*|journal inode is deleted|mount failed)`),
	msg: "ext4 on {kdev} failed to mount: {reason}",
}, {
	name:  "ext4_fsck_recommended",
	level: kernWarning,
	typ:   "FS_WARNING",
	re:    regexp.MustCompile(ext4Msg + `warning: (?P<warning>(?:mounting fs with errors|maximal mount count reached|checktime reached|mounting unchecked fs)), running e2fsck is recommended`),
	msg:   "ext4 on {kdev}: {warning}, running e2fsck is recommended",
}, {
	name:  "ext4_recovery_complete",
	level: kernInfo,
	typ:   "FS_RECOVERY_COMPLETE",
	re:    regexp.MustCompile(ext4Msg + `recovery complete`),
	msg:   "ext4 on {kdev}: journal recovery complete",
}, {
	name:  "ext4_error",
	level: kernCrit,
	typ:   "FS_ERROR",
	re: regexp.MustCompile(`^EXT4-fs error \(device (?P<kdev>[^)\s]+)\)(?:: | in )(?P<function>[^:\s]+)(?::(?P<line>\d+))?:? ` +
		`(?:inode #(?P<inode>\d+): )?(?:block (?P<block>\d+): )?(?:comm (?P<comm>\S+?): )?(?P<detail>.*)$`),
	msg: "ext4 error on {kdev} in {function}: {detail}",
}, {
	name:  "ext4_warning",
	level: kernWarning,
	typ:   "FS_WARNING",
	re:    regexp.MustCompile(`^EXT4-fs warning \(device (?P<kdev>[^)\s]+)\): (?P<function>[^:\s]+):(?P<line>\d+): (?P<detail>.*)$`),
	msg:   "ext4 warning on {kdev} in {function}: {detail}",
}, {
	// errors=panic: the panic string reaches the log only via the
	// console or pstore.
	name:     "ext4_panic",
	level:    kernEmerg,
	typ:      "FS_ERROR",
	prefixes: []string{"EXT4-fs (device ", "Kernel panic - not syncing: EXT4-fs (device "},
	re:       regexp.MustCompile(`^(?:Kernel panic - not syncing: )?EXT4-fs \(device (?P<kdev>[^)\s]+)\): panic forced after error`),
	sev:      sevOf(event.Emergency),
	msg:      "ext4 on {kdev}: kernel panic forced after a filesystem error (errors=panic)",
}}
