package parsers

import (
	"fmt"
	"strconv"
	"strings"
)

// libata lines (drivers/ata/libata-eh.c ata_eh_link_report and the link
// reset path). Prefixes: "ataN: " for a port or link, "ataN.DD: " for a
// device. One exception and the lines describing it (irq_stat, SError,
// failed command, cmd/res, status, error) become one event; an
// "error: { UNC }" among them makes it a media error.

// ataHdr matches the port/device prefix; the port number groups one
// exception's lines, which name either the link or the device.
const ataHdr = `^(?P<kdev>ata(?P<_port>\d+)(?:\.\d+)?): `

func ataContext(name string, level printkLevel, body string) rule {
	return rule{name: name, level: level, prefixes: []string{"ata"}, re: pat(ataHdr + body),
		role: roleContext, key: "ata", keyBy: "_port"}
}

var ataRules = append([]rule{{
	name:     "ata_exception",
	level:    kernErr,
	typ:      "ATA_EXCEPTION",
	prefixes: []string{"ata"},
	re: pat(ataHdr + `exception Emask (?P<emask>0x[0-9a-f]+) SAct (?P<sact>0x[0-9a-f]+) SErr (?P<serr>0x[0-9a-f]+) ` +
		`action (?P<action>0x[0-9a-f]+)(?P<frozen> frozen)?`),
	key: "ata", keyBy: "_port", open: true,
	finish: finishATA,
},
	ataContext("ata_irq_stat", kernErr, `irq_stat (?P<irq_stat>0x[0-9a-f]+)`),
	ataContext("ata_bmdma_stat", kernErr, `BMDMA2? stat (?P<bmdma_stat>0x[0-9a-f]+)`),
	ataContext("ata_serror", kernErr, `SError: \{ ?(?P<serror>[^}]*?) ?\}`),
	ataContext("ata_failed_command", kernErr, `failed command: (?P<failed_command>.+)$`),
	ataContext("ata_cmd", kernErr, `cmd (?P<ata_cmd>[0-9a-f/:]+) tag (?P<ata_tag>\d+)`),
	ataContext("ata_status", kernErr, `status: \{ ?(?P<ata_status>[^}]*?) ?\}`),
	ataContext("ata_error", kernErr, `error: \{ ?(?P<ata_error>[^}]*?) ?\}`),
	{
		// The second half of a "cmd …\n res …" record, when a log shows
		// it as a line of its own.
		name:     "ata_res",
		level:    kernErr,
		prefixes: []string{"res "},
		re:       pat(`^res (?P<ata_res>[0-9a-f/:]+) Emask (?P<res_emask>0x[0-9a-f]+)(?: \((?P<res_error>[^)]*)\))?`),
		role:     roleContext, key: "ata",
	}, {
		name:     "ata_link_reset",
		level:    kernInfo,
		typ:      "ATA_LINK_RESET",
		prefixes: []string{"ata"},
		re:       pat(ataHdr + `(?P<reset>hard|soft) resetting link`),
		cond:     "link:resetting",
		msg:      "ATA {kdev}: {reset} resetting link",
	}, {
		name:     "ata_reset_retry",
		level:    kernWarning,
		typ:      "ATA_LINK_RESET",
		prefixes: []string{"ata"},
		re:       pat(ataHdr + `reset failed \(errno=(?P<errno>-?\d+)\), retrying in (?P<retry_secs>\d+) secs`),
		cond:     "link:resetting",
		msg:      "ATA {kdev}: link reset failed (errno {errno}), retrying in {retry_secs}s",
	}, {
		// Error handling gave the link up: its devices are gone.
		name:     "ata_link_reset_gave_up",
		level:    kernErr,
		typ:      "ATA_LINK_FAILED",
		prefixes: []string{"ata"},
		re:       pat(ataHdr + `(?P<what>reset failed|failed to reset PMP|failed to recover PMP after \d+ tries), giving up`),
		cond:     "link:down",
		msg:      "ATA {kdev}: {what}, giving up: the link is down",
	}, {
		name:     "ata_pmp_link_disabled",
		level:    kernWarning,
		typ:      "ATA_LINK_FAILED",
		prefixes: []string{"ata"},
		re:       pat(ataHdr + `failed to recover link after (?P<tries>\d+) tries, disabling`),
		cond:     "link:down",
		msg:      "ATA {kdev}: link not recovered after {tries} tries, disabled",
	}, {
		name:     "ata_comreset_failed",
		level:    kernErr,
		typ:      "ATA_LINK_RESET",
		prefixes: []string{"ata"},
		re:       pat(ataHdr + `(?P<reset>COMRESET|SRST|softreset|hardreset) failed \((?:errno=(?P<errno>-?\d+)|(?P<reason>[^)]*))\)`),
		msg:      "ATA {kdev}: link reset ({reset}) failed[ (errno {errno})][ ({reason})]",
	}, {
		name:     "ata_link_down",
		level:    kernInfo,
		typ:      "ATA_LINK_DOWN",
		prefixes: []string{"ata"},
		re:       pat(ataHdr + `SATA link down \(SStatus (?P<sstatus>[0-9a-f]+) SControl (?P<scontrol>[0-9a-f]+)\)`),
		cond:     "link:down",
		msg:      "ATA {kdev}: SATA link down",
	}, {
		name:     "ata_link_up",
		level:    kernInfo,
		typ:      "ATA_LINK_UP",
		prefixes: []string{"ata"},
		re:       pat(ataHdr + `SATA link up (?P<speed>\S+ Gbps|<unknown>) \(SStatus (?P<sstatus>[0-9a-f]+) SControl (?P<scontrol>[0-9a-f]+)\)`),
		cond:     "link:up",
		msg:      "ATA {kdev}: SATA link up at {speed}",
	}, {
		// Printed at probe and after every reset that revalidated the
		// device: it takes commands again.
		name:     "ata_device_configured",
		level:    kernInfo,
		typ:      "ATA_DEVICE_CONFIGURED",
		prefixes: []string{"ata"},
		re:       pat(ataHdr + `configured for (?P<xfer_mode>[\w/]+)(?P<detail>.*)$`),
		cond:     "device:running",
		msg:      "ATA device {kdev} configured for {xfer_mode}",
	}, {
		name:     "ata_device_disabled",
		level:    kernWarning,
		typ:      "ATA_DEVICE_DISABLED",
		prefixes: []string{"ata"},
		re:       pat(ataHdr + `disable(?:d$| device$|_device_on_error)`),
		cond:     "device:offline",
		msg:      "ATA device {kdev} disabled",
	}, {
		name:     "ata_eh_complete",
		level:    kernInfo,
		typ:      "ATA_EH_COMPLETE",
		prefixes: []string{"ata"},
		re:       pat(ataHdr + `EH complete`),
		msg:      "ATA {kdev}: error handling complete",
	}, {
		// ata_dev_configure: the quirk table knows the model to report
		// a diagnostics failure or to need a firmware update; a second
		// line continues each warning.
		name:     "ata_device_quirk",
		level:    kernWarning,
		typ:      "ATA_DEVICE_QUIRK",
		prefixes: []string{"ata"},
		re: pat(ataHdr + `(?P<detail>Drive reports diagnostics failure\. This may indicate a drive|` +
			`WARNING: device requires firmware update to be fully functional)$`),
		key: "ata-quirk", keyBy: "_port", open: true,
		msg: "ATA device {kdev}: {detail}",
	},
	{
		name:     "ata_device_quirk_more",
		level:    kernWarning,
		prefixes: []string{"ata"},
		re: pat(ataHdr + `(?:fault or invalid emulation\. Contact drive vendor for information\.|` +
			` *contact the vendor or visit http://ata\.wiki\.kernel\.org)$`),
		role: roleContext, key: "ata-quirk", keyBy: "_port",
	},
}, ataLineRules()...)

