package parsers

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/peripety/peripety/event"
)

// SCSI lines (drivers/scsi: scsi_logging.c, scsi_lib.c, scsi_error.c,
// sd.c). A device's lines start "sd H:C:T:L: " ("sr", "st", … per driver,
// "scsi" when none is bound); sd_printk adds "[sdX] ", scmd_printk and the
// scsi_print_* helpers add "[sdX] tag#N ".

// scsiPrefixes are the driver names a SCSI device line starts with.
var scsiPrefixes = []string{"sd ", "sr ", "st ", "scsi ", "ses ", "sg ", "osst ", "ch "}

// scsiHdr matches the device prefix; the SCSI address stands for the
// device when the line names no disk.
// Kernels before 3.19 put two spaces after "[sdX]" on sense lines.
// The brackets hold the disk's name, or the name of the device handler
// that printed the line (scsi_print_sense_hdr with the handler's name:
// "scsi 2:0:0:0: [alua] Sense Key : Unit Attention [current]", printed
// by scsi_dh_alua.c), which names no device: the SCSI address does.
const scsiHdr = `^(?:sd|sr|st|scsi|ses|sg|osst|ch) (?P<scsi_address>\d+:\d+:\d+:\d+): ` + scsiBracket + `(?:tag#(?P<tag>\d+) )?`

// scsiBracket is the "[name] " of a SCSI device line (see scsiHdr).
const scsiBracket = `(?:\[(?:(?P<device_handler>` + scsiDeviceHandlers + `)|(?P<kdev>[^\]\s]+))\] +)?`

// scsiDeviceHandlers are the names of the SCSI device handlers
// (drivers/scsi/device_handler: ALUA_DH_NAME, RDAC_NAME, EMC's and HP's).
const scsiDeviceHandlers = `alua|rdac|emc|hp_sw`

// scsiRule makes a rule of a SCSI device line whose text after the device
// prefix matches body. The SCSI address in the prefix holds colons, so the
// body literals are not derived from the regexp but taken from body here:
// its literal start, or the start of each branch of its alternation.
func scsiRule(name, typ string, level printkLevel, body string) rule {
	var bodies []string
	if subs, _ := topLevel("^" + body); len(subs) > 1 {
		bodies = leadingSeq(subs[1:])
	}
	// The needle too: the prefix's own literals are checked already.
	_, needle := regexpLiterals("^" + body)
	return rule{
		name:     name,
		typ:      typ,
		level:    level,
		prefixes: scsiPrefixes,
		bodies:   bodies,
		needle:   needle,
		re:       pat(scsiHdr + body),
		kdevAlt:  "scsi_address",
		key:      "disk",
	}
}

