package parsers

import (
	"os"
	"strings"
	"testing"

	"github.com/peripety/peripety/event"
)

// cond is a case of one record giving one event that opens or clears a
// device condition.
func cond(rec, typ, kdev string, sev event.Severity, condition string) lineCase {
	c := single(rec, typ, kdev, sev, map[string]string{"condition": condition})
	c.name = condition + ": " + c.name
	return c
}

// conditionCases are the faults and recoveries of issue 13, in the
// kernel's own formats (file:line of 6.12 unless said).
var conditionCases = []lineCase{
	// drivers/md/dm-mpath.c fail_path, reinstate_path (map named 5.x+).
	cond("<4>device-mapper: multipath: 253:3: Failing path 8:112.", "DM_MPATH_PATH_FAILED", "8:112", event.Warning, "path:failed"),
	cond("<4>device-mapper: multipath: Reinstating path 8:32.", "DM_MPATH_PATH_REINSTATED", "8:32", event.Warning, "path:active"),
	// drivers/scsi: sd.c, scsi_lib.c scsi_device_state_check, scsi_error.c.
	cond("<3>sd 2:0:0:1: [sdc] tag#3 device offline or changed", "SCSI_DEVICE_OFFLINE", "sdc", event.Error, "device:offline"),
	cond("<3>sd 2:0:0:1: rejecting I/O to offline device", "SCSI_DEVICE_OFFLINE", "2:0:0:1", event.Error, "device:offline"),
	cond("<3>sd 2:0:0:1: rejecting I/O to dead device", "SCSI_DEVICE_OFFLINE", "2:0:0:1", event.Error, "device:removed"),
	cond("<6>sd 2:0:0:1: Device offlined - not ready after error recovery", "SCSI_DEVICE_OFFLINED", "2:0:0:1", event.Info, "device:offline"),
	cond("<3>sd 2:0:0:1: [sdc] Medium access timeout failure. Offlining disk!", "SCSI_MEDIUM_ACCESS_TIMEOUT_OFFLINING_DISK", "sdc", event.Error, "device:offline"),
	cond("<3>sd 2:0:0:1: [sdc] formatted with unsupported protection type 3. Disabling disk!", "SCSI_DEVICE_DISABLED", "sdc", event.Error, "device:offline"),
	cond("<3> rport-2:0-3: blocked FC remote port time out: removing target and saving binding", "FC_RPORT_LOST", "rport-2:0-3", event.Error, "link:down"),
	// block/genhd.c set_capacity_and_notify.
	cond("<6>nvme0n2: detected capacity change from 2097152 to 0", "BLK_CAPACITY_CHANGE", "nvme0n2", event.Info, "device:removed"),
	// drivers/ata: libata-core.c sata_print_link_status, libata-eh.c.
	cond("<6>ata3: SATA link down (SStatus 0 SControl 300)", "ATA_LINK_DOWN", "ata3", event.Info, "link:down"),
	cond("<6>ata3: SATA link up 6.0 Gbps (SStatus 133 SControl 300)", "ATA_LINK_UP", "ata3", event.Info, "link:up"),
	cond("<6>ata3: hard resetting link", "ATA_LINK_RESET", "ata3", event.Info, "link:resetting"),
	cond("<4>ata3: reset failed (errno=-16), retrying in 8 secs", "ATA_LINK_RESET", "ata3", event.Warning, "link:resetting"),
	cond("<3>ata3: reset failed, giving up", "ATA_LINK_FAILED", "ata3", event.Error, "link:down"),
	cond("<3>ata5.15: failed to recover PMP after 5 tries, giving up", "ATA_LINK_FAILED", "ata5.15", event.Error, "link:down"),
	cond("<4>ata5.02: failed to recover link after 3 tries, disabling", "ATA_LINK_FAILED", "ata5.02", event.Warning, "link:down"),
	cond("<4>ata3.00: disable device", "ATA_DEVICE_DISABLED", "ata3.00", event.Warning, "device:offline"),
	cond("<6>ata3.00: configured for UDMA/133", "ATA_DEVICE_CONFIGURED", "ata3.00", event.Info, "device:running"),
	// drivers/nvme/host: core.c, pci.c, fc.c, tcp.c, rdma.c.
	cond("<4>nvme nvme0: I/O tag 28 (401c) opcode 0x2 (Read) QID 3 timeout, reset controller", "NVME_TIMEOUT", "nvme0", event.Warning, "ctrl:resetting"),
	cond("<4>nvme nvme0: controller is down; will reset: CSTS=0xffffffff, PCI_STATUS read failed (134)", "NVME_CTRL_DOWN", "nvme0", event.Warning, "ctrl:resetting"),
	cond("<4>nvme nvme0: resetting controller due to persistent internal error", "NVME_CTRL_RESET", "nvme0", event.Warning, "ctrl:resetting"),
	cond("<4>nvme nvme1: starting error recovery", "NVME_CTRL_RESET", "nvme1", event.Warning, "ctrl:resetting"),
	cond("<4>nvme nvme2: NVME-FC{0}: controller connectivity lost.", "NVME_CTRL_RESET", "nvme2", event.Warning, "ctrl:resetting"),
	cond("<6>nvme nvme1: Reconnecting in 10 seconds...", "NVME_CTRL_RESET", "nvme1", event.Info, "ctrl:resetting"),
	cond("<6>nvme nvme0: 8/0/0 default/read/poll queues", "NVME_CTRL_LIVE", "nvme0", event.Info, "ctrl:live"),
	cond("<6>nvme nvme1: Successfully reconnected (attempt 2/60)", "NVME_CTRL_LIVE", "nvme1", event.Info, "ctrl:live"),
	cond("<3>nvme nvme0: Device not ready; aborting reset, CSTS=0x1", "NVME_CTRL_DOWN", "nvme0", event.Error, "ctrl:dead"),
	cond("<4>nvme nvme2: NVME-FC{0}: Max reconnect attempts (60) reached.", "NVME_CTRL_REMOVED", "nvme2", event.Warning, "ctrl:dead"),
	cond("<6>nvme nvme1: Removing ctrl: NQN \"nqn.2014-08.org.example:target1\"", "NVME_CTRL_REMOVED", "nvme1", event.Info, "ctrl:removed"),
	single("<3>nvme nvme0: Device shutdown incomplete; abort shutdown", "NVME_SHUTDOWN_INCOMPLETE", "nvme0", event.Error, nil),
	// drivers/scsi/scsi_transport_iscsi.c.
	cond("<3> connection1:0: detected conn error (1020)", "ISCSI_CONN_ERROR", "connection1:0", event.Error, "link:down"),
	cond("<6> connection1:0: detected conn login (0)", "ISCSI_CONN_LOGIN", "connection1:0", event.Info, "link:up"),
	cond("<6> session1: session recovery timed out after 120 secs", "ISCSI_SESSION_RECOVERY_TIMEOUT", "session1", event.Error, "link:down"),
	// drivers/md: raid1.c raid1_error, raid5.c, md.c md_do_sync.
	cond("<2>md/raid1:md0: Disk failure on sdb1, disabling device.", "MD_DISK_FAILURE", "sdb1", event.Critical, "member:failed"),
	cond("<2>md/raid1:md0: Operation continuing on 1 devices.", "MD_DEGRADED", "md0", event.Critical, "array:degraded"),
	cond("<2>md/raid:md1: Cannot continue operation (2/4 failed).", "MD_ARRAY_FAILED", "md1", event.Critical, "array:failed"),
	cond("<6>md: recovery of RAID array md0", "MD_SYNC_STARTED", "md0", event.Info, "array:recovering"),
	cond("<6>md: md0: recovery done.", "MD_SYNC_DONE", "md0", event.Info, "array:clean"),
	cond("<6>md: md0: recovery interrupted.", "MD_SYNC_INTERRUPTED", "md0", event.Info, "array:degraded"),
	cond("<6>md/raid1:md0: active with 1 out of 2 mirrors", "MD_ARRAY_STARTED", "md0", event.Warning, "array:degraded"),
	cond("<6>md/raid:md1: raid level 5 active with 4 out of 4 devices, algorithm 2", "MD_ARRAY_STARTED", "md1", event.Info, "array:clean"),
	single("<6>md: md0: check done.", "MD_SYNC_DONE", "md0", event.Info, map[string]string{"action": "check"}),
	// drivers/md/dm-thin.c notify_of_pool_mode_change, check_for_metadata_space.
	cond("<6>device-mapper: thin: 253:2: switching pool to out-of-data-space (queue IO) mode", "DM_THIN_POOL_FULL", "253:2", event.Error, "pool:out_of_data"),
	cond("<3>device-mapper: thin: No free metadata blocks", "DM_THIN_METADATA_FULL", "", event.Error, "pool:out_of_metadata"),
	cond("<6>device-mapper: thin: 253:2: switching pool to read-only mode", "DM_THIN_POOL_MODE_CHANGED", "253:2", event.Error, "pool:read_only"),
	cond("<6>device-mapper: thin: 253:2: switching pool to fail mode", "DM_THIN_POOL_MODE_CHANGED", "253:2", event.Error, "pool:failed"),
	cond("<6>device-mapper: thin: 253:2: switching pool to write mode", "DM_THIN_POOL_MODE_CHANGED", "253:2", event.Info, "pool:ok"),
	single("<6>device-mapper: thin: 253:2: switching pool to frozen mode", "DM_THIN_POOL_MODE_CHANGED", "253:2", event.Info, nil),
	// fs/ext4/super.c, fs/jbd2/journal.c, fs/xfs/xfs_fsops.c, fs/btrfs/messages.c.
	cond("<2>EXT4-fs (sdb1): Remounting filesystem read-only", "FS_REMOUNT_READ_ONLY", "sdb1", event.Critical, "fs:ro"),
	cond("<3>Aborting journal on device sdb1-8.", "FS_JOURNAL_ABORTED", "sdb1", event.Error, "fs:ro"),
	cond("<2>BTRFS critical (device sdb1): forced readonly", "FS_REMOUNT_READ_ONLY", "sdb1", event.Critical, "fs:ro"),
	cond("<1>XFS (sdb1): User initiated shutdown received.", "FS_SHUTDOWN", "sdb1", event.Alert, "fs:shutdown"),
	cond("<1>EXT4-fs (sdb1): shut down requested (2)", "FS_SHUTDOWN", "sdb1", event.Alert, "fs:shutdown"),
	cond("<6>EXT4-fs (sdb1): re-mounted 23ec2fd6-e20f-46e9-9cb2-321b490b94b7 r/w.", "FS_REMOUNTED", "sdb1", event.Info, "fs:rw"),
	cond("<6>XFS (sdb1): Ending clean mount", "FS_MOUNTED", "sdb1", event.Info, "fs:mounted"),
	cond("<5>XFS (sdb1): Unmounting Filesystem 23ec2fd6-e20f-46e9-9cb2-321b490b94b7", "FS_UNMOUNTED", "sdb1", event.Notice, "fs:unmounted"),
}