// ataLine is a rule of a port, link or device line ("ataN: ", "ataN.DD: ")
// whose text after the prefix matches body.
type ataLine struct {
	name, typ string
	level     printkLevel
	cond      string
	body, msg string
}

// ataLines are the libata lines of a failing device, link or controller
// (libata-core.c, libata-eh.c, libata-sata.c, libata-scsi.c, libata-pmp.c,
// libata-sff.c, libata-acpi.c, libahci.c), 4.19-6.12.
var ataLines = []ataLine{
	// Commands of probing and error handling that the device failed.
	{"ata_command_failed", "ATA_DEVICE_COMMAND_FAILED", kernErr, "",
		`(?P<detail>(?:Check power mode|STANDBY IMMEDIATE|VERIFY) failed \(err_mask=0x[0-9a-f]+\)|Read log 0x[0-9a-f]+ page 0x[0-9a-f]+ failed, Emask 0x[0-9a-f]+|` +
			`failed to IDENTIFY after ACPI commands|failed to set xfermode \(err_mask=0x[0-9a-f]+\)|failed to enable (?:AA|ATAPI AN) \(err(?:or)?_mask=0x[0-9a-f]+\)|` +
			`failed to re-read IDENTIFY data after HPA resizing|head unload failed!|(?:Enable|Disable) CDL feature failed|Disable DIPM failed, Emask 0x[0-9a-f]+|` +
			`Failed to read Sense Data for Successful NCQ Commands log|Invalid Sense Data for Successful NCQ Commands log|` +
			`failed to read log page 10h \(errno=-?\d+\)|log page 10h reported inactive tag \d+)$`,
		"ATA {kdev}: {detail}"},
	{"ata_command_failed_warn", "ATA_DEVICE_COMMAND_FAILED", kernWarning, "",
		`(?P<detail>FLUSH failed Emask 0x[0-9a-f]+|retrying FLUSH 0x[0-9a-f]+ Emask 0x[0-9a-f]+|TEST_UNIT_READY failed \(err_mask=0x[0-9a-f]+\)|` +
			`failed to clear UNIT ATTENTION \(err_mask=0x[0-9a-f]+\)|UNIT ATTENTION persists after \d+ tries|failed to IDENTIFY \(.*\)|` +
			`READ LOG DMA EXT failed, trying PIO|Read Command Duration Limits log failed|request sense failed stat [0-9a-f]+ emask [0-9a-f]+|` +
			`failed to (?:enable|disable) (?:DIPM, Emask 0x[0-9a-f]+|DEVSLP)|failed to enable Sense Data for successful NCQ commands, Emask 0x[0-9a-f]+|` +
			`Initialize CDL resources failed|invalid checksum 0x[0-9a-f]+ on log page 10h)$`,
		"ATA {kdev}: {detail}"},
	// Revalidation after a reset found the device changed or gone.
	{"ata_revalidation_failed", "ATA_REVALIDATION_FAILED", kernErr, "", `(?P<detail>(?:PMP )?revalidation failed \(errno=(?P<errno>-?\d+)\))`,
		"ATA device {kdev}: {detail}"},
	// An internal command (probe, EH) that timed out.
	{"ata_qc_timeout", "ATA_TIMEOUT", kernWarning, "", `qc timeout (?:after (?P<msecs>\d+) msecs )?\(cmd (?P<command>0x[0-9a-f]+)\)`,
		"ATA {kdev}: internal command {command} timed out"},
	{"ata_lost_interrupt", "ATA_TIMEOUT", kernWarning, "", `lost interrupt \(Status (?P<status>0x[0-9a-f]+)\)`,
		"ATA {kdev}: lost interrupt (status {status})"},
	// Link resets that fail or wait, each retried by error handling.
	{"ata_reset_failed", "ATA_LINK_RESET", kernErr, "link:resetting",
		`(?P<detail>prereset failed \(errno=-?\d+\)|follow-up softreset required but no softreset available|port failed to respond \(\d+ secs, Status 0x[0-9a-f]+\))$`,
		"ATA {kdev}: link reset: {detail}"},
	{"ata_reset_warning", "ATA_LINK_RESET", kernWarning, "link:resetting",
		`(?P<detail>hardreset failed|device not ready \(errno=-?\d+\), forcing hardreset|failed to resume link(?: for reset)? \((?:errno|SControl)[= ][-0-9a-f]+\)|` +
			`(?:link|port) is slow to respond, please be patient \((?:ready=-?\d+|Status 0x[0-9a-f]+)\)|link resume succeeded after \d+ retries|` +
			`link online but \d+ devices misclassified, (?:retrying|device detection might fail)|applying PMP SRST workaround and retrying|failed to reset engine \(errno=-?\d+\))$`,
		"ATA {kdev}: link reset: {detail}"},
	{"ata_eh_gave_up", "ATA_EH_FAILED", kernErr, "", `EH pending after (?P<tries>\d+) tries, giving up`,
		"ATA {kdev}: error handling still pending after {tries} tries, giving up"},
	{"ata_phy_gave_up", "ATA_LINK_FAILED", kernWarning, "link:down",
		`(?P<detail>PHY status changed but maxed out on retries, giving up|Manually issue scan to resume this link)$`,
		"ATA {kdev}: {detail}"},
	// Error handling slows a device or link down after repeated errors
	// (a failing disk or cable).
	{"ata_speed_limited", "ATA_SPEED_LIMITED", kernWarning, "",
		`(?P<detail>limiting (?:SATA link )?speed to (?P<speed>.+)|limited to UDMA/33 due to 40-wire cable)$`,
		"ATA {kdev}: {detail}"},
	{"ata_ncq_disabled", "ATA_NCQ_DISABLED", kernWarning, "", `NCQ disabled due to excessive errors`,
		"ATA {kdev}: NCQ disabled after excessive errors"},
	{"ata_dma_disabled", "ATA_DMA_DISABLED", kernWarning, "",
		`(?P<detail>device (?:is on DMA blacklist|does not support DMA), disabling DMA|simplex DMA is claimed by other device, disabling DMA|` +
			`disabling LPM on the link|LPM support broken, forcing max_power|sense data reporting disabled)$`,
		"ATA {kdev}: {detail}"},
	// The host protected area: the disk reports another size than before.
	{"ata_hpa", "ATA_HPA_ERROR", kernWarning, "",
		`(?P<detail>n_sectors mismatch \d+ != \d+|native sectors \(\d+\) is smaller than sectors \(\d+\)|(?:new|old) n_sectors matches native, .*|` +
			`device aborted resize \(\d+ -> \d+\), skipping HPA handling|HPA support seems broken, skipping HPA handling|` +
			`failed to (?:read native max address|set max address) \(err_mask=0x[0-9a-f]+\))$`,
		"ATA {kdev}: {detail}"},
	{"ata_drm_functions", "ATA_DEVICE_QUIRK", kernWarning, "", `(?P<detail>supports DRM functions and may not be fully accessible)$`,
		"ATA device {kdev} {detail}"},
	// Port multipliers.
	{"ata_pmp_error", "ATA_PMP_ERROR", kernErr, "",
		`(?P<detail>PMP product ID mismatch|Port Multipliers? (?:must be the first device|cannot be nested)|failed to configure Port Multiplier .*|` +
			`failed to (?:read|write) PMP[ _].*|host does not support Port Multiplier|failed to clear SError\.N \(errno=-?\d+\))$`,
		"ATA {kdev}: port multiplier: {detail}"},
	{"ata_pmp_warning", "ATA_PMP_ERROR", kernWarning, "",
		`(?P<detail>failed to (?:read|write) SCR \d+ \(Emask=0x[0-9a-f]+\)|failed to disable NOTIFY \(err_mask=0x[0-9a-f]+\))$`,
		"ATA {kdev}: port multiplier: {detail}"},
	// ACPI methods of the port or device.
	{"ata_acpi_error", "ATA_ACPI_ERROR", kernErr, "",
		`(?P<detail>ACPI cmd .* failed .*|ACPI [gs]et timing mode failed .*|_GTM returned invalid length -?\d+)$`, "ATA {kdev}: {detail}"},
	{"ata_acpi_warning", "ATA_ACPI_ERROR", kernWarning, "",
		`(?P<detail>ACPI _SDD failed .*|ACPI: failed the second time, disabled|_GTF evaluation failed .*|_GTF unexpected object type .*|` +
			`unexpected _GTF length .*|_GTM returned unexpected object type .*)$`, "ATA {kdev}: {detail}"},
	// A failed command's ATA status and error as libata-scsi reports
	// them when it translates them to sense data.
	{"ata_sense_translated", "ATA_COMMAND_ERROR", kernErr, "",
		`translated ATA stat/err (?P<ata_stat>0x[0-9a-f]+)/(?P<ata_err>[0-9a-f]+) to SCSI SK/ASC/ASCQ (?P<sense_key_code>0x[0-9a-f]+)/(?P<asc_code>[0-9a-f]+)/(?P<ascq_code>[0-9a-f]+)`,
		"ATA {kdev}: failed command, status {ata_stat} error {ata_err} (sense key {sense_key_code}, ASC {asc_code}, ASCQ {ascq_code})"},
	{"ata_status_dump", "ATA_COMMAND_ERROR", kernWarning, "",
		`(?P<detail>(?:status|error)=(?:0x)?[0-9a-f]+ \{.*|[Cc]ould not decode error (?:status )?0x[0-9a-f]+.*)$`,
		"ATA {kdev}: failed command: {detail}"},
	// SCSI commands libata cannot translate (mostly pass-through).
	{"ata_request_rejected", "ATA_REQUEST_REJECTED", kernWarning, "",
		`(?P<detail>WARNING: zero len r/w req|invalid (?:cdb length|command format|service action|transfer count|multi_count) -?\d+(?: ignored)?|` +
			`non-matching transfer count \(\d+/\d+\))$`,
		"ATA {kdev}: request rejected: {detail}"},
}

