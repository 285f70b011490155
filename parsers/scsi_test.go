package parsers

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
)

var scsiCases = []lineCase{{
	// The lab's mpath-lvm-ext4 (parsers/testdata/real/lab/…/scsi.kmsg):
	// the ALUA handler's sense report of each path of the LUN. "[alua]" is
	// the handler's name, not a disk's: each line is its own path's, named
	// by its SCSI address.
	name: "ALUA handler's sense report on three paths",
	records: []string{
		"<6>scsi 2:0:0:0: [alua] Sense Key : Unit Attention [current] ",
		"<6>sd 3:0:0:0: [alua] Sense Key : Unit Attention [current] ",
		"<6>scsi 4:0:0:0: [alua] Sense Key : Unit Attention [current] ",
	},
	want: []want{
		{Type: "SCSI_SENSE_KEY", Kdev: "2:0:0:0", Sev: event.Info, Raw: "scsi 2:0:0:0: [alua] Sense Key : Unit Attention [current] ",
			Ext: map[string]string{"device_handler": "alua", "sense_key": "Unit Attention"}},
		{Type: "SCSI_SENSE_KEY", Kdev: "3:0:0:0", Sev: event.Info, Raw: "sd 3:0:0:0: [alua] Sense Key : Unit Attention [current] ",
			Ext: map[string]string{"device_handler": "alua", "sense_key": "Unit Attention"}},
		{Type: "SCSI_SENSE_KEY", Kdev: "4:0:0:0", Sev: event.Info, Raw: "scsi 4:0:0:0: [alua] Sense Key : Unit Attention [current] ",
			Ext: map[string]string{"device_handler": "alua", "sense_key": "Unit Attention"}},
	},
}, {
	// Issue 15: a kernel without CONFIG_SCSI_CONSTANTS prints numbers; the
	// event is the one of the named form.
	name: "medium error without SCSI constants",
	records: []string{
		"<6>sd 2:0:0:0: [sdc] tag#19 UNKNOWN(0x2003) Result: hostbyte=0x00 driverbyte=0x08 cmd_age=3s",
		"<6>sd 2:0:0:0: [sdc] tag#19 Sense Key : 0x3 [current] ",
		"<6>sd 2:0:0:0: [sdc] tag#19 ASC=0x11 ASCQ=0x4",
		"<6>sd 2:0:0:0: [sdc] tag#19 CDB: opcode=0x88 88 00 00 00 00 00 1d 42 1c 00 00 00 00 08 00 00",
		"<3>critical medium error, dev sdc, sector 490871808 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2",
	},
	want: []want{{
		Type: "SCSI_MEDIUM_ERROR", Kdev: "sdc", Sev: event.Error,
		Raw: "sd 2:0:0:0: [sdc] tag#19 UNKNOWN(0x2003) Result: hostbyte=0x00 driverbyte=0x08 cmd_age=3s",
		Ext: map[string]string{"sense_key": "Medium Error", "sense_key_code": "0x3", "hostbyte": "DID_OK", "hostbyte_code": "0x00",
			"asc_code": "11", "ascq_code": "4", "lba": "490871808", "blocks": "8", "cdb_command": "Read(16)", "cdb_opcode": "0x88"},
	}},
}, {
	name: "timeout without SCSI constants",
	records: []string{
		"<6>sd 0:0:0:0: [sdb] tag#3 UNKNOWN(0x2003) Result: hostbyte=0x03 driverbyte=0x00 cmd_age=30s",
		"<6>sd 0:0:0:0: [sdb] tag#3 CDB: opcode=0x2a 2a 00 00 00 10 00 00 00 20 00",
	},
	want: []want{{
		Type: "SCSI_TIMEOUT", Kdev: "sdb", Sev: event.Error,
		Raw: "sd 0:0:0:0: [sdb] tag#3 UNKNOWN(0x2003) Result: hostbyte=0x03 driverbyte=0x00 cmd_age=30s",
		Ext: map[string]string{"hostbyte": "DID_TIME_OUT", "lba": "4096", "blocks": "32", "cdb_command": "Write(10)"},
	}},
}, {
	// Issue 15: 3.x continuations that dmesg shows on lines of their own.
	name: "3.x split-line report",
	records: []string{
		"<6>sd 0:0:0:0: [sdb] Unhandled error code",
		"<6>sd 0:0:0:0: [sdb]  ",
		"<4>Result: hostbyte=DID_BAD_TARGET driverbyte=DRIVER_OK",
		"<6>sd 0:0:0:0: [sdb] CDB: ",
		"<4>Read(10): 28 00 00 00 08 00 00 00 08 00",
		"<3>end_request: I/O error, dev sdb, sector 2048",
	},
	want: []want{{
		Type: "SCSI_TRANSPORT_ERROR", Kdev: "sdb", Sev: event.Error, Raw: "sd 0:0:0:0: [sdb] Unhandled error code",
		Ext: map[string]string{"hostbyte": "DID_BAD_TARGET", "cdb_command": "Read(10)", "lba": "2048", "blocks": "8", "sector": "2048"},
	}},
}, {
	name:    "FC remote port lost",
	records: []string{"<3> rport-2:0-3: blocked FC remote port time out: removing target and saving binding"},
	want: []want{{Type: "FC_RPORT_LOST", Kdev: "rport-2:0-3", Sev: event.Error,
		Raw: " rport-2:0-3: blocked FC remote port time out: removing target and saving binding",
		Ext: map[string]string{"action": "removing target and saving binding"}}},
}, {
	name: "medium error with its block line",
	records: []string{
		"<6>sd 2:0:0:0: [sdc] tag#19 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=3s",
		"<6>sd 2:0:0:0: [sdc] tag#19 Sense Key : Medium Error [current] ",
		"<6>sd 2:0:0:0: [sdc] tag#19 Add. Sense: Unrecovered read error - auto reallocate failed",
		"<6>sd 2:0:0:0: [sdc] tag#19 CDB: Read(16) 88 00 00 00 00 00 1d 42 1c 00 00 00 00 08 00 00",
		"<3>critical medium error, dev sdc, sector 490871808 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2",
	},
	want: []want{{
		Type: "SCSI_MEDIUM_ERROR", Kdev: "sdc", Sev: event.Error,
		Raw: "sd 2:0:0:0: [sdc] tag#19 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=3s",
		Msg: "Medium error reading sdc at LBA 490871808 (8 blocks): Unrecovered read error - auto reallocate failed",
		Ext: map[string]string{"sense_key": "Medium Error", "asc": "Unrecovered read error - auto reallocate failed",
			"hostbyte": "DID_OK", "lba": "490871808", "blocks": "8", "sector": "490871808", "cdb_opcode": "0x88",
			"cdb_command": "Read(16)", "scsi_address": "2:0:0:0", "tag": "19", "sense_type": "current"},
	}},
}, {
	name: "4.x hardware error, descriptor sense, Write(10)",
	records: []string{
		"<6>sd 0:0:0:0: [sdb] tag#3 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_SENSE",
		"<6>sd 0:0:0:0: [sdb] tag#3 Sense Key : Hardware Error [current] [descriptor] ",
		"<6>sd 0:0:0:0: [sdb] tag#3 Add. Sense: Internal target failure",
		"<6>sd 0:0:0:0: [sdb] tag#3 CDB: Write(10) 2a 00 00 00 10 00 00 00 20 00",
		"<3>blk_update_request: critical target error, dev sdb, sector 4096",
	},
	want: []want{{
		Type: "SCSI_HARDWARE_ERROR", Kdev: "sdb", Sev: event.Error,
		Raw: "sd 0:0:0:0: [sdb] tag#3 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_SENSE",
		Msg: "Hardware error writing sdb at LBA 4096 (32 blocks): Internal target failure",
		Ext: map[string]string{"lba": "4096", "blocks": "32", "sector": "4096", "driverbyte": "DRIVER_SENSE"},
	}},
}, {
	name: "3.x medium error: unhandled sense code, double spaces, CDB name with a colon, end_request",
	records: []string{
		"<6>sd 0:0:0:0: [sda] Unhandled sense code",
		"<6>sd 0:0:0:0: [sda]  Result: hostbyte=DID_OK driverbyte=DRIVER_SENSE",
		"<6>sd 0:0:0:0: [sda]  Sense Key : Medium Error [current] [descriptor]",
		"<6>sd 0:0:0:0: [sda]  Add. Sense: Unrecovered read error - auto reallocate failed",
		"<6>sd 0:0:0:0: [sda] CDB: Read(10): 28 00 00 00 08 00 00 00 08 00",
		"<3>end_request: critical medium error, dev sda, sector 2048",
	},
	want: []want{{
		Type: "SCSI_MEDIUM_ERROR", Kdev: "sda", Sev: event.Error, Raw: "sd 0:0:0:0: [sda] Unhandled sense code",
		Msg: "Medium error reading sda at LBA 2048 (8 blocks): Unrecovered read error - auto reallocate failed",
		Ext: map[string]string{"hostbyte": "DID_OK", "driverbyte": "DRIVER_SENSE", "cdb_command": "Read(10)", "sector": "2048"},
	}},
}, {
	name:    "3.x result line alone",
	records: []string{"<6>sd 0:0:0:0: [sda]  Result: hostbyte=DID_NO_CONNECT driverbyte=DRIVER_OK"},
	want: []want{{Type: "SCSI_TRANSPORT_ERROR", Kdev: "sda", Sev: event.Error, Raw: "sd 0:0:0:0: [sda]  Result: hostbyte=DID_NO_CONNECT driverbyte=DRIVER_OK",
		Msg: "Transport error (DID_NO_CONNECT) on sda"}},
}, {
	name: "transport failfast without sense",
	records: []string{
		"<6>sd 7:0:0:1: [sdh] tag#42 FAILED Result: hostbyte=DID_TRANSPORT_FAILFAST driverbyte=DRIVER_OK cmd_age=17s",
		"<6>sd 7:0:0:1: [sdh] tag#42 CDB: Write(10) 2a 00 00 80 10 00 00 00 08 00",
		"<3>recoverable transport error, dev sdh, sector 8392704 op 0x1:(WRITE) flags 0x8800 phys_seg 1 prio class 2",
	},
	want: []want{{
		Type: "SCSI_TRANSPORT_ERROR", Kdev: "sdh", Sev: event.Error,
		Raw: "sd 7:0:0:1: [sdh] tag#42 FAILED Result: hostbyte=DID_TRANSPORT_FAILFAST driverbyte=DRIVER_OK cmd_age=17s",
		Msg: "Transport error (DID_TRANSPORT_FAILFAST) writing sdh at LBA 8392704 (8 blocks)",
		Ext: map[string]string{"lba": "8392704", "blocks": "8", "cmd_age": "17"},
	}},
}, {
	name: "timed out command, READ(6) length 0 means 256",
	records: []string{
		"<6>sd 1:0:0:0: [sda] tag#0 FAILED Result: hostbyte=DID_TIME_OUT driverbyte=DRIVER_OK cmd_age=30s",
		"<6>sd 1:0:0:0: [sda] tag#0 CDB: Read(6) 08 00 01 00 00 00",
	},
	want: []want{{
		Type: "SCSI_TIMEOUT", Kdev: "sda", Sev: event.Error,
		Raw: "sd 1:0:0:0: [sda] tag#0 FAILED Result: hostbyte=DID_TIME_OUT driverbyte=DRIVER_OK cmd_age=30s",
		Ext: map[string]string{"lba": "256", "blocks": "256"},
	}},
}, {
	name: "two tags on one disk stay two events",
	records: []string{
		"<6>sd 2:0:0:0: [sdc] tag#1 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=0s",
		"<6>sd 2:0:0:0: [sdc] tag#2 Sense Key : Illegal Request [current] ",
		"<6>sd 2:0:0:0: [sdc] tag#1 Sense Key : Aborted Command [current] ",
	},
	want: []want{{
		Type: "SCSI_ABORTED_COMMAND", Kdev: "sdc", Sev: event.Error,
		Raw: "sd 2:0:0:0: [sdc] tag#1 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=0s",
	}, {
		Type: "SCSI_SENSE_KEY", Kdev: "sdc", Sev: event.Info,
		Raw: "sd 2:0:0:0: [sdc] tag#2 Sense Key : Illegal Request [current] ",
		Msg: "Sense key Illegal Request on sdc",
	}},
}, {
	name: "sd_print_result with tagless sense",
	records: []string{
		"<6>sd 2:0:0:0: [sdc] Test Unit Ready failed: Result: hostbyte=DID_NO_CONNECT driverbyte=DRIVER_OK",
		"<6>sd 2:0:0:0: [sdc] Sense Key : Not Ready [current] ",
		"<6>sd 2:0:0:0: [sdc] Add. Sense: Logical unit not ready, manual intervention required",
	},
	want: []want{{
		Type: "SCSI_NOT_READY", Kdev: "sdc", Sev: event.Error,
		Raw: "sd 2:0:0:0: [sdc] Test Unit Ready failed: Result: hostbyte=DID_NO_CONNECT driverbyte=DRIVER_OK",
		Msg: "Not ready on sdc (Test Unit Ready failed): Logical unit not ready, manual intervention required",
		Ext: map[string]string{"sense_key": "Not Ready", "command": "Test Unit Ready"},
	}},
}, {
	name:    "sd_print_result without sense stays a failed command",
	records: []string{"<6>sd 2:0:0:0: [sdc] Synchronize Cache(10) failed: Result: hostbyte=DID_BAD_TARGET driverbyte=DRIVER_OK"},
	want: []want{{
		Type: "SCSI_CMD_FAILED", Kdev: "sdc", Sev: event.Error,
		Raw: "sd 2:0:0:0: [sdc] Synchronize Cache(10) failed: Result: hostbyte=DID_BAD_TARGET driverbyte=DRIVER_OK",
		Msg: "Command failed (hostbyte DID_BAD_TARGET) on sdc (Synchronize Cache(10) failed)",
	}},
}, {
	name: "unknown additional sense code alone",
	records: []string{
		"<6>sd 3:0:0:0: [sdd] <<vendor>>ASC=0x80 ASCQ=0x1 ",
	},
	want: []want{{Type: "SCSI_ADDITIONAL_SENSE_CODE", Kdev: "sdd", Sev: event.Info,
		Raw: "sd 3:0:0:0: [sdd] <<vendor>>ASC=0x80 ASCQ=0x1 ", Msg: "Additional sense on sdd: ASC 0x80 ASCQ 0x1"}},
}, {
	name:    "a CDB line with no failure gives nothing",
	records: []string{"<6>sd 0:0:1:0: [sdb] tag#4 CDB: Read(10) 28 00 00 00 08 00 00 00 08 00"},
}, {
	name: "unaligned partial completion with its CDB",
	records: []string{
		"<6>sd 0:0:1:0: [sdb] Unaligned partial completion (resid=3584, sector_sz=4096)",
		"<6>sd 0:0:1:0: [sdb] tag#4 CDB: Read(10) 28 00 00 00 08 00 00 00 08 00",
	},
	want: []want{{Type: "SCSI_UNALIGNED_PARTIAL_COMPLETION", Kdev: "sdb", Sev: event.Info,
		Raw: "sd 0:0:1:0: [sdb] Unaligned partial completion (resid=3584, sector_sz=4096)",
		Msg: "Unaligned partial completion reading sdb at LBA 2048 (8 blocks) (residual 3584 bytes, sector size 4096)"}},
}, {
	name: "timing out command and its block line",
	records: []string{
		"<3>sd 4:0:0:0: [sde] tag#7 timing out command, waited 180s",
		"<3>timeout error, dev sde, sector 1024 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2",
	},
	want: []want{{Type: "SCSI_TIMEOUT", Kdev: "sde", Sev: event.Error,
		Raw: "sd 4:0:0:0: [sde] tag#7 timing out command, waited 180s", Msg: "Command on sde timed out after 180s",
		Ext: map[string]string{"sector": "1024"}}},
}, {
	name:    "medium access timeout",
	records: []string{"<3>sd 4:0:0:0: [sde] tag#9 Medium access timeout failure. Offlining disk!"},
	want: []want{{Type: "SCSI_MEDIUM_ACCESS_TIMEOUT_OFFLINING_DISK", Kdev: "sde", Sev: event.Error,
		Raw: "sd 4:0:0:0: [sde] tag#9 Medium access timeout failure. Offlining disk!"}},
}, {
	name:    "device offlined",
	records: []string{"<6>sd 4:0:0:0: Device offlined - not ready after error recovery"},
	want: []want{{Type: "SCSI_DEVICE_OFFLINED", Kdev: "4:0:0:0", Sev: event.Info,
		Raw: "sd 4:0:0:0: Device offlined - not ready after error recovery"}},
}, {
	name:    "rejecting I/O",
	records: []string{"<3>sd 7:0:0:1: rejecting I/O to offline device", "<3>sd 7:0:0:2: rejecting I/O to dead device"},
	want: []want{
		{Type: "SCSI_DEVICE_OFFLINE", Kdev: "7:0:0:1", Sev: event.Error, Raw: "sd 7:0:0:1: rejecting I/O to offline device",
			Msg: "SCSI device 7:0:0:1 is offline: I/O to it is rejected"},
		{Type: "SCSI_DEVICE_OFFLINE", Kdev: "7:0:0:2", Sev: event.Error, Raw: "sd 7:0:0:2: rejecting I/O to dead device"},
	},
}, {
	name:    "spinning up",
	records: []string{"<5>sd 3:0:0:0: [sdd] Spinning up disk....ready", "<5>sd 3:0:0:1: [sde] Spinning up disk.......not responding..."},
	want: []want{
		{Type: "SCSI_SPINNING_UP_DISK", Kdev: "sdd", Sev: event.Notice, Raw: "sd 3:0:0:0: [sdd] Spinning up disk....ready", Msg: "Spinning up disk sdd: ready"},
		{Type: "SCSI_SPINNING_UP_DISK", Kdev: "sde", Sev: event.Notice, Raw: "sd 3:0:0:1: [sde] Spinning up disk.......not responding...",
			Msg: "Spinning up disk sde: not responding"},
	},
}, {
	name: "unit attentions",
	records: []string{
		"<4>sd 2:0:0:1: Power-on or device reset occurred",
		"<4>sd 2:0:0:1: Capacity data has changed",
		"<4>sd 2:0:0:1: Asymmetric access state changed",
		"<4>sd 2:0:0:1: Mode parameters changed",
		"<4>sd 2:0:0:1: Inquiry data has changed",
		"<4>sd 2:0:0:1: LUN assignments on this target have changed. The Linux SCSI layer does not automatically remap LUN assignments.",
		"<4>sd 2:0:0:1: Warning! Received an indication that the LUN reached a thin provisioning soft threshold.",
		"<4>sd 2:0:0:1: Warning! Received an indication that the operating parameters on this target have changed. The Linux SCSI layer does not automatically adjust these parameters.",
		"<6>sd 9:0:0:0: reservation conflict",
	},
	want: []want{
		{Type: "SCSI_POWER_ON_RESET", Kdev: "2:0:0:1", Sev: event.Warning, Raw: "sd 2:0:0:1: Power-on or device reset occurred"},
		{Type: "SCSI_CAPACITY_CHANGED", Kdev: "2:0:0:1", Sev: event.Warning, Raw: "sd 2:0:0:1: Capacity data has changed"},
		{Type: "SCSI_ALUA_STATE_CHANGED", Kdev: "2:0:0:1", Sev: event.Warning, Raw: "sd 2:0:0:1: Asymmetric access state changed"},
		{Type: "SCSI_MODE_PARAMETERS_CHANGED", Kdev: "2:0:0:1", Sev: event.Warning, Raw: "sd 2:0:0:1: Mode parameters changed"},
		{Type: "SCSI_INQUIRY_DATA_CHANGED", Kdev: "2:0:0:1", Sev: event.Warning, Raw: "sd 2:0:0:1: Inquiry data has changed"},
		{Type: "SCSI_LUNS_CHANGED", Kdev: "2:0:0:1", Sev: event.Warning,
			Raw: "sd 2:0:0:1: LUN assignments on this target have changed. The Linux SCSI layer does not automatically remap LUN assignments."},
		{Type: "SCSI_THIN_PROVISIONING_SOFT_THRESHOLD", Kdev: "2:0:0:1", Sev: event.Warning,
			Raw: "sd 2:0:0:1: Warning! Received an indication that the LUN reached a thin provisioning soft threshold."},
		{Type: "SCSI_OPERATING_PARAMETERS_CHANGED", Kdev: "2:0:0:1", Sev: event.Warning,
			Raw: "sd 2:0:0:1: Warning! Received an indication that the operating parameters on this target have changed. The Linux SCSI layer does not automatically adjust these parameters."},
		{Type: "SCSI_RESERVATION_CONFLICT", Kdev: "9:0:0:0", Sev: event.Info, Raw: "sd 9:0:0:0: reservation conflict"},
	},
}, {
	name: "boot chatter gives nothing",
	records: []string{
		"<5>sd 0:0:0:0: [sda] Attached SCSI disk",
		"<5>sd 0:0:0:0: [sda] Write Protect is off",
		"<5>sd 0:0:0:0: [sda] 976773168 512-byte logical blocks: (500 GB/466 GiB)",
		"<5>scsi 0:0:0:0: Direct-Access     ATA      Samsung SSD 860  4B6Q PQ: 0 ANSI: 5",
	},
}}

