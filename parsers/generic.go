package parsers

import (
	"github.com/peripety/peripety/event"
)

// Catch-all rules, tried after every other table: a line of a storage
// prefix that no rule above takes becomes an event of its sub-system when
// the kernel printed it at error or warning level (or worse). Lines whose
// prefix does not say their level (XFS, ext4_msg, DMERR, dev_err, …) are
// taken only from logs that carry the level (/dev/kmsg, journald), never
// from plain text. parsers/kcover measures what these rules cover of the
// kernel's own formats.

// catchAll makes the pair of rules of one prefix: lines at error level or
// worse give typ+"_ERROR", warnings typ+"_WARNING". re names the device
// (kdev) where the line does and the rest of the line (detail).
func catchAll(name, sub, typ, re, what string) []rule {
	cre := pat(re)
	mk := func(sfx string, l printkLevel) rule {
		return rule{name: name + "_" + sfx, sub: sub, typ: typ + "_" + map[printkLevel]string{kernErr: "ERROR", kernWarning: "WARNING"}[l],
			level: l, atMost: l, re: cre, msg: what + "[ on {kdev}]: {detail}", catchAll: true}
	}
	return []rule{mk("error", kernErr), mk("warning", kernWarning)}
}

// The prefixes the catch-alls take, as the kernel's printk families write
// them.
const (
	// scsi_device dev_printk, sd_printk, scmd_printk; the host and target
	// forms ("scsi host2: ", "scsi target2:0:0: ").
	genericSCSI = `^(?:(?:sd|sr|st|scsi|ses|sg|osst|ch) (?P<scsi_address>\d+:\d+:\d+:\d+): ` + scsiBracket + `(?:tag#\d+ )?` +
		`|scsi (?:host|target)[\d:]+: )(?P<detail>.+)$`
	genericATA   = `^(?:(?P<kdev>ata\d+(?:\.\d+)?)|ahci [0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.\d): (?P<detail>.+)$`
	genericNVMe  = `^(?:nvme (?P<kdev>nvme\d+)|nvme [0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.\d|nvme_(?:core|fabrics|tcp|rdma|fc)): (?P<detail>.+)$`
	genericISCSI = `^(?:(?P<kdev>connection\d+:\d+|session\d+)|iscsi|libiscsi|iscsi_tcp|libiscsi_tcp): (?P<detail>.+)$`
	// "md: …", "md/raid1:md0: …", "md-cluster: …", and "md0: …" (pr_*
	// with mdname first).
	// The md multipath personality: "multipath: …".
	genericMD = `^(?:md(?:/(?:raid\d*|linear))?(?:-cluster)?: ?(?:(?P<kdev>md[\w/-]*): ?)?|(?P<md_array>md\d+|md_d\d+): |` +
		`multipath(?:_map\(\))?: (?:(?P<md_mp>md\d+): )?)(?P<detail>.+)$`
	genericXFS  = `^(?:XFS(?: \((?P<kdev>[^)\s]+)\))?|Filesystem "(?P<xfs_fs>[^"]+)"): (?P<detail>.+)$`
	genericExt4 = `^EXT4-fs \((?P<kdev>[^)\s]+)\): (?P<detail>.+)$`
	genericJBD2 = `^JBD2: (?P<detail>.+)$`
	// device-mapper targets (DM_FMT: "device-mapper: <DM_MSG_PREFIX>: "),
	// the pool or map named major:minor where the line does.
	dmTarget     = `: (?:(?P<kdev>\d+:\d+): )?(?P<detail>.+)$`
	genericMpath = `^device-mapper: (?P<target>multipath(?: [\w-]+)?)` + dmTarget
	genericThin  = `^device-mapper: (?P<target>thin(?: metadata)?|space map (?:common|disk|metadata)|btree(?: spine)?|block manager|transaction manager|array|bitset)` + dmTarget
	genericDirty = `^device-mapper: (?P<target>dirty region log|log-writes|dm-log-userspace|userspace log)` + dmTarget
	genericDM    = `^device-mapper: (?P<target>[^:]+)` + dmTarget
)