// ahciLines are the host controller's own failures (dev_err on the PCI
// device: "ahci 0000:00:1f.2: …").
var ahciLines = []ataLine{
	{"ahci_controller_error", "ATA_CONTROLLER_ERROR", kernErr, "",
		`(?P<detail>AHCI controller unavailable!|[Cc]ontroller reset failed \(0x[0-9a-f]+\)|failed to enable device after resume \(-?\d+\)|` +
			`Failed to wake up port before engine stop|failed to clear device error|failed to start port \d+ \(errno=-?\d+\))$`,
		"AHCI controller {controller}: {detail}"},
	{"ahci_nvme_remapped", "ATA_NVME_REMAPPED", kernWarning, "",
		`(?P<detail>Found \d+ remapped NVMe devices\.|Switch your BIOS from RAID to AHCI mode to use them\.)$`,
		"AHCI controller {controller}: {detail} (the NVMe disks behind it are not visible)"},
}

// ataLineRules makes the rules of ataLines and ahciLines.
func ataLineRules() []rule {
	var rules []rule
	for _, l := range ataLines {
		rules = append(rules, rule{name: l.name, typ: l.typ, level: l.level, cond: l.cond, prefixes: []string{"ata"},
			re: pat(ataHdr + l.body), msg: l.msg})
	}
	for _, l := range ahciLines {
		rules = append(rules, rule{name: l.name, typ: l.typ, level: l.level, cond: l.cond, prefixes: []string{"ahci "},
			re: pat(`^ahci (?P<controller>[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.\d): ` + l.body), msg: l.msg})
	}
	return rules
}

