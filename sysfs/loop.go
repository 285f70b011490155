package sysfs

// identifyLoop reads <dev>/loop/backing_file (sysfs-block-loop): a loop
// device is known by the file behind it; a detached one has none.
func identifyLoop(d device, info *BlockInfo) error {
	info.BlkType = TypeLoop
	var err error
	info.WWID, err = d.attrOpt("loop", "backing_file")
	return err
}
