package parsers

import "regexp"

// NVMe lines (drivers/nvme/host/core.c nvme_log_error, pci.c). I/O errors
// name the namespace ("nvme0n1: Read(0x2) @ LBA …", 5.18+) and are followed
// by the block layer's line for the same disk, which folds into them;
// controller lines are dev_warn on the controller ("nvme nvme0: …").

const nvmeCtrl = `^nvme (?P<kdev>nvme\d+): `

var nvmeRules = []rule{{
	name:     "nvme_io_error",
	level:    kernErr,
	typ:      "NVME_IO_ERROR",
	prefixes: []string{"nvme"},
	re: regexp.MustCompile(`^(?P<kdev>nvme\d+(?:c\d+)?n\d+): (?P<opcode>[^(]+)\((?P<opcode_hex>0x[0-9a-f]+)\) @ LBA (?P<lba>\d+), (?P<blocks>\d+) blocks, ` +
		`(?P<status>.+?) \(sct (?P<sct>0x[0-9a-f]+) / sc (?P<sc>0x[0-9a-f]+)\)(?: (?P<flags>(?:MORE|DNR| )+?))?\s*$`),
	key: "disk", open: true,
	msg: "NVMe {opcode} error on {kdev} at LBA {lba} ({blocks} blocks): {status} (sct {sct} / sc {sc})",
}, {
	name:     "nvme_admin_error",
	level:    kernErr,
	typ:      "NVME_ADMIN_ERROR",
	prefixes: []string{"nvme"},
	// The namespace's name for a command without an LBA (5.19+), and
	// 6.x passthrough commands with their dwords.
	re: regexp.MustCompile(`^(?P<kdev>nvme\d+(?:c\d+)?(?:n\d+)?): (?P<opcode>[^(]+)\((?P<opcode_hex>0x[0-9a-f]+)\), (?P<status>.+?) ` +
		`\(sct (?P<sct>0x[0-9a-f]+) / sc (?P<sc>0x[0-9a-f]+)\)(?: (?P<flags>(?:MORE|DNR| )+?))?(?: cdw10=.*)?\s*$`),
	msg: "NVMe admin command {opcode} failed on {kdev}: {status} (sct {sct} / sc {sc})",
}, {
	// 6.2+: "I/O tag 28 (401c) opcode 0x2 (Read) QID 3 timeout, reset controller"
	name:  "nvme_timeout",
	level: kernWarning,
	typ:   "NVME_TIMEOUT",
	re: regexp.MustCompile(nvmeCtrl + `I/O tag (?P<tag>\d+) \((?P<cid>[0-9a-f]+)\) (?:opcode (?P<opcode_hex>0x[0-9a-f]+) \((?P<opcode>[^)]*)\) )?` +
		`QID (?P<qid>\d+) timeout, (?P<action>aborting|reset controller|completion polled|disable controller)`),
	key: "nvme", open: true,
	msg: "NVMe command timed out on {kdev} (queue {qid}[, {opcode}]): {action}",
}, {
	// ≤6.1: "I/O 123 (I/O Cmd) QID 4 timeout, aborting", ≤5.x without the opcode.
	name:  "nvme_timeout_legacy",
	level: kernWarning,
	typ:   "NVME_TIMEOUT",
	re: regexp.MustCompile(nvmeCtrl + `I/O (?P<tag>\d+) (?:\((?P<opcode>[^)]*)\) )?QID (?P<qid>\d+) timeout, ` +
		`(?P<action>aborting|reset controller|completion polled|disable controller)`),
	key: "nvme", open: true,
	msg: "NVMe command timed out on {kdev} (queue {qid}[, {opcode}]): {action}",
}, {
	name:  "nvme_abort_status",
	level: kernWarning,
	re:    regexp.MustCompile(nvmeCtrl + `Abort status: (?P<abort_status>0x[0-9a-f]+)`),
	role:  roleContext, key: "nvme",
}, {
	name:  "nvme_controller_down",
	level: kernWarning,
	typ:   "NVME_CTRL_DOWN",
	re:    regexp.MustCompile(nvmeCtrl + `controller is down; will reset: CSTS=(?P<csts>0x[0-9a-f]+), PCI_STATUS=(?P<pci_status>0x[0-9a-f]+)`),
	key:   "nvme", open: true,
	msg: "NVMe controller {kdev} is down (CSTS {csts}, PCI status {pci_status}); resetting",
}, {
	name:  "nvme_power_saving_hint",
	level: kernWarning,
	re: regexp.MustCompile(nvmeCtrl + `(?:Does your device have a faulty power saving mode enabled\?|` +
		`Try "nvme_core\.default_ps_max_latency_us=0 pcie_aspm=off(?: pcie_port_pm=off)?" and report a bug)`),
	role: roleContext, key: "nvme",
}, {
	name:  "nvme_device_not_ready",
	level: kernWarning,
	typ:   "NVME_CTRL_DOWN",
	re:    regexp.MustCompile(nvmeCtrl + `Device not ready; aborting (?P<during>reset|initialisation|shutdown)(?:, CSTS=(?P<csts>0x[0-9a-f]+))?`),
	msg:   "NVMe controller {kdev} not ready; {during} aborted[ (CSTS {csts})]",
}, {
	name:  "nvme_removed",
	level: kernWarning,
	typ:   "NVME_CTRL_REMOVED",
	re:    regexp.MustCompile(nvmeCtrl + `(?:Disabling device after reset failure|Removing after probe failure status): (?P<errno>-?\d+)`),
	msg:   "NVMe controller {kdev} removed after a failed reset (error {errno})",
}}
