package sysfs

import (
	"slices"

	"github.com/peripety/peripety/event"
)

// FillEvent copies what ForEvent resolved for ev's kdev into ev, keeping
// what the parser already set: dev_wwid, dev_path (the preferred path),
// the owners' WWIDs and paths, and the extension keys mount_point, uuid,
// the transport details and ForEvent's own ext.
//
// The dev_wwid of a filesystem's event is the filesystem's UUID, as
// docs/design.md's event model says: the line's own, else the one udev found.
// When neither is known (a 6.1 ext4 mount line names none, and udev may
// not have probed a filesystem made a moment before) it stays empty: the
// WWID of the device under the filesystem (an LV's LVM-… uuid) is not the
// filesystem's and would be taken for it.
//
// The owners of a filesystem's event begin with the device the filesystem
// is on (its dev_wwid is the filesystem's), then every device below it, as
// the original's ext4_mount_lv_mpath_scsi.json lists them: the LV, the
// map, its paths. owners_wwids lists each WWID once, without empty ones:
// two owners can share one (two loop devices over one file, the paths of
// one LUN); owners_paths lists each owner's path.
func FillEvent(ev *event.Event, info BlockInfo, ext map[string]string) {
	fsEvent := event.IsFilesystem(ev.SubSystem)
	if ev.DevWWID == "" {
		switch {
		case !fsEvent:
			ev.DevWWID = info.WWID
		case ev.Ext("uuid") != "":
			ev.DevWWID = ev.Ext("uuid")
		default:
			ev.DevWWID = info.UUID
		}
	}
	if ev.DevPath == "" {
		ev.DevPath = info.DevPath()
	}
	if len(ev.OwnersWWIDs) == 0 && len(ev.OwnersPaths) == 0 {
		add := func(o *BlockInfo) {
			if o.WWID != "" && !slices.Contains(ev.OwnersWWIDs, o.WWID) {
				ev.OwnersWWIDs = append(ev.OwnersWWIDs, o.WWID)
			}
			if p := o.DevPath(); p != "" && !slices.Contains(ev.OwnersPaths, p) {
				ev.OwnersPaths = append(ev.OwnersPaths, p)
			}
		}
		if fsEvent {
			add(&info)
		}
		for i := range info.Owners {
			add(&info.Owners[i])
		}
	}
	if ev.Ext("mount_point") == "" {
		ev.SetExt("mount_point", info.MountPoint)
	}
	if fsEvent && ev.Ext("uuid") == "" {
		ev.SetExt("uuid", info.UUID)
	}
	for k, v := range info.Transport {
		if ev.Ext(k) == "" {
			ev.SetExt(k, v)
		}
	}
	for k, v := range ext {
		if ev.Ext(k) == "" {
			ev.SetExt(k, v)
		}
	}
}