var scsiRules = func() []rule {
	// scsi_logging.c prints a failed command's block at KERN_INFO; the
	// rules that open it set their own severity.
	// Without CONFIG_SCSI_CONSTANTS the disposition is "UNKNOWN(0x2003)"
	// and the bytes are hex: normalizeSCSI names them.
	failed := scsiRule("scsi_failed_result", "SCSI_CMD_FAILED", kernInfo,
		`(?:FAILED|UNKNOWN\(0x[0-9a-f]+\)) Result: hostbyte=(?P<hostbyte>\S+) driverbyte=(?P<driverbyte>\S+)(?: cmd_age=(?P<cmd_age>\d+)s)?`)
	failed.open, failed.sev, failed.finish = true, sevOf(event.Error), finishSCSICommand

	// sd_print_result: "[sdX] Synchronize Cache(10) failed: Result: …",
	// followed by tagless Sense Key / Add. Sense lines.
	result := scsiRule("scsi_command_result", "SCSI_CMD_FAILED", kernInfo,
		`(?P<command>[A-Z][^:]*?) failed: Result: hostbyte=(?P<hostbyte>\S+) driverbyte=(?P<driverbyte>\S+)`)
	result.open, result.sev, result.finish = true, sevOf(event.Error), finishSCSICommand

	// ≤3.18: "[sdX] Unhandled sense code" / "Unhandled error code" opens
	// the failure, "[sdX]  Result: hostbyte=… driverbyte=…" follows.
	unhandled := scsiRule("scsi_unhandled_code", "SCSI_CMD_FAILED", kernInfo, `Unhandled (?:sense|error) code`)
	unhandled.open, unhandled.sev, unhandled.finish = true, sevOf(event.Error), finishSCSICommand
	bareResult := scsiRule("scsi_result_legacy", "SCSI_CMD_FAILED", kernInfo, `Result: hostbyte=(?P<hostbyte>\S+) driverbyte=(?P<driverbyte>\S+)`)
	bareResult.role, bareResult.open, bareResult.sev, bareResult.finish = roleJoin, true, sevOf(event.Error), finishSCSICommand

	sense := scsiRule("scsi_sense_key", "SCSI_SENSE_KEY", kernInfo,
		`Sense Key : (?P<sense_key>[^\[]+?) \[(?P<sense_type>current|deferred)\](?: \[descriptor\])?\s*$`)
	sense.role, sense.open, sense.finish = roleJoin, true, finishSCSISense

	asc := scsiRule("scsi_additional_sense", "SCSI_ADDITIONAL_SENSE_CODE", kernInfo, `Add\. Sense: (?P<asc>.+?)\s*$`)
	asc.role, asc.open, asc.finish = roleJoin, true, finishSCSISense

	// An additional sense code the kernel has no text for.
	ascCode := scsiRule("scsi_sense_code", "SCSI_ADDITIONAL_SENSE_CODE", kernInfo,
		`(?:<<vendor>> ?)?ASC=0x(?P<asc_code>[0-9a-f]+) ASCQ=0x(?P<ascq_code>[0-9a-f]+)\s*$`)
	ascCode.role, ascCode.open, ascCode.finish = roleJoin, true, finishSCSISense

	cdb := scsiRule("scsi_cdb", "", kernInfo, `CDB: (?P<cdb>.+?)\s*$`)
	cdb.role = roleContext

	// ≤3.x printed the Result and the CDB as continuations; where they
	// broke, dmesg shows them on lines of their own after the device's
	// "Unhandled error code": they join the open failure.
	splitResult := rule{name: "scsi_result_split", level: kernInfo, prefixes: []string{"Result: hostbyte="},
		re:   pat(`^Result: hostbyte=(?P<hostbyte>\S+) driverbyte=(?P<driverbyte>\S+)\s*$`),
		role: roleContext, key: "disk"}
	splitCDB := rule{name: "scsi_cdb_split", level: kernInfo, prefixes: scsiCDBNames,
		re:   pat(`^(?P<cdb>[A-Z][A-Za-z ]*\(\d+\): (?:[0-9a-f]{2} )+[0-9a-f]{2})\s*$`),
		role: roleContext, key: "disk"}

	timeout := scsiRule("scsi_timing_out", "SCSI_TIMEOUT", kernErr, `timing out command, waited (?P<waited_secs>\d+)s`)
	timeout.open, timeout.msg = true, "Command on {kdev} timed out after {waited_secs}s"

	unaligned := scsiRule("scsi_unaligned_partial_completion", "SCSI_UNALIGNED_PARTIAL_COMPLETION", kernInfo,
		`Unaligned partial completion \(resid=(?P<resid>\d+), sector_sz=(?P<sector_size>\d+)\)`)
	unaligned.open, unaligned.finish = true, finishSCSIUnaligned

	// scsi_transport_fc.c: a remote port that did not come back within
	// dev_loss_tmo; its targets go.
	rport := rule{name: "fc_rport_timeout", sub: event.SubFC, typ: "FC_RPORT_LOST", level: kernErr, prefixes: []string{"rport-"},
		re:   pat(`^(?P<kdev>rport-\d+:\d+-\d+): blocked FC remote port time out: (?P<action>.+?)\s*$`),
		cond: "link:down",
		msg:  "FC remote port {kdev} did not come back: {action}"}

	rules := []rule{failed, result, unhandled, bareResult, sense, asc, ascCode, cdb, splitResult, splitCDB, timeout, unaligned, rport}
	for _, r := range []struct {
		name, typ string
		level     printkLevel
		body, msg string
		cond      string
	}{
		{"scsi_medium_access_timeout", "SCSI_MEDIUM_ACCESS_TIMEOUT_OFFLINING_DISK", kernErr, `Medium access timeout failure\. Offlining disk!`,
			"Medium access timeouts on {kdev}: the kernel took the disk offline", "device:offline"},
		{"scsi_device_offlined", "SCSI_DEVICE_OFFLINED", kernInfo, `Device offlined - not ready after error recovery`,
			"SCSI device {kdev} offlined: not ready after error recovery", "device:offline"},
		{"scsi_rejecting_io", "SCSI_DEVICE_OFFLINE", kernErr, `rejecting I/O to (?P<state>offline) device`,
			"SCSI device {kdev} is {state}: I/O to it is rejected", "device:offline"},
		// SDEV_DEL: the device is being removed.
		{"scsi_rejecting_io_dead", "SCSI_DEVICE_OFFLINE", kernErr, `rejecting I/O to (?P<state>dead) device`,
			"SCSI device {kdev} is being removed: I/O to it is rejected", "device:removed"},
		// sd_init_command: the device went offline or changed under a
		// queued command.
		{"scsi_device_offline_changed", "SCSI_DEVICE_OFFLINE", kernErr, `device offline or changed`,
			"SCSI device {kdev} went offline or changed: its command is failed", "device:offline"},
		{"scsi_protection_type_unsupported", "SCSI_DEVICE_DISABLED", kernErr,
			`formatted with unsupported protection type (?P<protection_type>\d+)\. Disabling disk!`,
			"SCSI disk {kdev} is formatted with protection type {protection_type}, which the kernel does not support: disk disabled",
			"device:offline"},
		{"scsi_spinning_up", "SCSI_SPINNING_UP_DISK", kernNotice, `Spinning up disk\.*(?P<result>ready|not responding)?`,
			"Spinning up disk {kdev}[: {result}]", ""},
		{"scsi_power_on_reset", "SCSI_POWER_ON_RESET", kernWarning, `Power-on or device reset occurred`,
			"SCSI device {kdev} reports a power-on or device reset", ""},
		{"scsi_capacity_changed", "SCSI_CAPACITY_CHANGED", kernWarning, `Capacity data has changed`,
			"SCSI device {kdev} reports changed capacity", ""},
		{"scsi_alua_state_changed", "SCSI_ALUA_STATE_CHANGED", kernWarning, `Asymmetric access state changed`,
			"SCSI device {kdev} reports an ALUA access state change", ""},
		{"scsi_mode_parameters_changed", "SCSI_MODE_PARAMETERS_CHANGED", kernWarning, `Mode parameters changed`,
			"SCSI device {kdev} reports changed mode parameters", ""},
		{"scsi_inquiry_data_changed", "SCSI_INQUIRY_DATA_CHANGED", kernWarning, `Inquiry data has changed`,
			"SCSI device {kdev} reports changed inquiry data", ""},
		{"scsi_luns_changed", "SCSI_LUNS_CHANGED", kernWarning, `(?:Warning! Received an indication that the LUN|LUN) assignments on this target have changed\.`,
			"LUN assignments changed on the target of {kdev}", ""},
		{"scsi_thin_soft_threshold", "SCSI_THIN_PROVISIONING_SOFT_THRESHOLD", kernWarning, `Warning! Received an indication that the LUN reached a thin provisioning soft threshold\.`,
			"SCSI device {kdev} reached its thin provisioning soft threshold", ""},
		{"scsi_operating_parameters_changed", "SCSI_OPERATING_PARAMETERS_CHANGED", kernWarning, `(?:Warning! Received an indication that the operating parameters|Operating parameters) on this target have changed\.`,
			"Operating parameters changed on the target of {kdev}", ""},
		{"scsi_reservation_conflict", "SCSI_RESERVATION_CONFLICT", kernInfo, `reservation conflict$`,
			"Reservation conflict on SCSI device {kdev}", ""},
	} {
		sr := scsiRule(r.name, r.typ, r.level, r.body)
		sr.key, sr.msg, sr.cond = "", r.msg, r.cond
		rules = append(rules, sr)
	}
	// Lines whose body starts with a name (the device handler's): found
	// by a needle.
	for _, r := range []struct {
		name, typ string
		level     printkLevel
		needle    string
		body, msg string
	}{
		// scsi_dh_alua.c: REPORT TARGET PORT GROUPS failed; the path
		// group's state is unknown.
		{"scsi_dh_rtpg", "SCSI_DH_ERROR", kernErr, "rtpg", `(?P<handler>\w+): (?P<detail>rtpg (?:failed|retry))$`,
			"SCSI device handler {handler} on {kdev}: {detail}"},
		{"scsi_dh_attach_failed", "SCSI_DH_ERROR", kernErr, "Attach failed", `(?P<handler>\w+): Attach failed \((?P<errno>-?\d+)\)`,
			"SCSI device handler {handler} could not attach to {kdev} (error {errno})"},
		// scsi_dh_emc.c: the CLARiiON refused a trespass (failover).
		{"scsi_dh_emc_trespass", "SCSI_DH_ERROR", kernErr, "trespass",
			`(?P<handler>\w+): Found valid sense data (?P<sense>0x[0-9a-f]+, 0x[0-9a-f]+, 0x[0-9a-f]+) while sending CLARiiON trespass command\.`,
			"SCSI device handler {handler} on {kdev}: trespass (failover) refused with sense {sense}"},
		{"scsi_dh_emc_invalid", "SCSI_DH_ERROR", kernWarning, "Invalid ",
			`(?P<handler>\w+): (?P<detail>Invalid (?:array serial number length|failover mode|information section length|model number length) -?\d+)`,
			"SCSI device handler {handler} on {kdev}: {detail}"},
		// scsi_dh_hp_sw.c: path activation of an HP active/passive array.
		{"scsi_dh_hp_sw", "SCSI_DH_ERROR", kernWarning, "sending ", `(?P<handler>\w+): (?P<detail>sending (?:start_stop_unit|tur) failed.*)$`,
			"SCSI device handler {handler} on {kdev}: {detail}"},
		// scsi.c: the device's VPD pages do not add up.
		{"scsi_vpd_invalid", "SCSI_VPD_INVALID", kernWarning, " bytes",
			`(?P<detail>\w+: (?:VPD page 0x[0-9a-f]+ result \d+ > \d+ bytes|(?:long|short) VPD page .* bytes|len \d+ bytes, opcode 0x[0-9a-f]+ needs \d+))$`,
			"SCSI device {kdev} returned a malformed VPD page: {detail}"},
		// scsi_error.c scsi_eh_flush_done_q: error handling aborted a
		// timed-out command and retries it or ends it.
		{"scsi_eh_aborted", "SCSI_EH_ABORT", kernWarning, " aborted command", `(?P<eh_action>retry|finish) aborted command$`,
			"SCSI error handling aborted a command on {kdev} and will {eh_action} it"},
	} {
		sr := scsiRule(r.name, r.typ, r.level, r.body)
		sr.key, sr.msg, sr.needle = "", r.msg, r.needle
		rules = append(rules, sr)
	}
	for _, r := range []struct {
		name, typ string
		level     printkLevel
		body, msg string
	}{
		// sd.c: a request the disk driver refuses before it is sent.
		{"scsi_request_rejected", "SCSI_REQUEST_REJECTED", kernErr,
			`(?P<reason>Bad block number requested|access beyond end of device|request not aligned to the logical block size|` +
				`FUA write on READ/WRITE\(6\) drive|Unknown command -?\d+|Killing bidi command)$`,
			"SCSI request to {kdev} rejected: {reason}"},
		// sd_zbc.c: a zoned disk's zone report does not add up.
		{"scsi_zone_error", "SCSI_ZONE_ERROR", kernErr,
			`(?P<detail>Invalid zone .*|REPORT ZONES .*|Zone size \d+ is not a power of two\.|Too many zones \(\d+\)|` +
				`Gap zone without constant LBA offsets|Zone \d+ at LBA \d+ is invalid: .*)$`,
			"Zoned SCSI disk {kdev}: {detail}"},
		{"scsi_zone_warning", "SCSI_ZONE_ERROR", kernWarning,
			`(?P<detail>Changing capacity from \d+ to max LBA\+1 \d+|Unsupported ZBC host-managed device\.)$`,
			"Zoned SCSI disk {kdev}: {detail}"},
		// scsi_error.c: any other "parameters changed" unit attention.
		{"scsi_parameters_changed", "SCSI_PARAMETERS_CHANGED", kernWarning, `Parameters changed$`,
			"SCSI device {kdev} reports changed parameters"},
		// scsi_transport_spi.c: parallel SCSI transfer negotiation.
		{"scsi_spi_domain_validation", "SCSI_DOMAIN_VALIDATION_FAILED", kernErr,
			`(?P<detail>Domain Validation .*|Wide Transfers Fail|Write Buffer failure [0-9a-f]+)$`,
			"Parallel SCSI negotiation on {kdev}: {detail}"},
		// scsi_scan.c, sd.c: a LUN that could not be set up.
		{"scsi_scan_error", "SCSI_SCAN_ERROR", kernErr,
			`(?P<detail>Unexpected response from lun \d+ while scanning, scan aborted|failed to configure device|` +
				`failed to apply queue limits\.|in wrong state \S+ to complete scan|` +
				`Too big for this kernel\. Use a kernel compiled with support for large block devices\.)$`,
			"SCSI device {kdev} could not be set up: {detail}"},
		{"scsi_scan_warning", "SCSI_SCAN_ERROR", kernWarning,
			`(?P<detail>lun\d+ has a LUN larger than allowed by the host adapter|SCSI disk \(sd\) name length exceeded\.|` +
				`scsi_add_lun: correcting incorrect peripheral device type .*)$`,
			"SCSI device {kdev}: {detail}"},
		{"scsi_vpd_cpr_invalid", "SCSI_VPD_INVALID", kernErr, `(?P<detail>Invalid Concurrent Positioning Range(?:s VPD page| number))$`,
			"SCSI device {kdev} returned a malformed VPD page: {detail}"},
		// scsi_lib.c, hosts.c: a device or host asked for a state change
		// its state machine does not allow (a driver bug).
		{"scsi_state_transition", "SCSI_STATE_ERROR", kernErr, `(?P<detail>Illegal state transition .*)$`,
			"SCSI device {kdev}: {detail}"},
	} {
		sr := scsiRule(r.name, r.typ, r.level, r.body)
		sr.key, sr.msg = "", r.msg
		rules = append(rules, sr)
	}
	// Host lines: "scsi hostN: …".
	for _, r := range []struct {
		name, typ string
		level     printkLevel
		body, msg string
	}{
		{"scsi_srp_reconnect_failed", "SCSI_TRANSPORT_RECONNECT_FAILED", kernErr, `reconnect attempt (?P<attempt>\d+) failed \((?P<errno>-?\d+)\)`,
			"SRP host {host}: reconnect attempt {attempt} failed (error {errno})"},
		{"scsi_eh_autoresume", "SCSI_EH_ERROR", kernErr, `(?P<detail>scsi_eh_\d+: unable to autoresume)`,
			"SCSI host {host}: error handler {detail}"},
		{"scsi_host_state_transition", "SCSI_STATE_ERROR", kernErr, `(?P<detail>Illegal host state transition.*)$`,
			"SCSI host {host}: {detail}"},
	} {
		rules = append(rules, rule{name: r.name, typ: r.typ, level: r.level, prefixes: []string{"scsi host"},
			re: pat(`^scsi (?P<host>host\d+): ` + r.body), msg: r.msg})
	}
	// Target lines (starget_printk): parallel SCSI negotiation.
	for _, r := range []struct {
		name  string
		level printkLevel
		body  string
	}{
		{"scsi_spi_target_dv", kernErr, `(?P<detail>Domain Validation .*|Wide Transfers Fail)$`},
		{"scsi_spi_target_echo", kernWarning, `(?P<detail>Echo buffer size \d+ is too big, trimming to \d+)$`},
	} {
		rules = append(rules, rule{name: r.name, typ: "SCSI_DOMAIN_VALIDATION_FAILED", level: r.level, prefixes: []string{"scsi target"},
			re: pat(`^scsi (?P<target>target\d+:\d+:\d+): ` + r.body), msg: "Parallel SCSI negotiation with {target}: {detail}"})
	}
	return rules
}()

