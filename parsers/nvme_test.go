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

func TestNVMe(t *testing.T) { runCases(t, nvmeCases) }
