package sysfs

import (
	"fmt"
	"regexp"
	"strings"
)

// mpathUUIDPrefix starts the dm uuid of a multipath map; multipath -ll
// shows the rest as the map's WWID ("mpath-3600a0980…" is "3600a0980…").
const mpathUUIDPrefix = "mpath-"

// dmPartUUID matches the dm/uuid kpartx gives a partition of a map:
// "part1-mpath-3600a098038303053453f463045727a4b".
var dmPartUUID = regexp.MustCompile(`^part([0-9]+)-`)

// identifyDM reads <dev>/dm/name and <dev>/dm/uuid (sysfs-block-dm): the
// uuid's prefix tells multipath ("mpath-"), LVM ("LVM-") and kpartx
// partitions ("partN-") apart; the WWID is the uuid as it is.
func (s *scan) identifyDM(d device, info *BlockInfo) error {
	name, err := d.attr("dm", "name")
	if err != nil {
		return err
	}
	uuid, err := d.attrOpt("dm", "uuid")
	if err != nil {
		return err
	}
	if name != "" {
		info.BlkPath = "/dev/mapper/" + name
	}
	info.WWID = uuid
	switch {
	case strings.HasPrefix(uuid, mpathUUIDPrefix):
		info.BlkType = TypeMultipath
	case strings.HasPrefix(uuid, "LVM-"):
		info.BlkType = TypeLVM
	case dmPartUUID.MatchString(uuid):
		info.BlkType = TypePartition
		num := dmPartUUID.FindStringSubmatch(uuid)[1]
		slaves, err := d.slaves()
		if err != nil {
			return err
		}
		if len(slaves) == 1 {
			parent, err := s.describe(slaves[0])
			if err != nil {
				return fmt.Errorf("map of partition: %w", err)
			}
			if parent.WWID != "" {
				info.WWID = parent.WWID + "-part" + num
			}
		}
	default:
		info.BlkType = TypeDM
	}
	if info.WWID == "" && name != "" {
		// A map made without a uuid (dmsetup create): udev names it so.
		info.WWID = "dm-name-" + name
	}
	return nil
}

// dmName returns the kernel name of the device-mapper device called name
// (its dm/name), for /dev/mapper entries that are nodes, not links.
func (s *scan) dmName(name string) (string, error) {
	names, err := s.fs.blockNames()
	if err != nil {
		return "", err
	}
	for _, n := range names {
		if !strings.HasPrefix(n, "dm-") {
			continue
		}
		d, err := s.device(n)
		if err != nil {
			continue // vanished since the listing
		}
		if got, err := d.attrOpt("dm", "name"); err == nil && got == name {
			return n, nil
		}
	}
	return "", nil
}