// scsiCDBNames are the command names a ≤3.x CDB continuation line starts
// with.
var scsiCDBNames = []string{"Read(", "Write(", "Verify(", "Write same(", "Write Same(", "Synchronize Cache(", "Unmap("}

// senseKeys names the sense keys a kernel without SCSI constants prints as
// numbers ("Sense Key : 0x3 [current]").
var senseKeys = [16]string{"No Sense", "Recovered Error", "Not Ready", "Medium Error", "Hardware Error", "Illegal Request",
	"Unit Attention", "Data Protect", "Blank Check", "Vendor Specific", "Copy Aborted", "Aborted Command", "Equal",
	"Volume Overflow", "Miscompare", "Completed"}

// hostBytes names the host bytes (DID_*, include/scsi/scsi_status.h) such a
// kernel prints as hex.
var hostBytes = [...]string{"DID_OK", "DID_NO_CONNECT", "DID_BUS_BUSY", "DID_TIME_OUT", "DID_BAD_TARGET", "DID_ABORT",
	"DID_PARITY", "DID_ERROR", "DID_RESET", "DID_BAD_INTR", "DID_PASSTHROUGH", "DID_SOFT_ERROR", "DID_IMM_RETRY",
	"DID_REQUEUE", "DID_TRANSPORT_DISRUPTED", "DID_TRANSPORT_FAILFAST", "DID_TARGET_FAILURE", "DID_NEXUS_FAILURE",
	"DID_ALLOC_FAILURE", "DID_MEDIUM_ERROR", "DID_TRANSPORT_MARGINAL"}

