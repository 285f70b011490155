// Package sysfs resolves block device identity and hierarchy from sysfs,
// /dev, mountinfo and udev's database under an injectable root, without ever
// opening a block device (a failing disk gets no I/O from us) and without
// running lsblk, udevadm or blkid.
//
// A Resolver answers BlockInfo (any identifier: major:minor, kernel name,
// /dev path, FS UUID, WWID, H:C:T:L), ListBlocks (the tops of the stacks),
// ForEvent (what an event on a kernel device name is about: a multipath
// path's map, an NVMe path's head, the disk behind an iSCSI session, FC
// remote port or ATA port) and Identifiers (every name of a device). It
// reads, under its root:
//
//   - sys/class/block/<name> -> sys/devices/…: dev, diskseq, partition,
//     holders/, slaves/, dm/{name,uuid}, md/uuid, loop/backing_file, serial,
//     wwid, device/wwid, and the NVMe multipath/ links
//     (Documentation/ABI/testing/sysfs-block*, sysfs-class-nvme);
//   - sys/dev/block/<major:minor>, sys/bus/scsi/devices/<H:C:T:L>;
//   - the transport classes: sys/class/fc_host, fc_remote_ports, scsi_host,
//     iscsi_session, iscsi_connection, sas_device, ata_link, nvme;
//   - dev/disk/by-*/ and dev/mapper/ links (read, never the nodes);
//   - proc/self/mountinfo (proc(5));
//   - run/udev/data/b<major:minor>: links, ID_FS_UUID, MD_UUID, ID_WWN.
//
// One file per kind of device: scsi.go (with its FC, iSCSI, SAS and ATA
// transports), dm.go, md.go, nvme.go, loop.go, virtio.go. The parsers of
// mountinfo, udev data and uevent records are pure functions beside their
// readers. cache.go says how repeated lookups stay right; sysfstest builds
// the fixture trees the tests run on.
package sysfs

import (
	"errors"
	"time"
)

// Block types, the values of BlockInfo.BlkType (docs/design.md, "D-Bus API").
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
// are those of BlockInfo in docs/design.md; the D-Bus a{sv} uses the same
// names.
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
	// UdevInitialized is when udev first handled this instance of the
	// device (USEC_INITIALIZED, its database's I: line: CLOCK_MONOTONIC
	// since boot), about when it appeared; 0 when udev has no entry for it
	// (no udev, or not handled yet). The daemon's own, not in the
	// contract's keys.
	UdevInitialized time.Duration `json:"-"`
	// Transport holds transport details: "transport" (FC, iSCSI, SAS, ATA,
	// NVMe/TCP…), host_wwpn, target_wwpn, speed, port_state, driver_name,
	// address, port, tpgt, target_name, iface_name… Empty when none.
	Transport map[string]string `json:"transport,omitempty"`
}

// DevPath is the path an event names the device by: PreferredBlkPath, else
// BlkPath.
func (b *BlockInfo) DevPath() string {
	if b.PreferredBlkPath != "" {
		return b.PreferredBlkPath
	}
	return b.BlkPath
}
