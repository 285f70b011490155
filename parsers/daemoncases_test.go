package parsers

import (
	"testing"

	"github.com/peripety/peripety/event"
)

// daemonCases are sequences of the daemons' lines beside the kernel's, as
// they reach the journal ("@daemon <priority>line"): what one failure
// gives, the copies that fold, the notes later events carry.
var daemonCases = []lineCase{{
	// multipathd's TUR checker fails a path, the kernel fails it in the
	// map, multipathd counts what is left (multipath-tools 0.9.4 under
	// `multipathd -d -s`: every line at priority 6).
	name: "multipathd fails a path",
	records: []string{
		"@multipathd <6>mpatha: sdc - tur checker reports path is down",
		"@multipathd <6>checker failed path 8:32 in map mpatha",
		"<4>device-mapper: multipath: 253:0: Failing path 8:32.",
		"@multipathd <6>mpatha: remaining active paths: 1",
	},
	want: []want{
		{Type: "MPATH_CHECKER_PATH_DOWN", Kdev: "sdc", Sev: event.Warning, Raw: "mpatha: sdc - tur checker reports path is down",
			Ext: map[string]string{"map": "mpatha", "checker": "tur", "checker_msg": "reports path is down", "daemon": "multipathd"},
			Msg: "Multipath map mpatha: path sdc: tur checker reports path is down"},
		{Type: "MPATH_PATH_DOWN", Kdev: "8:32", Sev: event.Warning, Raw: "checker failed path 8:32 in map mpatha",
			Ext: map[string]string{"map": "mpatha", "condition": "path:failed"}},
		{Type: "DM_MPATH_PATH_FAILED", Kdev: "8:32", Sev: event.Warning, Raw: "device-mapper: multipath: 253:0: Failing path 8:32.",
			Ext: map[string]string{"condition": "path:failed"}},
		{Type: "MPATH_ACTIVE_PATHS_CHANGED", Kdev: "mpatha", Sev: event.Notice, Raw: "mpatha: remaining active paths: 1",
			Ext: map[string]string{"active_paths": "1", "condition": "map:active"}},
	},
}, {
	name: "multipathd loses the last path and gets one back",
	records: []string{
		"@multipathd <6>checker failed path 8:48 in map mpatha",
		"@multipathd <6>mpatha: remaining active paths: 0",
		"@multipathd <6>mpatha: Entering recovery mode: max_retries=12",
		"@multipathd <6>mpatha: sdd - tur checker reports path is up",
		"@multipathd <6>8:48: reinstated",
		"@multipathd <6>mpatha: queue_if_no_path enabled",
		"@multipathd <6>mpatha: Recovered to normal mode",
		"@multipathd <6>mpatha: remaining active paths: 1",
	},
	want: []want{
		{Type: "MPATH_PATH_DOWN", Kdev: "8:48", Sev: event.Warning, Raw: "checker failed path 8:48 in map mpatha"},
		{Type: "MPATH_MAP_NO_PATHS", Kdev: "mpatha", Sev: event.Critical, Raw: "mpatha: remaining active paths: 0",
			Ext: map[string]string{"condition": "map:no_paths"}, Msg: "Multipath map mpatha has no active path left"},
		{Type: "MPATH_QUEUEING_STARTED", Kdev: "mpatha", Sev: event.Warning, Raw: "mpatha: Entering recovery mode: max_retries=12",
			Ext: map[string]string{"max_retries": "12"}},
		{Type: "MPATH_CHECKER_PATH_UP", Kdev: "sdd", Sev: event.Info, Raw: "mpatha: sdd - tur checker reports path is up"},
		{Type: "MPATH_PATH_UP", Kdev: "8:48", Sev: event.Notice, Raw: "8:48: reinstated", Ext: map[string]string{"condition": "path:active"}},
		{Type: "MPATH_MAP_RECOVERED", Kdev: "mpatha", Sev: event.Notice, Raw: "mpatha: Recovered to normal mode",
			Ext: map[string]string{"condition": "map:active"}},
		{Type: "MPATH_ACTIVE_PATHS_CHANGED", Kdev: "mpatha", Sev: event.Notice, Raw: "mpatha: remaining active paths: 1"},
	},
}, {
	// mdadm 4.3+ logs an alert to syslog and writes it to stderr, which
	// the journal keeps too: one event, whichever copy comes first.
	name: "mdadm alert and its stderr copy",
	records: []string{
		"@mdadm <2>Fail event detected on md device /dev/md0, component device /dev/sdb1",
		"@mdadm <6>mdadm: Fail event detected on md device /dev/md0, component device /dev/sdb1",
		"@mdadm <6>mdadm: DegradedArray event detected on md device /dev/md0",
		"@mdadm <2>DegradedArray event detected on md device /dev/md0",
	},
	want: []want{
		{Type: "MD_FAIL", Kdev: "sdb1", Sev: event.Critical, Raw: "Fail event detected on md device /dev/md0, component device /dev/sdb1",
			Ext: map[string]string{"array": "md0", "component": "/dev/sdb1", "condition": "member:failed", "daemon": "mdadm"},
			Msg: "MD array md0: member sdb1 failed"},
		{Type: "MD_DEGRADED_ARRAY", Kdev: "md0", Sev: event.Critical, Raw: "mdadm: DegradedArray event detected on md device /dev/md0",
			Ext: map[string]string{"array": "md0", "condition": "array:degraded"}},
	},
}, {
	// mdadm 4.2 (Debian 12): the mismatches of a check after two spaces.
	name: "mdadm check finds mismatches",
	records: []string{
		"@mdadm <4>RebuildStarted event detected on md device /dev/md127",
		"@mdadm <4>Rebuild21 event detected on md device /dev/md127",
		"@mdadm <4>RebuildFinished event detected on md device /dev/md127:  mismatches found: 64 (on raid level 1)",
	},
	want: []want{
		{Type: "MD_REBUILD_STARTED", Kdev: "md127", Sev: event.Warning, Raw: "RebuildStarted event detected on md device /dev/md127",
			Ext: map[string]string{"condition": "array:recovering"}},
		{Type: "MD_REBUILD_PROGRESS", Kdev: "md127", Sev: event.Info, Raw: "Rebuild21 event detected on md device /dev/md127",
			Ext: map[string]string{"percent": "21"}},
		{Type: "MD_REBUILD_FINISHED", Kdev: "md127", Sev: event.Warning,
			Raw: "RebuildFinished event detected on md device /dev/md127:  mismatches found: 64 (on raid level 1)",
			Ext: map[string]string{"mismatches": "64", "condition": "array:clean"}, Msg: "MD array md127: rebuild finished, 64 mismatches found"},
	},
}, {
	// dmeventd warns, extends the pool through lvextend --use-policies
	// (whose lines it logs), and the warning's pool is the one resized.
	name: "dmeventd extends a thin pool",
	records: []string{
		"@dmeventd <4>WARNING: Thin pool vg-pool-tpool metadata is now 80.47% full.",
		"@dmeventd <4>WARNING: Thin pool vg-pool-tpool data is now 81.25% full.",
		"@dmeventd <4>Size of logical volume vg/pool_tdata changed from 60.00 MiB (15 extents) to 72.00 MiB (18 extents).",
		"@dmeventd <4>Logical volume vg/pool successfully resized.",
	},
	want: []want{
		{Type: "LVM_THIN_POOL_METADATA_USAGE", Kdev: "vg-pool-tpool", Sev: event.Warning,
			Raw: "WARNING: Thin pool vg-pool-tpool metadata is now 80.47% full.", Ext: map[string]string{"condition": "pool:metadata_high"}},
		{Type: "LVM_THIN_POOL_DATA_USAGE", Kdev: "vg-pool-tpool", Sev: event.Warning, Raw: "WARNING: Thin pool vg-pool-tpool data is now 81.25% full.",
			Ext: map[string]string{"vg": "vg", "lv": "pool", "dm_layer": "tpool", "data_percent": "81.25", "condition": "pool:data_high"},
			Msg: "Thin pool vg/pool: data 81.25% full"},
		{Type: "LVM_LV_RESIZED", Kdev: "vg-pool-tpool", Sev: event.Notice,
			Raw: "Size of logical volume vg/pool_tdata changed from 60.00 MiB (15 extents) to 72.00 MiB (18 extents).",
			Ext: map[string]string{"vg": "vg", "lv": "pool", "resized_lv": "pool", "new_size": "72.00 MiB", "condition": "pool:resized"},
			Msg: "Logical volume vg/pool extended from 60.00 MiB to 72.00 MiB"},
	},
}, {
	// smartd names the disk once; its pending sectors carry its identity.
	name: "smartd pending sectors of a disk it named",
	records: []string{
		"@smartd <6>Device: /dev/sda [SAT], WDC WD30EFRX-68EUZN0, S/N:WD-WCC4N1234567, WWN:5-0014ee-2b5e1a2c3, FW:82.00A82, 3.00 TB",
		"@smartd <6>Device: /dev/sda [SAT], is SMART capable. Adding to \"monitor\" list.",
		"@smartd <2>Device: /dev/sda [SAT], 8 Currently unreadable (pending) sectors",
		"@smartd <2>Device: /dev/sdb [SAT], 1 Offline uncorrectable sectors",
	},
	want: []want{
		{Type: "SMART_PENDING_SECTORS", Kdev: "sda", Sev: event.Error, Raw: "Device: /dev/sda [SAT], 8 Currently unreadable (pending) sectors",
			Ext: map[string]string{"wwn": "naa.50014ee2b5e1a2c3", "serial": "WD-WCC4N1234567", "model": "WDC WD30EFRX-68EUZN0",
				"device_type": "SAT", "sectors": "8", "condition": "health:failing"},
			Msg: "Disk sda: 8 Currently unreadable (pending) sectors"},
		{Type: "SMART_OFFLINE_UNCORRECTABLE", Kdev: "sdb", Sev: event.Error, Raw: "Device: /dev/sdb [SAT], 1 Offline uncorrectable sectors",
			Ext: map[string]string{"device_type": "SAT"}},
	},
}, {
	name: "iscsid -f: its warnings on stderr at priority 6",
	records: []string{
		"@iscsid <6>iscsid: Kernel reported iSCSI connection 1:0 error (1020 - ISCSI_ERR_TCP_CONN_CLOSE: TCP connection closed) state (3)",
		"@iscsid <6>iscsid: connection1:0 is operational after recovery (2 attempts)",
	},
	want: []want{
		{Type: "ISCSI_CONN_ERROR", Kdev: "connection1:0", Sev: event.Error,
			Raw: "iscsid: Kernel reported iSCSI connection 1:0 error (1020 - ISCSI_ERR_TCP_CONN_CLOSE: TCP connection closed) state (3)",
			Ext: map[string]string{"error_code": "1020", "error_name": "ISCSI_ERR_TCP_CONN_CLOSE", "conn_state_name": "logged in", "condition": "link:down"},
			Msg: "iSCSI connection1:0: connection error 1020 (ISCSI_ERR_TCP_CONN_CLOSE: TCP connection closed), connection logged in"},
		{Type: "ISCSI_CONN_RECOVERED", Kdev: "connection1:0", Sev: event.Notice, Raw: "iscsid: connection1:0 is operational after recovery (2 attempts)",
			Ext: map[string]string{"condition": "link:up"}},
	},
},
	// A kernel line logged by a daemon is no kernel event, and a
	// daemon's line in the kernel's log is none of the daemon's.
	none("@smartd <3>device-mapper: multipath: 253:0: Failing path 8:32."),
	none("<4>checker failed path 8:32 in map mpatha"),
	none("@multipathd <6>Fail event detected on md device /dev/md0, component device /dev/sdb1"),
}

func TestDaemonCases(t *testing.T) { runCases(t, daemonCases) }