// cdbOpcodes names the commands of a CDB printed as "opcode=0x28 28 00 …".
var cdbOpcodes = map[byte]string{0x08: "Read(6)", 0x0a: "Write(6)", 0x28: "Read(10)", 0x2a: "Write(10)", 0x2e: "Write And Verify(10)",
	0x2f: "Verify(10)", 0x35: "Synchronize Cache(10)", 0x41: "Write Same(10)", 0x42: "Unmap", 0x88: "Read(16)", 0x8a: "Write(16)",
	0x8e: "Write And Verify(16)", 0x8f: "Verify(16)", 0x91: "Synchronize Cache(16)", 0x93: "Write Same(16)", 0xa8: "Read(12)",
	0xaa: "Write(12)", 0xaf: "Verify(12)"}

// normalizeSCSI names the sense key and host byte of a kernel built
// without SCSI constants, keeping the number beside the name.
func normalizeSCSI(ev *event.Event) {
	if sk := ev.Ext("sense_key"); strings.HasPrefix(sk, "0x") {
		if n, err := strconv.ParseUint(sk[2:], 16, 8); err == nil && n < 16 {
			ev.SetExt("sense_key_code", sk)
			ev.SetExt("sense_key", senseKeys[n])
		}
	}
	if hb := ev.Ext("hostbyte"); strings.HasPrefix(hb, "0x") {
		if n, err := strconv.ParseUint(hb[2:], 16, 8); err == nil && n < uint64(len(hostBytes)) {
			ev.SetExt("hostbyte_code", hb)
			ev.SetExt("hostbyte", hostBytes[n])
		}
	}
}

