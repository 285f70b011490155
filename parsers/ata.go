package parsers

import (
	"regexp"
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
	return rule{name: name, level: level, prefixes: []string{"ata"}, re: regexp.MustCompile(ataHdr + body),
		role: roleContext, key: "ata", keyBy: "_port"}
}

var ataRules = []rule{{
	name:     "ata_exception",
	level:    kernErr,
	typ:      "ATA_EXCEPTION",
	prefixes: []string{"ata"},
	re: regexp.MustCompile(ataHdr + `exception Emask (?P<emask>0x[0-9a-f]+) SAct (?P<sact>0x[0-9a-f]+) SErr (?P<serr>0x[0-9a-f]+) ` +
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
		re:       regexp.MustCompile(`^res (?P<ata_res>[0-9a-f/:]+) Emask (?P<res_emask>0x[0-9a-f]+)(?: \((?P<res_error>[^)]*)\))?`),
		role:     roleContext, key: "ata",
	}, {
		name:     "ata_link_reset",
		level:    kernInfo,
		typ:      "ATA_LINK_RESET",
		prefixes: []string{"ata"},
		re:       regexp.MustCompile(ataHdr + `(?P<reset>hard|soft) resetting link`),
		msg:      "ATA {kdev}: {reset} resetting link",
	}, {
		name:     "ata_comreset_failed",
		level:    kernErr,
		typ:      "ATA_LINK_RESET",
		prefixes: []string{"ata"},
		re:       regexp.MustCompile(ataHdr + `(?P<reset>COMRESET|SRST|softreset|hardreset) failed \((?:errno=(?P<errno>-?\d+)|(?P<reason>[^)]*))\)`),
		msg:      "ATA {kdev}: link reset ({reset}) failed[ (errno {errno})][ ({reason})]",
	}, {
		name:     "ata_link_down",
		level:    kernInfo,
		typ:      "ATA_LINK_DOWN",
		prefixes: []string{"ata"},
		re:       regexp.MustCompile(ataHdr + `SATA link down \(SStatus (?P<sstatus>[0-9a-f]+) SControl (?P<scontrol>[0-9a-f]+)\)`),
		msg:      "ATA {kdev}: SATA link down",
	}, {
		name:     "ata_device_disabled",
		level:    kernWarning,
		typ:      "ATA_DEVICE_DISABLED",
		prefixes: []string{"ata"},
		re:       regexp.MustCompile(ataHdr + `disable(?:d|_device_on_error)`),
		msg:      "ATA device {kdev} disabled",
	}, {
		name:     "ata_eh_complete",
		level:    kernInfo,
		typ:      "ATA_EH_COMPLETE",
		prefixes: []string{"ata"},
		re:       regexp.MustCompile(ataHdr + `EH complete`),
		msg:      "ATA {kdev}: error handling complete",
	}}

// finishATA makes an exception whose error names UNC (uncorrectable data)
// a media error and writes its summary.
func finishATA(pe *pending) {
	ev := &pe.ev
	errs := ev.Ext("ata_error")
	what := "ATA exception on " + ev.Kdev
	if strings.Contains(" "+errs+" ", " UNC ") {
		ev.EventType = "ATA_MEDIA_ERROR"
		what = "Uncorrectable media error on ATA device " + ev.Kdev
	}
	if c := ev.Ext("failed_command"); c != "" {
		what += " (" + c + ")"
	}
	if errs != "" {
		what += ": error { " + errs + " }"
	} else if r := ev.Ext("res_error"); r != "" {
		what += ": " + r
	}
	ev.Msg = what
}
