package parsers

import (
	"strings"

	"github.com/peripety/peripety/event"
)

// dmeventd's lines with lvm2's plugins (lvm2: daemons/dmeventd/plugins/
// thin, raid, snapshot, mirror, vdo; 2.02.98 to 2.03.x), and those of the
// lvm commands the plugins run in-process (lvextend --use-policies,
// lvconvert --repair), which log under dmeventd too. lvm2 before 2.03.14
// tags the whole process "lvm" (daemons.go takes it as dmeventd).
//
// A device is named by its device-mapper name, VG-LV[-layer] with every
// "-" of the VG and LV names doubled ("my--vg-thin--pool-tpool"); a thin
// pool is watched on its -tpool layer when it has thin volumes, the
// device the kernel's "device-mapper: thin: 253:2: …" lines name. The
// events carry the VG and LV (`vg`, `lv`).
var dmeventdRules = []rule{{
	// Logged above 80% and at each 5% step after.
	name:   "dmeventd_thin_data",
	typ:    "LVM_THIN_POOL_DATA_USAGE",
	re:     pat(`^WARNING: Thin pool (?P<kdev>\S+) data is now (?P<data_percent>\d+(?:\.\d+)?)% full\.$`),
	sev:    sevOf(event.Warning),
	cond:   "pool:data_high",
	finish: finishDMName,
	msg:    "Thin pool {vg}/{lv}: data {data_percent}% full",
}, {
	name:   "dmeventd_thin_metadata",
	typ:    "LVM_THIN_POOL_METADATA_USAGE",
	re:     pat(`^WARNING: Thin pool (?P<kdev>\S+) metadata is now (?P<metadata_percent>\d+(?:\.\d+)?)% full\.$`),
	sev:    sevOf(event.Warning),
	cond:   "pool:metadata_high",
	finish: finishDMName,
	msg:    "Thin pool {vg}/{lv}: metadata {metadata_percent}% full",
}, {
	// The policy command (lvextend --use-policies) failed: the pool was
	// not extended.
	name:   "dmeventd_thin_command_failed",
	typ:    "LVM_THIN_POOL_EXTEND_FAILED",
	re:     pat(`^Failed command for (?P<kdev>\S+)\.$`),
	sev:    sevOf(event.Error),
	finish: finishDMName,
	msg:    "Thin pool {vg}/{lv}: dmeventd's extension command failed",
}, {
	name:     "dmeventd_thin_fork_failed",
	typ:      "LVM_THIN_POOL_EXTEND_FAILED",
	re:       pat(`^Can't fork command (?P<command>.+)\.$`),
	sev:      sevOf(event.Error),
	msg:      "dmeventd could not start its thin pool command {command}",
	prefixes: []string{"Can't fork command "},
}, {
	name:   "dmeventd_thin_monitor_failed",
	typ:    "LVM_MONITOR_FAILED",
	re:     pat(`^Failed to monitor thin pool (?P<kdev>\S+)\.$`),
	sev:    sevOf(event.Error),
	finish: finishDMName,
	msg:    "Thin pool {vg}/{lv} is not monitored: it will not be extended",
}, {
	// lvextend (lib/metadata/lv_manip.c): the policy command's own lines.
	// The data or metadata sub-LV of a pool (pool_tdata) stands for the
	// pool: it was extended.
	name: "lvm_lv_resized",
	typ:  "LVM_LV_RESIZED",
	re: pat(`^Size of logical volume (?P<vg>[^/\s]+)/(?P<lv>\S+) changed from (?P<old_size>.+) \((?P<old_extents>\d+) extents\) ` +
		`to (?P<new_size>.+) \((?P<new_extents>\d+) extents\)\.$`),
	sev:    sevOf(event.Notice),
	key:    "lvresize",
	keyBy:  "vg",
	open:   true,
	conds:  []string{"pool:resized"},
	finish: finishLVResized,
	msg:    "Logical volume {vg}/{lv} extended from {old_size} to {new_size}",
}, {
	name:  "lvm_lv_resized_ok",
	re:    pat(`^Logical volume (?P<vg>[^/\s]+)/(?P<resized_lv>\S+) successfully resized\.$`),
	role:  roleContext,
	key:   "lvresize",
	keyBy: "vg",
}, {
	name: "lvm_insufficient_space",
	typ:  "LVM_EXTEND_FAILED",
	re:   pat(`^Insufficient free space: (?P<extents_needed>\d+) extents needed, but only (?P<extents_free>\d+) available$`),
	sev:  sevOf(event.Error),
	msg:  "An lvm extension failed: {extents_needed} extents needed, only {extents_free} free in the volume group",
}, {
	name:   "dmeventd_raid_device_failed",
	sub:    event.SubDM,
	typ:    "LVM_RAID_DEVICE_FAILED",
	re:     pat(`^WARNING: Device #(?P<device_index>\d+) of (?P<raid_type>\S+) array, (?P<kdev>\S+), has failed\.$`),
	sev:    sevOf(event.Error),
	cond:   "array:degraded",
	finish: finishDMName,
	msg:    "LVM {raid_type} {vg}/{lv}: device #{device_index} failed",
}, {
	name:   "dmeventd_raid_in_sync",
	sub:    event.SubDM,
	typ:    "LVM_RAID_IN_SYNC",
	re:     pat(`^(?P<raid_type>\S+) array, (?P<kdev>\S+), is now in-sync\.$`),
	sev:    sevOf(event.Notice),
	cond:   "array:clean",
	finish: finishDMName,
	msg:    "LVM {raid_type} {vg}/{lv} is in sync",
}, {
	name:   "dmeventd_raid_not_in_sync",
	sub:    event.SubDM,
	typ:    "LVM_RAID_NOT_IN_SYNC",
	re:     pat(`^(?P<raid_type>\S+) array, (?P<kdev>\S+), is not in-sync\.$`),
	sev:    sevOf(event.Warning),
	cond:   "array:recovering",
	finish: finishDMName,
	msg:    "LVM {raid_type} {vg}/{lv} is not in sync",
}, {
	name:   "dmeventd_raid_repair_failed",
	sub:    event.SubDM,
	typ:    "LVM_RAID_REPAIR_FAILED",
	re:     pat(`^Repair of RAID device (?P<kdev>\S+) failed\.$`),
	sev:    sevOf(event.Error),
	finish: finishDMName,
	msg:    "LVM RAID {vg}/{lv}: repair failed",
}, {
	name:   "dmeventd_raid_primary_failed",
	sub:    event.SubDM,
	typ:    "LVM_RAID_FAILED",
	re:     pat(`^Primary sources for new RAID, (?P<kdev>\S+), have failed\.$`),
	sev:    sevOf(event.Critical),
	cond:   "array:failed",
	finish: finishDMName,
	msg:    "LVM RAID {vg}/{lv}: the primary sources of the new RAID failed",
}, {
	name:   "dmeventd_raid_repair_waiting",
	sub:    event.SubDM,
	typ:    "LVM_RAID_REPAIR_WAITING",
	re:     pat(`^WARNING: Waiting for resynchronization to finish before initiating repair on RAID device (?P<kdev>\S+)\.$`),
	sev:    sevOf(event.Warning),
	finish: finishDMName,
	msg:    "LVM RAID {vg}/{lv}: repair waits for the resynchronization to finish",
}, {
	name:   "dmeventd_snapshot_usage",
	sub:    event.SubDM,
	typ:    "LVM_SNAPSHOT_USAGE",
	re:     pat(`^WARNING: Snapshot (?P<kdev>\S+) is now (?P<percent>\d+(?:\.\d+)?)% full\.$`),
	sev:    sevOf(event.Warning),
	finish: finishDMName,
	msg:    "Snapshot {vg}/{lv} is {percent}% full",
}, {
	name:   "dmeventd_snapshot_invalid",
	sub:    event.SubDM,
	typ:    "LVM_SNAPSHOT_INVALID",
	re:     pat(`^WARNING: Snapshot (?P<kdev>\S+) changed state to: (?P<state>.+) and should be removed\.$`),
	sev:    sevOf(event.Error),
	cond:   "device:offline",
	finish: finishDMName,
	msg:    "Snapshot {vg}/{lv} is {state} and should be removed",
}, {
	// dm-raid1 mirrors (lvm's old "mirror" type): a leg or the log.
	name:   "dmeventd_mirror_device_failed",
	sub:    event.SubDM,
	typ:    "LVM_MIRROR_DEVICE_FAILED",
	re:     pat(`^(?P<role>\w+(?: \w+)?) device (?P<kdev>\d+:\d+) has failed \((?P<fail_type>\w)\)\.$`),
	sev:    sevOf(event.Error),
	suffix: ").",
	msg:    "Mirror: {role} device {kdev} failed ({fail_type})",
}, {
	name:   "dmeventd_mirror_failure",
	sub:    event.SubDM,
	typ:    "LVM_MIRROR_DEVICE_FAILED",
	re:     pat(`^Device failure in (?P<kdev>\S+)\.$`),
	sev:    sevOf(event.Error),
	cond:   "array:degraded",
	finish: finishDMName,
	msg:    "Mirror {vg}/{lv}: a device failed",
}, {
	name:   "dmeventd_mirror_in_sync",
	sub:    event.SubDM,
	typ:    "LVM_MIRROR_IN_SYNC",
	re:     pat(`^(?P<kdev>\S+) is now in-sync\.$`),
	suffix: " is now in-sync.",
	sev:    sevOf(event.Notice),
	cond:   "array:clean",
	finish: finishDMName,
	msg:    "Mirror {vg}/{lv} is in sync",
}, {
	name:   "dmeventd_vdo_usage",
	typ:    "LVM_VDO_POOL_USAGE",
	sub:    event.SubDM,
	re:     pat(`^WARNING: VDO (?P<what>\S+) (?P<kdev>\S+) is now (?P<percent>\d+(?:\.\d+)?)% full\.$`),
	sev:    sevOf(event.Warning),
	cond:   "pool:data_high",
	finish: finishDMName,
	msg:    "VDO {what} {vg}/{lv} is {percent}% full",
}}