// senseKeyTypes refines a failed command's event by its sense key
// (snstext[] in drivers/scsi/constants.c).
var senseKeyTypes = map[string]string{
	"Recovered Error": "SCSI_RECOVERED_ERROR",
	"Not Ready":       "SCSI_NOT_READY",
	"Medium Error":    "SCSI_MEDIUM_ERROR",
	"Hardware Error":  "SCSI_HARDWARE_ERROR",
	"Illegal Request": "SCSI_ILLEGAL_REQUEST",
	"Unit Attention":  "SCSI_UNIT_ATTENTION",
	"Data Protect":    "SCSI_DATA_PROTECT",
	"Blank Check":     "SCSI_BLANK_CHECK",
	"Copy Aborted":    "SCSI_COPY_ABORTED",
	"Aborted Command": "SCSI_ABORTED_COMMAND",
	"Volume Overflow": "SCSI_VOLUME_OVERFLOW",
	"Miscompare":      "SCSI_MISCOMPARE",
}

// hostByteTypes refines a failed command without sense data by its host
// byte; any other host byte leaves it SCSI_CMD_FAILED.
var hostByteTypes = map[string]string{
	"DID_TIME_OUT":            "SCSI_TIMEOUT",
	"DID_NO_CONNECT":          "SCSI_TRANSPORT_ERROR",
	"DID_BAD_TARGET":          "SCSI_TRANSPORT_ERROR",
	"DID_TRANSPORT_DISRUPTED": "SCSI_TRANSPORT_ERROR",
	"DID_TRANSPORT_FAILFAST":  "SCSI_TRANSPORT_ERROR",
	"DID_TRANSPORT_MARGINAL":  "SCSI_TRANSPORT_ERROR",
	"DID_NEXUS_FAILURE":       "SCSI_TRANSPORT_ERROR",
	"DID_TARGET_FAILURE":      "SCSI_HARDWARE_ERROR",
	"DID_MEDIUM_ERROR":        "SCSI_MEDIUM_ERROR",
}

