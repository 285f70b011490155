package event

import "strings"

// The sub-system names of docs/design.md ("Event model"). An event's
// SubSystem is one of these.
const (
	SubSCSI      = "SCSI"
	SubATA       = "ATA"
	SubBlock     = "Block"
	SubNVMe      = "NVMe"
	SubMultipath = "Multipath"
	SubDM        = "DM"
	SubDirtyLog  = "DM-DirtyLog"
	SubThin      = "LVM-ThinProvisioning"
	SubMD        = "MD"
	SubExt4      = "ext4"
	SubXFS       = "xfs"
	SubBtrfs     = "btrfs"
	SubJBD2      = "jbd2"
	SubISCSI     = "iSCSI"
	SubFC        = "FC"
	// SubSMART: smartd's reports of a disk's SMART data.
	SubSMART = "SMART"
	// SubUDisks: udisksd's mounts and the devices gone under them.
	SubUDisks   = "UDisks"
	SubPeripety = "Peripety"
)

// SubSystems lists every known sub-system name, in the order of docs/design.md.
var SubSystems = []string{
	SubSCSI, SubATA, SubBlock, SubNVMe, SubMultipath, SubDM, SubDirtyLog, SubThin,
	SubMD, SubExt4, SubXFS, SubBtrfs, SubJBD2, SubISCSI, SubFC, SubSMART, SubUDisks, SubPeripety,
}

// subSystemAliases maps lower-cased names the original peripety accepted in
// its config (and its JSON, e.g. "FsExt4") to the canonical names.
var subSystemAliases = map[string]string{
	"dm-dirtylog":  SubDirtyLog,
	"fsext4":       SubExt4,
	"fsxfs":        SubXFS,
	"dmmultipath":  SubMultipath,
	"dm-multipath": SubMultipath,
}

// CanonicalSubSystem returns the canonical spelling of a sub-system name,
// matched case-insensitively, and whether it is known.
func CanonicalSubSystem(name string) (string, bool) {
	l := strings.ToLower(strings.TrimSpace(name))
	for _, s := range SubSystems {
		if strings.ToLower(s) == l {
			return s, true
		}
	}
	if s, ok := subSystemAliases[l]; ok {
		return s, true
	}
	return "", false
}

// IsFilesystem reports whether events of sub-system sub name a filesystem:
// their dev_wwid is the filesystem UUID (docs/design.md, "Event model").
func IsFilesystem(sub string) bool {
	switch sub {
	case SubExt4, SubXFS, SubBtrfs, SubJBD2:
		return true
	}
	return false
}
