package parsers

import (
	"strings"

	"github.com/peripety/peripety/event"
)

// btrfs lines (fs/btrfs/messages.c): "BTRFS <level> (device <s_id>[ state
// <S>]): …" (6.12 form; 6.1 writes ": state <S>", ≤5.x no state), and the
// fs-error form "BTRFS: error (device <s_id>…) in <func>:<line>: …".

const (
	btrfsMsg   = `^BTRFS (?P<_level>emergency|alert|critical|error|warning|notice|info|debug) \(device (?P<kdev>[^\s:)]+)(?::? state (?P<state>[A-Z]+))?\): `
	btrfsDev   = `\(device (?P<kdev>[^\s:)]+)(?::? state (?P<state>[A-Z]+))?\)`
	btrfsUUID  = `(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`
	btrfsStats = `bdev (?P<bdev>\S+) errs: wr (?P<write_errs>\d+), rd (?P<read_errs>\d+), flush (?P<flush_errs>\d+), corrupt (?P<corruption_errs>\d+), gen (?P<generation_errs>\d+)`
)

// btrfsRule makes a rule of a btrfs line whose text after the prefix
// matches body. Its body literals come from body (the device's name in the
// prefix may be followed by ": state X", which lineBody skips).
func btrfsRule(name, typ, body, msg string) rule {
	var bodies []string
	if subs, _ := topLevel("^" + body); len(subs) > 1 {
		bodies = leadingSeq(subs[1:])
	}
	return rule{name: name, typ: typ, prefixes: []string{"BTRFS "}, bodies: bodies, re: pat(btrfsMsg + body), msg: msg}
}