// finishSCSICommand types a failed command by its sense key, else (for a
// "FAILED Result" line, a failed I/O) by its host byte, decodes its CDB and
// writes the summary.
func finishSCSICommand(pe *pending) {
	ev := &pe.ev
	normalizeSCSI(ev)
	decodeCDBExt(ev)
	sk := ev.Ext("sense_key")
	switch t, ok := senseKeyTypes[sk]; {
	case ok:
		ev.EventType = t
	case ev.Ext("command") == "":
		if t, ok := hostByteTypes[ev.Ext("hostbyte")]; ok {
			ev.EventType = t
		}
	}
	var what string
	switch {
	case sk != "" && sk != "No Sense":
		what = sentenceCase(sk)
	case ev.EventType == "SCSI_TIMEOUT":
		what = "Command timed out (" + ev.Ext("hostbyte") + ")"
	case ev.EventType == "SCSI_TRANSPORT_ERROR":
		what = "Transport error (" + ev.Ext("hostbyte") + ")"
	default:
		what = "Command failed (hostbyte " + ev.Ext("hostbyte") + ")"
	}
	ev.Msg = what + scsiWhere(ev)
	if c := ev.Ext("command"); c != "" {
		ev.Msg += " (" + c + " failed)"
	}
	if a := ev.Ext("asc"); a != "" {
		ev.Msg += ": " + a
	}
}

