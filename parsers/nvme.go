package parsers

import (
	"github.com/peripety/peripety/event"
)

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

var nvmeRules = append([]rule{{
	name:     "nvme_io_error",
	level:    kernErr,
	typ:      "NVME_IO_ERROR",
	prefixes: []string{"nvme"},
	re: pat(`^(?P<kdev>nvme\d+(?:c\d+)?n\d+): (?P<opcode>[^(]+)\((?P<opcode_hex>0x[0-9a-f]+)\) @ LBA (?P<lba>\d+), (?P<blocks>\d+) blocks, ` +
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
	re: pat(`^(?P<kdev>nvme\d+(?:c\d+)?(?:n\d+)?): (?P<opcode>[^(]+)\((?P<opcode_hex>0x[0-9a-f]+)\), (?P<status>.+?) ` +
		`\(sct (?P<sct>0x[0-9a-f]+) / sc (?P<sc>0x[0-9a-f]+)\)(?: (?P<flags>(?:MORE|DNR| )+?))?(?: cdw10=.*)?\s*$`),
	msg: "NVMe admin command {opcode} failed on {kdev}: {status} (sct {sct} / sc {sc})",
}, {
	// Timeouts whose handling resets or disables the controller.
	name:  "nvme_timeout_reset",
	level: kernWarning,
	typ:   "NVME_TIMEOUT",
	re:    pat(nvmeTimeout + `, (?P<action>reset controller|disable controller)(?: req_op:(?P<req_op>\S+) size:(?P<size>\d+))?$`),
	cond:  "ctrl:resetting",
	key:   "nvme", open: true,
	msg: "NVMe command timed out on {kdev} (queue {qid}[, {opcode}]): {action}",
}, {
	// The others: aborting the command, or (TCP, RDMA) no action named,
	// their error recovery follows.
	name:  "nvme_timeout",
	level: kernWarning,
	typ:   "NVME_TIMEOUT",
	re:    pat(nvmeTimeout + `(?:, (?P<action>aborting|completion polled))?(?: req_op:(?P<req_op>\S+) size:(?P<size>\d+))?$`),
	key:   "nvme", open: true,
	msg: "NVMe command timed out on {kdev} (queue {qid}[, {opcode}])[: {action}]",
}, {
	name:  "nvme_abort_status",
	level: kernWarning,
	re:    pat(nvmeCtrl + `Abort status: (?P<abort_status>0x[0-9a-f]+)`),
	role:  roleContext, key: "nvme",
}, {
	name:  "nvme_controller_down",
	level: kernWarning,
	typ:   "NVME_CTRL_DOWN",
	re: pat(nvmeCtrl + `controller is down; will reset: CSTS=(?P<csts>0x[0-9a-f]+), ` +
		`PCI_STATUS(?:=(?P<pci_status>0x[0-9a-f]+)| read failed \((?P<errno>-?\d+)\))`),
	cond: "ctrl:resetting",
	key:  "nvme", open: true,
	msg: "NVMe controller {kdev} is down (CSTS {csts}[, PCI status {pci_status}][, PCI status read failed: {errno}]); resetting",
}, {
	name:  "nvme_power_saving_hint",
	level: kernWarning,
	re: pat(nvmeCtrl + `(?:Does your device have a faulty power saving mode enabled\?|` +
		`Try "nvme_core\.default_ps_max_latency_us=0 pcie_aspm=off(?: pcie_port_pm=off)?" and report a bug)`),
	role: roleContext, key: "nvme",
}, {
	// A controller that does not shut down in time, at power-off.
	name:  "nvme_shutdown_incomplete",
	level: kernErr,
	typ:   "NVME_SHUTDOWN_INCOMPLETE",
	re:    pat(nvmeCtrl + `(?:Device not ready; aborting shutdown|Device shutdown incomplete; abort shutdown)`),
	msg:   "NVMe controller {kdev} did not complete its shutdown",
}, {
	// nvme_wait_ready of a reset or an enable: the controller does not
	// come back.
	name:  "nvme_device_not_ready",
	level: kernErr,
	typ:   "NVME_CTRL_DOWN",
	re:    pat(nvmeCtrl + `Device not ready; aborting (?P<during>\w+)(?:, CSTS=(?P<csts>0x[0-9a-f]+))?`),
	cond:  "ctrl:dead",
	msg:   "NVMe controller {kdev} not ready; {during} aborted[ (CSTS {csts})]",
}, {
	name:  "nvme_removed",
	level: kernWarning,
	typ:   "NVME_CTRL_REMOVED",
	re:    pat(nvmeCtrl + `(?:Disabling device after reset failure|Removing after probe failure status): (?P<errno>-?\d+)`),
	cond:  "ctrl:dead",
	msg:   "NVMe controller {kdev} removed after a failed reset (error {errno})",
}, {
	// The reasons core.c, pci.c, fc.c, rdma.c, tcp.c and apple.c give
	// for resetting a controller or recovering its connection.
	name:  "nvme_ctrl_reset",
	level: kernWarning,
	typ:   "NVME_CTRL_RESET",
	re: pat(nvmeCtrl + `(?P<reason>resetting controller(?: due to (?:AER|persistent internal error))?|` +
		`Fw activation timeout, reset controller|frozen state error detected, reset controller|starting error recovery|` +
		`NVME-FC\{\d+\}: (?:resetting controller|controller connectivity lost\.))$`),
	cond: "ctrl:resetting",
	msg:  "NVMe controller {kdev} resets: {reason}",
}, {
	// The same at KERN_INFO: multipath's ANA transition timeout, PCI
	// error recovery, fabrics reconnect scheduling.
	name:  "nvme_ctrl_reset_info",
	level: kernInfo,
	typ:   "NVME_CTRL_RESET",
	re: pat(nvmeCtrl + `(?P<reason>ANATT timeout, resetting controller\.|restart after slot reset|Reconnecting in \d+ seconds\.\.\.|` +
		`NVME-FC\{\d+\}: (?:controller connectivity lost\. Awaiting Reconnect|Reconnect attempt in \d+ seconds))$`),
	cond: "ctrl:resetting",
	msg:  "NVMe controller {kdev} resets: {reason}",
}, {
	// Its I/O queues set up (PCI, at probe and after each reset), or a
	// fabrics controller reconnected.
	name:  "nvme_ctrl_live",
	level: kernInfo,
	typ:   "NVME_CTRL_LIVE",
	re: pat(nvmeCtrl + `(?P<detail>(?:mapped )?\d+/\d+/\d+ default/read/poll queues\.?|` +
		`Successfully reconnected \([^)]*\)|NVME-FC\{\d+\}: controller (?:connect|reset) complete|controller reset completed after pcie flr)$`),
	cond: "ctrl:live",
	msg:  "NVMe controller {kdev} is live: {detail}",
}, {
	// The transport gives the controller up, or it failed for good.
	name:  "nvme_ctrl_dead",
	level: kernWarning,
	typ:   "NVME_CTRL_REMOVED",
	re: pat(nvmeCtrl + `(?P<reason>NVME-FC\{\d+\}: (?:Max reconnect attempts \(\d+\) reached\.|` +
		`dev_loss_tmo \(\d+\) expired while waiting for remoteport connectivity\.|transport unloading: deleting ctrl)|` +
		`failure state error detected, request disconnect|IO queues lost)$`),
	cond: "ctrl:dead",
	msg:  "NVMe controller {kdev} is given up: {reason}",
}, {
	// A controller deleted: by nvme disconnect, or once reconnecting
	// ran out of time (ctrl_loss_tmo).
	name:  "nvme_ctrl_removing",
	level: kernInfo,
	typ:   "NVME_CTRL_REMOVED",
	re:    pat(nvmeCtrl + `(?P<detail>Removing ctrl: NQN "(?P<subsysnqn>[^"]*)"|Removing controller(?: \(-?\d+\))?\.\.\.)$`),
	cond:  "ctrl:removed",
	msg:   "NVMe controller {kdev} removed[ (subsystem {subsysnqn})]",
}}, nvmeLineRules()...)

// nvmeLine is a rule of a controller line ("nvme nvme0: …") whose text
// after the prefix matches body.
type nvmeLine struct {
	name, typ string
	level     printkLevel
	body, msg string
}

// nvmeLines are the failures of NVMe controllers, their connections and
// namespaces (drivers/nvme/host: core.c, pci.c, fabrics.c, fc.c, rdma.c,
// tcp.c, auth.c, multipath.c, zns.c), 4.19-6.12.
var nvmeLines = []nvmeLine{
	{"nvme_keep_alive_failed", "NVME_KEEP_ALIVE_FAILED", kernErr,
		`(?P<detail>keep-alive failed(?:: -?\d+)?|failed nvme_keep_alive_end_io error=-?\d+)$`,
		"NVMe controller {kdev}: {detail}; the connection is being recovered"},
	{"nvme_keep_alive_slow", "NVME_KEEP_ALIVE_SLOW", kernWarning, `long keepalive RTT \((?P<rtt_ms>\d+) ms\)`,
		"NVMe controller {kdev}: keep-alive took {rtt_ms} ms"},
	// Probing or resetting the controller failed at one of its steps.
	{"nvme_ctrl_init_error", "NVME_CTRL_INIT_ERROR", kernErr,
		`(?P<detail>Could not set queue count \(-?\d+\)|Reading (?:VS|CAP|CRTO) failed \(-?\d+\)|Identify Controller failed \(-?\d+\)|` +
			`Minimum device page size \d+ too large for host \(\d+\)|unable to set any I/O queues|prop_get NVME_REG_CAP failed|` +
			`Property [GS]et error: -?\d+, offset 0x[0-9a-f]+|I/O queue (?:command|response) capsule supported size -?\d+ < \d+|` +
			`icdoff (?:\d+ )?is not supported!|Mandatory (?:keyed )?sgls are not supported!|failed async event work|` +
			`NVME-FC\{\d+\}: failed to init ctrl state)$`,
		"NVMe controller {kdev}: {detail}"},
	{"nvme_ctrl_init_warning", "NVME_CTRL_INIT_ERROR", kernWarning,
		`(?P<detail>IO queues not created|IO queues tagset allocation failed -?\d+|failed to mark controller (?:CONNECTING|live state|state \d+)|` +
			`ctrl state \d+ is not RESETTING|Firmware bug: maximum outstanding commands is 0|bad crto:[0-9a-f]+ cap:[0-9a-f]+|` +
			`Failed to configure AEN \(cfg [0-9a-f]+\)|reading non-mdts-limits failed: -?\d+|Get FW SLOT INFO log error|` +
			`could not set timestamp \(-?\d+\))$`,
		"NVMe controller {kdev}: {detail}"},
	// Namespace identification: a namespace whose identifiers are
	// missing, changed or shared by another is not what it was.
	{"nvme_namespace_error", "NVME_NAMESPACE_ERROR", kernErr,
		`(?P<detail>identifiers changed for nsid (?P<nsid>\d+)|duplicate IDs (?:in subsystem )?for nsid (?P<nsid>\d+)|` +
			`ignoring nsid (?P<nsid>\d+) because of duplicate IDs|clearing duplicate IDs for nsid (?P<nsid>\d+)|` +
			`use of /dev/disk/by-id/ may cause data corruption|IDs don't match for shared namespace (?P<nsid>\d+)|` +
			`Duplicate unshared namespace (?P<nsid>\d+))$`,
		"NVMe controller {kdev}: {detail}"},
	{"nvme_namespace_warning", "NVME_NAMESPACE_ERROR", kernWarning,
		`(?P<detail>Identify namespace failed(?: \(-?\d+\))?|(?:nvme_report_ns_ids: )?Identify Descriptors failed.*|` +
			`ctrl returned bogus length: \d+ for NVME_NIDT_\w+|[Cc]ommand set not reported for nsid: ?\d+|` +
			`Identify NS List failed \(status=0x[0-9a-f]+\)|unknown csi \d+ for nsid \d+|nsid \d+ not supported without CONFIG_BLK_DEV_ZONED|` +
			`reading changed ns log failed: -?\d+|Found shared namespace \d+, but multipathing not supported\.)$`,
		"NVMe controller {kdev}: {detail}"},
	{"nvme_subsystem_error", "NVME_SUBSYSTEM_ERROR", kernErr,
		`(?P<detail>Duplicate cntlid \d+ with .*|Subsystem does not support multiple controllers|Subsystem \S+ is not a discovery controller|` +
			`ignoring ctrl due to duplicate subnqn \(.*\)\.|Mismatching cntlid: Connect \d+ vs Identify \d+, rejecting)$`,
		"NVMe controller {kdev}: {detail}"},
	{"nvme_subnqn_invalid", "NVME_SUBSYSTEM_ERROR", kernWarning, `(?P<detail>missing or invalid SUBNQN field\.)$`,
		"NVMe controller {kdev}: {detail}"},
	// Fabrics: connecting the admin or an I/O queue failed.
	{"nvme_connect_error", "NVME_CONNECT_ERROR", kernErr,
		`(?P<detail>Connect (?:command failed.*|for subsystem .* is not allowed, hostnqn: .*|incompatible format: -?\d+|rejected: .*)|` +
			`q(?:ueue)? \d+ (?:connect (?:admin queue |command |I/O queue )?failed.*|Create (?:Association|I/O Connection) LS failed: .*)|` +
			`rdma_(?:resolve_route|connect|connect_locked) failed \(-?\d+\)\.|Unexpected RDMA CM event \(\d+\)|` +
			`failed to (?:connect (?:socket|queue): .*|create socket: -?\d+|bind queue \d+ socket -?\d+|bind to interface .*|allocate queue \d+ crypto)|` +
			`queue \d+: (?:failed to start TLS: -?\d+|TLS handshake (?:failed|complete), error -?\d+)|no valid PSK found|no PSK negotiated|` +
			`NVME-FC\{\d+\}: (?:error_recovery: Couldn't change state to CONNECTING|failed to schedule (?:initial connect|connect after reset)))$`,
		"NVMe controller {kdev}: {detail}"},
	{"nvme_connect_warning", "NVME_CONNECT_ERROR", kernWarning,
		`(?P<detail>NVME-FC\{\d+\}: (?:create_assoc failed, .*|transport error during \(re\)connect|reconnect failure|Couldn't schedule reset\.))$`,
		"NVMe controller {kdev}: {detail}"},
	// Connect failure details ("Connect Invalid Data Parameter, cntlid: 1").
	{"nvme_connect_detail", "NVME_CONNECT_ERROR", kernErr,
		`(?P<detail>.+, (?:cntlid: \d+|hostnqn ".*"|subsysnqn ".*"|starting byte offset: \d+|qid \d+))$`,
		"NVMe controller {kdev}: {detail}"},
	// Fabrics: a live connection that breaks (its recovery follows).
	{"nvme_transport_error", "NVME_TRANSPORT_ERROR", kernErr,
		`(?P<detail>(?:queue \d+: )?receive failed: +-?\d+|failed to send request -?\d+|(?:header|data) digest error: .*|` +
			`got bad \S+ 0x[0-9a-f]+ on (?:queue|QP) .*|queue \d+ (?:tag 0x[0-9a-f]+ .*|no space in request .*|failed to copy request .*)|` +
			`req \d+ (?:r2t .*|unexpected r2t .*)|unsupported pdu type \(\d+\)|pdu type \d+ has unexpected header length .*|` +
			`Received (?:a malformed )?C2HTermReq .*|queue \d+: (?:(?:header|data) digest flag is cleared|truncated TLS alert|fatal TLS alert \d+)|` +
			`nvme_rdma_post_(?:send|recv) failed with error code -?\d+|tag 0x[0-9a-f]+ on QP .* not found|Bogus remote invalidation for rkey .*|` +
			`Queueing INV WR for rkey .* failed \(-?\d+\)|Failed to map data \(-?\d+\)|Unexpected nvme completion length\(\d+\))$`,
		"NVMe controller {kdev}: transport error: {detail}"},
	{"nvme_transport_warning", "NVME_TRANSPORT_ERROR", kernWarning,
		`(?P<detail>queue \d+: (?:timeout request 0x[0-9a-f]+ type \d+|TLS alert \d+|Invalid key [0-9a-f]+)|qid \d+: timeout draining sock wmem allocation expired|` +
			`NVME-FC\{\d+\}: transport association (?:error detected|event): .*)$`,
		"NVMe controller {kdev}: transport: {detail}"},
	// In-band authentication (DH-HMAC-CHAP).
	{"nvme_auth_error", "NVME_AUTH_ERROR", kernErr, `(?P<detail>qid \d+ auth_send failed with error -?\d+)$`,
		"NVMe controller {kdev}: authentication: {detail}"},
	{"nvme_auth_warning", "NVME_AUTH_ERROR", kernWarning,
		`(?P<detail>qid \d+:? (?:.*authenticat.*|auth_send failed with status -?\d+|failed to receive (?:challenge|success1), .*|` +
			`invalid (?:message|transaction ID|HASH ID|hash length|DH group id|DH value for NULL DH|ctrl key).*|empty DH value|` +
			`error -?\d+ initializing DH group .*|failed to (?:allocate hash|set key).*|no key|secure concatenation is not supported))$`,
		"NVMe controller {kdev}: authentication: {detail}"},
	// Asymmetric namespace access.
	{"nvme_ana_error", "NVME_ANA_ERROR", kernErr,
		`(?P<detail>ANA log page size \(\d+\) larger than MDTS \(\d+\)\.|disabling ANA support\.|Invalid MNAN value \d+)$`,
		"NVMe controller {kdev}: {detail}"},
	{"nvme_ana_warning", "NVME_ANA_ERROR", kernWarning, `(?P<detail>Failed to get ANA log: -?\d+)$`, "NVMe controller {kdev}: {detail}"},
	// A completion the driver sent no command for: controller firmware.
	{"nvme_invalid_completion", "NVME_INVALID_COMPLETION", kernWarning, `invalid id (?P<cid>\d+) completed on queue (?P<qid>\d+)`,
		"NVMe controller {kdev} completed command {cid} on queue {qid}, which the driver never sent"},
	{"nvme_apst_error", "NVME_POWER_STATE_ERROR", kernErr, `(?P<detail>failed to set APST feature \(-?\d+\))$`,
		"NVMe controller {kdev}: {detail}"},
	{"nvme_async_event", "NVME_ASYNC_EVENT", kernWarning, `async event result (?P<result>[0-9a-f]+)`,
		"NVMe controller {kdev} reported an asynchronous event the driver does not handle ({result})"},
	{"nvme_zone_error", "NVME_ZONE_ERROR", kernErr, `(?P<detail>invalid zone type 0x[0-9a-f]+)$`, "Zoned NVMe namespace on {kdev}: {detail}"},
	{"nvme_zone_warning", "NVME_ZONE_ERROR", kernWarning,
		`(?P<detail>(?:Zone Append|append) (?:not )?supported for zoned namespace:\d+.*|invalid zone size: ?\d+ for namespace: ?\d+|` +
			`zone operations:[0-9a-f]+ not supported for namespace:\d+|zone info query failed for nsid \d+, .*)$`,
		"Zoned NVMe namespace on {kdev}: {detail}"},
}

// nvmeLineRules makes the rules of nvmeLines, and the multipath rules of
// a namespace head's disk ("block nvme0n1: …").
func nvmeLineRules() []rule {
	var rules []rule
	for _, l := range nvmeLines {
		rules = append(rules, rule{name: l.name, typ: l.typ, level: l.level, re: pat(nvmeCtrl + l.body), msg: l.msg})
	}
	// nvme_tcp's and nvme_rdma's own prefix, with the queue they name.
	for _, l := range []nvmeLine{
		{"nvme_tcp_connect_error", "NVME_CONNECT_ERROR", kernErr,
			`(?P<detail>queue \d+: (?:bad (?:type|pdu length|pfv) returned -?\d+|(?:data|header) digest mismatch host: \S+ ctrl: \S+|` +
				`unsupported cpda returned -?\d+|invalid maxh2cdata returned \d+|too many TLS records before the ICResp|unhandled TLS record \d+))$`,
			"NVMe/{transport} {detail}"},
		{"nvme_tcp_connect_warning", "NVME_CONNECT_ERROR", kernWarning,
			`(?P<detail>queue \d+: failed to (?:send icreq|receive icresp|drain TLS record)(?:, error|:) -?\d+)$`, "NVMe/{transport} {detail}"},
		{"nvme_rdma_transport_error", "NVME_TRANSPORT_ERROR", kernErr, `(?P<detail>ib_check_mr_status failed, ret -?\d+)$`, "NVMe/{transport}: {detail}"},
		// T10 protection information that did not check out.
		{"nvme_rdma_pi_error", "NVME_INTEGRITY_ERROR", kernErr,
			`PI error found type (?P<pi_error_type>-?\d+) expected (?P<expected>0x[0-9a-f]+) vs actual (?P<actual>0x[0-9a-f]+)`,
			"NVMe/{transport}: protection information error {pi_error_type} (expected {expected}, found {actual})"},
	} {
		rules = append(rules, rule{name: l.name, typ: l.typ, level: l.level, prefixes: []string{"nvme_"},
			re: pat(`^nvme_(?P<transport>tcp|rdma): ` + l.body), msg: l.msg})
	}
	// NVMe over FC lines print on the FC adapter's PCI device
	// ("qla2xxx 0000:3b:00.0: …").
	for _, l := range []nvmeLine{
		{"nvme_fc_connect_error", "NVME_CONNECT_ERROR", kernErr,
			`(?P<detail>q(?:ueue)? \d+ (?:connect (?:admin queue |command |I/O queue )?failed.*|Create (?:Association|I/O Connection) LS failed: .*))$`,
			"NVMe/FC on {adapter}: {detail}"},
		{"nvme_fc_transport_error", "NVME_TRANSPORT_ERROR", kernErr, `(?P<detail>FCP Op failed - (?:cmdiu|rspiu) dma mapping failed\.)$`,
			"NVMe/FC on {adapter}: {detail}"},
		{"nvme_fc_transport_warning", "NVME_TRANSPORT_ERROR", kernWarning, `(?P<detail>LLDD rejected LS RSP xmt: LS \d+ status -?\d+)$`,
			"NVMe/FC on {adapter}: {detail}"},
	} {
		rules = append(rules, rule{name: l.name, typ: l.typ, level: l.level, sub: event.SubNVMe,
			re: pat(`^(?P<driver>[\w-]+) (?P<adapter>[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.\d): ` + l.body), msg: l.msg})
	}
	return append(rules, rule{
		// No path of a multipath namespace can take the I/O: it waits
		// for one or fails.
		name:     "nvme_mpath_no_path",
		level:    kernWarning,
		typ:      "NVME_MPATH_NO_PATH",
		prefixes: []string{"block nvme"},
		re:       pat(`^block (?P<kdev>nvme\d+n\d+): (?P<detail>no (?:usable |available )?path(?: available)? - (?P<action>requeuing|failing) I/O)$`),
		msg:      "NVMe multipath namespace {kdev}: {detail}",
		finish: func(pe *pending) {
			if pe.ev.Ext("action") == "failing" && pe.ev.Severity > event.Error {
				pe.ev.Severity = event.Error
			}
		},
	})
}
