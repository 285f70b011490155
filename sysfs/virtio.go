package sysfs

// isVirtio tells whether the device directory sits under a virtio device
// (/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda).
func isVirtio(dir string) bool {
	for _, c := range pathComponents(dir) {
		if numbered(c, "virtio") {
			return true
		}
	}
	return false
}

// identifyVirtio reads <dev>/serial, the serial the hypervisor gave the
// virtio-blk disk (often empty; udev's ID_SERIAL is the fallback).
func identifyVirtio(d device, info *BlockInfo) error {
	info.BlkType = TypeVirtio
	var err error
	info.WWID, err = d.attrOpt("serial")
	return err
}