// finishSCSISense summarises sense lines that joined no command.
func finishSCSISense(pe *pending) {
	ev := &pe.ev
	normalizeSCSI(ev)
	decodeCDBExt(ev)
	if sk := ev.Ext("sense_key"); sk != "" {
		ev.Msg = "Sense key " + sk + scsiWhere(ev)
	} else {
		ev.Msg = "Additional sense" + scsiWhere(ev)
	}
	if a := ev.Ext("asc"); a != "" {
		ev.Msg += ": " + a
	} else if c := ev.Ext("asc_code"); c != "" {
		ev.Msg += fmt.Sprintf(": ASC 0x%s ASCQ 0x%s", c, ev.Ext("ascq_code"))
	}
}

func finishSCSIUnaligned(pe *pending) {
	ev := &pe.ev
	decodeCDBExt(ev)
	ev.Msg = fmt.Sprintf("Unaligned partial completion%s (residual %s bytes, sector size %s)",
		scsiWhere(ev), ev.Ext("resid"), ev.Ext("sector_size"))
}

// scsiWhere is " reading sdc at LBA 490871808 (8 blocks)" or " on sdc".
func scsiWhere(ev *event.Event) string {
	verb := " on "
	switch c := ev.Ext("cdb_command"); {
	case strings.HasPrefix(c, "Read"):
		verb = " reading "
	case strings.HasPrefix(c, "Write"):
		verb = " writing "
	case strings.HasPrefix(c, "Verify"):
		verb = " verifying "
	}
	s := verb + ev.Kdev
	if lba := ev.Ext("lba"); lba != "" {
		s += " at LBA " + lba
		if n := ev.Ext("blocks"); n != "" {
			s += " (" + n + " blocks)"
		}
	}
	return s
}

