package parsers

import "github.com/peripety/peripety/event"

// table is one subsystem's or daemon's rule table and the file it lives in.
type table struct {
	file string
	sub  string
	// daemon is the daemon whose lines the table's rules take
	// (daemons.go), "" for the kernel's.
	daemon string
	rules  []rule
}

// builtinTables lists the built-in rule tables in the order their rules are
// tried. A new subsystem is one file with its table plus one line here.
func builtinTables() []table {
	return []table{
		{"scsi.go", event.SubSCSI, "", scsiRules},
		{"ata.go", event.SubATA, "", ataRules},
		{"nvme.go", event.SubNVMe, "", nvmeRules},
		{"block.go", event.SubBlock, "", blockRules},
		{"iscsi.go", event.SubISCSI, "", iscsiRules},
		{"dm.go", event.SubDM, "", dmRules},
		{"thin.go", event.SubThin, "", thinRules},
		{"md.go", event.SubMD, "", mdRules},
		{"ext4.go", event.SubExt4, "", ext4Rules},
		{"jbd2.go", event.SubJBD2, "", jbd2Rules},
		{"xfs.go", event.SubXFS, "", xfsRules},
		{"btrfs.go", event.SubBtrfs, "", btrfsRules},
		// Last: the catch-alls of every prefix (each rule names its
		// sub-system).
		{"generic.go", "", "", genericRules},
		// The user-space daemons' tables, each taking only its daemon's
		// lines (daemons.go).
		{"multipathd.go", event.SubMultipath, "multipathd", multipathdRules},
		{"iscsid.go", event.SubISCSI, "iscsid", iscsidRules},
		{"dmeventd.go", event.SubThin, "dmeventd", dmeventdRules},
		{"mdadm.go", event.SubMD, "mdadm", mdadmRules},
		{"smartd.go", event.SubSMART, "smartd", smartdRules},
		{"udisksd.go", event.SubUDisks, "udisksd", udisksdRules},
		{"nvmecli.go", event.SubNVMe, "nvme", nvmecliRules},
	}
}
