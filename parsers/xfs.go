package parsers

import (
	"regexp"

	"github.com/peripety/peripety/event"
)

// XFS lines (fs/xfs/xfs_message.c: "XFS (<s_id>): …"), and the iomap
// writeback error (fs/iomap/buffered-io.c) that XFS filesystems print
// without the XFS prefix. A shutdown's lines ("… detected at … Shutting
// down filesystem.", "Please unmount the filesystem…") and a corruption
// report's lines (verifier, "Unmount and run xfs_repair", the hex dump)
// fold into one event each. xfs_alert prints at KERN_ALERT: every
// shutdown, I/O error and corruption line.

const (
	xfsMsg  = `^XFS \((?P<kdev>[^)\s]+)\): `
	xfsUUID = `(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`
)

var xfsRules = []rule{{
	name:  "xfs_mounting",
	level: kernNotice,
	typ:   "FS_MOUNTING",
	re:    regexp.MustCompile(xfsMsg + `Mounting V(?P<version>\d+)(?: Filesystem| filesystem)(?: ` + xfsUUID + `)?`),
	msg:   "XFS V{version} filesystem[ {uuid}] on {kdev} mounting",
}, {
	name:  "xfs_clean_mount",
	level: kernInfo,
	typ:   "FS_MOUNTED",
	re:    regexp.MustCompile(xfsMsg + `Ending clean mount`),
	msg:   "XFS filesystem on {kdev} mounted",
}, {
	name:  "xfs_recovery_started",
	level: kernNotice,
	typ:   "FS_RECOVERY_STARTED",
	re:    regexp.MustCompile(xfsMsg + `Starting recovery \(logdev: (?P<logdev>[^)]+)\)`),
	msg:   "XFS filesystem on {kdev}: log recovery started",
}, {
	name:  "xfs_recovery_ended",
	level: kernNotice,
	typ:   "FS_MOUNTED",
	re:    regexp.MustCompile(xfsMsg + `Ending recovery \(logdev: (?P<logdev>[^)]+)\)`),
	msg:   "XFS filesystem on {kdev} mounted after log recovery",
}, {
	name:  "xfs_unmounting",
	level: kernNotice,
	typ:   "FS_UNMOUNTED",
	re:    regexp.MustCompile(xfsMsg + `Unmounting Filesystem(?: ` + xfsUUID + `)?`),
	msg:   "XFS filesystem[ {uuid}] on {kdev} unmounted",
}, {
	name:  "xfs_user_shutdown",
	level: kernAlert,
	typ:   "FS_SHUTDOWN",
	re:    regexp.MustCompile(xfsMsg + `User initiated shutdown received\.?`),
	key:   "xfs-shutdown", open: true,
	msg: "XFS filesystem on {kdev} shut down by request[: {reason}]",
}, {
	// 5.x+: "<reason> (0x4) detected at <func> (<file>:<line>).  Shutting down filesystem."
	name:  "xfs_shutdown",
	level: kernAlert,
	typ:   "FS_SHUTDOWN",
	re: regexp.MustCompile(xfsMsg + `(?P<reason>[A-Za-z][A-Za-z/ -]*?) \((?P<shutdown_flags>0x[0-9a-f]+)\) detected at (?P<function>\S+)(?: \[xfs\])? ` +
		`\((?P<location>[^)]+)\)\.\s+Shutting down filesystem`),
	role: roleJoin, key: "xfs-shutdown", open: true,
	msg: "XFS filesystem on {kdev} shut down: {reason} in {function}",
}, {
	// ≤4.x: "xfs_do_force_shutdown(0x2) called from line 1196 of file fs/xfs/xfs_log.c. Return address = …"
	name:  "xfs_force_shutdown_legacy",
	level: kernNotice,
	typ:   "FS_SHUTDOWN",
	re: regexp.MustCompile(xfsMsg + `xfs_do_force_shutdown\((?P<shutdown_flags>0x[0-9a-f]+)\) called from line (?P<line>\d+) of file (?P<file>\S+)\.` +
		`\s+Return address = (?P<return_address>\S+)`),
	key: "xfs-shutdown", open: true,
	msg: "XFS filesystem on {kdev} shut down (flags {shutdown_flags}) from {file}:{line}[: {reason}]",
}, {
	// ≤4.x: "Log I/O Error Detected. Shutting down filesystem",
	// "Corruption of in-memory data detected.  Shutting down filesystem"
	name:  "xfs_shutdown_legacy",
	level: kernAlert,
	typ:   "FS_SHUTDOWN",
	re:    regexp.MustCompile(xfsMsg + `(?P<reason>[A-Za-z][A-Za-z/ -]*?) [Dd]etected\.\s+Shutting down filesystem`),
	role:  roleJoin, key: "xfs-shutdown", open: true,
	msg: "XFS filesystem on {kdev} shut down: {reason}",
}, {
	name:  "xfs_shutdown_log_error",
	level: kernAlert,
	typ:   "FS_SHUTDOWN",
	re:    regexp.MustCompile(xfsMsg + `Filesystem has been shut down due to log error \((?P<shutdown_flags>0x[0-9a-f]+)\)`),
	role:  roleJoin, key: "xfs-shutdown", open: true,
	msg: "XFS filesystem on {kdev} shut down after a log error",
}, {
	name:  "xfs_please_unmount",
	level: kernAlert,
	re:    regexp.MustCompile(xfsMsg + `Please u(?:n)?mount the filesystem and rectify the problem\(s\)`),
	role:  roleContext, key: "xfs-shutdown",
}, {
	name:  "xfs_metadata_io_error",
	level: kernAlert,
	typ:   "FS_IO_ERROR",
	re:    regexp.MustCompile(xfsMsg + `metadata I/O error in "(?P<function>[^"]+)" at daddr (?P<daddr>0x[0-9a-f]+) len (?P<len>\d+) error (?P<errno>\d+)`),
	msg:   "XFS on {kdev}: metadata I/O error {errno} at daddr {daddr} (len {len}) in {function}",
}, {
	// ≤4.x: "metadata I/O error: block 0x50080d0 ("xlog_iodone") error 5 numblks 64"
	name:  "xfs_metadata_io_error_legacy",
	level: kernAlert,
	typ:   "FS_IO_ERROR",
	re:    regexp.MustCompile(xfsMsg + `metadata I/O error: block (?P<daddr>0x[0-9a-f]+) \("(?P<function>[^"]+)"\) error (?P<errno>\d+) numblks (?P<len>\d+)`),
	msg:   "XFS on {kdev}: metadata I/O error {errno} at daddr {daddr} (len {len}) in {function}",
}, {
	name:  "xfs_log_io_error",
	level: kernAlert,
	typ:   "FS_IO_ERROR",
	re:    regexp.MustCompile(xfsMsg + `log I/O error (?P<errno>-?\d+)`),
	msg:   "XFS on {kdev}: log I/O error {errno}",
}, {
	name:  "xfs_async_write_failing",
	level: kernAlert,
	typ:   "FS_IO_ERROR",
	re:    regexp.MustCompile(xfsMsg + `Failing async write on buffer block (?P<daddr>0x[0-9a-f]+)\. Retrying async write\.`),
	msg:   "XFS on {kdev}: async write to daddr {daddr} failed, retrying",
}, {
	name:  "xfs_permanent_write_failure",
	level: kernAlert,
	typ:   "FS_IO_ERROR",
	re:    regexp.MustCompile(xfsMsg + `Corruption Alert: Buffer at daddr (?P<daddr>0x[0-9a-f]+) had permanent write failures!`),
	msg:   "XFS on {kdev}: permanent write failures at daddr {daddr}",
}, {
	// ≤4.x: "writeback error on sector 12345"
	name:  "xfs_writeback_error_legacy",
	level: kernAlert,
	typ:   "FS_IO_ERROR",
	re:    regexp.MustCompile(xfsMsg + `writeback error on sector (?P<sector>\d+)`),
	msg:   "XFS on {kdev}: writeback error at sector {sector}",
}, {
	name:  "iomap_writeback_error",
	level: kernErr,
	typ:   "FS_IO_ERROR",
	re:    regexp.MustCompile(`^(?P<kdev>[^\s:]+): writeback error on inode (?P<inode>\d+), offset (?P<offset>-?\d+), sector (?P<sector>\d+)`),
	msg:   "Writeback error on {kdev}: inode {inode} at offset {offset}, sector {sector}",
}, {
	name:  "xfs_log_force_error",
	level: kernAlert,
	typ:   "FS_ERROR",
	re:    regexp.MustCompile(xfsMsg + `xfs_log_force: error (?P<errno>-?\d+) returned\.?`),
	msg:   "XFS on {kdev}: log force failed with error {errno}",
}, {
	name:  "xfs_metadata_corruption",
	level: kernAlert,
	typ:   "FS_CORRUPTION",
	// The buffer verifiers' form, and the inode verifier's ("…, inode
	// 0x84 dinode").
	re: regexp.MustCompile(xfsMsg + `Metadata (?P<corruption>corruption|CRC error) detected at (?P<function>\S+?)(?: \[xfs\])?, ` +
		`(?:(?P<structure>\S+) block (?P<daddr>0x[0-9a-f]+)|inode (?P<inode>0x[0-9a-f]+)(?: (?P<inode_structure>\w+))?)`),
	key: "xfs-corrupt", open: true,
	msg: "XFS on {kdev}: metadata {corruption}[ in {structure} block {daddr}][ in inode {inode}]; unmount and run xfs_repair",
}, {
	name:  "xfs_internal_error",
	level: kernAlert,
	typ:   "FS_CORRUPTION",
	re: regexp.MustCompile(xfsMsg + `Internal error (?P<check>.+?) at line (?P<line>\d+) of file (?P<file>\S+)\.\s+` +
		`Caller (?P<function>\S+)`),
	key: "xfs-corrupt", open: true,
	msg: "XFS on {kdev}: internal error {check} at {file}:{line}",
}, {
	name:  "xfs_corruption_detected",
	level: kernAlert,
	typ:   "FS_CORRUPTION",
	re:    regexp.MustCompile(xfsMsg + `Corruption (?:of in-memory data )?detected\. Unmount and run xfs_repair`),
	role:  roleJoin, key: "xfs-corrupt", open: true,
	msg: "XFS on {kdev}: corruption detected; unmount and run xfs_repair",
}, {
	// xfs_inactive_ifree: freeing an inode failed (-117: corrupt
	// metadata); a shutdown follows.
	name:  "xfs_ifree_failed",
	level: kernNotice,
	typ:   "FS_CORRUPTION",
	re:    regexp.MustCompile(xfsMsg + `(?P<function>\w+): xfs_ifree returned error (?P<errno>-?\d+)`),
	sev:   sevOf(event.Error),
	msg:   "XFS on {kdev}: freeing an inode failed (error {errno})",
}, {
	name:  "xfs_empty_log_check",
	level: kernWarning,
	typ:   "FS_MOUNT_FAILED",
	re:    regexp.MustCompile(xfsMsg + `(?:\w+: )?empty log check failed`),
	msg:   "XFS on {kdev}: the log looked empty but is not; mount failed",
}, {
	name:  "xfs_run_repair",
	level: kernAlert,
	re:    regexp.MustCompile(xfsMsg + `Unmount and run xfs_repair`),
	role:  roleContext, key: "xfs-corrupt",
}, {
	name:  "xfs_dump_header",
	level: kernAlert,
	re:    regexp.MustCompile(xfsMsg + `First \d+ bytes of corrupted metadata buffer:`),
	role:  roleContext, key: "xfs-corrupt",
}, {
	// print_hex_dump lines of the corrupted buffer carry no prefix at
	// all; they only ever join an open corruption report.
	name:  "xfs_hex_dump",
	level: kernAlert,
	// Offsets of the dumps XFS prints stay far below 0x10000.
	re:       regexp.MustCompile(`^0000[0-9a-f]{4}: (?:[0-9a-f]{2} ){1,16}`),
	prefixes: []string{"0000"},
	body:     "",
	role:     roleContext, key: "xfs-corrupt",
}, {
	name:  "xfs_mount_failed",
	level: kernWarning,
	typ:   "FS_MOUNT_FAILED",
	re: regexp.MustCompile(xfsMsg + `(?P<reason>Filesystem has duplicate UUID (?P<uuid>[0-9a-f-]{36}) - can't mount|Invalid superblock magic number|` +
		`SB validate failed with error -?\d+|log mount failed|log mount/recovery failed: error -?\d+)`),
	msg: "XFS on {kdev} failed to mount: {reason}",
}}
