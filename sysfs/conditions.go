package sysfs

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
)

// DeviceState is what sysfs and mountinfo show of the state of one block
// device, read without any I/O to it. States holds the device's conditions
// by object, in the words of docs/conditions.md where a state has one there
// ("device": "running", "array": "degraded"); objects sysfs tells nothing
// of are absent.
type DeviceState struct {
	KernelName string
	MajorMinor string
	DiskSeq    string
	States     map[string]string
}

// State reads the state of the block device name (a kernel name):
//
//   - "device": a SCSI disk's state, device/state (drivers/scsi/scsi_sysfs.c
//     show_state_field): running; offline for offline and
//     transport-offline; removed for deleted and cancel; blocked for
//     blocked, created-blocked and quiesce;
//   - "array": an md array's, from md/array_state, md/degraded and
//     md/sync_action (Documentation/admin-guide/md.rst): failed when
//     broken, degraded with members missing, recovering while it rebuilds
//     them, clean otherwise;
//   - "ctrl": an NVMe namespace's controller, device/state
//     (Documentation/ABI/testing/sysfs-class-nvme), or for a native
//     multipath head the best of its paths' controllers: live; resetting
//     for resetting and connecting; dead for dead and deleting;
//   - "fs": a mounted filesystem's, from mountinfo's super options: ro
//     when the superblock is read-only (as ext4 after errors=remount-ro,
//     or a filesystem forced read-only), rw otherwise.
//
// A device that is not there is an error wrapping ErrNotFound.
func (r *Resolver) State(name string) (DeviceState, error) {
	d, err := r.fs.device(name)
	if err != nil {
		return DeviceState{}, err
	}
	st := DeviceState{KernelName: name, MajorMinor: d.MajorMinor, DiskSeq: d.DiskSeq, States: map[string]string{}}
	readers := []func(device) (string, string, error){scsiState, mdState, r.nvmeState}
	for _, read := range readers {
		obj, state, err := read(d)
		if err != nil {
			return DeviceState{}, fmt.Errorf("state of %s: %w", name, err)
		}
		if state != "" {
			st.States[obj] = state
		}
	}
	ms, err := r.fs.mounts()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return DeviceState{}, fmt.Errorf("state of %s: %w", name, err)
	}
	for _, m := range ms {
		if m.MajorMinor == d.MajorMinor && m.Root == "/" {
			st.States["fs"] = "rw"
			if m.SuperRO {
				st.States["fs"] = "ro"
			}
			break
		}
	}
	return st, nil
}

// scsiStates maps the SCSI device states (scsi_sysfs.c sdev_states) to
// device conditions.
var scsiStates = map[string]string{
	"running": "running", "offline": "offline", "transport-offline": "offline",
	"deleted": "removed", "cancel": "removed",
	"blocked": "blocked", "created-blocked": "blocked", "quiesce": "blocked",
}

// scsiState reads the state of a SCSI disk: device/state under a device
// that is a SCSI device (it has scsi_level).
func scsiState(d device) (string, string, error) {
	level, err := d.attrOpt("device", "scsi_level")
	if err != nil || level == "" {
		return "", "", err
	}
	s, err := d.attrOpt("device", "state")
	return "device", scsiStates[s], err
}

// mdState reads the state of an md array.
func mdState(d device) (string, string, error) {
	arrayState, err := d.attrOpt("md", "array_state")
	if err != nil || arrayState == "" {
		return "", "", err
	}
	if arrayState == "broken" {
		return "array", "failed", nil
	}
	degraded, err := d.attrOpt("md", "degraded")
	if err != nil {
		return "", "", err
	}
	n, err := strconv.Atoi(degraded)
	if degraded == "" || err != nil || n == 0 {
		// raid0 and linear arrays have no degraded attribute.
		return "array", "clean", nil
	}
	action, err := d.attrOpt("md", "sync_action")
	if err != nil {
		return "", "", err
	}
	switch action {
	case "recover", "resync", "reshape":
		return "array", "recovering", nil
	}
	return "array", "degraded", nil
}

// nvmeCtrlStates maps the NVMe controller states (nvme_sysfs_show_state)
// to controller conditions.
var nvmeCtrlStates = map[string]string{
	"live": "live", "resetting": "resetting", "connecting": "resetting",
	"dead": "dead", "deleting": "dead", "deleting (no IO)": "dead",
}

// nvmeState reads the state of an NVMe namespace's controller; for a
// native multipath head, that of the best controller among its paths.
func (r *Resolver) nvmeState(d device) (string, string, error) {
	if !isNVMeName(d.Name) {
		return "", "", nil
	}
	paths, err := listDir(filepath.Join(d.Dir, "multipath"))
	if err != nil {
		return "", "", err
	}
	if len(paths) == 0 {
		s, err := d.attrOpt("device", "state")
		return "ctrl", nvmeCtrlStates[s], err
	}
	best := ""
	rank := map[string]int{"": 0, "dead": 1, "resetting": 2, "live": 3}
	for _, p := range paths {
		pd, err := r.fs.device(p)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return "", "", err
		}
		s, err := pd.attrOpt("device", "state")
		if err != nil {
			return "", "", err
		}
		if st := nvmeCtrlStates[s]; rank[st] > rank[best] {
			best = st
		}
	}
	return "ctrl", best, nil
}
