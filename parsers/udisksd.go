package parsers

import (
	"github.com/peripety/peripety/event"
)

// udisksd's lines (udisks: src/udiskslinuxfilesystem.c, udisksstate.c,
// udiskslinuxdrive.c; 2.9 to 2.10), logged to the journal natively
// through GLib. A mount or unmount on behalf of a user names the device
// by its /dev path; a device that vanished while mounted by its
// major:minor; a drive by its D-Bus object path
// (/org/freedesktop/UDisks2/drives/<Model>_<Serial>).
var udisksdRules = []rule{{
	name: "udisksd_mounted",
	typ:  "UDISKS_MOUNTED",
	re:   pat(`^Mounted (?P<kdev>/dev/\S+) at (?P<mount_point>.+) on behalf of uid (?P<uid>\d+)$`),
	sev:  sevOf(event.Info),
	cond: "fs:mounted",
	msg:  "udisks mounted {kdev} at {mount_point} for uid {uid}",
}, {
	name: "udisksd_unmounted",
	typ:  "UDISKS_UNMOUNTED",
	re:   pat(`^Unmounted (?P<kdev>/dev/\S+) on behalf of uid (?P<uid>\d+)$`),
	sev:  sevOf(event.Info),
	cond: "fs:unmounted",
	msg:  "udisks unmounted {kdev} for uid {uid}",
}, {
	// The device went away while mounted: udisks cleans up its mount.
	name: "udisksd_mount_cleanup",
	typ:  "UDISKS_DEVICE_GONE_MOUNTED",
	re:   pat(`^Cleaning up mount point (?P<mount_point>.+) \(device (?P<kdev>\d+:\d+) no longer exists\)$`),
	sev:  sevOf(event.Warning),
	cond: "device:removed",
	msg:  "Device {kdev} vanished while mounted at {mount_point}",
}, {
	name: "udisksd_housekeeping_failed",
	typ:  "UDISKS_HOUSEKEEPING_FAILED",
	re:   pat(`^Error performing housekeeping for drive (?P<drive>\S+): (?P<error>.+)$`),
	sev:  sevOf(event.Warning),
	msg:  "udisks housekeeping of drive {drive} failed: {error}",
}, {
	name: "udisksd_smart_update_failed",
	sub:  event.SubSMART,
	typ:  "UDISKS_SMART_UPDATE_FAILED",
	re:   pat(`^Error updating ATA smart for (?P<drive>\S+): (?P<error>.+)$`),
	sev:  sevOf(event.Warning),
	msg:  "udisks could not read the SMART data of drive {drive}: {error}",
}}