// sentenceCase turns "Medium Error" into "Medium error".
func sentenceCase(s string) string {
	if len(s) < 2 {
		return s
	}
	return s[:1] + strings.ToLower(s[1:])
}

// decodeCDBExt splits the CDB line ("Read(16) 88 00 …") into
// cdb_command and cdb_opcode, and decodes lba and blocks from it.
func decodeCDBExt(ev *event.Event) {
	cdb := ev.Ext("cdb")
	if cdb == "" {
		return
	}
	name, b := splitCDB(cdb)
	if len(b) == 0 {
		ev.SetExt("cdb_command", name)
		return
	}
	if strings.HasPrefix(name, "opcode=") {
		// Without SCSI constants: "opcode=0x28 28 00 …".
		if n, ok := cdbOpcodes[b[0]]; ok {
			name = n
		}
	}
	ev.SetExt("cdb_command", name)
	ev.SetExt("cdb_opcode", fmt.Sprintf("0x%02x", b[0]))
	if lba, blocks, ok := cdbRange(b); ok {
		ev.SetExt("lba", strconv.FormatUint(lba, 10))
		ev.SetExt("blocks", strconv.FormatUint(uint64(blocks), 10))
	}
}

// splitCDB separates the command name from the trailing hex bytes of a CDB
// line as scsi_print_command writes it.
func splitCDB(s string) (string, []byte) {
	f := strings.Fields(s)
	i := len(f)
	for i > 0 && len(f[i-1]) == 2 && isHex(f[i-1]) {
		i--
	}
	b, err := hex.DecodeString(strings.Join(f[i:], ""))
	if err != nil {
		return s, nil
	}
	// ≤3.18 wrote "Read(10): 28 00 …".
	return strings.TrimSuffix(strings.Join(f[:i], " "), ":"), b
}

func isHex(s string) bool {
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// cdbRange decodes the logical block address and transfer length of the
// READ, WRITE, VERIFY and WRITE SAME CDBs (SBC-4).
func cdbRange(b []byte) (lba uint64, blocks uint32, ok bool) {
	be := func(p []byte) uint64 {
		var v uint64
		for _, c := range p {
			v = v<<8 | uint64(c)
		}
		return v
	}
	switch b[0] {
	case 0x08, 0x0a: // READ(6), WRITE(6)
		if len(b) < 6 {
			return 0, 0, false
		}
		n := uint32(b[4])
		if n == 0 {
			n = 256
		}
		return uint64(b[1]&0x1f)<<16 | uint64(b[2])<<8 | uint64(b[3]), n, true
	case 0x28, 0x2a, 0x2e, 0x2f, 0x41: // READ/WRITE/WRITE AND VERIFY/VERIFY/WRITE SAME(10)
		if len(b) < 10 {
			return 0, 0, false
		}
		return be(b[2:6]), uint32(be(b[7:9])), true
	case 0xa8, 0xaa, 0xae, 0xaf: // (12)
		if len(b) < 12 {
			return 0, 0, false
		}
		return be(b[2:6]), uint32(be(b[6:10])), true
	case 0x88, 0x8a, 0x8e, 0x8f, 0x93: // (16)
		if len(b) < 16 {
			return 0, 0, false
		}
		return be(b[2:10]), uint32(be(b[10:14])), true
	}
	return 0, 0, false
}