var btrfsRules = func() []rule {
	forcedRO := btrfsRule("btrfs_forced_readonly", "FS_REMOUNT_READ_ONLY", `forced readonly`,
		"btrfs filesystem on {kdev} forced read-only after an error")
	forcedRO.key, forcedRO.open, forcedRO.cond = "btrfs", true, "fs:ro"
	skipping := btrfsRule("btrfs_skipping_commit", "", `Skipping commit of aborted transaction\.?`, "")
	skipping.role, skipping.key = roleContext, "btrfs"
	transid := btrfsRule("btrfs_parent_transid", "FS_CORRUPTION",
		`parent transid verify failed on (?:logical )?(?P<logical>\d+) mirror (?P<mirror>\d+) wanted (?P<wanted>\d+) found (?P<found>\d+)`,
		"btrfs on {kdev}: metadata at logical {logical} is stale (transid {found}, wanted {wanted})")
	transid.key, transid.open = "btrfs", true
	badBlock := btrfsRule("btrfs_bad_tree_block", "FS_CORRUPTION", `(?P<detail>bad tree block (?:start|level)[, ].*)$`,
		"btrfs on {kdev}: metadata corruption: {detail}")
	badBlock.key, badBlock.open = "btrfs", true
	badLevel := btrfsRule("btrfs_level_verify", "FS_CORRUPTION", `(?P<detail>level verify failed on .*)$`,
		"btrfs on {kdev}: metadata corruption: {detail}")
	badLevel.key, badLevel.open = "btrfs", true
	corrected := btrfsRule("btrfs_read_error_corrected", "", `read error corrected: ino (?P<ino>\d+) off (?P<off>\d+) \(dev (?P<corrected_dev>\S+) sector (?P<corrected_sector>\d+)\)`, "")
	corrected.role, corrected.key = roleContext, "btrfs"
	devErrs := btrfsRule("btrfs_dev_errors", "FS_DEV_ERRORS", btrfsStats,
		"btrfs on {kdev}: I/O error counters of {bdev}: write {write_errs}, read {read_errs}, flush {flush_errs}, corruption {corruption_errs}, generation {generation_errs}")
	devErrs.re = pat(`^BTRFS (?P<_level>error|warning|critical) ` + btrfsDev + `: ` + btrfsStats)
	devErrs.prefixes = []string{"BTRFS error", "BTRFS warning", "BTRFS critical"}
	// At mount the counters are printed at info level when any is not
	// zero: a summary of past errors, not a new one.
	devStats := btrfsRule("btrfs_dev_stats", "FS_ERROR_SUMMARY", btrfsStats,
		"btrfs on {kdev}: {bdev} has recorded errors: write {write_errs}, read {read_errs}, flush {flush_errs}, corruption {corruption_errs}, generation {generation_errs}")
	devStats.re = pat(`^BTRFS (?P<_level>info) ` + btrfsDev + `: ` + btrfsStats)
	devStats.prefixes = []string{"BTRFS info"}

	// tree-checker.c: a leaf or node that fails its checks when read or
	// before it is written; the block's summary line follows.
	treeCheck := btrfsRule("btrfs_tree_checker", "FS_CORRUPTION", `corrupt (?P<tree>leaf|node): (?P<detail>.+)$`,
		"btrfs on {kdev}: metadata corruption in a tree {tree}: {detail}")
	treeCheck.key, treeCheck.open = "btrfs", true
	blockCorrupt := btrfsRule("btrfs_tree_block_corruption", "FS_CORRUPTION",
		`(?:block=(?P<logical>\d+) (?P<when>read|write) time tree block corruption detected|read time tree block corruption detected on logical (?P<logical_>\d+) mirror (?P<mirror>\d+))`,
		"btrfs on {kdev}: tree block corruption detected[ at logical {logical}]")
	blockCorrupt.role, blockCorrupt.key, blockCorrupt.open = roleJoin, "btrfs", true
	blockCorrupt.needle = "tree block corruption detected"
	// ≤3.x scrub lines had no device prefix: "btrfs: fixed up error at
	// logical … on dev /dev/sdb".
	fixedUp := rule{name: "btrfs_fixed_up", typ: "FS_CSUM_ERROR", level: kernErr, prefixes: []string{"btrfs: ", "BTRFS "},
		re: pat(`^(?:btrfs: |BTRFS (?P<_level>\w+) ` + btrfsDev + `: )fixed up error at logical (?P<logical>\d+) on ` +
			`(?:dev (?P<bdev>\S+)(?: physical (?P<physical>\d+))?|mirror (?P<mirror>\d+))`),
		msg: "btrfs[ on {kdev}]: repaired an error at logical {logical}[ on {bdev}]"}

	mountFailed := btrfsRule("btrfs_mount_failed", "FS_MOUNT_FAILED",
		`(?P<reason>open_ctree failed(?:: -?\d+)?|failed to read (?:chunk root|the system array: -?\d+|chunk tree: -?\d+|block groups: -?\d+|devices|tree root))$`,
		"btrfs on {kdev} failed to mount: {reason}")
	mountFailed.needle = "failed"

	return []rule{
		treeCheck, blockCorrupt, fixedUp,
		mountFailed,
		btrfsRule("btrfs_direct_io_failed", "FS_IO_ERROR",
			`direct IO failed ino (?P<ino>\d+) (?:rw (?P<rw>[\d,]+)|op (?P<op>0x[0-9a-f]+)) (?:sector|offset) (?P<offset>0x[0-9a-f]+) len (?P<len>\d+) err no (?P<errno>-?\d+)`,
			"btrfs on {kdev}: direct I/O to inode {ino} failed (error {errno})"),
		withCond(btrfsRule("btrfs_first_mount", "FS_MOUNTED", `first mount of filesystem `+btrfsUUID,
			"btrfs filesystem {uuid} on {kdev} mounted"), "fs:mounted"),
		withCond(btrfsRule("btrfs_last_unmount", "FS_UNMOUNTED", `last unmount of filesystem `+btrfsUUID,
			"btrfs filesystem {uuid} on {kdev} unmounted"), "fs:unmounted"),
		btrfsRule("btrfs_csum_failed", "FS_CSUM_ERROR",
			`csum failed (?:root (?P<root>-?\d+) )?ino (?P<ino>\d+) off (?P<off>\d+)(?: logical (?P<logical>\d+))? csum (?P<csum>\S+) expected csum (?P<expected_csum>\S+)(?: mirror (?P<mirror>\d+))?`,
			"btrfs on {kdev}: data checksum mismatch in inode {ino} at offset {off}[ (mirror {mirror})]"),
		btrfsRule("btrfs_scrub_csum_error", "FS_CSUM_ERROR",
			`(?:scrub: )?checksum error at logical (?P<logical>\d+) on dev (?P<bdev>[^\s,]+),? (?:physical|sector) (?P<physical>\d+)(?P<detail>.*)$`,
			"btrfs scrub on {kdev}: checksum error at logical {logical} on {bdev}"),
		btrfsRule("btrfs_scrub_unfixable", "FS_CSUM_ERROR",
			`(?:scrub: )?unable to fixup \((?P<kind>\w+)\) error at logical (?P<logical>\d+) on dev (?P<bdev>[^\s,]+)(?: physical (?P<physical>\d+))?`,
			"btrfs scrub on {kdev}: unrepairable {kind} error at logical {logical} on {bdev}"),
		btrfsRule("btrfs_metadata_csum", "FS_CSUM_ERROR",
			`checksum verify failed on (?:logical )?(?P<logical>\d+) (?:mirror (?P<mirror>\d+) )?wanted (?P<wanted>\S+) found (?P<found>\S+)(?: level (?P<tree_level>\d+))?`,
			"btrfs on {kdev}: metadata checksum mismatch at logical {logical}"),
		devErrs, devStats,
		btrfsRule("btrfs_transaction_aborted", "FS_TRANSACTION_ABORTED", `Transaction aborted \(error (?P<errno>-?\d+)\)`,
			"btrfs on {kdev}: transaction aborted (error {errno})"),
		{
			// WARN() form of an abort with an unexpected errno, at
			// KERN_WARNING.
			name:  "btrfs_transaction_aborted_warn",
			level: kernWarning,
			typ:   "FS_TRANSACTION_ABORTED",
			re:    pat(`^BTRFS: Transaction aborted \(error (?P<errno>-?\d+)\)`),
			sev:   sevOf(event.Error),
			msg:   "btrfs transaction aborted (error {errno}; the line names no device)",
		}, {
			// "BTRFS: error (device …) in …" is pr_crit.
			name:  "btrfs_fs_error",
			level: kernCrit,
			typ:   "FS_ERROR",
			re: pat(`^BTRFS(?: \w+)?: error ` + btrfsDev + ` in (?P<function>[^:\s]+):(?P<line>\d+): errno=(?P<errno>-?\d+) ` +
				`(?P<error>[^(]+?)(?: \((?P<detail>.*)\))?$`),
			msg: "btrfs error on {kdev} in {function}: {error}[ ({detail})]",
		},
		btrfsRule("btrfs_fs_error_6x", "FS_ERROR",
			`error in (?P<function>[^:\s]+):(?P<line>\d+): errno=(?P<errno>-?\d+) (?P<error>[^(]+?)(?: \((?P<detail>.*)\))?$`,
			"btrfs error on {kdev} in {function}: {error}[ ({detail})]"),
		btrfsRule("btrfs_lost_page_write", "FS_IO_ERROR", `lost page write due to IO error on (?P<bdev>\S+)(?: \((?P<errno>-?\d+)\))?`,
			"btrfs on {kdev}: a page write to {bdev} was lost to an I/O error"),
		btrfsRule("btrfs_super_write_error", "FS_IO_ERROR", `error writing primary super block to device (?P<devid>\d+)`,
			"btrfs on {kdev}: error writing the primary superblock to device {devid}"),
		forcedRO, skipping, transid, badBlock, badLevel, corrected,
		// Families of btrfs's own formats: metadata that fails a check,
		// devices missing, I/O errors, mounts refused, space, balance,
		// device replace, the free space cache, zoned devices, quota
		// groups.
		btrfsRule("btrfs_corruption", "FS_CORRUPTION",
			`(?P<detail>bad (?:fsid on |key order|extent! |ordered (?:extent )?accounting|ordering )|block=\d+ bad generation|`+
				`block group \d+ (?:len \d+ .*mismatch|has wrong amount of free space)|corrupt(?:ed)? (?:superblock syschunk array|chunk tree|leaf)|`+
				`csum (?:error at logical |for on-disk super block no longer matches|mismatch on free space cache|hole found |type changed)|`+
				`dirty buffer transid mismatch|eb \d+ (?:iref \S+ )?invalid extent inline ref type|extent \d+ slot \d+ has an invalid inline ref type|`+
				`found a bad (?:chunk map|mapping)|free space tree is invalid|inode mode mismatch with dir|`+
				`invalid (?:SHARED_\* item|chunk |extent item size|free space control|iref|key type in iref|num_stripes|number of stripes|refs_to_drop|`+
				`refs_to_mod|superblock tree root bytenr|tree nritems|leafsize|nodesize|sectorsize|stripesize|incompat flags|csum type)|`+
				`lowest leaf/node mismatch|mismatched (?:block owner|level)|reloc tree mismatch|root=\d+ block=\d+, tree root owner mismatch|`+
				`super block (?:at physical \d+ devid \d+ has bad|corruption detected before writing it to disk|num_devices \d+ mismatch)|`+
				`super offset mismatch|super_(?:num_devices|total_bytes) \d+ mismatch|superblock checksum mismatch|transid mismatch|`+
				`tree block \d+ (?:mirror \d+ has bad|owner \d+ already locked by pid=\d+, extent tree corruption detected)|`+
				`tree (?:first key|level) mismatch detected|unexpected (?:exact match of CHUNK_ITEM|extent item size|item type|tree owner|zero reference count)|`+
				`btrfs_inode_by_name gets something invalid|found unexpected ordered extent|qgroup generation mismatch|stripe (?:index )?math |`+
				`(?:lzo header invalid|invalid lzo header|unexpectedly large lzo segment len)|found extent map for inode \d+ .* unexpected start offset|`+
				`dev extent (?:devid|physical offset) \d+ |chunk \d+ has missing dev extent|missing (?:chunk type flag|extent item for extent|left child|root in new block entry)|`+
				`Missing references\.|existing (?:shared )?ref when reading from disk|Duplicate root found for start=|device total_bytes should be at most |`+
				`bytenr \d+ (?:doesn't have|has \d+ references|has improper|has multiple refs|possibly has multiple roots|was found but)|`+
				`btree block ?\(?\d+\)? has \d+ references rather than 1|dropping a ref for a|adding refs to an existing tree ref|`+
				`attempting to add another ref|found \d+ references for tree block|found tree block at bytenr \d+ .* without full backref flag set|`+
				`extent item not found for insert|incorrect extent count for|item at slot \d+ with data offset \d+ beyond data end of leaf|`+
				`leaf free space ret |chunk start=\d+ len=\d+ .*doesn't (?:have|match) |block entry overlaps a block group|`+
				`bg \d+ is a mixed block group but|chunk_root (?:block unaligned|level too big)|bytes_used is too small|`+
				`dev_item UUID does not match (?:metadata )?fsid|couldn't find block \(\d+\)|(?:btrfs|generic)_bin_search: low|`+
				`access to eb bytenr \d+ .* out of range|bad eb member (?:start|end)|Unable to find block group for|Found empty symlink inode|`+
				`Umm, you don't have the default diritem|block group \d+ length is zero)`+
				`.*$`,
			"btrfs on {kdev}: metadata corruption: {detail}"),
		btrfsRule("btrfs_device_missing", "FS_DEVICE_MISSING",
			`(?P<detail>devid (?P<devid>\d+) uuid (?P<dev_uuid>\S+) is missing|chunk \d+ missing \d+ devices, max tolerance is \d+ for writ(?:e)?able mount|`+
				`too many missing devices, writable (?:re)?mount is not allowed|missing devices \(\d+\) exceeds the limit \(\d+\), writable mount is not allowed|`+
				`failed to find (?:seed )?devid \d+|failed to (?:add|init) missing dev(?:ice)? \d+: -?\d+)$`,
			"btrfs on {kdev}: device missing: {detail}"),
		btrfsRule("btrfs_io_error", "FS_IO_ERROR",
			`(?P<detail>IO error rebuilding logical (?P<logical>\d+) for dev (?P<bdev>\S+)|lost super block write due to IO error on (?P<bdev>\S+) \(-?\d+\)|`+
				`partial page (?:read|write) in btrfs with offset \d+ and length \d+|error reading free space cache|`+
				`commit super ret -?\d+|couldn't get super (?:block location for mirror|block page for bytenr|buffer head for bytenr) \d+|`+
				`failed to rebuild valid logical \d+ for dev \S+|error clearing superblock number \d+ \(-?\d+\)|`+
				`failed to write free (?:space|ino) cache for (?:block group|root) \d+|failed to read tree block \d+ from get_old_root)$`,
			"btrfs on {kdev}: I/O error: {detail}"),
		btrfsRule("btrfs_mount_refused", "FS_MOUNT_FAILED",
			`(?P<reason>couldn't read tree root|error while reading tree root|failed to read (?:fs tree: -?\d+|log tree|root \(objectid=\d+\): -?\d+)|`+
				`cannot mount read-write because of (?:unsupported optional|unknown compat_ro) features .*|cannot mount because device replace operation is ongoing and|`+
				`[Rr]emounting read-write after error is not allowed|mount required to replay tree-log, cannot remount read-write|number of devices is 0|`+
				`failed to init dev_replace: -?\d+|failed to initialize space info: -?\d+|unsupported checksum algorithm:? \d+|failed to initialize zoned mode: -?\d+)$`,
			"btrfs on {kdev} failed to mount: {reason}"),
		btrfsRule("btrfs_no_space", "FS_NO_SPACE",
			`(?P<detail>no space to alloc(?:ate)? (?:a )?new chunk for block group \d+|not enough freespace need \d+ have \d+|allocation failed flags \d+, .*|`+
				`could not allocate space for a? ?delete; will truncate on mount|No space info for \d+)$`,
			"btrfs on {kdev}: out of space: {detail}"),
		btrfsRule("btrfs_balance_failed", "FS_BALANCE_FAILED",
			`(?P<detail>error relocating chunk \d+|failed to (?:recover|resume) balance: -?\d+|failed to recover relocation: -?\d+|`+
				`balance: (?:cannot set exclusive op status, resume manually|chunk at bytenr \d+ has no corresponding block group)|cannot relocate partially dropped subvolume .*)$`,
			"btrfs on {kdev}: balance: {detail}"),
		btrfsRule("btrfs_replace_failed", "FS_DEV_REPLACE_FAILED",
			`(?P<detail>failed to resume (?:dev_replace|device replace)(?:: -?\d+)?|found replace target device without a valid replace item|`+
				`replace without active item, .*|btrfs_scrub_dev\(.*\) failed -?\d+|dev-replace: .*)$`,
			"btrfs on {kdev}: device replace: {detail}"),
		btrfsRule("btrfs_space_cache", "FS_SPACE_CACHE_ERROR",
			`(?P<detail>failed to load free space cache for block group \d+, rebuilding it now|Duplicate entries in free space cache, dumping|`+
				`free space cache page truncated|free space inode generation \(\d+\) did not match free space cache generation \(\d+\)|`+
				`failed to (?:create|clear|rebuild|disable) free space tree: -?\d+|missing free space info for \d+)$`,
			"btrfs on {kdev}: free space cache: {detail}"),
		withNeedle(btrfsRule("btrfs_super_write_errors", "FS_IO_ERROR", `(?P<errors>-?\d+) errors while writing supers$`,
			"btrfs on {kdev}: {errors} errors writing the superblocks"), " errors while writing supers"),
		// 6.x data checksum errors name the mirror and the file.
		btrfsRule("btrfs_csum_error_mirror", "FS_CSUM_ERROR",
			`checksum error at logical (?P<logical>\d+) mirror (?P<mirror>\d+) root (?P<root>\d+),? inode (?P<ino>\d+) offset (?P<off>\d+)(?P<detail>.*)$`,
			"btrfs on {kdev}: data checksum error in inode {ino} at offset {off} (logical {logical}, mirror {mirror})"),
		// Scrub's and read repair's report of one bad sector: "<error> at
		// logical … on dev …".
		withNeedle(withFinish(btrfsRule("btrfs_scrub_error", "FS_CORRUPTION",
			`(?P<error>[\w/ ]+?) (?:at logical (?P<logical>\d+) on dev|on device) (?P<bdev>[^\s,]+),? (?:physical|sector) (?P<physical>\d+)(?P<detail>.*)$`,
			"btrfs on {kdev}: {error} at logical {logical} on {bdev}"), finishBtrfsScrubError), " on dev"),
		btrfsRule("btrfs_trim_failed", "FS_DISCARD_FAILED",
			`(?P<detail>failed to trim \d+ (?:block group|device)\(s\), last error -?\d+|discard failed while removing blockgroup: .*)$`,
			"btrfs on {kdev}: {detail}"),
		btrfsRule("btrfs_zoned", "FS_ZONE_ERROR", `(?P<detail>zoned: .*|inconsistent number of zones on .*|double scheduling of bg \d+ zone finishing)$`,
			"btrfs on {kdev}: zoned: {detail}"),
		btrfsRule("btrfs_qgroup", "FS_QUOTA_ERROR",
			`(?P<detail>qgroup (?:reserved space leaked|\d+/\d+ has unreleased space.*|rescan .*)|leaking qgroup reserved space.*|qgroup_\w+: bad .*|`+
				`[Ee]rror -?\d+ accounting (?:leaf items|shared subtree).* rescan required\.?|error accounting new delayed refs extent .*|`+
				`fail to update qgroup status: -?\d+|failed to account subtree at bytenr \d+: -?\d+|inconsistent qgroup config|failed to cleanup qgroup .*|`+
				`btrfs_qgroup_\w+: bad .*|unexpected qgroup mode \d+)$`,
			"btrfs on {kdev}: quota groups: {detail}"),
	}
}()

// finishBtrfsScrubError types a scrub report by its error: an I/O error,
// a checksum error, or (a header, a super block) corrupt metadata.
func finishBtrfsScrubError(pe *pending) {
	switch e := pe.ev.Ext("error"); {
	case strings.Contains(e, "i/o") || strings.Contains(e, "I/O") || strings.Contains(e, "IO"):
		pe.ev.EventType = "FS_IO_ERROR"
	case strings.Contains(e, "checksum") || strings.Contains(e, "csum"):
		pe.ev.EventType = "FS_CSUM_ERROR"
	}
}
