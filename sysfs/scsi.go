package sysfs

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// hctlRe matches a SCSI address, host:channel:target:lun.
var hctlRe = regexp.MustCompile(`^[0-9]+:[0-9]+:[0-9]+:[0-9]+$`)

// IsSCSIAddress says whether s is a SCSI address (host:channel:target:lun),
// as the kernel's SCSI lines name their device.
func IsSCSIAddress(s string) bool { return hctlRe.MatchString(s) }

// identifySCSI reads <dev>/device/wwid (sysfs-bus-scsi: the VPD page 0x83
// designator the kernel chose) and the transport the disk is reached by.
func (s *scan) identifySCSI(d device, info *BlockInfo) error {
	info.BlkType = TypeSCSI
	wwid, err := d.attrOpt("device", "wwid")
	if err != nil {
		return err
	}
	info.WWID = normalizeSCSIWWID(wwid)
	t, err := s.transport(d.Dir)
	if err != nil {
		return err
	}
	info.Transport, info.TransportID = t.details, t.id
	return nil
}

// scsiDeleting returns an error wrapping ErrNotFound when d is the disk of
// a SCSI device being deleted: its <dev>/device/state (sysfs-bus-scsi) says
// "cancel" or "deleted". __scsi_remove_device (drivers/scsi/scsi_sysfs.c)
// sets the state, unregisters the scsi_device class device and only then
// deletes the disk, so for a while the disk is listed with its wwid and
// scsi_device gone: what can be read of it then is not its identity (the
// lab's scsi-remove read it as an unknown device with udev's ID_WWN for a
// WWID), and the identity recorded while it was whole must answer.
func scsiDeleting(d device) error {
	state, err := d.attrOpt("device", "state")
	if err != nil {
		return err
	}
	if state == "cancel" || state == "deleted" {
		return fmt.Errorf("%s: SCSI device state %q, being deleted: %w", d.Name, state, ErrNotFound)
	}
	return nil
}

// scsiAddress returns the H:C:T:L of a SCSI disk from its sysfs directory
// (…/2:0:0:1/block/sdb), "" for other devices.
func scsiAddress(dir string) string {
	a := filepath.Base(filepath.Dir(filepath.Dir(dir)))
	if hctlRe.MatchString(a) {
		return a
	}
	return ""
}

// transport is how a SCSI disk is reached: details for events and the
// transport_id of BlockInfo.
type transport struct {
	details map[string]string
	id      string
}

// transport finds the transport objects on the sysfs path of a SCSI disk
// (rport-H:B-R for FC, sessionN for iSCSI, end_device-… for SAS, ataN for
// ATA, usbN for USB) and reads their classes. The answer is kept per scan
// for the object, which all disks behind it share.
func (s *scan) transport(dir string) (transport, error) {
	comps := pathComponents(dir)
	host := ""
	for _, c := range comps {
		if numbered(c, "host") {
			host = c
		}
	}
	for i, c := range comps {
		key := strings.Join(comps[:i+1], "/")
		var kind func(host, obj, objDir string) (transport, error)
		switch {
		case strings.HasPrefix(c, "rport-"):
			kind = s.fcTransport
		case numbered(c, "session"):
			kind = s.iscsiTransport
		case strings.HasPrefix(c, "end_device-"):
			kind = s.sasTransport
		case numbered(c, "ata"):
			kind = s.ataTransport
		case numbered(c, "usb"):
			return transport{details: map[string]string{"transport": "USB"}}, nil
		default:
			continue
		}
		if t, ok := s.transports[key]; ok {
			return t, nil
		}
		t, err := kind(host, c, key)
		if err != nil {
			return transport{}, err
		}
		s.transports[key] = t
		return t, nil
	}
	return transport{}, nil
}

// driverName reads /sys/class/scsi_host/<host>/proc_name, the driver of the
// HBA ("lpfc", "qla2xxx", "iscsi_tcp", "ahci").
func (s *scan) driverName(host string) (string, error) {
	if host == "" {
		return "", nil
	}
	return readAttrOpt(s.fs.sys("class", "scsi_host", host, "proc_name"))
}

