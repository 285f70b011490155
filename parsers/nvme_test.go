package parsers

import (
	"testing"

	"github.com/peripety/peripety/event"
)

var nvmeCases = []lineCase{{
	name: "read error and its block line are one event",
	records: []string{
		"<3>nvme0n1: Read(0x2) @ LBA 1953520, 8 blocks, Unrecovered Read Error (sct 0x2 / sc 0x81) DNR ",
		"<3>critical medium error, dev nvme0n1, sector 1953520 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2",
	},
	want: []want{{Type: "NVME_IO_ERROR", Kdev: "nvme0n1", Sev: event.Error,
		Raw: "nvme0n1: Read(0x2) @ LBA 1953520, 8 blocks, Unrecovered Read Error (sct 0x2 / sc 0x81) DNR ",
		Msg: "NVMe Read error on nvme0n1 at LBA 1953520 (8 blocks): Unrecovered Read Error (sct 0x2 / sc 0x81)",
		Ext: map[string]string{"lba": "1953520", "blocks": "8", "sct": "0x2", "sc": "0x81", "flags": "DNR", "sector": "1953520"}}},
},
	single("<3>nvme0n1: I/O Cmd(0x1) @ LBA 4096, 256 blocks, I/O Error (sct 0x2 / sc 0x80) DNR ", "NVME_IO_ERROR", "nvme0n1", event.Error,
		map[string]string{"lba": "4096", "blocks": "256", "opcode": "I/O Cmd"}),
	single("<3>nvme0c0n1: Write(0x1) @ LBA 0, 1 blocks, Host Aborted Command (sct 0x3 / sc 0x71) ", "NVME_IO_ERROR", "nvme0c0n1", event.Error, nil),
	single("<3>nvme0: Identify(0x6), Invalid Field in Command (sct 0x0 / sc 0x2) DNR ", "NVME_ADMIN_ERROR", "nvme0", event.Error,
		map[string]string{"opcode": "Identify", "sc": "0x2"}),
	single("<4>nvme nvme0: I/O tag 28 (401c) opcode 0x2 (Read) QID 3 timeout, reset controller", "NVME_TIMEOUT", "nvme0", event.Warning,
		map[string]string{"tag": "28", "qid": "3", "action": "reset controller", "opcode": "Read"}),
	single("<4>nvme nvme1: I/O 872 QID 7 timeout, reset controller", "NVME_TIMEOUT", "nvme1", event.Warning, map[string]string{"qid": "7"}),
	{
		name: "timeout with its abort status",
		records: []string{
			"<4>nvme nvme0: I/O 123 (I/O Cmd) QID 4 timeout, aborting",
			"<4>nvme nvme0: Abort status: 0x0",
		},
		want: []want{{Type: "NVME_TIMEOUT", Kdev: "nvme0", Sev: event.Warning, Raw: "nvme nvme0: I/O 123 (I/O Cmd) QID 4 timeout, aborting",
			Msg: "NVMe command timed out on nvme0 (queue 4, I/O Cmd): aborting", Ext: map[string]string{"abort_status": "0x0"}}},
	}, {
		name: "controller down with its hints",
		records: []string{
			"<4>nvme nvme0: controller is down; will reset: CSTS=0xffffffff, PCI_STATUS=0xffff",
			"<4>nvme nvme0: Does your device have a faulty power saving mode enabled?",
			"<4>nvme nvme0: Try \"nvme_core.default_ps_max_latency_us=0 pcie_aspm=off pcie_port_pm=off\" and report a bug",
			"<4>nvme nvme0: Disabling device after reset failure: -19",
		},
		want: []want{
			{Type: "NVME_CTRL_DOWN", Kdev: "nvme0", Sev: event.Warning, Raw: "nvme nvme0: controller is down; will reset: CSTS=0xffffffff, PCI_STATUS=0xffff"},
			{Type: "NVME_CTRL_REMOVED", Kdev: "nvme0", Sev: event.Warning, Raw: "nvme nvme0: Disabling device after reset failure: -19",
				Msg: "NVMe controller nvme0 removed after a failed reset (error -19)"},
		},
	},
	single("<4>nvme nvme2: Removing after probe failure status: -19", "NVME_CTRL_REMOVED", "nvme2", event.Warning, nil),
	single("<4>nvme nvme0: Device not ready; aborting reset, CSTS=0x1", "NVME_CTRL_DOWN", "nvme0", event.Warning, map[string]string{"csts": "0x1"}),
	none("<6>nvme nvme0: pci function 0000:01:00.0", "<6> nvme0n1: p1 p2 p3"),
}