// finishATA makes an exception whose error names UNC (uncorrectable data)
// a media error, decodes where its failed command read or wrote (lba,
// blocks, from the taskfile) and writes its summary.
func finishATA(pe *pending) {
	ev := &pe.ev
	errs := ev.Ext("ata_error")
	what := "ATA exception on " + ev.Kdev
	if strings.Contains(" "+errs+" ", " UNC ") {
		ev.EventType = "ATA_MEDIA_ERROR"
		what = "Uncorrectable media error on ATA device " + ev.Kdev
	}
	cmd := ev.Ext("failed_command")
	if lba, n, ok := ataRange(ev.Ext("ata_cmd")); ok {
		ev.SetExt("lba", strconv.FormatUint(lba, 10))
		ev.SetExt("blocks", strconv.FormatUint(uint64(n), 10))
		if cmd != "" {
			cmd += " "
		}
		cmd += fmt.Sprintf("at LBA %d, %d blocks", lba, n)
	}
	if cmd != "" {
		what += " (" + cmd + ")"
	}
	if errs != "" {
		what += ": error { " + errs + " }"
	} else if r := ev.Ext("res_error"); r != "" {
		what += ": " + r
	}
	ev.Msg = what
}

// ataRW are the ATA read, write and verify commands that address sectors
// by LBA (ACS-4), by opcode: lba48 when they take a 48-bit address (the
// EXT and NCQ commands), ncq when the sector count is in the feature
// registers.
var ataRW = map[byte]struct{ lba48, ncq bool }{
	0x20: {}, 0x30: {}, 0x40: {}, 0xc4: {}, 0xc5: {}, 0xc8: {}, 0xca: {}, // READ/WRITE SECTOR(S), READ VERIFY, READ/WRITE MULTIPLE, READ/WRITE DMA
	0x24: {lba48: true}, 0x25: {lba48: true}, 0x29: {lba48: true}, 0x34: {lba48: true}, 0x35: {lba48: true},
	0x39: {lba48: true}, 0x3d: {lba48: true}, 0x42: {lba48: true}, 0xce: {lba48: true}, // the EXT forms
	0x60: {lba48: true, ncq: true}, 0x61: {lba48: true, ncq: true}, // READ/WRITE FPDMA QUEUED
}

