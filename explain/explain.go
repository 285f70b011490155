// Package explain says what a storage event means in plain language: what
// happened to which disk or filesystem, and what to do about it, as a
// desktop notification, a mail or a wall message puts it to a person who
// does not read kernel logs ("Disk /dev/sdb (ST4000DM004) has unreadable
// sectors", "Back up /srv/data now…").
//
// The text comes from the event's type (docs/design.md, "Event model";
// peripety-events(7) lists them): families of types share a sentence. The
// kernel's own line is not part of it; a reader puts it last.
package explain

import (
	"path"
	"regexp"
	"strings"

	"github.com/peripety/peripety/event"
)

// Device is what the caller knows of the event's device beyond the event:
// the disk's model (sysfs device/model), and the mount point of the
// filesystem on it when the event does not carry one.
type Device struct {
	Model      string
	MountPoint string
}

// Text is an event told plainly.
type Text struct {
	// Title says what happened to what, in one line.
	Title string
	// Advice says what to do; "" when nothing needs doing.
	Advice string
}

// family is a group of event types that mean the same to a person.
type family struct {
	// types lists the event types, as path.Match patterns ("DM_RAID*").
	types []string
	// title and advice are templates: {disk} is the device with its model,
	// {dev} the device, {fs} the filesystem ("the filesystem on /srv/data
	// (/dev/sdb1)"), {mount} its mount point or "its data", {Mount} the
	// same at the start of a sentence.
	title, advice string
}

// families are tried in order; the first with the event's type wins.
var families = []family{
	{[]string{"SCSI_MEDIUM_ERROR"},
		"{Disk} has unreadable sectors",
		"Back up {mount} now: the disk is failing. Check it with smartctl -a {dev} and plan to replace it."},
	{[]string{"SCSI_HARDWARE_ERROR"},
		"{Disk} reports a hardware fault",
		"Back up {mount} now and check the disk with smartctl -a {dev}; plan to replace it."},
	{[]string{"SCSI_DEVICE_OFFLINE*", "SCSI_MEDIUM_ACCESS_TIMEOUT_OFFLINING_DISK", "ATA_DEVICE_DISABLED", "NVME_CTRL_DOWN", "NVME_CTRL_REMOVED", "DM_DEVICE_REMOVED"},
		"{Disk} was taken offline",
		"Its data cannot be reached. Check its cable and power; if it failed, replace it and restore {mount} from backup."},
	{[]string{"FS_REMOUNT_READ_ONLY", "FS_SHUTDOWN", "FS_JOURNAL_ABORTED", "FS_TRANSACTION_ABORTED"},
		"{FS} stopped taking changes to protect your data",
		"Save new work elsewhere. Copy what you need from {mount}, then unmount it and repair it (fsck, xfs_repair or btrfs check)."},
	{[]string{"FS_CORRUPTION", "FS_CSUM_ERROR", "FS_ERROR", "FS_ERROR_SUMMARY", "FS_JOURNAL_ERROR", "FS_JOURNAL_IO_ERROR", "FS_IO_ERROR", "FS_SPACE_CACHE_ERROR", "FS_DEV_ERRORS", "FS_RECOVERY_FAILED", "FS_MOUNT_FAILED"},
		"{FS} has errors",
		"Back up {mount}, then check the filesystem when it can be unmounted (fsck, xfs_repair or btrfs check)."},
	{[]string{"FS_NO_SPACE", "FS_RESERVE_LOW", "DM_THIN_POOL_FULL", "DM_THIN_METADATA_FULL", "DM_THIN_ALLOC_FAILED"},
		"{Storage} is out of space",
		"Free space on {mount} or extend the volume: writes are failing."},
	{[]string{"DM_THIN_LOW_WATER_MARK", "DM_THIN_METADATA_LOW_WATER_MARK", "SCSI_THIN_PROVISIONING_SOFT_THRESHOLD"},
		"{Storage} is running out of space",
		"Extend the thin pool or free space before writes fail."},
	{[]string{"MD_DEGRADED", "MD_DISK_FAILURE", "MD_DEVICE_KICKED", "DM_RAID*", "DM_MIRROR_*", "FS_DEVICE_MISSING"},
		"{Array} lost a disk and runs without redundancy",
		"Replace the failed disk soon: one more failure loses data. Back up {mount}."},
	{[]string{"MD_ARRAY_FAILED", "MD_ARRAY_NOT_STARTED"},
		"{Array} failed",
		"Its data cannot be reached. Do not write to its disks; check them and restore from backup if needed."},
	{[]string{"DM_MPATH_PATH_REINSTATED", "NVME_CTRL_LIVE"},
		"{Disk} has its connection back", ""},
	{[]string{"DM_MPATH_PATH_FAILED", "DM_MPATH_FAILOVER_FAILED", "DM_MPATH_QUEUE_TIMEOUT", "FC_RPORT_LOST", "ISCSI_*", "DID_TRANSPORT_*",
		"SCSI_TRANSPORT_*", "NVME_CONNECT_ERROR", "NVME_TRANSPORT_ERROR", "NVME_KEEP_ALIVE_FAILED", "NVME_MPATH_NO_PATH"},
		"{Disk} lost a connection",
		"Check its cables, switch or network; the system retries and uses other paths where it has them."},
	{[]string{"ATA_TIMEOUT", "ATA_LINK_DOWN", "ATA_LINK_FAILED", "ATA_LINK_RESET", "ATA_EXCEPTION", "ATA_EH_FAILED",
		"SCSI_TIMEOUT", "NVME_TIMEOUT", "NVME_CTRL_RESET"},
		"{Disk} stopped answering for a while",
		"Check its cable and power, and its health with smartctl -a {dev}. Back up {mount} if it happens again."},
	{[]string{"BLK_IO_ERROR", "BUFFER_IO_ERROR", "BLK_WRITEBACK_ERROR", "SCSI_CMD_FAILED", "SCSI_ERROR", "ATA_*ERROR",
		"ATA_DEVICE_COMMAND_FAILED", "NVME_IO_ERROR", "NVME_ERROR", "BLK_VIRTIO_ERROR"},
		"{Disk} failed to read or write data",
		"Back up {mount} and check the disk with smartctl -a {dev}; check its cable and power."},
	{[]string{"FS_MOUNTED"}, "{FS} was mounted", ""},
	{[]string{"FS_UNMOUNTED"}, "{FS} was unmounted", ""},
	{[]string{"FS_REMOUNTED"}, "{FS} was mounted again with new options", ""},
	{[]string{"PERIPETY_EVENTS_SHED"}, "Peripety could not keep up with a storm of storage messages",
		"Some events were counted but not shown one by one: prpt query shows them."},
	{[]string{"PERIPETY_KMSG_OVERRUN"}, "Some kernel messages were lost before Peripety read them",
		"The kernel log overflowed; storage events in it may be missing."},
}

