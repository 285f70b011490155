package parsers

import (
	"testing"

	"github.com/peripety/peripety/event"
)

var mdCases = []lineCase{
	single("<2>md/raid0md0: Disk failure on sdb1 detected, failing array.", "MD_ARRAY_FAILED", "sdb1", event.Critical, map[string]string{"array": "md0"}),
	single("<2>md/raid:md1: Disk failure on sdd, disabling device.", "MD_DISK_FAILURE", "sdd", event.Critical, map[string]string{"array": "md1"}),
	single("<2>md/raid:md1: Operation continuing on 3 devices.", "MD_DEGRADED", "md1", event.Critical, map[string]string{"devices": "3"}),
	{
		name:    "raid1 prints failure and degradation in one record",
		records: []string{"<2>md/raid1:md0: Disk failure on sdb1, disabling device.\nmd/raid1:md0: Operation continuing on 1 devices."},
		want: []want{
			{Type: "MD_DISK_FAILURE", Kdev: "sdb1", Sev: event.Critical, Raw: "md/raid1:md0: Disk failure on sdb1, disabling device.",
				Msg: "MD array md0: member sdb1 failed and was disabled"},
			{Type: "MD_DEGRADED", Kdev: "md0", Sev: event.Critical, Raw: "md/raid1:md0: Operation continuing on 1 devices.",
				Msg: "MD array md0 degraded: continuing on 1 devices"},
		},
	},
	single("<2>md/raid:md1: Cannot continue operation (2/4 failed).", "MD_ARRAY_FAILED", "md1", event.Critical, map[string]string{"failed": "2", "devices": "4"}),
	{
		name: "raid1 read error redirected",
		records: []string{
			"<3>md/raid1:md0: sdb1: rescheduling sector 1953792",
			"<6>md/raid1:md0: redirecting sector 1953792 to other mirror: sdc1",
		},
		want: []want{{Type: "MD_IO_ERROR", Kdev: "sdb1", Sev: event.Error, Raw: "md/raid1:md0: sdb1: rescheduling sector 1953792",
			Msg: "MD array md0: read error on sdb1 at sector 1953792, redirected to sdc1",
			Ext: map[string]string{"array": "md0", "sector": "1953792", "redirected_to": "sdc1"}}},
	},
	single("<6>md/raid:md1: read error corrected (8 sectors at 262144 on sdc)", "MD_READ_ERROR_CORRECTED", "sdc", event.Info, map[string]string{"sectors": "8", "sector": "262144"}),
	single("<6>md/raid1:md0: read error corrected (8 sectors at 2048 on sdb1)", "MD_READ_ERROR_CORRECTED", "sdb1", event.Info, nil),
	single("<4>md/raid:md1: read error not correctable (sector 262144 on sdc).", "MD_READ_ERROR_UNRECOVERABLE", "sdc", event.Warning, map[string]string{"sector": "262144"}),
	single("<4>md/raid:md1: read error NOT corrected!! (sector 262144 on sdc).", "MD_READ_ERROR_UNRECOVERABLE", "sdc", event.Warning, nil),
	single("<2>md/raid1:md0: sdb1: unrecoverable I/O read error for block 1953792", "MD_READ_ERROR_UNRECOVERABLE", "sdb1", event.Critical, map[string]string{"sector": "1953792"}),
	single("<4>md/raid:md1: Too many read errors, failing device sdc.", "MD_DISK_FAILURE", "sdc", event.Warning, map[string]string{"array": "md1"}),
	single("<4>md: kicking non-fresh sdc1 from array!", "MD_DEVICE_KICKED", "sdc1", event.Warning, nil),
	single("<6>md: recovery of RAID array md0", "MD_SYNC_STARTED", "md0", event.Info, map[string]string{"action": "recovery"}),
	single("<6>md: data-check of RAID array md127", "MD_SYNC_STARTED", "md127", event.Info, nil),
	single("<6>md: md0: recovery done.", "MD_SYNC_DONE", "md0", event.Info, nil),
	single("<6>md: md0: data-check interrupted.", "MD_SYNC_INTERRUPTED", "md0", event.Info, map[string]string{"action": "data-check"}),
	single("<3>md: super_written gets error=-5", "MD_IO_ERROR", "", event.Error, map[string]string{"error": "-5"}),
	single("<3>md: md0: super_written gets error=10", "MD_IO_ERROR", "md0", event.Error, nil),
	none("<6>md/raid1:md0: active with 2 out of 2 mirrors",
		"<6>md: md0: redirecting sector 1 to other mirror: sdc1"),
}

func TestMD(t *testing.T) { runCases(t, mdCases) }