// nvmeFaultCases are the failures of controllers, connections and
// namespaces (drivers/nvme/host, 4.19-6.12), each a specific event.
var nvmeFaultCases = []lineCase{
	single("<4>nvme nvme0: I/O tag 7 (1007) opcode 0x1 (Write) QID 2 timeout, aborting req_op:WRITE(1) size:4096", "NVME_TIMEOUT", "nvme0", event.Warning,
		map[string]string{"action": "aborting", "req_op": "WRITE(1)", "size": "4096"}),
	single("<4>nvme nvme1: I/O tag 12 (200c) type 4 opcode 0x2 (Read) QID 1 timeout", "NVME_TIMEOUT", "nvme1", event.Warning, map[string]string{"qid": "1"}),
	single("<3>nvme nvme1: keep-alive failed: -5", "NVME_KEEP_ALIVE_FAILED", "nvme1", event.Error, nil),
	single("<4>nvme nvme1: long keepalive RTT (12050 ms)", "NVME_KEEP_ALIVE_SLOW", "nvme1", event.Warning, map[string]string{"rtt_ms": "12050"}),
	single("<3>nvme nvme0: Identify Controller failed (-4)", "NVME_CTRL_INIT_ERROR", "nvme0", event.Error, nil),
	single("<4>nvme nvme0: IO queues not created", "NVME_CTRL_INIT_ERROR", "nvme0", event.Warning, nil),
	single("<4>nvme nvme0: IO queues lost", "NVME_CTRL_REMOVED", "nvme0", event.Warning, map[string]string{"condition": "ctrl:dead"}),
	single("<3>nvme nvme0: identifiers changed for nsid 1", "NVME_NAMESPACE_ERROR", "nvme0", event.Error, map[string]string{"nsid": "1"}),
	single("<3>nvme nvme0: duplicate IDs in subsystem for nsid 2", "NVME_NAMESPACE_ERROR", "nvme0", event.Error, map[string]string{"nsid": "2"}),
	single("<4>nvme nvme0: Identify Descriptors failed (nsid=1, status=0x2)", "NVME_NAMESPACE_ERROR", "nvme0", event.Warning, nil),
	single("<3>nvme nvme2: Duplicate cntlid 1 with nvme1, subsys nqn.2019-08.org.qemu:nvme, rejecting", "NVME_SUBSYSTEM_ERROR", "nvme2", event.Error, nil),
	single("<4>nvme nvme1: missing or invalid SUBNQN field.", "NVME_SUBSYSTEM_ERROR", "nvme1", event.Warning, nil),
	single("<3>nvme nvme1: Connect command failed, error wo/DNR bit: 6", "NVME_CONNECT_ERROR", "nvme1", event.Error, nil),
	single("<3>nvme nvme1: failed to connect socket: -111", "NVME_CONNECT_ERROR", "nvme1", event.Error, nil),
	single("<3>nvme nvme1: Connect Invalid Data Parameter, cntlid: 65535", "NVME_CONNECT_ERROR", "nvme1", event.Error, nil),
	single("<4>nvme nvme2: NVME-FC{0}: reconnect failure", "NVME_CONNECT_ERROR", "nvme2", event.Warning, nil),
	single("<3>nvme nvme1: queue 2: receive failed:  -104", "NVME_TRANSPORT_ERROR", "nvme1", event.Error, nil),
	single("<3>nvme nvme1: data digest error: recv 0x8d7d9e3c expected 0x1f44b7a1", "NVME_TRANSPORT_ERROR", "nvme1", event.Error, nil),
	single("<3>nvme nvme1: got bad cqe.command_id 0x4012 on queue 3", "NVME_TRANSPORT_ERROR", "nvme1", event.Error, nil),
	single("<4>nvme nvme2: NVME-FC{0}: transport association event: transport detected io error", "NVME_TRANSPORT_ERROR", "nvme2", event.Warning, nil),
	single("<4>nvme nvme1: qid 0: authentication failed", "NVME_AUTH_ERROR", "nvme1", event.Warning, nil),
	single("<4>nvme nvme1: qid 1 failed to receive challenge, error -110", "NVME_AUTH_ERROR", "nvme1", event.Warning, nil),
	single("<3>nvme nvme0: disabling ANA support.", "NVME_ANA_ERROR", "nvme0", event.Error, nil),
	single("<4>nvme nvme0: Failed to get ANA log: -5", "NVME_ANA_ERROR", "nvme0", event.Warning, nil),
	single("<3>nvme nvme1: qid 0 auth_send failed with error -110", "NVME_AUTH_ERROR", "nvme1", event.Error, nil),
	single("<4>nvme nvme0: invalid id 42 completed on queue 3", "NVME_INVALID_COMPLETION", "nvme0", event.Warning, map[string]string{"cid": "42"}),
	single("<3>nvme nvme0: failed to set APST feature (-19)", "NVME_POWER_STATE_ERROR", "nvme0", event.Error, nil),
	single("<4>nvme nvme0: async event result 00010300", "NVME_ASYNC_EVENT", "nvme0", event.Warning, map[string]string{"result": "00010300"}),
	single("<4>nvme nvme0: Zone Append not supported for zoned namespace:1. Forcing to read-only mode", "NVME_ZONE_ERROR", "nvme0", event.Warning, nil),
	single("<3>nvme nvme0: invalid zone type 0x7", "NVME_ZONE_ERROR", "nvme0", event.Error, nil),
	single("<3>nvme_tcp: queue 0: header digest mismatch host: enabled ctrl: disabled", "NVME_CONNECT_ERROR", "", event.Error,
		map[string]string{"transport": "tcp"}),
	single("<4>nvme_tcp: queue 1: failed to receive icresp, error -104", "NVME_CONNECT_ERROR", "", event.Warning, nil),
	single("<3>nvme_rdma: ib_check_mr_status failed, ret -22", "NVME_TRANSPORT_ERROR", "", event.Error, nil),
	single("<3>nvme_rdma: PI error found type 1 expected 0x1a2b vs actual 0x0", "NVME_INTEGRITY_ERROR", "", event.Error, map[string]string{"pi_error_type": "1"}),
	single("<3>qla2xxx 0000:3b:00.0: queue 0 connect admin queue failed (-111).", "NVME_CONNECT_ERROR", "", event.Error,
		map[string]string{"adapter": "0000:3b:00.0"}),
	single("<3>lpfc 0000:3b:00.1: FCP Op failed - cmdiu dma mapping failed.", "NVME_TRANSPORT_ERROR", "", event.Error, nil),
	single("<4>lpfc 0000:3b:00.1: LLDD rejected LS RSP xmt: LS 1 status -5", "NVME_TRANSPORT_ERROR", "", event.Warning, nil),
	single("<4>block nvme0n1: no usable path - requeuing I/O", "NVME_MPATH_NO_PATH", "nvme0n1", event.Warning, map[string]string{"action": "requeuing"}),
	single("<4>block nvme0n1: no available path - failing I/O", "NVME_MPATH_NO_PATH", "nvme0n1", event.Error, map[string]string{"action": "failing"}),
	single("<4>nvme nvme2: NVME-FC{0}: transport unloading: deleting ctrl", "NVME_CTRL_REMOVED", "nvme2", event.Warning, nil),
	single("<6>nvme nvme2: NVME-FC{0}: controller reset complete", "NVME_CTRL_LIVE", "nvme2", event.Info, nil),
	single("<6>nvme nvme1: ANATT timeout, resetting controller.", "NVME_CTRL_RESET", "nvme1", event.Info, nil),
	single("<4>nvme nvme0: Fw activation timeout, reset controller", "NVME_CTRL_RESET", "nvme0", event.Warning, nil),
}

func TestNVMe(t *testing.T) {
	runCases(t, nvmeCases)
	runCases(t, nvmeFaultCases)
}
