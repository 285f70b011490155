package sysfs

import "github.com/peripety/peripety/event"

// FillEvent copies what ForEvent resolved for ev's kdev into ev, keeping
// what the parser already set: dev_wwid (the filesystem UUID for a
// filesystem's events, as docs/design.md's event model says), dev_path (the
// preferred path), the owners' WWIDs and paths, and the extension keys
// mount_point, uuid, the transport details and ForEvent's own ext.
func FillEvent(ev *event.Event, info BlockInfo, ext map[string]string) {
	fsEvent := event.IsFilesystem(ev.SubSystem)
	if ev.DevWWID == "" {
		switch {
		case fsEvent && ev.Ext("uuid") != "":
			ev.DevWWID = ev.Ext("uuid")
		case fsEvent && info.UUID != "":
			ev.DevWWID = info.UUID
		default:
			ev.DevWWID = info.WWID
		}
	}
	if ev.DevPath == "" {
		ev.DevPath = info.DevPath()
	}
	if len(ev.OwnersWWIDs) == 0 && len(ev.OwnersPaths) == 0 {
		for _, o := range info.Owners {
			ev.OwnersWWIDs = append(ev.OwnersWWIDs, o.WWID)
			ev.OwnersPaths = append(ev.OwnersPaths, o.DevPath())
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
