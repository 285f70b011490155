package lab

import (
	"strconv"
	"strings"
	"testing"
)

// groups are the lab's boots, each a list of scenarios run in order under
// one guest; "boot" (the daemon over the guest's boot, no script) runs
// first in each. The groups run in parallel, one guest per host CPU.
var groups = []group{
	{name: "scsi", source: "journal", scenarios: []string{"boot", "scsi-medium", "mpath-path", "mpath-lvm-ext4", "mpath-all-paths", "scsi-remove"}},
	{name: "dm", source: "kmsg", scenarios: []string{"boot", "thin-data", "thin-meta", "md-raid1", "md-raid5", "xfs-failing", "btrfs-failing", "ext4-ioerr", "storm"}},
	{name: "hw", source: "kmsg", scenarios: []string{"boot", "nvme-media", "sata-media", "virtio-media", "nvme-remove", "iscsi"}, devices: hwDevices},
}

var scenarioByName = map[string]scenario{}

func init() {
	for _, s := range scenarios {
		scenarioByName[s.name] = s
	}
}

// Expectations shared by scenarios.
var (
	// sizes: the kernel announces each new loop, dm or md device's size.
	sizes = expect{What: "device sizes", Type: "BLK_CAPACITY_CHANGE", Min: 1, Max: -1, Fields: map[string]string{"severity": "Info"}}
	// writeZeroes: mkfs over a loop device probes WRITE ZEROES, which the
	// loop device lacks; the kernel prints the probe's failure.
	writeZeroes = expect{What: "WRITE_ZEROES probe", Type: "BLK_IO_ERROR", Raw: `op 0x9:\(WRITE_ZEROES\)`, None: true,
		Known: causeIssue, Why: "mkfs probing a command the device lacks is no I/O error (an Error-level BLK_IO_ERROR today)"}
)

// fsOn gives the expectations of one filesystem on the device recorded as
// dev: its mount (identity: the filesystem UUID, the mount point) and
// unmount.
func fsOn(dev string, mounts int) []expect {
	return []expect{
		{What: "mounted", Type: "FS_MOUNTED", Kdev: "{" + dev + ".kname}", Min: mounts, Max: mounts, Fields: map[string]string{
			"dev_wwid": "{" + dev + ".fs_uuid}", "ext.uuid": "{" + dev + ".fs_uuid}", "ext.mount_point": "{" + dev + ".mount}",
			"dev_path": "{" + dev + ".paths}"}},
		{What: "unmounted", Type: "FS_UNMOUNTED", Kdev: "{" + dev + ".kname}", Min: mounts, Max: mounts, Fields: map[string]string{
			"dev_wwid": "{" + dev + ".fs_uuid}"}},
	}
}