// scsiFaultCases are the device-handler, error-handling, zone, scan and
// negotiation lines of drivers/scsi (4.19-6.12), each a specific event.
var scsiFaultCases = []lineCase{
	single("<3>sd 3:0:0:1: alua: rtpg failed", "SCSI_DH_ERROR", "3:0:0:1", event.Error, map[string]string{"handler": "alua", "detail": "rtpg failed"}),
	single("<3>sd 3:0:0:1: alua: rtpg retry", "SCSI_DH_ERROR", "3:0:0:1", event.Error, map[string]string{"detail": "rtpg retry"}),
	single("<3>sd 3:0:0:1: rdac: Attach failed (-19)", "SCSI_DH_ERROR", "3:0:0:1", event.Error, map[string]string{"handler": "rdac", "errno": "-19"}),
	single("<3>sd 3:0:0:1: emc: Found valid sense data 0x5, 0x24, 0x0 while sending CLARiiON trespass command.", "SCSI_DH_ERROR", "3:0:0:1", event.Error,
		map[string]string{"sense": "0x5, 0x24, 0x0"}),
	single("<4>sd 3:0:0:1: emc: Invalid failover mode 3", "SCSI_DH_ERROR", "3:0:0:1", event.Warning, map[string]string{"detail": "Invalid failover mode 3"}),
	single("<4>sd 3:0:0:1: hp_sw: sending tur failed, sense 2/4/3", "SCSI_DH_ERROR", "3:0:0:1", event.Warning, map[string]string{"handler": "hp_sw"}),
	single("<4>sd 2:0:0:0: [sdb] tag#12 retry aborted command", "SCSI_EH_ABORT", "sdb", event.Warning, map[string]string{"eh_action": "retry"}),
	single("<3>sd 2:0:0:0: [sdb] tag#5 access beyond end of device", "SCSI_REQUEST_REJECTED", "sdb", event.Error,
		map[string]string{"reason": "access beyond end of device"}),
	single("<3>sd 2:0:0:0: [sdb] tag#5 Bad block number requested", "SCSI_REQUEST_REJECTED", "sdb", event.Error, nil),
	single("<3>sd 4:0:0:0: [sdd] REPORT ZONES start lba 524288 failed", "SCSI_ZONE_ERROR", "sdd", event.Error, nil),
	single("<3>sd 4:0:0:0: [sdd] Zone size 1000 is not a power of two.", "SCSI_ZONE_ERROR", "sdd", event.Error, nil),
	single("<4>sd 4:0:0:0: [sdd] Changing capacity from 1000 to max LBA+1 900", "SCSI_ZONE_ERROR", "sdd", event.Warning, nil),
	single("<4>sd 2:0:0:0: Parameters changed", "SCSI_PARAMETERS_CHANGED", "2:0:0:0", event.Warning, nil),
	single("<4>sd 2:0:0:0: Operating parameters on this target have changed. The Linux SCSI layer does not automatically adjust these parameters.",
		"SCSI_OPERATING_PARAMETERS_CHANGED", "2:0:0:0", event.Warning, nil),
	single("<4>sd 2:0:0:0: Warning! Received an indication that the LUN assignments on this target have changed. The Linux SCSI layer does not automatically remap LUN assignments.",
		"SCSI_LUNS_CHANGED", "2:0:0:0", event.Warning, nil),
	single("<3>sd 0:0:1:0: Write Buffer failure 2", "SCSI_DOMAIN_VALIDATION_FAILED", "0:0:1:0", event.Error, nil),
	single("<3>scsi target0:0:1: Domain Validation Failure, dropping back to Asynchronous", "SCSI_DOMAIN_VALIDATION_FAILED", "", event.Error,
		map[string]string{"target": "target0:0:1"}),
	single("<4>scsi target0:0:1: Echo buffer size 4096 is too big, trimming to 2048", "SCSI_DOMAIN_VALIDATION_FAILED", "", event.Warning, nil),
	single("<3>scsi 5:0:0:0: Unexpected response from lun 1 while scanning, scan aborted", "SCSI_SCAN_ERROR", "5:0:0:0", event.Error, nil),
	single("<4>scsi 5:0:0:0: lun1024 has a LUN larger than allowed by the host adapter", "SCSI_SCAN_ERROR", "5:0:0:0", event.Warning, nil),
	single("<4>sd 6:0:0:0: scsi_get_vpd_size: long VPD page 0 length: 300 bytes", "SCSI_VPD_INVALID", "6:0:0:0", event.Warning, nil),
	single("<3>sd 6:0:0:0: [sdf] Invalid Concurrent Positioning Ranges VPD page", "SCSI_VPD_INVALID", "sdf", event.Error, nil),
	single("<3>sd 6:0:0:0: Illegal state transition deleted->running", "SCSI_STATE_ERROR", "6:0:0:0", event.Error, nil),
	single("<3>scsi host7: Illegal host state transitiondel->running", "SCSI_STATE_ERROR", "", event.Error, map[string]string{"host": "host7"}),
	single("<3>scsi host7: reconnect attempt 3 failed (-110)", "SCSI_TRANSPORT_RECONNECT_FAILED", "", event.Error, map[string]string{"attempt": "3"}),
	single("<3>scsi host7: scsi_eh_7: unable to autoresume", "SCSI_EH_ERROR", "", event.Error, nil),
}

