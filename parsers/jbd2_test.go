package parsers

import (
	"testing"

	"github.com/peripety/peripety/event"
)

var jbd2Cases = []lineCase{
	single("<3>__jbd2_log_wait_for_space: no way to get more journal space in sdb1-8", "FS_JOURNAL_ERROR", "sdb1", event.Error, nil),
	single("<1>jbd2_journal_bmap: journal block not found at offset 1024 on dm-3-8", "FS_JOURNAL_ERROR", "dm-3", event.Alert, map[string]string{"offset": "1024"}),
	single("<3>Aborting journal on device loop4-8.", "FS_JOURNAL_ABORTED", "loop4", event.Error, map[string]string{"journal_inode": "8"}),
	single("<3>Aborting journal on device dm-0-8.", "FS_JOURNAL_ABORTED", "dm-0", event.Error, map[string]string{"journal_inode": "8"}),
	single("<3>JBD2: I/O error when updating journal superblock for loop4-8.", "FS_JOURNAL_IO_ERROR", "loop4", event.Error, nil),
	single("<3>JBD2: Error -5 detected when updating journal superblock for sdb1-8.", "FS_JOURNAL_IO_ERROR", "sdb1", event.Error,
		map[string]string{"errno": "-5", "journal_inode": "8"}),
	// Issue 15: the filesystem's data writeback error, on the partition.
	single("<4>JBD2: Detected IO errors while flushing file data on sdb1-8", "FS_IO_ERROR", "sdb1", event.Warning, map[string]string{"journal_inode": "8"}),
	single("<3>JBD2: journal_load_superblock: Cannot read journal superblock", "FS_JOURNAL_IO_ERROR", "", event.Error, nil),
	single("<3>JBD2: IO error reading journal superblock", "FS_JOURNAL_IO_ERROR", "", event.Error, nil),
	single("<3>JBD2: IO error -5 recovering block 1234 in log", "FS_JOURNAL_IO_ERROR", "", event.Error, map[string]string{"block": "1234"}),
	single("<3>JBD2: Invalid checksum recovering block 1234 in log", "FS_CORRUPTION", "", event.Error, nil),
	single("<4>JBD2: journal recovery failed", "FS_RECOVERY_FAILED", "", event.Warning, nil),
	single("<3>JBD2: Invalid checksum recovering data block 1234 in journal block 56", "FS_CORRUPTION", "", event.Error, map[string]string{"block": "1234"}),
	single("<3>JBD2: journal transaction 4711 on sdb1-8 is corrupt.", "FS_CORRUPTION", "sdb1", event.Error, nil),
	single("<3>JBD2: corrupted journal superblock", "FS_CORRUPTION", "", event.Error, nil),
	single("<4>JBD2: no valid journal superblock found", "FS_JOURNAL_ERROR", "", event.Warning, nil),
	single("<3>JBD2: Failed to read block at offset 4096", "FS_JOURNAL_IO_ERROR", "", event.Error, nil),
	single("<3>JBD2: previous I/O error detected for journal superblock update for dm-3-8.", "FS_JOURNAL_IO_ERROR", "dm-3", event.Error, nil),
	single("<4>JBD2: Spotted dirty metadata buffer (dev = sdb1, blocknr = 1234). There's a risk of filesystem corruption in case of system crash.",
		"FS_JOURNAL_ERROR", "sdb1", event.Warning, map[string]string{"block": "1234"}),
	none("<6>JBD2: Ignoring recovery information on journal"),
}

func TestJBD2(t *testing.T) { runCases(t, jbd2Cases) }
