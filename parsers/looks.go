package parsers

import "strings"

// storageWords are words that storage lines of the kernel use and other
// lines rarely do.
var storageWords = []string{
	"I/O error", "i/o error", "sector", "EXT4-fs", "XFS", "BTRFS", "JBD2", "jbd2",
	"Buffer I/O", "blk_", "scsi", "SCSI", "Sense Key", "sd ", "ata", "nvme",
	"md/", "md:", "raid", "device-mapper", "multipath", "dm-", "iscsi", "iSCSI",
	"connection", "session", "medium error", "Medium Error", "journal", "filesystem",
	"superblock", "metadata", "LBA", "disk", "Disk",
}

// LooksLikeStorage reports whether a kernel line looks like a storage line,
// so that `prpt rules test` can point at storage lines no rule takes. It is
// a heuristic on words and errs towards yes.
func LooksLikeStorage(msg string) bool {
	for _, w := range storageWords {
		if strings.Contains(msg, w) {
			return true
		}
	}
	return false
}
