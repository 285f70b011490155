package sysfs

import (
	"os"
	"strings"
)

// deletedSuffix is what the kernel's d_path appends to the path of a file
// that was unlinked while open, as a loop device's backing file may be.
const deletedSuffix = " (deleted)"

// identifyLoop reads <dev>/loop/backing_file (sysfs-block-loop): a loop
// device is known by the file behind it; a detached one has none. A
// backing file deleted since it was attached is known by the path it had:
// the kernel's " (deleted)" is dropped, unless a file of that very name
// exists under the root.
func (s *scan) identifyLoop(d device, info *BlockInfo) error {
	info.BlkType = TypeLoop
	file, err := d.attrOpt("loop", "backing_file")
	if err != nil {
		return err
	}
	if trimmed, ok := strings.CutSuffix(file, deletedSuffix); ok && trimmed != "" {
		if _, err := os.Lstat(s.fs.Path(file)); err != nil {
			file = trimmed
		}
	}
	info.WWID = file
	return nil
}
