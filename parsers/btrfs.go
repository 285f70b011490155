package parsers

import (
	"regexp"

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

func btrfsRule(name, typ, body, msg string) rule {
	return rule{name: name, typ: typ, prefixes: []string{"BTRFS "}, re: regexp.MustCompile(btrfsMsg + body), msg: msg}
}

var btrfsRules = func() []rule {
	forcedRO := btrfsRule("btrfs_forced_readonly", "FS_REMOUNT_READ_ONLY", `forced readonly`,
		"btrfs filesystem on {kdev} forced read-only after an error")
	forcedRO.key, forcedRO.open = "btrfs", true
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
	devErrs.re = regexp.MustCompile(`^BTRFS (?P<_level>error|warning|critical) ` + btrfsDev + `: ` + btrfsStats)
	devErrs.prefixes = []string{"BTRFS error", "BTRFS warning", "BTRFS critical"}
	// At mount the counters are printed at info level when any is not
	// zero: a summary of past errors, not a new one.
	devStats := btrfsRule("btrfs_dev_stats", "FS_ERROR_SUMMARY", btrfsStats,
		"btrfs on {kdev}: {bdev} has recorded errors: write {write_errs}, read {read_errs}, flush {flush_errs}, corruption {corruption_errs}, generation {generation_errs}")
	devStats.re = regexp.MustCompile(`^BTRFS (?P<_level>info) ` + btrfsDev + `: ` + btrfsStats)
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
		re: regexp.MustCompile(`^(?:btrfs: |BTRFS (?P<_level>\w+) ` + btrfsDev + `: )fixed up error at logical (?P<logical>\d+) on ` +
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
		btrfsRule("btrfs_first_mount", "FS_MOUNTED", `first mount of filesystem `+btrfsUUID,
			"btrfs filesystem {uuid} on {kdev} mounted"),
		btrfsRule("btrfs_last_unmount", "FS_UNMOUNTED", `last unmount of filesystem `+btrfsUUID,
			"btrfs filesystem {uuid} on {kdev} unmounted"),
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
			re:    regexp.MustCompile(`^BTRFS: Transaction aborted \(error (?P<errno>-?\d+)\)`),
			sev:   sevOf(event.Error),
			msg:   "btrfs transaction aborted (error {errno}; the line names no device)",
		}, {
			// "BTRFS: error (device …) in …" is pr_crit.
			name:  "btrfs_fs_error",
			level: kernCrit,
			typ:   "FS_ERROR",
			re: regexp.MustCompile(`^BTRFS(?: \w+)?: error ` + btrfsDev + ` in (?P<function>[^:\s]+):(?P<line>\d+): errno=(?P<errno>-?\d+) ` +
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
	}
}()
