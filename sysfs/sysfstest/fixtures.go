package sysfstest

import (
	"fmt"
	"path/filepath"
	"sort"
	"testing"
)

// Fixtures are the named trees, each a machine of its own.
var Fixtures = map[string]func(*Tree){
	"fc-mpath-lvm":   FCMultipathLVM,
	"iscsi":          ISCSI,
	"nvme-md":        NVMeMD,
	"sata":           SATA,
	"nvme-multipath": NVMeMultipath,
	"nvme-mpath-md":  NVMeMultipathMD,
	"loop":           Loop,
	"virtio":         Virtio,
}

// Names returns the fixture names, sorted.
func Names() []string {
	var names []string
	for n := range Fixtures {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Build makes the fixture name in a new temporary directory and returns
// its root.
func Build(tb testing.TB, name string) string {
	tb.Helper()
	f, ok := Fixtures[name]
	if !ok {
		tb.Fatalf("no fixture %q", name)
	}
	t := New(tb, tb.TempDir())
	f(t)
	return t.Root
}

const (
	// LUN of the FC multipath fixture, as device/wwid shows it.
	fcLUN = "naa.600a098038303053453f463045727a4b"
	// Second FC LUN, partitioned with kpartx.
	fcLUN2 = "naa.600a098038303053453f463045727a4c"
)

// FCMultipathLVM is two dual-port lpfc HBAs reaching a NetApp array: LUN
// mpatha over four paths (sdb…sde) carries LVM LV vg-lv with ext4 mounted
// on /mnt/data; LUN mpathb over two paths (sdf, sdg) has kpartx partition
// mpathb-part1. One wwn- link is won by path sdb, so the other paths'
// udev entries list a link that is not theirs.
func FCMultipathLVM(t *Tree) {
	pci := "/sys/devices/pci0000:00/0000:00:03.0"
	type path struct {
		host, rport, twwpn, hctl, name, majMin, lun string
	}
	hosts := map[string]string{}
	for i, n := range []int{2, 3} {
		hdir := t.SCSIHost(fmt.Sprintf("%s/0000:05:00.%d", pci, i), n, "lpfc")
		t.FCHost(hdir, fmt.Sprintf("0x10000000c9a0283%d", 4+i), "8 Gbit")
		hosts[fmt.Sprintf("host%d", n)] = hdir
	}
	paths := []path{
		{"host2", "rport-2:0-3", "0x500a0982891b8dc5", "2:0:0:1", "sdb", "8:16", fcLUN},
		{"host2", "rport-2:0-4", "0x500a0982991b8dc5", "2:0:1:1", "sdc", "8:32", fcLUN},
		{"host3", "rport-3:0-2", "0x500a0983891b8dc5", "3:0:0:1", "sdd", "8:48", fcLUN},
		{"host3", "rport-3:0-3", "0x500a0983991b8dc5", "3:0:1:1", "sde", "8:64", fcLUN},
		{"host2", "rport-2:0-3", "0x500a0982891b8dc5", "2:0:0:2", "sdf", "8:80", fcLUN2},
		{"host3", "rport-3:0-2", "0x500a0983891b8dc5", "3:0:0:2", "sdg", "8:96", fcLUN2},
	}
	rports := map[string]string{}
	for _, p := range paths {
		rdir, ok := rports[p.rport]
		if !ok {
			rdir = t.FCRemotePort(hosts[p.host], p.rport, p.twwpn, "Online")
			rports[p.rport] = rdir
		}
		t.SCSIDisk(rdir, SCSIDisk{HCTL: p.hctl, Name: p.name, MajorMinor: p.majMin,
			Vendor: "NETAPP", Model: "LUN C-Mode", WWID: p.lun})
		wwn := "0x" + p.lun[len("naa."):]
		byPath := fmt.Sprintf("disk/by-path/pci-%s-fc-%s-lun-%s", filepath.Base(filepath.Dir(hosts[p.host])), p.twwpn, p.hctl[len(p.hctl)-1:])
		t.Udev(p.majMin,
			"S:disk/by-id/wwn-"+wwn,
			"E:ID_WWN="+wwn,
			"E:ID_SERIAL=3"+p.lun[len("naa."):],
			"E:ID_FS_TYPE=mpath_member",
			"E:DM_MULTIPATH_DEVICE_PATH=1",
		)
		t.DevLink(byPath, p.name)
	}
	t.DevLink("disk/by-id/wwn-0x"+fcLUN[len("naa."):], "sdb")
	t.DevLink("disk/by-id/wwn-0x"+fcLUN2[len("naa."):], "sdf")

	t.DM(0, "mpatha", "mpath-3"+fcLUN[len("naa."):], "sdb", "sdc", "sdd", "sde")
	t.DevLink("disk/by-id/scsi-3"+fcLUN[len("naa."):], "dm-0")
	t.DM(1, "vg-lv", "LVM-jM0Tz8T6xqZjS5NF1SQB2A35zYk80ayyNqp0YXhWtL4uJD7Ou9HKT4wcHRXwVLIj", "dm-0")
	t.DevLink("vg/lv", "dm-1")
	t.DevLink("disk/by-uuid/47841ee5-047d-4f73-8951-5a3d7a4c770e", "dm-1")
	t.Udev("253:1",
		"S:mapper/vg-lv", "S:vg/lv", "S:disk/by-uuid/47841ee5-047d-4f73-8951-5a3d7a4c770e",
		"E:DM_NAME=vg-lv", "E:ID_FS_UUID=47841ee5-047d-4f73-8951-5a3d7a4c770e",
		"E:ID_FS_TYPE=ext4", "E:ID_FS_USAGE=filesystem")
	t.Udev("253:0", "S:mapper/mpatha", "E:DM_NAME=mpatha",
		"E:ID_FS_TYPE=LVM2_member", "E:ID_FS_USAGE=raid", "E:ID_FS_UUID=kmfLWJ-1XKZ-9yd3-aB3s-rM0e-nE4z-Qw1C2x")
	t.Mount("253:1", "/mnt/data", "ext4", "/dev/mapper/vg-lv")

	t.DM(2, "mpathb", "mpath-3"+fcLUN2[len("naa."):], "sdf", "sdg")
	t.DM(3, "mpathb-part1", "part1-mpath-3"+fcLUN2[len("naa."):], "dm-2")
	t.DevLink("disk/by-uuid/0b1e7c3a-55d2-4f0e-9a51-8c2f3d4e5a6b", "dm-3")
	t.Mount("253:3", "/srv/b", "xfs", "/dev/mapper/mpathb-part1")
	t.MountLine("21 1 0:20 / /proc rw,relatime - proc proc rw")
}

// ISCSI is one iSCSI session (iscsi_tcp) to a LIO target with one disk,
// sdh, and its partition sdh1 with XFS mounted on /srv/iscsi.
func ISCSI(t *Tree) {
	plat := "/sys/devices/platform"
	hdir := t.SCSIHost(plat, 4, "iscsi_tcp")
	sess := filepath.Join(hdir, "session1")
	scls := filepath.Join(sess, "iscsi_session", "session1")
	t.Attrs(scls, map[string]string{
		"targetname": "iqn.2003-01.org.linux-iscsi.storage1.x8664:sn.0a1b2c3d4e5f",
		"tpgt":       "1", "ifacename": "default", "state": "LOGGED_IN",
		"initiatorname": "iqn.1993-08.org.debian:01:9f8e7d6c5b4a", "recovery_tmo": "120",
	})
	t.Link("/sys/class/iscsi_session/session1", scls)
	ccls := filepath.Join(sess, "connection1:0", "iscsi_connection", "connection1:0")
	t.Attrs(ccls, map[string]string{
		"persistent_address": "192.168.122.10", "persistent_port": "3260",
		"address": "192.168.122.10", "port": "3260", "state": "up",
	})
	t.Link("/sys/class/iscsi_connection/connection1:0", ccls)
	t.SCSIDisk(sess, SCSIDisk{HCTL: "4:0:0:0", Name: "sdh", MajorMinor: "8:112",
		Vendor: "LIO-ORG", Model: "disk0", WWID: "naa.6001405f3c5d1e2a8b7d4c9e0f1a2b3c"})
	t.Partition("sdh", "sdh1", "8:113", 1)
	t.DevLink("disk/by-id/wwn-0x6001405f3c5d1e2a8b7d4c9e0f1a2b3c", "sdh")
	t.DevLink("disk/by-id/scsi-36001405f3c5d1e2a8b7d4c9e0f1a2b3c", "sdh")
	t.DevLink("disk/by-id/wwn-0x6001405f3c5d1e2a8b7d4c9e0f1a2b3c-part1", "sdh1")
	t.DevLink("disk/by-id/scsi-36001405f3c5d1e2a8b7d4c9e0f1a2b3c-part1", "sdh1")
	t.DevLink("disk/by-path/ip-192.168.122.10:3260-iscsi-iqn.2003-01.org.linux-iscsi.storage1.x8664:sn.0a1b2c3d4e5f-lun-0", "sdh")
	t.DevLink("disk/by-uuid/9c3d2e1f-0a4b-4c5d-8e6f-7a8b9c0d1e2f", "sdh1")
	t.Mount("8:113", "/srv/iscsi", "xfs", "/dev/sdh1")
}

// NVMeMD is two PCIe NVMe drives (nvme_core.multipath=N: namespaces sit
// under their controller) with md RAID1 md0 on their first partitions
// (ext4 on /, its UUID only in udev's database) and md1 on the second,
// whose md/uuid the kernel does not show (udev's MD_UUID then).
func NVMeMD(t *Tree) {
	ctrls := []struct {
		ctrl, pci, wwid, serial string
		base                    int
	}{
		{"nvme0", "/sys/devices/pci0000:00/0000:00:1d.0/0000:3d:00.0", "eui.0025388b71b2b3f4", "S4EWNX0R123456", 0},
		{"nvme1", "/sys/devices/pci0000:00/0000:00:1d.4/0000:3e:00.0", "eui.0025388b71b2c011", "S4EWNX0R654321", 3},
	}
	for _, c := range ctrls {
		cdir := filepath.Join(c.pci, "nvme", c.ctrl)
		t.Attrs(cdir, map[string]string{
			"transport": "pcie", "address": filepath.Base(c.pci), "model": "Samsung SSD 970 EVO Plus 1TB",
			"serial": c.serial, "firmware_rev": "2B2QEXM7", "state": "live",
			"subsysnqn": "nqn.2014.08.org.nvmexpress:144d144d" + c.serial + "Samsung SSD 970 EVO Plus 1TB",
			"dev":       "241:" + c.ctrl[len("nvme"):], "cntlid": "4",
		})
		t.Link(filepath.Join("/sys/class/nvme", c.ctrl), cdir)
		ns := c.ctrl + "n1"
		disk := t.DiskAt(filepath.Join(cdir, ns), ns, fmt.Sprintf("259:%d", c.base))
		t.Link(filepath.Join(disk, "device"), cdir)
		t.Attrs(disk, map[string]string{"wwid": c.wwid, "nsid": "1", "eui": "00:25:38:8b:71:b2:b3:f4"})
		by := "disk/by-id/nvme-Samsung_SSD_970_EVO_Plus_1TB_" + c.serial
		t.DevLink(by, ns)
		t.DevLink("disk/by-id/nvme-"+c.wwid, ns)
		t.DevLink("disk/by-path/pci-"+filepath.Base(c.pci)+"-nvme-1", ns)
		for p := 1; p <= 2; p++ {
			part := fmt.Sprintf("%sp%d", ns, p)
			t.Partition(ns, part, fmt.Sprintf("259:%d", c.base+p), p)
			t.DevLink(fmt.Sprintf("%s-part%d", by, p), part)
			t.DevLink(fmt.Sprintf("disk/by-id/nvme-%s-part%d", c.wwid, p), part)
		}
	}
	md := func(name, majMin, uuid, mdadmUUID string, members ...string) {
		t.Disk("/sys/devices/virtual", name, majMin)
		attrs := map[string]string{"level": "raid1", "raid_disks": "2", "array_state": "clean", "metadata_version": "1.2"}
		if uuid != "" {
			attrs["uuid"] = uuid
		}
		t.Attrs(filepath.Join(t.BlockDir(name), "md"), attrs)
		for _, m := range members {
			t.Stack(name, m)
		}
		t.DevLink("disk/by-id/md-uuid-"+mdadmUUID, name)
		t.DevLink("disk/by-id/md-name-host:"+name[2:], name)
	}
	md("md0", "9:0", "3d9e0f2c-5b1a-4e8c-9f7d-2a6b4c8e1f03", "3d9e0f2c:5b1a4e8c:9f7d2a6b:4c8e1f03", "nvme0n1p1", "nvme1n1p1")
	t.Udev("9:0", "S:disk/by-id/md-uuid-3d9e0f2c:5b1a4e8c:9f7d2a6b:4c8e1f03",
		"E:MD_LEVEL=raid1", "E:MD_UUID=3d9e0f2c:5b1a4e8c:9f7d2a6b:4c8e1f03",
		"E:ID_FS_UUID=f8c9b4e6-b762-49cb-aee5-1a70a748c8b0", "E:ID_FS_TYPE=ext4", "E:ID_FS_USAGE=filesystem")
	t.Mount("9:0", "/", "ext4", "/dev/md0")
	md("md1", "9:1", "", "0c1d2e3f:4a5b6c7d:8e9f0a1b:2c3d4e5f", "nvme0n1p2", "nvme1n1p2")
	t.Udev("9:1", "E:MD_LEVEL=raid1", "E:MD_UUID=0c1d2e3f:4a5b6c7d:8e9f0a1b:2c3d4e5f")
	for _, member := range []string{"259:1", "259:4"} {
		t.Udev(member, "E:ID_FS_TYPE=linux_raid_member", "E:ID_FS_USAGE=raid",
			"E:ID_FS_UUID=3d9e0f2c-5b1a-4e8c-9f7d-2a6b4c8e1f03", "E:MD_UUID=3d9e0f2c:5b1a4e8c:9f7d2a6b:4c8e1f03")
	}
}

// SATA is an AHCI port (ata3) with a Samsung SSD, sda: an EFI system
// partition, ext4 on / and swap; beside it a SAS HBA (mpt3sas) with one
// disk, sdb, XFS on /srv.
func SATA(t *Tree) {
	sasHost := t.SCSIHost("/sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0", 1, "mpt3sas")
	end := filepath.Join(sasHost, "port-1:0", "end_device-1:0")
	t.Attrs(filepath.Join(end, "sas_device", "end_device-1:0"), map[string]string{
		"sas_address": "0x5000c500a1b2c3d5", "device_type": "end device", "phy_identifier": "0",
	})
	t.Link("/sys/class/sas_device/end_device-1:0", filepath.Join(end, "sas_device", "end_device-1:0"))
	t.SCSIDisk(end, SCSIDisk{HCTL: "1:0:0:0", Name: "sdb", MajorMinor: "8:16", Vendor: "SEAGATE", Model: "ST1200MM0099",
		WWID: "naa.5000c500a1b2c3d7"})
	t.DevLink("disk/by-id/wwn-0x5000c500a1b2c3d7", "sdb")
	t.DevLink("disk/by-id/scsi-35000c500a1b2c3d7", "sdb")
	t.DevLink("disk/by-path/pci-0000:02:00.0-sas-0x5000c500a1b2c3d5-lun-0", "sdb")
	t.Mount("8:16", "/srv", "xfs", "/dev/sdb")

	pci := "/sys/devices/pci0000:00/0000:00:17.0"
	port := filepath.Join(pci, "ata3")
	t.Attrs(filepath.Join(port, "ata_port", "ata3"), map[string]string{"port_no": "3", "idle_irq": "0"})
	t.Link("/sys/class/ata_port/ata3", filepath.Join(port, "ata_port", "ata3"))
	link := filepath.Join(port, "link3")
	t.Attrs(filepath.Join(link, "ata_link", "link3"), map[string]string{"sata_spd": "6.0 Gbps", "sata_spd_limit": "<unknown>", "hw_sata_spd_limit": "6.0 Gbps"})
	t.Link("/sys/class/ata_link/link3", filepath.Join(link, "ata_link", "link3"))
	t.Attrs(filepath.Join(link, "dev3.0", "ata_device", "dev3.0"), map[string]string{"class": "ata", "spdn_cnt": "0"})
	hdir := t.SCSIHost(port, 2, "ahci")
	t.SCSIDisk(hdir, SCSIDisk{HCTL: "2:0:0:0", Name: "sda", MajorMinor: "8:0", Vendor: "ATA", Model: "SAMSUNG MZ7LN512",
		WWID: "t10.ATA     SAMSUNG MZ7LN512HMJP-000L7              S2X9NX0H706455      "})
	parts := []struct {
		uuid, mount, fs string
	}{
		{"4A3B-1C2D", "/boot/efi", "vfat"},
		{"2f8e1c4a-6b3d-4e5f-9a7b-8c9d0e1f2a3b", "/", "ext4"},
		{"7d6c5b4a-3e2f-4a1b-9c8d-0e1f2a3b4c5d", "", "swap"},
	}
	const byID = "disk/by-id/ata-SAMSUNG_MZ7LN512HMJP-000L7_S2X9NX0H706455"
	t.DevLink(byID, "sda")
	t.DevLink("disk/by-id/wwn-0x5002538d4098a1b2", "sda")
	t.DevLink("disk/by-path/pci-0000:00:17.0-ata-3", "sda")
	for i, p := range parts {
		n := i + 1
		name := fmt.Sprintf("sda%d", n)
		majMin := fmt.Sprintf("8:%d", n)
		t.Partition("sda", name, majMin, n)
		t.DevLink(fmt.Sprintf("%s-part%d", byID, n), name)
		t.DevLink(fmt.Sprintf("disk/by-id/wwn-0x5002538d4098a1b2-part%d", n), name)
		t.DevLink("disk/by-uuid/"+p.uuid, name)
		if p.mount != "" {
			t.Mount(majMin, p.mount, p.fs, "/dev/"+name)
		}
	}
}

// NVMeMultipath is one NVMe/TCP namespace reached through two controllers
// (native multipath): head nvme0n1 under the subsystem, hidden paths
// nvme0c0n1 and nvme0c1n1 under controllers nvme0 and nvme1.
func NVMeMultipath(t *Tree) {
	nqn := "nqn.2014-08.org.nvmexpress:uuid:6c1b2a3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	subsys := "/sys/devices/virtual/nvme-subsystem/nvme-subsys0"
	t.Attrs(subsys, map[string]string{"subsysnqn": nqn, "model": "Linux", "serial": "5b3c9a1e7d2f4e6a", "iopolicy": "numa"})
	t.Link("/sys/class/nvme-subsystem/nvme-subsys0", subsys)
	head := t.DiskAt(filepath.Join(subsys, "nvme0n1"), "nvme0n1", "259:0")
	t.Link(filepath.Join(head, "device"), subsys)
	const wwid = "uuid.5b3c9a1e-7d2f-4e6a-8b9c-0d1e2f3a4b5c"
	t.Attrs(head, map[string]string{"wwid": wwid, "nsid": "1", "uuid": wwid[len("uuid."):]})
	for i, addr := range []string{"192.168.122.20", "192.168.123.20"} {
		ctrl := fmt.Sprintf("nvme%d", i)
		cdir := "/sys/devices/virtual/nvme-fabrics/ctl/" + ctrl
		t.Attrs(cdir, map[string]string{
			"transport": "tcp", "address": fmt.Sprintf("traddr=%s,trsvcid=4420,src_addr=%s", addr, addr[:len(addr)-2]+"1"),
			"subsysnqn": nqn, "state": "live", "dev": fmt.Sprintf("241:%d", i), "cntlid": fmt.Sprint(i + 1),
			"model": "Linux", "serial": "5b3c9a1e7d2f4e6a",
		})
		t.Link("/sys/class/nvme/"+ctrl, cdir)
		t.Link(filepath.Join(subsys, ctrl), cdir)
		path := fmt.Sprintf("nvme0c%dn1", i)
		pdir := t.HiddenDiskAt(filepath.Join(cdir, path), path)
		t.Attrs(pdir, map[string]string{"wwid": wwid, "nsid": "1", "ana_state": "optimized"})
		t.Link(filepath.Join(pdir, "device"), cdir)
		t.Link(filepath.Join(head, "multipath", path), pdir)
	}
	t.DevLink("disk/by-id/nvme-"+wwid, "nvme0n1")
	t.DevLink("disk/by-id/nvme-Linux_5b3c9a1e7d2f4e6a", "nvme0n1")
	t.DevLink("disk/by-uuid/1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6", "nvme0n1")
	t.Mount("259:0", "/var/lib/data", "xfs", "/dev/nvme0n1")
}

// NVMeMultipathMD is two dual-ported PCIe NVMe drives under native
// multipath (the default on RHEL 9 and SLES): each namespace head
// (nvme0n1, nvme1n1) sits under its subsystem with hidden paths through
// two controllers (nvme0c0n1 and nvme0c1n1; nvme1c2n1 and nvme1c3n1), and
// md RAID1 md0 on the heads' first partitions carries ext4 on /srv/md.
func NVMeMultipathMD(t *Tree) {
	drives := []struct {
		wwid, serial string
		pci          [2]string
	}{
		{"eui.e8238fa6bf530001001b448b4a1c2f01", "21352C800123", [2]string{"0000:3d:00.0", "0000:3e:00.0"}},
		{"eui.e8238fa6bf530001001b448b4a1c2f02", "21352C800456", [2]string{"0000:3f:00.0", "0000:40:00.0"}},
	}
	const model = "WUS4BB019D7P3E3"
	for d, drive := range drives {
		subsys := fmt.Sprintf("/sys/devices/virtual/nvme-subsystem/nvme-subsys%d", d)
		nqn := "nqn.2014-08.org.nvmexpress:1c5c1c5c" + drive.serial + "-" + model
		t.Attrs(subsys, map[string]string{"subsysnqn": nqn, "model": model, "serial": drive.serial, "iopolicy": "numa"})
		t.Link(fmt.Sprintf("/sys/class/nvme-subsystem/nvme-subsys%d", d), subsys)
		headName := fmt.Sprintf("nvme%dn1", d)
		head := t.DiskAt(filepath.Join(subsys, headName), headName, fmt.Sprintf("259:%d", 2*d))
		t.Link(filepath.Join(head, "device"), subsys)
		t.Attrs(head, map[string]string{"wwid": drive.wwid, "nsid": "1"})
		for i, pci := range drive.pci {
			n := 2*d + i
			ctrl := fmt.Sprintf("nvme%d", n)
			cdir := filepath.Join("/sys/devices/pci0000:00/0000:00:1d."+fmt.Sprint(n), pci, "nvme", ctrl)
			t.Attrs(cdir, map[string]string{
				"transport": "pcie", "address": pci, "model": model, "serial": drive.serial,
				"subsysnqn": nqn, "state": "live", "dev": fmt.Sprintf("241:%d", n), "cntlid": fmt.Sprint(i + 1),
				"firmware_rev": "R2210000",
			})
			t.Link("/sys/class/nvme/"+ctrl, cdir)
			t.Link(filepath.Join(subsys, ctrl), cdir)
			path := fmt.Sprintf("nvme%dc%dn1", d, n)
			pdir := t.HiddenDiskAt(filepath.Join(cdir, path), path)
			t.Attrs(pdir, map[string]string{"wwid": drive.wwid, "nsid": "1", "ana_state": "optimized"})
			t.Link(filepath.Join(pdir, "device"), cdir)
			t.Link(filepath.Join(head, "multipath", path), pdir)
		}
		by := "disk/by-id/nvme-" + model + "_" + drive.serial
		t.DevLink(by, headName)
		t.DevLink("disk/by-id/nvme-"+drive.wwid, headName)
		part := headName + "p1"
		t.Partition(headName, part, fmt.Sprintf("259:%d", 2*d+1), 1)
		t.DevLink(by+"-part1", part)
		t.DevLink("disk/by-id/nvme-"+drive.wwid+"-part1", part)
		t.Udev(fmt.Sprintf("259:%d", 2*d+1), "E:ID_FS_TYPE=linux_raid_member", "E:ID_FS_USAGE=raid",
			"E:MD_UUID=5a1b2c3d:4e5f6a7b:8c9d0e1f:2a3b4c5d")
	}
	t.Disk("/sys/devices/virtual", "md0", "9:0")
	t.Attrs(filepath.Join(t.BlockDir("md0"), "md"), map[string]string{"level": "raid1", "raid_disks": "2",
		"array_state": "clean", "metadata_version": "1.2", "uuid": "5a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"})
	t.Stack("md0", "nvme0n1p1")
	t.Stack("md0", "nvme1n1p1")
	t.DevLink("disk/by-id/md-uuid-5a1b2c3d:4e5f6a7b:8c9d0e1f:2a3b4c5d", "md0")
	t.DevLink("disk/by-uuid/6b0f1a2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "md0")
	t.Udev("9:0", "E:MD_LEVEL=raid1", "E:MD_UUID=5a1b2c3d:4e5f6a7b:8c9d0e1f:2a3b4c5d",
		"E:ID_FS_UUID=6b0f1a2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "E:ID_FS_TYPE=ext4", "E:ID_FS_USAGE=filesystem")
	t.Mount("9:0", "/srv/md", "ext4", "/dev/md0")
}

// Loop is loop0 attached to an image with ext4 mounted on /mnt/img, loop1
// attached to a deleted file (btrfs on /mnt/btrfs), loop2 detached, and
// loop3 an LVM PV of VG tvg holding thin pool "pool" (tmeta, tdata, tpool
// and the pool's own LV) with thin LV thin1, ext4 on /mnt/thin; udev has
// entries for the device-mapper devices only.
func Loop(t *Tree) {
	for i, backing := range []string{"/var/lib/images/disk.img", "/tmp/scratch.img (deleted)", "", "/var/lib/images/thin.img"} {
		name := fmt.Sprintf("loop%d", i)
		dir := t.Disk("/sys/devices/virtual", name, fmt.Sprintf("7:%d", i))
		if backing != "" {
			t.Attrs(filepath.Join(dir, "loop"), map[string]string{
				"backing_file": backing, "offset": "0", "sizelimit": "0", "autoclear": "0",
				"partscan": "0", "dio": "0",
			})
		}
	}
	t.Mount("7:0", "/mnt/img", "ext4", "/dev/loop0")
	t.Mount("0:45", "/mnt/btrfs", "btrfs", "/dev/loop1")

	const vg = "LVM-Xq3VcS9k2Lr0Tn6Wd8Yb1Zf4Hj7Mp5Ga"
	t.DM(0, "tvg-pool_tmeta", vg+"Ue2Rt5Yw8Qa1Sd4Fg7Hj0Kl3Zx6Cv9Bn-tmeta", "loop3")
	t.DM(1, "tvg-pool_tdata", vg+"Ue2Rt5Yw8Qa1Sd4Fg7Hj0Kl3Zx6Cv9Bn-tdata", "loop3")
	t.DM(2, "tvg-pool-tpool", vg+"Ue2Rt5Yw8Qa1Sd4Fg7Hj0Kl3Zx6Cv9Bn-tpool", "dm-0", "dm-1")
	t.DM(3, "tvg-pool", vg+"Ue2Rt5Yw8Qa1Sd4Fg7Hj0Kl3Zx6Cv9Bn-pool", "dm-2")
	t.DM(4, "tvg-thin1", vg+"Pm4Nb7Vc0Xz3Lk6Jh9Gf2Ds5Ap8Oi1Uy", "dm-2")
	t.Mount("253:4", "/mnt/thin", "ext4", "/dev/mapper/tvg-thin1")
}

// Virtio is a KVM guest: vda (no serial) with partitions, vda1 on /, and
// vdb with a serial, as this build machine's own /sys shows them.
func Virtio(t *Tree) {
	for i, d := range []struct{ name, pci, serial string }{
		{"vda", "/sys/devices/pci0000:00/0000:00:02.0/virtio1", ""},
		{"vdb", "/sys/devices/pci0000:00/0000:00:05.0/virtio3", "data-disk-01"},
	} {
		t.Attrs(d.pci, map[string]string{"device": "0x0002", "vendor": "0x1af4", "status": "0x0000000f", "features": "0010101001110000000000000000110000000000000000000000000000000000"})
		dir := t.Disk(d.pci, d.name, fmt.Sprintf("254:%d", 16*i))
		t.Link(filepath.Join(dir, "device"), d.pci)
		t.Attrs(dir, map[string]string{"serial": d.serial, "cache_type": "write back"})
		t.DevLink("disk/by-path/pci-"+filepath.Base(filepath.Dir(d.pci)), d.name)
		t.DevLink("disk/by-path/virtio-pci-"+filepath.Base(filepath.Dir(d.pci)), d.name)
		if d.serial != "" {
			t.DevLink("disk/by-id/virtio-"+d.serial, d.name)
		}
	}
	t.Partition("vda", "vda1", "254:1", 1)
	t.DevLink("disk/by-uuid/0f1e2d3c-4b5a-4697-8877-665544332211", "vda1")
	t.Mount("254:1", "/", "ext4", "/dev/vda1")
	t.Mount("254:16", "/data", "xfs", "/dev/vdb")
}

// ScaleMultipath is a large SAN: paths SCSI paths over two FC HBAs behind
// paths/pathsPerMap multipath maps, for benchmarks.
func ScaleMultipath(t *Tree, paths, pathsPerMap int) {
	pci := "/sys/devices/pci0000:00/0000:00:03.0"
	var hosts []string
	for i := 0; i < 2; i++ {
		hdir := t.SCSIHost(fmt.Sprintf("%s/0000:05:00.%d", pci, i), 2+i, "qla2xxx")
		t.FCHost(hdir, fmt.Sprintf("0x21000024ff3c4d5%d", i), "16 Gbit")
		hosts = append(hosts, hdir)
	}
	var rports []string
	for i := 0; i < pathsPerMap; i++ {
		h := i % 2
		rports = append(rports, t.FCRemotePort(hosts[h], fmt.Sprintf("rport-%d:0-%d", 2+h, i), fmt.Sprintf("0x500a09829%07x", i), "Online"))
	}
	maps := paths / pathsPerMap
	n := 0
	for m := 0; m < maps; m++ {
		lun := fmt.Sprintf("naa.600a0980383030534%015x", m)
		var members []string
		for p := 0; p < pathsPerMap; p++ {
			h := p % 2
			name := fmt.Sprintf("sd%s", diskLetters(n))
			majMin := fmt.Sprintf("%d:%d", 65+n/16, (n%16)*16)
			t.SCSIDisk(rports[p], SCSIDisk{HCTL: fmt.Sprintf("%d:0:%d:%d", 2+h, p/2, m), Name: name, MajorMinor: majMin,
				Vendor: "NETAPP", Model: "LUN C-Mode", WWID: lun})
			t.Udev(majMin, "E:ID_WWN=0x"+lun[len("naa."):len("naa.")+16], "E:DM_MULTIPATH_DEVICE_PATH=1")
			t.DevLink(fmt.Sprintf("disk/by-path/pci-0000:05:00.%d-fc-0x500a09829%07x-lun-%d", h, p, m), name)
			members = append(members, name)
			n++
		}
		t.DM(m, fmt.Sprintf("mpath%s", diskLetters(m)), "mpath-3"+lun[len("naa."):], members...)
	}
}

// diskLetters names the n-th disk as sd does: a…z, aa…zz, aaa….
func diskLetters(n int) string {
	s := ""
	for n++; n > 0; n = (n - 1) / 26 {
		s = string(rune('a'+(n-1)%26)) + s
	}
	return s
}