func TestSCSI(t *testing.T) {
	runCases(t, scsiCases)
	runCases(t, scsiFaultCases)
}

func TestCDBRange(t *testing.T) {
	for _, c := range []struct {
		cdb         string
		name        string
		lba, blocks string
	}{
		{"Read(16) 88 00 00 00 00 00 1d 42 1c 00 00 00 00 08 00 00", "Read(16)", "490871808", "8"},
		{"Write(16) 8a 00 00 00 00 01 00 00 00 00 00 00 01 00 00 00", "Write(16)", "4294967296", "256"},
		{"Read(12) a8 00 00 00 00 10 00 00 00 04 00 00", "Read(12)", "16", "4"},
		{"Write same(10) 41 00 00 00 00 20 00 00 10 00", "Write same(10)", "32", "16"},
		{"Synchronize Cache(10) 35 00 00 00 00 00 00 00 00 00", "Synchronize Cache(10)", "", ""},
		{"Read(10): 28 00 00 00 08 00 00 00 08 00", "Read(10)", "2048", "8"},
		{"Read(10) 28 00", "Read(10)", "", ""},
	} {
		ev := event.Event{Extension: map[string]string{"cdb": c.cdb}}
		decodeCDBExt(&ev)
		got := []string{ev.Ext("cdb_command"), ev.Ext("lba"), ev.Ext("blocks")}
		if diff := cmp.Diff([]string{c.name, c.lba, c.blocks}, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.cdb, diff)
		}
	}
}
