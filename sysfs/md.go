package sysfs

// identifyMD reads <dev>/md/uuid (Documentation/admin-guide/md.rst): the
// WWID of an array is its UUID as mdadm prints it; udev's MD_UUID is the
// fallback for kernels without the attribute.
func identifyMD(d device, info *BlockInfo) error {
	info.BlkType = TypeMD
	uuid, err := d.attrOpt("md", "uuid")
	if err != nil {
		return err
	}
	info.WWID = mdUUID(uuid)
	return nil
}
