package parsers

import "regexp"

// NVMe lines (drivers/nvme/host/core.c nvme_log_error, pci.c). I/O errors
// name the namespace ("nvme0n1: Read(0x2) @ LBA …", 5.18+) and are followed
// by the block layer's line for the same disk, which folds into them;
// controller lines are dev_warn on the controller ("nvme nvme0: …").

const nvmeCtrl = `^nvme (?P<kdev>nvme\d+): `

// nvmeTimeout is a command timeout: 6.2+ "I/O tag 28 (401c) opcode 0x2
// (Read) QID 3 timeout", TCP's "… (401c) type 4 opcode …", ≤6.1 "I/O 123
// (I/O Cmd) QID 4 timeout", ≤5.x "I/O 123 QID 4 timeout".
const nvmeTimeout = nvmeCtrl + `I/O (?:tag (?P<tag>\d+) \((?P<cid>[0-9a-f]+)\) (?:type \d+ )?|(?P<tag>\d+) )` +
	`(?:opcode (?P<opcode_hex>0x[0-9a-f]+) \((?P<opcode>[^)]*)\) |\((?P<opcode>[^)]*)\) )?QID (?P<qid>\d+) timeout`

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
	// Timeouts whose handling resets or disables the controller.
	name:  "nvme_timeout_reset",
	level: kernWarning,
	typ:   "NVME_TIMEOUT",
	re:    regexp.MustCompile(nvmeTimeout + `, (?P<action>reset controller|disable controller)`),
	cond:  "ctrl:resetting",
	key:   "nvme", open: true,
	msg: "NVMe command timed out on {kdev} (queue {qid}[, {opcode}]): {action}",
}, {
	// The others: aborting the command, or (TCP, RDMA) no action named,
	// their error recovery follows.
	name:  "nvme_timeout",
	level: kernWarning,
	typ:   "NVME_TIMEOUT",
	re:    regexp.MustCompile(nvmeTimeout + `(?:, (?P<action>aborting|completion polled))?$`),
	key:   "nvme", open: true,
	msg: "NVMe command timed out on {kdev} (queue {qid}[, {opcode}])[: {action}]",
}, {
	name:  "nvme_abort_status",
	level: kernWarning,
	re:    regexp.MustCompile(nvmeCtrl + `Abort status: (?P<abort_status>0x[0-9a-f]+)`),
	role:  roleContext, key: "nvme",
}, {
	name:  "nvme_controller_down",
	level: kernWarning,
	typ:   "NVME_CTRL_DOWN",
	re: regexp.MustCompile(nvmeCtrl + `controller is down; will reset: CSTS=(?P<csts>0x[0-9a-f]+), ` +
		`PCI_STATUS(?:=(?P<pci_status>0x[0-9a-f]+)| read failed \((?P<errno>-?\d+)\))`),
	cond: "ctrl:resetting",
	key:  "nvme", open: true,
	msg: "NVMe controller {kdev} is down (CSTS {csts}[, PCI status {pci_status}][, PCI status read failed: {errno}]); resetting",
}, {
	name:  "nvme_power_saving_hint",
	level: kernWarning,
	re: regexp.MustCompile(nvmeCtrl + `(?:Does your device have a faulty power saving mode enabled\?|` +
		`Try "nvme_core\.default_ps_max_latency_us=0 pcie_aspm=off(?: pcie_port_pm=off)?" and report a bug)`),
	role: roleContext, key: "nvme",
}, {
	// A controller that does not shut down in time, at power-off.
	name:  "nvme_shutdown_incomplete",
	level: kernErr,
	typ:   "NVME_SHUTDOWN_INCOMPLETE",
	re:    regexp.MustCompile(nvmeCtrl + `(?:Device not ready; aborting shutdown|Device shutdown incomplete; abort shutdown)`),
	msg:   "NVMe controller {kdev} did not complete its shutdown",
}, {
	// nvme_wait_ready of a reset or an enable: the controller does not
	// come back.
	name:  "nvme_device_not_ready",
	level: kernErr,
	typ:   "NVME_CTRL_DOWN",
	re:    regexp.MustCompile(nvmeCtrl + `Device not ready; aborting (?P<during>\w+)(?:, CSTS=(?P<csts>0x[0-9a-f]+))?`),
	cond:  "ctrl:dead",
	msg:   "NVMe controller {kdev} not ready; {during} aborted[ (CSTS {csts})]",
}, {
	name:  "nvme_removed",
	level: kernWarning,
	typ:   "NVME_CTRL_REMOVED",
	re:    regexp.MustCompile(nvmeCtrl + `(?:Disabling device after reset failure|Removing after probe failure status): (?P<errno>-?\d+)`),
	cond:  "ctrl:dead",
	msg:   "NVMe controller {kdev} removed after a failed reset (error {errno})",
}, {
	// The reasons core.c, pci.c, fc.c, rdma.c, tcp.c and apple.c give
	// for resetting a controller or recovering its connection.
	name:  "nvme_ctrl_reset",
	level: kernWarning,
	typ:   "NVME_CTRL_RESET",
	re: regexp.MustCompile(nvmeCtrl + `(?:NVME-FC\{\d+\}: )?(?P<reason>resetting controller(?: due to (?:AER|persistent internal error))?|` +
		`Fw activation timeout, reset controller|frozen state error detected, reset controller|starting error recovery|` +
		`controller connectivity lost\.|I/O \d+\(aq:\d+\) timeout: resetting controller)$`),
	cond: "ctrl:resetting",
	msg:  "NVMe controller {kdev} resets: {reason}",
}, {
	// The same at KERN_INFO: multipath's ANA transition timeout, PCI
	// error recovery, fabrics reconnect scheduling.
	name:  "nvme_ctrl_reset_info",
	level: kernInfo,
	typ:   "NVME_CTRL_RESET",
	re: regexp.MustCompile(nvmeCtrl + `(?:NVME-FC\{\d+\}: )?(?P<reason>ANATT timeout, resetting controller\.|restart after slot reset|` +
		`controller connectivity lost\. Awaiting Reconnect|Reconnecting in \d+ seconds\.\.\.|Reconnect attempt in \d+ seconds)$`),
	cond: "ctrl:resetting",
	msg:  "NVMe controller {kdev} resets: {reason}",
}, {
	// Its I/O queues set up (PCI, at probe and after each reset), or a
	// fabrics controller reconnected.
	name:  "nvme_ctrl_live",
	level: kernInfo,
	typ:   "NVME_CTRL_LIVE",
	re: regexp.MustCompile(nvmeCtrl + `(?:NVME-FC\{\d+\}: )?(?P<detail>(?:mapped )?\d+/\d+/\d+ default/read/poll queues\.?|` +
		`Successfully reconnected \([^)]*\)|controller (?:connect|reset) complete|controller reset completed after pcie flr)$`),
	cond: "ctrl:live",
	msg:  "NVMe controller {kdev} is live: {detail}",
}, {
	// The transport gives the controller up, or it failed for good.
	name:  "nvme_ctrl_dead",
	level: kernWarning,
	typ:   "NVME_CTRL_REMOVED",
	re: regexp.MustCompile(nvmeCtrl + `(?:NVME-FC\{\d+\}: )?(?P<reason>Max reconnect attempts \(\d+\) reached\.|` +
		`dev_loss_tmo \(\d+\) expired while waiting for remoteport connectivity\.|failure state error detected, request disconnect|` +
		`Reset failure status: -?\d+|RTKit crashed; unable to recover without a reboot)$`),
	cond: "ctrl:dead",
	msg:  "NVMe controller {kdev} is given up: {reason}",
}, {
	// A controller deleted: by nvme disconnect, or once reconnecting
	// ran out of time (ctrl_loss_tmo).
	name:  "nvme_ctrl_removing",
	level: kernInfo,
	typ:   "NVME_CTRL_REMOVED",
	re:    regexp.MustCompile(nvmeCtrl + `(?P<detail>Removing ctrl: NQN "(?P<subsysnqn>[^"]*)"|Removing controller(?: \(-?\d+\))?\.\.\.)$`),
	cond:  "ctrl:removed",
	msg:   "NVMe controller {kdev} removed[ (subsystem {subsysnqn})]",
}}