// splitDMName splits a device-mapper name of lvm's, VG-LV[-layer] with
// the "-" of VG and LV doubled, into its parts; ok is false when name has
// no single "-".
func splitDMName(name string) (vg, lv, layer string, ok bool) {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(name); i++ {
		switch {
		case name[i] == '-' && i+1 < len(name) && name[i+1] == '-':
			cur.WriteByte('-')
			i++
		case name[i] == '-' && len(parts) < 2:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(name[i])
		}
	}
	parts = append(parts, cur.String())
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return "", "", "", false
	}
	if len(parts) == 3 {
		layer = parts[2]
	}
	return parts[0], parts[1], layer, true
}

// dmName is the device-mapper name of lvm's LV vg/lv, with layer when not
// "".
func dmName(vg, lv, layer string) string {
	n := strings.ReplaceAll(vg, "-", "--") + "-" + strings.ReplaceAll(lv, "-", "--")
	if layer != "" {
		n += "-" + layer
	}
	return n
}

// finishDMName gives the VG and LV of the device-mapper name the line
// gives; a name lvm did not make is left as it is.
func finishDMName(pe *pending) {
	if vg, lv, layer, ok := splitDMName(pe.ev.Kdev); ok {
		pe.ev.SetExt("vg", vg)
		pe.ev.SetExt("lv", lv)
		if layer != "" {
			pe.ev.SetExt("dm_layer", layer)
		}
	} else if pe.ev.Kdev != "" {
		pe.ev.SetExt("lv", pe.ev.Kdev)
	}
}

// finishLVResized names the LV resized: a thin pool's data or metadata
// sub-LV (pool_tdata, pool_tmeta) stands for the pool, on its -tpool
// layer as dmeventd watches it, and clears its usage warnings.
func finishLVResized(pe *pending) {
	ev := &pe.ev
	vg, lv := ev.Ext("vg"), ev.Ext("lv")
	if pool, ok := strings.CutSuffix(lv, "_tdata"); ok {
		lv = pool
	} else if pool, ok := strings.CutSuffix(lv, "_tmeta"); ok {
		lv = pool
	} else {
		ev.Kdev = dmName(vg, lv, "")
		return
	}
	ev.SetExt("lv", lv)
	ev.Kdev = dmName(vg, lv, "tpool")
	ev.SetExt("condition", "pool:resized")
}