// ataRange decodes the first LBA and the sector count of a read, write or
// verify command from the taskfile libata prints in an exception's report
// ("cmd 60/01:f0:40:9c:00/00:00:00:00:00/40 tag 30 …": ata_eh_link_report
// in drivers/ata/libata-eh.c prints command/feature:nsect:lbal:lbam:lbah/
// hob_feature:hob_nsect:hob_lbal:hob_lbam:hob_lbah/device), as the SCSI
// rules decode a CDB. ok is false for other commands, and for a 28-bit
// command without the device register's LBA bit (CHS addressing).
func ataRange(tf string) (lba uint64, count uint32, ok bool) {
	var b [12]byte
	fields := strings.FieldsFunc(tf, func(r rune) bool { return r == '/' || r == ':' })
	if len(fields) != len(b) {
		return 0, 0, false
	}
	for i, f := range fields {
		v, err := strconv.ParseUint(f, 16, 8)
		if err != nil {
			return 0, 0, false
		}
		b[i] = byte(v)
	}
	cmd, feat, nsect, hobFeat, hobNsect, dev := b[0], b[1], b[2], b[6], b[7], b[11]
	rw, known := ataRW[cmd]
	if !known {
		return 0, 0, false
	}
	lo := uint64(b[5])<<16 | uint64(b[4])<<8 | uint64(b[3])
	switch {
	case rw.lba48:
		lba = uint64(b[10])<<40 | uint64(b[9])<<32 | uint64(b[8])<<24 | lo
		count = uint32(hobNsect)<<8 | uint32(nsect)
		if rw.ncq {
			count = uint32(hobFeat)<<8 | uint32(feat)
		}
		if count == 0 {
			count = 65536
		}
	case dev&0x40 != 0:
		lba = uint64(dev&0x0f)<<24 | lo
		count = uint32(nsect)
		if count == 0 {
			count = 256
		}
	default:
		return 0, 0, false
	}
	return lba, count, true
}
