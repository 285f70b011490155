package parsers

import (
	"testing"

	"github.com/peripety/peripety/event"
)

var dmCases = []lineCase{
	single("<4>device-mapper: multipath: 253:5: Failing path 259:3.", "DM_MPATH_PATH_FAILED", "259:3", event.Warning, map[string]string{"map": "253:5"}),
	single("<4>device-mapper: multipath: Failing path 8:32.", "DM_MPATH_PATH_FAILED", "8:32", event.Warning, map[string]string{}),
	single("<4>device-mapper: multipath: 253:3: Reinstating path 8:112.", "DM_MPATH_PATH_REINSTATED", "8:112", event.Warning, map[string]string{"map": "253:3"}),
	single("<4>device-mapper: multipath: Reinstating path 8:32.", "DM_MPATH_PATH_REINSTATED", "8:32", event.Warning, nil),
	single("<4>device-mapper: multipath: queue_if_no_path timeout on 253:3, failing queued IO", "DM_MPATH_QUEUE_TIMEOUT", "253:3", event.Error, nil),
	single("<3>device-mapper: multipath: 253:3: Could not failover device. Error -5.", "DM_MPATH_FAILOVER_FAILED", "", event.Error, map[string]string{"map": "253:3", "errno": "-5"}),
	single("<4>device-mapper: dirty region log: 253:7: Failed to write header on dirty region log device", "DM_DIRTY_LOG_WRITE_FAILED", "253:7", event.Warning, nil),
	single("<4>device-mapper: dirty region log: 8:48: Failed to read header on dirty region log device", "DM_DIRTY_LOG_READ_FAILED", "8:48", event.Warning, nil),
	single("<3>device-mapper: raid1: Mirror read failed from 8:64. Trying alternative device.", "DM_MIRROR_READ_FAILED", "8:64", event.Error, nil),
	single("<3>device-mapper: raid1: Read failure on mirror device 8:80.  Failing I/O.", "DM_MIRROR_READ_FAILED", "8:80", event.Error, nil),
	single("<3>device-mapper: raid1: All sides of mirror have failed.", "DM_MIRROR_FAILED", "", event.Error, nil),
	single("<3>device-mapper: multipath: Could not failover the device: Handler scsi_dh_alua Error 15.", "DM_MPATH_FAILOVER_FAILED", "", event.Error,
		map[string]string{"handler": "alua", "errno": "15"}),
	single("<4>device-mapper: multipath: message: error getting device 8:48", "DM_MPATH_MESSAGE_REJECTED", "8:48", event.Warning, nil),
	single("<4>device-mapper: multipath: invalid PG number supplied to switch_pg_num", "DM_MPATH_MESSAGE_REJECTED", "", event.Warning, nil),
	single("<3>device-mapper: raid1: Primary mirror (8:16) failed while out-of-sync: Reads may fail.", "DM_MIRROR_PRIMARY_FAILED", "8:16", event.Error, nil),
	single("<3>device-mapper: raid1: Write error during recovery (error = 0x1)", "DM_MIRROR_WRITE_FAILED", "", event.Error, map[string]string{"error": "0x1"}),
	none("<6>device-mapper: uevent: version 1.0.3", "<6>device-mapper: ioctl: 4.48.0-ioctl (2023-03-01) initialised: dm-devel@lists.linux.dev",
		"<6>device-mapper: multipath round-robin: version 1.2.0 loaded"),
}

func TestDM(t *testing.T) { runCases(t, dmCases) }