func TestConditions(t *testing.T) { runCases(t, conditionCases) }

// TestConditionsOnEvents checks that every event of the case tables that
// carries a condition names one of the vocabulary, and the one its rule
// gives.
func TestConditionsOnEvents(t *testing.T) {
	rs := mustRuleSet(t)
	byName := map[string]RuleInfo{}
	for _, r := range rs.Rules() {
		byName[r.Name] = r
	}
	seen := map[string]bool{}
	for _, cases := range caseTables {
		for _, c := range cases {
			for _, e := range parseAll(t, rs, Options{}, c.records) {
				cn := e.Ext("condition")
				if cn == "" {
					continue
				}
				seen[cn] = true
				if _, ok := LookupCondition(cn); !ok {
					t.Errorf("%s: condition %q is not in the vocabulary", e.RawMsg, cn)
				}
				name, _ := rs.MatchRule(Record{Message: e.RawMsg, Level: int(e.Severity), Daemon: e.Ext("daemon")})
				if r := byName[name]; !containsCond(r.Condition, cn) {
					t.Errorf("%s: condition %q, but its rule %s gives %q", e.RawMsg, cn, name, r.Condition)
				}
			}
		}
	}
	for _, c := range Conditions() {
		if !seen[c.Name] {
			t.Errorf("condition %s is given by no test line", c.Name)
		}
	}
}

func containsCond(list, c string) bool {
	for len(list) > 0 {
		var one string
		one, list, _ = strings.Cut(list, "|")
		if one == c {
			return true
		}
	}
	return false
}

// TestConditionsDocumented checks that docs/conditions.md names every
// condition of the vocabulary and every blk_status the block rule gives.
func TestConditionsDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/conditions.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, c := range Conditions() {
		if !strings.Contains(doc, "| `"+c.Name+"` | "+c.Kind.String()+" |") {
			t.Errorf("docs/conditions.md has no row for %s (%s)", c.Name, c.Kind)
		}
	}
	for _, st := range blkStatuses {
		if !strings.Contains(doc, "`"+st.name+"`") {
			t.Errorf("docs/conditions.md does not name %s", st.name)
		}
	}
}