func join(lists ...[]expect) []expect {
	var out []expect
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

var scenarios = []scenario{
	// The daemon over the guest's boot: no storage line, no event but
	// its own.
	{name: "boot"},

	{name: "scsi-medium", expect: []expect{
		{What: "new disk", Type: "SCSI_POWER_ON_RESET", Kdev: "{disk.hctl}", Fields: map[string]string{
			"dev_wwid": "{disk.wwid}", "dev_path": "{disk.paths}", "ext.scsi_address": "{disk.hctl}"}},
		{What: "medium error", Type: "SCSI_MEDIUM_ERROR", Kdev: "{disk.kname}", Fields: map[string]string{
			"dev_wwid": "{disk.wwid}", "dev_path": "{disk.paths}", "severity": "Error", "sub_system": "SCSI",
			"ext.sector": "{fault.medium.sector}", "ext.lba": "{fault.medium.sector}", "ext.sense_key": "Medium Error",
			"ext.scsi_address": "{disk.hctl}"}},
	}},
	{name: "mpath-path"}, {name: "mpath-lvm-ext4"}, {name: "mpath-all-paths"}, {name: "scsi-remove"},

	{name: "thin-data", expect: []expect{sizes, writeZeroes,
		{What: "low water", Type: "DM_THIN_LOW_WATER_MARK", Kdev: "{pool.majmin}", Fields: map[string]string{
			"dev_wwid": "{pool.wwid}", "dev_path": "{pool.paths}", "severity": "Warning"}},
		{What: "pool full", Type: "DM_THIN_POOL_FULL", Kdev: "{pool.majmin}", Fields: map[string]string{
			"dev_wwid": "{pool.wwid}", "dev_path": "{pool.paths}"}},
	}},
	{name: "thin-meta", expect: []expect{sizes,
		{What: "metadata low water", Type: "DM_THIN_METADATA_LOW_WATER_MARK", Kdev: "{pool.majmin}", Min: 1, Max: -1, Fields: map[string]string{
			"dev_wwid": "{pool.wwid}", "dev_path": "{pool.paths}"}},
		{What: "metadata full", Type: "DM_THIN_METADATA_FULL", Min: 1, Max: -1, Fields: map[string]string{"dev_wwid": "{pool.wwid}"},
			Known: causeIssue, Why: "'No free metadata blocks' names no pool; the pool whose metadata ran low just before is the one"},
		{What: "pool mode", Type: "DM_THIN_POOL_MODE_CHANGED", Kdev: "{pool.majmin}", Min: 1, Max: -1, Cause: "metadata full",
			Fields: map[string]string{"dev_wwid": "{pool.wwid}"}},
		{What: "metadata error", Type: "DM_THIN_METADATA_ERROR", Kdev: "{pool.majmin}", Min: 1, Max: -1, Cause: "metadata full",
			Fields: map[string]string{"dev_wwid": "{pool.wwid}"}},
		{What: "thin read fails", Type: "BUFFER_IO_ERROR", Kdev: "{thin.kname}", Min: 0, Max: -1, Cause: "metadata full",
			Fields: map[string]string{"dev_wwid": "{thin.wwid}"}, Owners: []string{"{pool.wwid}"}},
	}},
	{name: "md-raid1", expect: mdExpect(0)},
	{name: "md-raid5", expect: mdExpect(14)},
	{name: "xfs-failing", expect: join([]expect{sizes, writeZeroes,
		{What: "mounting", Type: "FS_MOUNTING", Kdev: "{fs.kname}"},
		{What: "metadata I/O error", Type: "FS_IO_ERROR", Kdev: "{fs.kname}", Min: 1, Max: -1, Fields: map[string]string{
			"dev_wwid": "{fs.fs_uuid}", "ext.mount_point": "{fs.mount}"}},
		{What: "shutdown", Type: "FS_SHUTDOWN", Kdev: "{fs.kname}", Cause: "metadata I/O error", Fields: map[string]string{
			"dev_wwid": "{fs.fs_uuid}", "ext.mount_point": "{fs.mount}"}},
	}, fsOn("fs", 1))},
	{name: "btrfs-failing", expect: join([]expect{sizes,
		{What: "device errors", Type: "FS_DEV_ERRORS", Kdev: "{fs.kname}", Min: 1, Max: -1, Fields: map[string]string{
			"dev_wwid": "{fs.fs_uuid}", "ext.mount_point": "{fs.mount}"}},
		{What: "transaction aborted", Type: "FS_ERROR", Kdev: "{fs.kname}", Min: 1, Max: -1, Cause: "device errors", Fields: map[string]string{
			"dev_wwid": "{fs.fs_uuid}"}},
		{What: "read-only", Type: "FS_REMOUNT_READ_ONLY", Kdev: "{fs.kname}", Cause: "device errors", Fields: map[string]string{
			"dev_wwid": "{fs.fs_uuid}"}},
	}, fsOn("fs", 1))},
	{name: "ext4-ioerr", expect: join([]expect{sizes, writeZeroes}, fsOn("fs", 1))},
	{name: "storm", expect: join([]expect{sizes, writeZeroes,
		{What: "errors", Type: "FS_ERROR", Kdev: "{fs.kname}", Min: 1, Max: -1, Fields: map[string]string{
			"dev_wwid": "{fs.fs_uuid}", "ext.mount_point": "{fs.mount}"},
			Known: 14, Why: "the last storm summary is flushed after the unmount and resolved then, when the loop device is detached: no FS UUID, no mount point and no resolve_error"},
	}, fsOn("fs", 2)), check: checkStorm},

	{name: "nvme-media"}, {name: "sata-media"}, {name: "virtio-media"}, {name: "nvme-remove"}, {name: "iscsi"},
}

// mdExpect: an array made (resync or recovery), a member failing under
// I/O, the array degraded, a new member recovered.
func mdExpect(staleName int) []expect {
	return []expect{sizes,
		{What: "superblock write failed", Type: "MD_IO_ERROR", Min: 1, Max: -1},
		{What: "member failed", Type: "MD_DISK_FAILURE", Kdev: "{m1.kname}", Fields: map[string]string{
			"dev_wwid": "{m1.wwid}", "dev_path": "{m1.paths}"}},
		{What: "degraded", Type: "MD_DEGRADED", Kdev: "{md.kname}", Cause: "member failed", Fields: map[string]string{
			"dev_wwid": "{md.wwid}", "dev_path": "{md.paths}"}, Owners: []string{"{m2.wwid}"}},
		{What: "sync started", Type: "MD_SYNC_STARTED", Kdev: "{md.kname}", Min: 2, Max: 2, Fields: map[string]string{
			"dev_wwid": "{md.wwid}"}, Owners: []string{"{m2.wwid}"},
			Known: staleName, Why: "md0 made again (the raid1 scenario's array had the name): the first line of the new array takes the old array's identity from the identity store ('md0 is now another device ... identity as last seen')"},
		{What: "sync done", Type: "MD_SYNC_DONE", Kdev: "{md.kname}", Min: 2, Max: 2, Fields: map[string]string{
			"dev_wwid": "{md.wwid}"}},
	}
}

// checkStorm: every ext4 error line the kernel printed is counted in the
// daemon's FS_ERROR events, and the daemon's memory stayed bounded.
func checkStorm(t *testing.T, r *run) {
	lines := 0
	for _, rec := range r.window {
		if strings.HasPrefix(rec.Message, "EXT4-fs error (device "+r.facts["fs.kname"]+")") {
			lines++
		}
	}
	counted := 0
	for _, e := range r.events {
		if e.EventType == "FS_ERROR" {
			counted += int(e.Count)
		}
	}
	want, _ := strconv.Atoi(r.facts["fault.storm.lookups"])
	t.Logf("storm: %d lookups, %d ext4 error lines, %d counted in the daemon's events, peak RSS %d kB", want, lines, counted, r.hwmKB)
	if lines != want || counted != lines {
		t.Errorf("storm: %d lookups made %d ext4 error lines, the daemon counted %d", want, lines, counted)
	}
	if r.hwmKB == 0 || r.hwmKB > 64<<10 {
		t.Errorf("storm: daemon peak RSS %d kB, want under 64 MiB", r.hwmKB)
	}
}
