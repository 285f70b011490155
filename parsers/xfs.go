package parsers

import (
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

var xfsRules = append([]rule{{
	name:  "xfs_mounting",
	level: kernNotice,
	typ:   "FS_MOUNTING",
	re:    pat(xfsMsg + `Mounting V(?P<version>\d+)(?: Filesystem| filesystem)(?: ` + xfsUUID + `)?`),
	msg:   "XFS V{version} filesystem[ {uuid}] on {kdev} mounting",
}, {
	name:  "xfs_clean_mount",
	level: kernInfo,
	typ:   "FS_MOUNTED",
	cond:  "fs:mounted",
	re:    pat(xfsMsg + `Ending clean mount`),
	msg:   "XFS filesystem on {kdev} mounted",
}, {
	name:  "xfs_recovery_started",
	level: kernNotice,
	typ:   "FS_RECOVERY_STARTED",
	re:    pat(xfsMsg + `Starting recovery \(logdev: (?P<logdev>[^)]+)\)`),
	msg:   "XFS filesystem on {kdev}: log recovery started",
}, {
	name:  "xfs_recovery_ended",
	level: kernNotice,
	typ:   "FS_MOUNTED",
	cond:  "fs:mounted",
	re:    pat(xfsMsg + `Ending recovery \(logdev: (?P<logdev>[^)]+)\)`),
	msg:   "XFS filesystem on {kdev} mounted after log recovery",
}, {
	name:  "xfs_unmounting",
	level: kernNotice,
	typ:   "FS_UNMOUNTED",
	cond:  "fs:unmounted",
	re:    pat(xfsMsg + `Unmounting Filesystem(?: ` + xfsUUID + `)?`),
	msg:   "XFS filesystem[ {uuid}] on {kdev} unmounted",
}, {
	name:  "xfs_user_shutdown",
	level: kernAlert,
	typ:   "FS_SHUTDOWN",
	cond:  "fs:shutdown",
	re:    pat(xfsMsg + `User initiated shutdown received\.?`),
	key:   "xfs-shutdown", open: true,
	msg: "XFS filesystem on {kdev} shut down by request[: {reason}]",
}, {
	// 5.x+: "<reason> (0x4) detected at <func> (<file>:<line>).  Shutting down filesystem."
	name:  "xfs_shutdown",
	level: kernAlert,
	typ:   "FS_SHUTDOWN",
	cond:  "fs:shutdown",
	re: pat(xfsMsg + `(?P<reason>[A-Za-z][A-Za-z/ -]*?) \((?P<shutdown_flags>0x[0-9a-f]+)\) detected at (?P<function>\S+)(?: \[xfs\])? ` +
		`\((?P<location>[^)]+)\)\.\s+Shutting down filesystem`),
	role: roleJoin, key: "xfs-shutdown", open: true,
	msg: "XFS filesystem on {kdev} shut down: {reason} in {function}",
}, {
	// ≤4.x: "xfs_do_force_shutdown(0x2) called from line 1196 of file fs/xfs/xfs_log.c. Return address = …"
	name:  "xfs_force_shutdown_legacy",
	level: kernNotice,
	typ:   "FS_SHUTDOWN",
	cond:  "fs:shutdown",
	re: pat(xfsMsg + `xfs_do_force_shutdown\((?P<shutdown_flags>0x[0-9a-f]+)\) called from line (?P<line>\d+) of file (?P<file>\S+)\.` +
		`\s+Return address = (?P<return_address>\S+)`),
	key: "xfs-shutdown", open: true,
	msg: "XFS filesystem on {kdev} shut down (flags {shutdown_flags}) from {file}:{line}[: {reason}]",
}, {
	// ≤4.x: "Log I/O Error Detected. Shutting down filesystem",
	// "Corruption of in-memory data detected.  Shutting down filesystem"
	name:  "xfs_shutdown_legacy",
	level: kernAlert,
	typ:   "FS_SHUTDOWN",
	cond:  "fs:shutdown",
	re:    pat(xfsMsg + `(?P<reason>[A-Za-z][A-Za-z/ -]*?) [Dd]etected\.\s+Shutting down filesystem`),
	role:  roleJoin, key: "xfs-shutdown", open: true,
	msg: "XFS filesystem on {kdev} shut down: {reason}",
}, {
	name:  "xfs_shutdown_log_error",
	level: kernAlert,
	typ:   "FS_SHUTDOWN",
	cond:  "fs:shutdown",
	re:    pat(xfsMsg + `Filesystem has been shut down due to log error \((?P<shutdown_flags>0x[0-9a-f]+)\)`),
	role:  roleJoin, key: "xfs-shutdown", open: true,
	msg: "XFS filesystem on {kdev} shut down after a log error",
}, {
	name:  "xfs_please_unmount",
	level: kernAlert,
	re:    pat(xfsMsg + `Please u(?:n)?mount the filesystem and rectify the problem\(s\)`),
	role:  roleContext, key: "xfs-shutdown",
}, {
	name:  "xfs_metadata_io_error",
	level: kernAlert,
	typ:   "FS_IO_ERROR",
	re:    pat(xfsMsg + `metadata I/O error in "(?P<function>[^"]+)" at daddr (?P<daddr>0x[0-9a-f]+) len (?P<len>\d+) error (?P<errno>-?\d+)`),
	msg:   "XFS on {kdev}: metadata I/O error {errno} at daddr {daddr} (len {len}) in {function}",
}, {
	// ≤4.x: "metadata I/O error: block 0x50080d0 ("xlog_iodone") error 5 numblks 64"
	name:  "xfs_metadata_io_error_legacy",
	level: kernAlert,
	typ:   "FS_IO_ERROR",
	re:    pat(xfsMsg + `metadata I/O error: block (?P<daddr>0x[0-9a-f]+) \("(?P<function>[^"]+)"\) error (?P<errno>\d+) numblks (?P<len>\d+)`),
	msg:   "XFS on {kdev}: metadata I/O error {errno} at daddr {daddr} (len {len}) in {function}",
}, {
	name:  "xfs_log_io_error",
	level: kernAlert,
	typ:   "FS_IO_ERROR",
	re:    pat(xfsMsg + `log I/O error (?P<errno>-?\d+)`),
	msg:   "XFS on {kdev}: log I/O error {errno}",
}, {
	name:  "xfs_async_write_failing",
	level: kernAlert,
	typ:   "FS_IO_ERROR",
	re:    pat(xfsMsg + `Failing async write on buffer block (?P<daddr>0x[0-9a-f]+)\. Retrying async write\.`),
	msg:   "XFS on {kdev}: async write to daddr {daddr} failed, retrying",
}, {
	name:  "xfs_permanent_write_failure",
	level: kernAlert,
	typ:   "FS_IO_ERROR",
	re:    pat(xfsMsg + `Corruption Alert: Buffer at daddr (?P<daddr>0x[0-9a-f]+) had permanent write failures!`),
	msg:   "XFS on {kdev}: permanent write failures at daddr {daddr}",
}, {
	// ≤4.x: "writeback error on sector 12345"
	name:  "xfs_writeback_error_legacy",
	level: kernAlert,
	typ:   "FS_IO_ERROR",
	re:    pat(xfsMsg + `writeback error on sector (?P<sector>\d+)`),
	msg:   "XFS on {kdev}: writeback error at sector {sector}",
}, {
	name:  "iomap_writeback_error",
	level: kernErr,
	typ:   "FS_IO_ERROR",
	re:    pat(`^(?P<kdev>[^\s:]+): writeback error on inode (?P<inode>\d+), offset (?P<offset>-?\d+), sector (?P<sector>\d+)`),
	msg:   "Writeback error on {kdev}: inode {inode} at offset {offset}, sector {sector}",
}, {
	name:  "xfs_log_force_error",
	level: kernAlert,
	typ:   "FS_ERROR",
	re:    pat(xfsMsg + `xfs_log_force: error (?P<errno>-?\d+) returned\.?`),
	msg:   "XFS on {kdev}: log force failed with error {errno}",
}, {
	name:  "xfs_metadata_corruption",
	level: kernAlert,
	typ:   "FS_CORRUPTION",
	// The buffer verifiers' form, and the inode verifier's ("…, inode
	// 0x84 dinode").
	re: pat(xfsMsg + `Metadata (?P<corruption>corruption|CRC error) detected at (?P<function>\S+?)(?: \[xfs\])?, ` +
		`(?:(?P<structure>\S+) block (?P<daddr>0x[0-9a-f]+)|inode (?P<inode>0x[0-9a-f]+)(?: (?P<inode_structure>\w+))?)`),
	key: "xfs-corrupt", open: true,
	msg: "XFS on {kdev}: metadata {corruption}[ in {structure} block {daddr}][ in inode {inode}]; unmount and run xfs_repair",
}, {
	name:  "xfs_internal_error",
	level: kernAlert,
	typ:   "FS_CORRUPTION",
	re: pat(xfsMsg + `Internal error (?P<check>.+?) at line (?P<line>\d+) of file (?P<file>\S+)\.\s+` +
		`Caller (?P<function>\S+)`),
	key: "xfs-corrupt", open: true,
	msg: "XFS on {kdev}: internal error {check} at {file}:{line}",
}, {
	name:  "xfs_corruption_detected",
	level: kernAlert,
	typ:   "FS_CORRUPTION",
	re:    pat(xfsMsg + `Corruption (?:of in-memory data )?detected\. Unmount and run xfs_repair`),
	role:  roleJoin, key: "xfs-corrupt", open: true,
	msg: "XFS on {kdev}: corruption detected; unmount and run xfs_repair",
}, {
	// xfs_inactive_ifree: freeing an inode failed (-117: corrupt
	// metadata); a shutdown follows.
	name:  "xfs_ifree_failed",
	level: kernNotice,
	typ:   "FS_CORRUPTION",
	re:    pat(xfsMsg + `(?P<function>\w+): xfs_ifree returned error (?P<errno>-?\d+)`),
	sev:   sevOf(event.Error),
	msg:   "XFS on {kdev}: freeing an inode failed (error {errno})",
}, {
	name:  "xfs_empty_log_check",
	level: kernWarning,
	typ:   "FS_MOUNT_FAILED",
	re:    pat(xfsMsg + `(?:\w+: )?empty log check failed`),
	msg:   "XFS on {kdev}: the log looked empty but is not; mount failed",
}, {
	name:  "xfs_run_repair",
	level: kernAlert,
	re:    pat(xfsMsg + `Unmount and run xfs_repair`),
	role:  roleContext, key: "xfs-corrupt",
}, {
	name:  "xfs_dump_header",
	level: kernAlert,
	re:    pat(xfsMsg + `First \d+ bytes of corrupted metadata buffer:`),
	role:  roleContext, key: "xfs-corrupt",
}, {
	// print_hex_dump lines of the corrupted buffer carry no prefix at
	// all; they only ever join an open corruption report.
	name:  "xfs_hex_dump",
	level: kernAlert,
	// Offsets of the dumps XFS prints stay far below 0x10000.
	re:       pat(`^0000[0-9a-f]{4}: (?:[0-9a-f]{2} ){1,16}`),
	prefixes: []string{"0000"},
	body:     "",
	role:     roleContext, key: "xfs-corrupt",
}, {
	name:  "xfs_mount_failed",
	level: kernWarning,
	typ:   "FS_MOUNT_FAILED",
	re: pat(xfsMsg + `(?P<reason>Filesystem has duplicate UUID (?P<uuid>[0-9a-f-]{36}) - can't mount|Invalid superblock magic number|` +
		`SB validate failed with error -?\d+|log mount failed|log mount/recovery failed: error -?\d+)`),
	msg: "XFS on {kdev} failed to mount: {reason}",
}, {
	name:  "xfs_all_paths_lost",
	level: kernAlert,
	typ:   "FS_SHUTDOWN",
	re:    pat(xfsMsg + `All device paths lost\.\s+Shutting down filesystem`),
	cond:  "fs:shutdown",
	msg:   "XFS filesystem on {kdev} shut down: all paths to its device were lost",
}}, xfsLineRules()...)

// xfsLine is a rule of an XFS line ("XFS (<dev>): …") whose text after
// the prefix matches body.
type xfsLine struct {
	name, typ string
	level     printkLevel
	key       string
	body, msg string
}

// xfsLines are XFS's reports of corrupt metadata, I/O errors, mounts it
// refuses, log recovery that fails and its log's own trouble (fs/xfs,
// 4.19-6.12), each a family of the formats that tell one thing.
var xfsLines = []xfsLine{
	{"xfs_corruption_alert", "FS_CORRUPTION", kernAlert, "xfs-dump",
		`(?P<detail>Bad (?:inode|buffer log item) .*|bad inode magic/vsn .*|Access to block zero in inode .*|Allocated a known in-use inode .*|` +
			`AGF corruption\. Please run xfs_repair\.|Corruption (?:detected during scrub|not fixed during online repair).*|Detected bogus zero next_unlinked .*|` +
			`corrupt dquot ID .*|dquot corrupt at .*|Metadata corruption detected at \S+(?: \[xfs\])?, (?:dquot|quota) .*|` +
			`(?:XFS: )?(?:NULL dquot|dquot too small \(\d+\)) in xlog_recover_\w+\.|ifree/icount mismatch at unmount|invalid sparse inode record: .*|` +
			`remote attribute header mismatch .*|symlink header does not match .*|log record CRC mismatch: .*|` +
			`Corruption detected in superblock read-only compatible features .*|Please run xfs_repair to determine the extent of the problem\.|` +
			`xfs_buf_(?:find|map_verify): daddr 0x[0-9a-f]+ out of range.*|xfs_iflush(?:_int)?: (?:[Bb]ad|detected corrupt) .*|` +
			`xfs_imap(?:_lookup)?: .*|xfs_dabuf_map: .*|xfs_dir2_\w+: .*|xfs_droplink: .*|xfs_(?:readlink|inactive_symlink): .*|` +
			`xfs_iread: xfs_iformat\(\) returned error -?\d+|xlog_recover_inode_(?:commit_)?pass2: Bad .*|xlog_space_left: head behind tail|` +
			`xlog_verify_grant_tail: .*)$`,
		"XFS on {kdev}: metadata corruption: {detail}"},
	// CONFIG_XFS_DEBUG's checks of the in-memory log.
	{"xfs_log_verify", "FS_CORRUPTION", kernEmerg, "xfs-dump",
		`(?P<detail>xlog_verify_(?:dest_ptr: invalid ptr|tail_lsn: .*|iclog: (?:corrupt iclog ring|invalid magic num|unexpected magic num)))$`,
		"XFS on {kdev}: log check failed: {detail}"},
	{"xfs_corruption_error", "FS_CORRUPTION", kernErr, "xfs-dump",
		`(?P<detail>AG \d+: Corrupt .*|Inode \d+ fork \d+: Corrupt .*|In-memory: Corrupt .*|ondisk log corrupt, shutting down fs!|` +
			`bad buffer log item size .*|buffer item dirty bitmap .* too small .*|xfs_bmap_check_leaf_extents: CORRUPTED BTREE OR SOMETHING|` +
			`xfs_check_block: ptrs are equal in node|sb_inprogress set after log recovery\?\?|inode \d+ repair encountered quota error .*)$`,
		"XFS on {kdev}: metadata corruption: {detail}"},
	{"xfs_corruption_warning", "FS_CORRUPTION", kernWarning, "xfs-dump",
		`(?P<detail>corrupt (?:d?inode) \d+.*|corrupted root inode \d+: not a directory|Corruption detected! Free inode .*|` +
			`Corruption detected in superblock (?:compatible|incompatible(?: log)?) features .*|Corruption warning: Metadata has LSN .*|` +
			`WARNING: Reset corrupted AGFL .*|` +
			`Failed to remove inode\(s\) from unlinked list\..*|Filesystem needs repair\.  Please run xfs_repair\.|` +
			`Uncorrected metadata errors detected; please run xfs_repair\.|SB summary counter sanity check failed|` +
			`xfs_difree(?:_inobt)?: .*|xfs_bmap_check_leaf_extents: BAD .*|xfs_check_block: thispa.*|` +
			`xlog_recover(?:y)?_\w+: (?:[Bb]ad|[Ii]nvalid|unrecognized|inconsistent|unsupported|op header overrun|committed log item has no regions|Unmount LR).*|` +
			`xlog_valid_rec_header: unrecognised log version .*|xlog_verify_iclog: .*|log item region count .*|region\[\d+\]: bad-rtype .*|` +
			`bad number of regions .*|Invalid (?:block length|log block/length|inode number) .*|log size mismatch detected|` +
			`(?:dirty log entry|log) has mismatched uuid - can't recover|dirty log written in incompatible format - can't recover|` +
			`null uuid in log - IRIX style log|totally zeroed log|Log inconsistent \(didn't find previous header\)|` +
			`Tail block \(0x[0-9a-f]+\) overwrite detected\..*|Torn write \(CRC failure\) detected at log block .*)$`,
		"XFS on {kdev}: metadata corruption: {detail}"},
	// I/O that failed under the filesystem.
	{"xfs_io_error_alert", "FS_IO_ERROR", kernAlert, "",
		`(?P<detail>page discard (?:on page \S+, inode (?P<inode>0x[0-9a-f]+), (?:offset|pos) \d+\.|unable to remove delalloc mapping\.)|` +
			`log recovery write I/O error at daddr (?P<daddr>0x[0-9a-f]+) .*|xlog_recover_check_summary ag[fi] read failed .*|` +
			`xfs_(?:buffered_write_iomap_end|file_iomap_end_delalloc): unable to clean up ino \S+)$`,
		"XFS on {kdev}: I/O error: {detail}"},
	{"xfs_io_error_warn", "FS_IO_ERROR", kernWarning, "",
		`(?P<detail>log device read failed|last sector read failed|write error -?\d+ updating a secondary superblock near ag \d+|` +
			`xfs_imap_to_bp: xfs_trans_read_buf\(\) returned error -?\d+\.|xfs_iunlink_\w+: xfs_imap(?:_to_bp)?(?:\(2\))? returned error -?\d+\.|` +
			`xlog_find_tail: couldn't find sync record)$`,
		"XFS on {kdev}: I/O error: {detail}"},
	// Mounts XFS refuses.
	{"xfs_mount_refused", "FS_MOUNT_FAILED", kernWarning, "",
		`(?P<reason>Superblock has (?:bad magic number .*|unknown (?:compatible|incompatible|incompatible log) features .*|unknown features enabled or corrupted feature masks\.)|Filesystem (?:has null UUID - can't mount|cannot be safely mounted by this kernel\.|` +
			`can only be safely mounted read only\.|has a realtime volume, use rtdev=device option)|cannot mount a read-only filesystem as read-write|` +
			`Attempted to mount read-only compatible filesystem read-write\.|The log can not be fully and/or safely recovered by this kernel\.|` +
			`Please recover the log on a kernel that supports the unknown features\.|[Ll]og size .* too (?:small|large).*|` +
			`Log sector size too (?:large|small) .*|Failed to read root inode .*|Failed (?:post-recovery |recovery )?per-ag init: -?\d+|` +
			`Failed dir/attr init: -?\d+|RT mount failed|block size \(\d+ bytes\) not supported.*|V4 Filesystem with blocksize .*|` +
			`File system with blocksize .*|device supports \d+ byte sectors \(not \d+\)|Invalid device \[.*\], error=-?\d+|` +
			`Cannot set_blocksize to \d+ on device \S+|Deprecated .* not supported by kernel\.|Cannot mount .*|bad magic number|bad version|` +
			`no log defined|log mount finish failed|failed to (?:find log head|locate log tail|read RT inodes)|file system too large to be mounted on this system\.|` +
			`filesystem is marked as having an (?:external|internal) log; .*|filesystem size mismatch detected|no-recovery mounts must be read-only\.|ro->rw transition prohibited .*|` +
			`realtime device size check failed|realtime mount -- \d+ != \d+|inode size of \d+ bytes not supported)$`,
		"XFS on {kdev} failed to mount: {reason}"},
	{"xfs_mount_refused_crit", "FS_MOUNT_FAILED", kernCrit, "", `(?P<reason>Log size out of supported range\.)$`,
		"XFS on {kdev} failed to mount: {reason}"},
	{"xfs_mount_refused_alert", "FS_MOUNT_FAILED", kernAlert, "", `(?P<reason>Superblock has unknown read-only compatible features .*)$`,
		"XFS on {kdev} failed to mount read-write: {reason}"},
	// Log recovery that did not complete.
	{"xfs_recovery_failed", "FS_RECOVERY_FAILED", kernAlert, "",
		`(?P<detail>Failed to recover intents|Failed to recover leftover CoW staging extents, err -?\d+\.|Failed to clear log incompat features on recovery)$`,
		"XFS on {kdev}: log recovery failed: {detail}"},
	{"xfs_recovery_cow_error", "FS_RECOVERY_FAILED", kernErr, "", `(?P<detail>Error -?\d+ recovering leftover CoW allocations\.)$`,
		"XFS on {kdev}: log recovery failed: {detail}"},
	// The log's own trouble: reservations that ran out, unmount records
	// that were not written.
	{"xfs_log_error", "FS_JOURNAL_ERROR", kernAlert, "xfs-dump",
		`(?P<detail>ctx ticket reservation ran out\. Need to up reservation|ran out of log space .*|` +
			`(?:xfs_log_write_unmount_record|xlog_unmount_write): unmount record failed|(?:xfs_log_unmount_write|xfs_log_write_unmount_record): will fix summary counters at next mount)$`,
		"XFS on {kdev}: log: {detail}"},
	{"xfs_log_overrun", "FS_JOURNAL_ERROR", kernWarning, "xfs-dump",
		`(?P<detail>Transaction log reservation overrun:|xlog_state_do_callback: possible infinite loop .*)$`,
		"XFS on {kdev}: log: {detail}"},
	{"xfs_log_size_check", "FS_JOURNAL_ERROR", kernCrit, "xfs-dump", `(?P<detail>AAIEEE! Log failed size checks\. Abort!)$`,
		"XFS on {kdev}: log: {detail}"},
	// Space the filesystem keeps in reserve ran out or could not be set aside.
	{"xfs_reserve_low", "FS_RESERVE_LOW", kernWarning, "",
		`(?P<detail>Per-AG reservation for AG \d+ failed\.  Filesystem may run out of space\.|ENOSPC reserving per-AG metadata pool, log recovery may fail\.|` +
			`Error -?\d+ reserving per-AG metadata reserve pool\.|Unable to allocate reserve blocks\. Continuing without reserve pool\.)$`,
		"XFS on {kdev}: {detail}"},
	{"xfs_reserve_low_error", "FS_RESERVE_LOW", kernErr, "", `(?P<detail>Insufficient free space to reset per-AG reservation for AG \d+ after repair\.)$`,
		"XFS on {kdev}: {detail}"},
	{"xfs_quota_error", "FS_QUOTA_ERROR", kernWarning, "",
		`(?P<detail>Quotacheck: (?:Unsuccessful \(Error -?\d+\): Disabling quotas\.|Failed to reset quota flags\.)|Failed to initialize disk quotas\.)$`,
		"XFS on {kdev}: {detail}"},
	{"xfs_quota_alert", "FS_QUOTA_ERROR", kernAlert, "", `(?P<detail>xfs_qm_qino_alloc failed \(error -?\d+\)!|xfs_qm_mount_quotas: Superblock update failed!)$`,
		"XFS on {kdev}: {detail}"},
}

// xfsLineRules makes the rules of xfsLines, and the context rules of the
// dumps that follow a corruption report or a log overrun.
func xfsLineRules() []rule {
	var rules []rule
	for _, l := range xfsLines {
		rules = append(rules, rule{name: l.name, typ: l.typ, level: l.level, key: l.key, open: l.key != "",
			re: pat(xfsMsg + l.body), msg: l.msg})
	}
	return append(rules, rule{
		// "Reverse Mapping BTree record corruption in AG 2 detected at …",
		// "inobt record corruption …": the btree's name leads.
		name:   "xfs_btree_record_corruption",
		level:  kernWarning,
		typ:    "FS_CORRUPTION",
		re:     pat(xfsMsg + `(?P<detail>(?:[\w -]*B[Tt]ree|\w+bt) record corruption .*)$`),
		needle: "record corruption",
		key:    "xfs-dump", open: true,
		msg: "XFS on {kdev}: metadata corruption: {detail}",
	}, rule{
		// The indented lines of a dump (the log reservation's, a btree
		// record's).
		name:   "xfs_dump_indented",
		level:  kernWarning,
		re:     pat(xfsMsg + ` {2,}\S`),
		needle: ":   ",
		role:   roleContext, key: "xfs-dump",
	}, rule{
		// A corrupt btree record's fields and a bmap dump's extents.
		name:  "xfs_dump_record",
		level: kernWarning,
		re: pat(xfsMsg + `(?:\[\d+\]:? (?:startoff|bno|br_startoff) |(?:Offset|Owner|Start block|start block|start inode) 0x[0-9a-f]+|` +
			` *(?:\.\.\. )?fblk |log item: $|(?:ticket reservation|transaction) summary:$)`),
		prefixes: []string{"XFS ("},
		role:     roleContext, key: "xfs-dump",
	})
}