var genericRules = func() []rule {
	var rules []rule
	for _, g := range []struct{ name, sub, typ, re, what string }{
		{"scsi", event.SubSCSI, "SCSI", genericSCSI, "SCSI"},
		{"ata", event.SubATA, "ATA", genericATA, "ATA"},
		{"nvme", event.SubNVMe, "NVME", genericNVMe, "NVMe"},
		{"iscsi", event.SubISCSI, "ISCSI", genericISCSI, "iSCSI"},
		{"md", event.SubMD, "MD", genericMD, "MD"},
		{"virtio_blk", event.SubBlock, "BLK_VIRTIO", `^virtio_blk (?P<virtio>virtio\d+): (?:virtio_blk: )?(?P<detail>.+)$`, "virtio-blk {virtio}"},
		{"xfs", event.SubXFS, "FS", genericXFS, "XFS"},
		{"ext4", event.SubExt4, "FS", genericExt4, "ext4"},
		{"jbd2", event.SubJBD2, "FS_JOURNAL", genericJBD2, "jbd2"},
		{"dm_mpath", event.SubMultipath, "DM_MPATH", genericMpath, "device-mapper {target}"},
		{"dm_thin", event.SubThin, "DM_THIN", genericThin, "device-mapper {target}"},
		{"dm_log", event.SubDirtyLog, "DM_LOG", genericDirty, "device-mapper {target}"},
		{"dm", event.SubDM, "DM", genericDM, "device-mapper {target}"},
	} {
		rules = append(rules, catchAll("generic_"+g.name, g.sub, g.typ, g.re, g.what)...)
	}
	for i := range rules {
		switch rules[i].sub {
		case event.SubSCSI:
			rules[i].prefixes = scsiPrefixes
			rules[i].kdevAlt = "scsi_address"
		case event.SubATA:
			rules[i].prefixes = []string{"ata", "ahci "}
		case event.SubMD:
			rules[i].prefixes = []string{"md", "multipath"}
			rules[i].kdevAlt = "md_array"
		case event.SubXFS:
			rules[i].prefixes = []string{"XFS", `Filesystem "`}
			rules[i].kdevAlt = "xfs_fs"
		case event.SubISCSI:
			rules[i].prefixes = []string{"connection", "session", "iscsi", "libiscsi"}
		}
	}
	// btrfs names the level in the line, in logs of every kind.
	btrfsAny := func(levels string) *pattern {
		return pat(`^BTRFS (?P<_level>` + levels + `)(?: ` + btrfsDev + `)?: (?P<detail>.+)$`)
	}
	rules = append(rules, rule{
		name: "generic_btrfs_error", sub: event.SubBtrfs, typ: "FS_ERROR",
		prefixes: []string{"BTRFS emergency", "BTRFS alert", "BTRFS critical", "BTRFS error"},
		re:       btrfsAny("emergency|alert|critical|error"),
		msg:      "btrfs[ on {kdev}]: {detail}", catchAll: true,
	}, rule{
		name: "generic_btrfs_warning", sub: event.SubBtrfs, typ: "FS_WARNING", prefixes: []string{"BTRFS warning"},
		re:  btrfsAny("warning"),
		msg: "btrfs[ on {kdev}]: {detail}", catchAll: true,
	})
	// Lines without a device: btrfs's "BTRFS: …" and ext4's "EXT4-fs: …"
	// at error level (ext4's warnings there are mount option notices).
	rules = append(rules, catchAll("generic_btrfs_nodev", event.SubBtrfs, "FS", `^BTRFS: (?P<detail>.+)$`, "btrfs")...)
	rules = append(rules, catchAll("generic_ext4_nodev", event.SubExt4, "FS", `^EXT4(?:-fs)?: (?P<detail>.+)$`, "ext4")[0])
	return rules
}()
