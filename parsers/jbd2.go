package parsers

import "regexp"

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
	re:    regexp.MustCompile(`^__jbd2_log_wait_for_space: (?:no way to get more journal space in ` + jbd2Dev + `|(?P<detail>needed \d+ blocks and only had \d+ space available))$`),
	msg:   "Journal[ on {kdev}] is full and cannot be checkpointed",
}, {
	name:  "jbd2_bmap_failed",
	level: kernAlert,
	typ:   "FS_JOURNAL_ERROR",
	re:    regexp.MustCompile(`^jbd2_journal_bmap: journal block not found at offset (?P<offset>\d+) on ` + jbd2Dev + `$`),
	msg:   "Journal block at offset {offset} not found on {kdev}",
}, {
	name:  "jbd2_aborting_journal",
	level: kernErr,
	typ:   "FS_JOURNAL_ABORTED",
	re:    regexp.MustCompile(`^Aborting journal on device ` + jbd2Dev + `\.$`),
	msg:   "Journal on {kdev} aborted",
}, {
	name:  "jbd2_superblock_update_error",
	level: kernErr,
	typ:   "FS_JOURNAL_IO_ERROR",
	re:    regexp.MustCompile(`^JBD2: (?:I/O error|Error (?P<errno>-?\d+) detected) when updating journal superblock for ` + jbd2Dev + `\.$`),
	msg:   "I/O error updating the journal superblock on {kdev}",
}, {
	name:  "jbd2_flush_io_errors",
	level: kernWarning,
	// The data blocks of the filesystem failed to write back before the
	// commit: the filesystem's I/O error, not the journal's.
	typ: "FS_IO_ERROR",
	re:  regexp.MustCompile(`^JBD2: Detected IO errors while flushing file data on ` + jbd2Dev + `$`),
	msg: "I/O errors writing back file data on {kdev} (found at journal commit)",
}, {
	name:  "jbd2_superblock_read_error",
	level: kernErr,
	typ:   "FS_JOURNAL_IO_ERROR",
	// 6.x drops the "JBD2: " of the function's form.
	suffix: " journal superblock",
	re:     regexp.MustCompile(`^(?:JBD2: )?(?:(?P<function>\w+): Cannot (?:read|locate) journal superblock|IO error reading journal superblock)$`),
	msg:    "Cannot read a journal superblock (the line names no device)",
}, {
	name:  "jbd2_recovery_io_error",
	level: kernErr,
	typ:   "FS_JOURNAL_IO_ERROR",
	re:    regexp.MustCompile(`^JBD2: IO error (?P<errno>-?\d+) recovering block (?P<block>\d+) in log`),
	msg:   "I/O error {errno} recovering journal block {block} (the line names no device)",
}, {
	name:  "jbd2_recovery_checksum",
	level: kernErr,
	typ:   "FS_CORRUPTION",
	re:    regexp.MustCompile(`^JBD2: (?:Invalid checksum recovering (?:data )?block (?P<block>\d+)|checksum error recovering block (?P<block2>\d+)) in log`),
	msg:   "Invalid checksum recovering a journal block (the line names no device)",
}, {
	name:  "jbd2_recovery_failed",
	level: kernWarning,
	typ:   "FS_RECOVERY_FAILED",
	re:    regexp.MustCompile(`^JBD2: (?:journal )?recovery failed`),
	msg:   "Journal recovery failed (the line names no device)",
}}
