// Package sysfs resolves block device identity and hierarchy from sysfs,
// /dev, mountinfo and udev's database under an injectable root, without ever
// opening a block device.
package sysfs

import "errors"

// Block types, the values of BlockInfo.BlkType (DESIGN.md).
const (
	TypeSCSI      = "SCSI"
	TypeNVMe      = "NVMe"
	TypePartition = "Partition"
	TypeDM        = "Device Mapper"
	TypeMultipath = "Device Mapper Multipath"
	TypeLVM       = "Device Mapper LVM"
	TypeMD        = "MD RAID"
	TypeLoop      = "Loop"
	TypeVirtio    = "Virtio"
	TypeOther     = "Other"
)

// ErrNotFound is wrapped by every error that means "no such device".
var ErrNotFound = errors.New("block device not found")

// BlockInfo is what the resolver knows of one block device. The JSON keys
// are those of DESIGN.md's BlockInfo; the D-Bus a{sv} uses the same names.
type BlockInfo struct {
	WWID             string `json:"wwid"`
	BlkType          string `json:"blk_type"`
	BlkPath          string `json:"blk_path"`
	PreferredBlkPath string `json:"preferred_blk_path"`
	UUID             string `json:"uuid"`
	MountPoint       string `json:"mount_point"`
	TransportID      string `json:"transport_id"`
	// Owners is every device below this one, flattened in stack order.
	Owners []BlockInfo `json:"owners"`

	// KernelName (sda, dm-3), MajorMinor ("8:0") and DiskSeq (the kernel's
	// diskseq, "" when the kernel has none) identify the device instance.
	KernelName string `json:"kernel_name"`
	MajorMinor string `json:"major_minor"`
	DiskSeq    string `json:"diskseq,omitempty"`
	// Transport holds transport details: "transport" (FC, iSCSI, SAS, ATA,
	// NVMe/TCP…), host_wwpn, target_wwpn, speed, port_state, driver_name,
	// address, port, tpgt, target_name, iface_name… Empty when none.
	Transport map[string]string `json:"transport,omitempty"`
}
