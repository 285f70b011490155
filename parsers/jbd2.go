package parsers

// jbd2 lines (fs/jbd2/journal.c, commit.c, recovery.c). The journal is
// named "<bdev>-<journal inode>" (sdb1-8) for an internal journal; the
// device is the part before the inode number.

const jbd2Dev = `(?P<kdev>\S+?)(?:-(?P<journal_inode>\d+))?`

var jbd2Rules = []rule{{
	// checkpoint.c: the journal is full and nothing can be checkpointed;
	// the journal aborts next.
	name:  "jbd2_no_journal_space",
	level: kernErr,
	typ:   "FS_JOURNAL_ERROR",
	re:    pat(`^__jbd2_log_wait_for_space: (?:no way to get more journal space in ` + jbd2Dev + `|(?P<detail>needed \d+ blocks and only had \d+ space available))$`),
	msg:   "Journal[ on {kdev}] is full and cannot be checkpointed",
}, {
	name:  "jbd2_bmap_failed",
	level: kernAlert,
	typ:   "FS_JOURNAL_ERROR",
	re:    pat(`^jbd2_journal_bmap: journal block not found at offset (?P<offset>\d+) on ` + jbd2Dev + `$`),
	msg:   "Journal block at offset {offset} not found on {kdev}",
}, {
	name:  "jbd2_aborting_journal",
	level: kernErr,
	typ:   "FS_JOURNAL_ABORTED",
	cond:  "fs:ro",
	re:    pat(`^Aborting journal on device ` + jbd2Dev + `\.$`),
	msg:   "Journal on {kdev} aborted",
}, {
	name:  "jbd2_superblock_update_error",
	level: kernErr,
	typ:   "FS_JOURNAL_IO_ERROR",
	re:    pat(`^JBD2: (?:I/O error|Error (?P<errno>-?\d+) detected) when updating journal superblock for ` + jbd2Dev + `\.$`),
	msg:   "I/O error updating the journal superblock on {kdev}",
}, {
	name:  "jbd2_flush_io_errors",
	level: kernWarning,
	// The data blocks of the filesystem failed to write back before the
	// commit: the filesystem's I/O error, not the journal's.
	typ: "FS_IO_ERROR",
	re:  pat(`^JBD2: Detected IO errors while flushing file data on ` + jbd2Dev + `$`),
	msg: "I/O errors writing back file data on {kdev} (found at journal commit)",
}, {
	name:  "jbd2_superblock_read_error",
	level: kernErr,
	typ:   "FS_JOURNAL_IO_ERROR",
	// 6.x drops the "JBD2: " of the function's form.
	suffix: " journal superblock",
	re:     pat(`^(?:JBD2: )?(?:(?P<function>\w+): Cannot (?:read|locate) journal superblock|IO error reading journal superblock)$`),
	msg:    "Cannot read a journal superblock (the line names no device)",
}, {
	name:  "jbd2_recovery_io_error",
	level: kernErr,
	typ:   "FS_JOURNAL_IO_ERROR",
	re:    pat(`^JBD2: IO error (?P<errno>-?\d+) recovering block (?P<block>\d+) in log`),
	msg:   "I/O error {errno} recovering journal block {block} (the line names no device)",
}, {
	name:  "jbd2_recovery_checksum",
	level: kernErr,
	typ:   "FS_CORRUPTION",
	re:    pat(`^JBD2: (?:Invalid checksum recovering (?:data )?block (?P<block>\d+)|checksum error recovering block (?P<block2>\d+)) in (?:log|journal block)`),
	msg:   "Invalid checksum recovering a journal block (the line names no device)",
}, {
	name:  "jbd2_recovery_failed",
	level: kernWarning,
	typ:   "FS_RECOVERY_FAILED",
	re:    pat(`^JBD2: (?:journal )?recovery failed`),
	msg:   "Journal recovery failed (the line names no device)",
}, {
	// The journal's own blocks failed their checks at recovery.
	name:  "jbd2_journal_corrupt",
	level: kernErr,
	typ:   "FS_CORRUPTION",
	re: pat(`^JBD2: (?P<detail>Invalid checksum found in transaction \d+|journal checksum error|corrupted journal superblock|` +
		`journal transaction \d+ on (?P<kdev>\S+?)(?:-\d+)? is corrupt\.|recovery pass \d+ ended at transaction \d+, expected \d+|bad block at offset \d+|` +
		`Journal too short \(blocks \d+-\d+\)\.|journal file too short \d+,\d+)$`),
	msg: "Journal[ on {kdev}] is corrupt: {detail}",
}, {
	name:  "jbd2_journal_invalid",
	level: kernWarning,
	typ:   "FS_JOURNAL_ERROR",
	re: pat(`^JBD2: (?P<detail>no valid journal superblock found|unrecognised superblock format ID|Unrecognised features on journal|` +
		`journal file too short|Invalid start block of journal: \d+|Incorrect Journal head block \d+, disable journal_cycle_record|journal reset failed)$`),
	msg: "Journal: {detail} (the line names no device)",
}, {
	name:  "jbd2_journal_read_error",
	level: kernErr,
	typ:   "FS_JOURNAL_IO_ERROR",
	re: pat(`^JBD2: (?P<detail>Failed to read block at offset \d+|error -?\d+ scanning journal|\(error -?\d+\) unable to wipe journal at physical blocks .*|` +
		`Error while async write back metadata bh \d+\.|previous I/O error detected for journal superblock update for ` + jbd2Dev + `\.)$`),
	msg: "Journal I/O error[ on {kdev}]: {detail}",
}, {
	// A metadata buffer dirtied outside a transaction (jbd2_journal_dirty_metadata).
	name:  "jbd2_dirty_metadata",
	level: kernWarning,
	typ:   "FS_JOURNAL_ERROR",
	re: pat(`^JBD2: Spotted dirty metadata buffer \(dev = (?P<kdev>[^,\s]+), blocknr = (?P<block>\d+)\)\. ` +
		`There's a risk of filesystem corruption in case of system crash\.`),
	msg: "Journal on {kdev}: metadata block {block} dirtied outside a transaction: a crash now may corrupt the filesystem",
}}