// Explain tells ev plainly. dev adds what the event does not carry.
func Explain(ev *event.Event, dev Device) Text {
	f, ok := familyOf(ev.EventType)
	if !ok {
		return Text{Title: generic(ev, dev), Advice: genericAdvice(ev)}
	}
	w := words(ev, dev)
	return Text{Title: w.Replace(f.title), Advice: w.Replace(f.advice)}
}

func familyOf(typ string) (family, bool) {
	for _, f := range families {
		for _, t := range f.types {
			if ok, _ := path.Match(t, typ); ok {
				return f, true
			}
		}
	}
	return family{}, false
}

// words fills the templates' words for ev.
func words(ev *event.Event, dev Device) *strings.Replacer {
	name := DeviceName(ev)
	disk, diskTitle := "the disk", "A disk"
	if name != "" {
		disk, diskTitle = name, "Disk "+name
	}
	if dev.Model != "" {
		disk += " (" + dev.Model + ")"
		diskTitle += " (" + dev.Model + ")"
	}
	mount := ev.Ext("mount_point")
	if mount == "" {
		mount = dev.MountPoint
	}
	fs := "a filesystem"
	switch {
	case mount != "" && name != "":
		fs = "the filesystem " + mount + " (" + name + ")"
	case mount != "":
		fs = "the filesystem " + mount
	case name != "":
		fs = "the filesystem on " + name
	}
	data := "its data"
	if mount != "" {
		data = mount
	}
	storage := "the storage"
	if name != "" {
		storage = name
	}
	if mount != "" {
		storage = mount
	}
	array := "a RAID array"
	if name != "" {
		array = "RAID array " + name
	}
	return strings.NewReplacer("{Disk}", diskTitle, "{disk}", disk, "{dev}", orDash(name),
		"{FS}", capital(fs), "{fs}", fs, "{mount}", data, "{Storage}", capital(storage), "{Array}", capital(array))
}

// DeviceName is the name a person knows the event's device by: its
// /dev/mapper or /dev/md path for a device-mapper or MD device, else
// /dev/ and the kernel's name (sdb, nvme0n1), else the path the event
// gives, else the kernel's name as it is (8:16).
func DeviceName(ev *event.Event) string {
	switch {
	case strings.HasPrefix(ev.DevPath, "/dev/mapper/"), strings.HasPrefix(ev.DevPath, "/dev/md"):
		return ev.DevPath
	case kernelName.MatchString(ev.Kdev):
		return "/dev/" + ev.Kdev
	case ev.DevPath != "":
		return ev.DevPath
	}
	return ev.Kdev
}

// kernelName is a block device's kernel name (not a major:minor or SCSI
// address).
var kernelName = regexp.MustCompile(`^[a-z][a-z0-9!_-]*[0-9a-z]$`)

// generic is the title of an event no family covers: how bad, where, and
// the daemon's own summary of it.
func generic(ev *event.Event, dev Device) string {
	msg, _, _ := strings.Cut(ev.Msg, "\n")
	where := DeviceName(ev)
	if dev.Model != "" && where != "" {
		where += " (" + dev.Model + ")"
	}
	s := "Storage " + strings.ToLower(ev.Severity.String())
	if where != "" {
		s += " on " + where
	}
	if msg != "" {
		s += ": " + msg
	}
	return s
}

func genericAdvice(ev *event.Event) string {
	if ev.Severity.AtLeast(event.Error) {
		return "Check the device; prpt query --blk " + orDash(DeviceName(ev)) + " shows its events."
	}
	return ""
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
