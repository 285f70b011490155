package sysfstest

import (
	"fmt"
	"path/filepath"
	"strings"
)

// SCSIHost adds SCSI host hostN under the device directory parent (a PCI
// function, an ATA port, an iSCSI platform device) with its scsi_host class
// (proc_name is the driver) and returns the host's directory.
func (t *Tree) SCSIHost(parent string, n int, driver string) string {
	t.tb.Helper()
	host := fmt.Sprintf("host%d", n)
	dir := filepath.Join(parent, host)
	cls := filepath.Join(dir, "scsi_host", host)
	t.Attrs(cls, map[string]string{"proc_name": driver, "unique_id": fmt.Sprint(n), "state": "running"})
	t.Link(filepath.Join("/sys/class/scsi_host", host), cls)
	return dir
}

// FCHost gives the SCSI host at hostDir its fc_host class.
func (t *Tree) FCHost(hostDir, wwpn, speed string) {
	t.tb.Helper()
	host := filepath.Base(hostDir)
	cls := filepath.Join(hostDir, "fc_host", host)
	t.Attrs(cls, map[string]string{
		"port_name": wwpn, "node_name": "0x2" + wwpn[3:], "speed": speed,
		"port_state": "Online", "port_type": "NPort (fabric via point-to-point)",
		"supported_classes": "Class 3",
	})
	t.Link(filepath.Join("/sys/class/fc_host", host), cls)
}

// FCRemotePort adds remote port rport-H:B-R under the FC host at hostDir and
// returns its directory.
func (t *Tree) FCRemotePort(hostDir, rport, wwpn, state string) string {
	t.tb.Helper()
	dir := filepath.Join(hostDir, rport)
	cls := filepath.Join(dir, "fc_remote_ports", rport)
	t.Attrs(cls, map[string]string{
		"port_name": wwpn, "node_name": "0x5" + wwpn[3:], "port_state": state,
		"roles": "FCP Target", "scsi_target_id": "0", "dev_loss_tmo": "60",
	})
	t.Link(filepath.Join("/sys/class/fc_remote_ports", rport), cls)
	return dir
}

// SCSIDisk is one SCSI logical unit with its disk.
type SCSIDisk struct {
	HCTL, Name, MajorMinor string
	Vendor, Model          string
	WWID                   string // device/wwid as the kernel writes it
}

// SCSIDisk adds the logical unit d under the device directory parent (a
// host, remote port or session) in its target directory, and its disk.
func (t *Tree) SCSIDisk(parent string, d SCSIDisk) string {
	t.tb.Helper()
	parts := strings.Split(d.HCTL, ":")
	target := filepath.Join(parent, fmt.Sprintf("target%s:%s:%s", parts[0], parts[1], parts[2]))
	sdev := filepath.Join(target, d.HCTL)
	t.Attrs(sdev, map[string]string{
		"vendor": fmt.Sprintf("%-8s", d.Vendor), "model": fmt.Sprintf("%-16s", d.Model),
		"rev": "0001", "state": "running", "type": "0", "scsi_level": "7",
	})
	if d.WWID != "" {
		t.Attr(filepath.Join(sdev, "wwid"), d.WWID)
	}
	t.Dir(filepath.Join(sdev, "scsi_device", d.HCTL))
	t.Link(filepath.Join("/sys/class/scsi_device", d.HCTL), filepath.Join(sdev, "scsi_device", d.HCTL))
	t.Link(filepath.Join("/sys/bus/scsi/devices", d.HCTL), sdev)
	disk := t.Disk(sdev, d.Name, d.MajorMinor)
	t.Link(filepath.Join(disk, "device"), sdev)
	t.Dir(filepath.Join(sdev, "scsi_disk", d.HCTL))
	return disk
}