// fcTransport reads /sys/class/fc_host/<host>/{port_name,speed} and
// /sys/class/fc_remote_ports/<rport>/{port_name,port_state}
// (sysfs-class-fc_host, sysfs-class-fc_remote_ports). The remote port's
// name is kept too: the kernel's lines about the port name it so
// ("rport-2:0-3: blocked FC remote port time out: removing target and
// saving binding"), often once the disks behind it are gone.
func (s *scan) fcTransport(host, rport, _ string) (transport, error) {
	t := map[string]string{"transport": "FC", "rport": rport}
	reads := []struct{ key, path string }{
		{"host_wwpn", s.fs.sys("class", "fc_host", host, "port_name")},
		{"speed", s.fs.sys("class", "fc_host", host, "speed")},
		{"target_wwpn", s.fs.sys("class", "fc_remote_ports", rport, "port_name")},
		{"port_state", s.fs.sys("class", "fc_remote_ports", rport, "port_state")},
	}
	for _, r := range reads {
		v, err := readAttrOpt(r.path)
		if err != nil {
			return transport{}, err
		}
		t[r.key] = v
	}
	drv, err := s.driverName(host)
	if err != nil {
		return transport{}, err
	}
	t["driver_name"] = drv
	return transport{details: t, id: t["host_wwpn"] + "," + t["target_wwpn"]}, nil
}

// iscsiTransport reads /sys/class/iscsi_session/<session>/{targetname,tpgt,
// ifacename} and, for the session's connection (connectionN:M beside it),
// /sys/class/iscsi_connection/<conn>/persistent_{address,port}.
func (s *scan) iscsiTransport(host, session, sessionDir string) (transport, error) {
	t := map[string]string{"transport": "iSCSI"}
	for _, r := range []struct{ key, attr string }{
		{"target_name", "targetname"}, {"tpgt", "tpgt"}, {"iface_name", "ifacename"},
	} {
		v, err := readAttrOpt(s.fs.sys("class", "iscsi_session", session, r.attr))
		if err != nil {
			return transport{}, err
		}
		t[r.key] = v
	}
	entries, err := listDir(sessionDir)
	if err != nil {
		return transport{}, err
	}
	for _, e := range entries {
		if !strings.HasPrefix(e, "connection") {
			continue
		}
		for _, r := range []struct{ key, attr, fallback string }{
			{"address", "persistent_address", "address"}, {"port", "persistent_port", "port"},
		} {
			v, err := readAttrOpt(s.fs.sys("class", "iscsi_connection", e, r.attr))
			if err == nil && v == "" {
				v, err = readAttrOpt(s.fs.sys("class", "iscsi_connection", e, r.fallback))
			}
			if err != nil {
				return transport{}, err
			}
			t[r.key] = v
		}
		break
	}
	drv, err := s.driverName(host)
	if err != nil {
		return transport{}, err
	}
	t["driver_name"] = drv
	id := strings.Join([]string{t["address"], t["port"], t["tpgt"], t["target_name"], t["iface_name"]}, ",")
	return transport{details: t, id: id}, nil
}

// sasTransport reads /sys/class/sas_device/<end_device>/sas_address.
func (s *scan) sasTransport(host, endDevice, _ string) (transport, error) {
	addr, err := readAttrOpt(s.fs.sys("class", "sas_device", endDevice, "sas_address"))
	if err != nil {
		return transport{}, err
	}
	drv, err := s.driverName(host)
	if err != nil {
		return transport{}, err
	}
	return transport{details: map[string]string{"transport": "SAS", "sas_address": addr, "driver_name": drv}}, nil
}

// ataTransport reads /sys/class/ata_link/link<N>/sata_spd for port ata<N>
// (sysfs-ata).
func (s *scan) ataTransport(host, port, _ string) (transport, error) {
	spd, err := readAttrOpt(s.fs.sys("class", "ata_link", "link"+strings.TrimPrefix(port, "ata"), "sata_spd"))
	if err != nil {
		return transport{}, err
	}
	drv, err := s.driverName(host)
	if err != nil {
		return transport{}, err
	}
	t := map[string]string{"transport": "ATA", "ata_port": port, "driver_name": drv}
	if spd != "" && spd != "<unknown>" {
		t["speed"] = spd
	}
	return transport{details: t}, nil
}
