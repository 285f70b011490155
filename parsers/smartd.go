package parsers

import (
	"strconv"
	"strings"

	"github.com/peripety/peripety/event"
)

// smartd's lines (smartmontools: smartd.cpp, 7.x), "Device: <name>, …",
// logged through syslog at LOG_CRIT or LOG_INFO only. The name is what
// smartd opened with the interface it talks through: "/dev/sda [SAT]",
// "/dev/nvme0" (an NVMe controller), "/dev/bus/0 [megaraid_disk_00]
// [SAT]", or a configured path. A /dev node names the disk by its kernel
// name (sda, nvme0), as the kernel's lines do.
//
// smartd names the disk's model, serial and WWN once, when it starts
// watching it; later lines name only the device. That first line is a
// note (roleNote): its model, serial and WWN go to every later event of
// the device.

// smartdDevice is the start of every smartd line about a device.
const smartdDevice = `^Device: (?P<kdev>\S+)(?: \[(?P<device_type>[^\]]*)\])*, `

// smartdRule is a rule of a line about a device; re is what follows
// "Device: <name>, ".
func smartdRule(r rule, re string) rule {
	r.re = pat(smartdDevice + re)
	r.prefixes = []string{"Device: "}
	r.finish = chainFinish(finishSmartd, r.finish)
	return r
}

var smartdRules = []rule{
	// The identity lines: ATA ("WWN:5-0014ee-2b5e1a2c3"), NVMe (no WWN,
	// a namespace), SCSI ("[VENDOR MODEL REV], lu id: 0x5000…").
	smartdRule(rule{name: "smartd_identity", role: roleNote},
		`(?P<model>[^,]+), S/N:(?P<serial>[^,]+)(?:, WWN:(?P<wwn>[0-9a-f]+-[0-9a-f]+-[0-9a-f]+))?, FW:(?P<firmware>[^,]+)`+
			`(?:, NSID:(?P<nsid>\d+))?, (?P<capacity>[^,]+)$`),
	smartdRule(rule{name: "smartd_identity_scsi", role: roleNote},
		`\[(?P<model>[^\]]*)\], lu id: (?P<lu_id>[^,]+), S/N: (?P<serial>[^,]+), (?P<capacity>[^,]+)$`),
	smartdRule(rule{name: "smartd_pending_sectors", typ: "SMART_PENDING_SECTORS", sev: sevOf(event.Error), cond: "health:failing",
		msg: "Disk {kdev}: {sectors} {what}[ (changed {changed})]"},
		`(?P<sectors>\d+) (?P<what>(?:Currently|Total) unreadable \(pending\) sectors)(?: \(changed (?P<changed>[+-]\d+)\))?$`),
	smartdRule(rule{name: "smartd_offline_uncorrectable", typ: "SMART_OFFLINE_UNCORRECTABLE", sev: sevOf(event.Error), cond: "health:failing",
		msg: "Disk {kdev}: {sectors} {what}[ (changed {changed})]"},
		`(?P<sectors>\d+) (?P<what>(?:Offline|Total offline) uncorrectable sectors)(?: \(changed (?P<changed>[+-]\d+)\))?$`),
	smartdRule(rule{name: "smartd_health_failed", typ: "SMART_HEALTH_FAILED", sev: sevOf(event.Critical), cond: "health:failing",
		msg: "Disk {kdev} failed its SMART health self-assessment: back up its data now"},
		`FAILED SMART self-check\. BACK UP DATA NOW!$`),
	smartdRule(rule{name: "smartd_scsi_failure", typ: "SMART_HEALTH_FAILED", sev: sevOf(event.Critical), cond: "health:failing",
		msg: "Disk {kdev} reports a SMART failure: {failure}"},
		`SMART Failure: (?P<failure>.+)$`),
	// Reallocated (5, 196), pending (197) and offline uncorrectable (198)
	// sectors getting worse state that the disk fails; other attributes
	// and improvements are information.
	smartdRule(rule{name: "smartd_attribute_changed", typ: "SMART_ATTRIBUTE_CHANGED", sev: sevOf(event.Info), conds: []string{"health:failing"},
		finish: finishSmartdAttribute, msg: "Disk {kdev}: SMART attribute {attribute_id} {attribute} changed from {old} to {new}"},
		`SMART (?P<attribute_kind>Prefailure|Usage) Attribute: (?P<attribute_id>\d+) (?P<attribute>\S+) changed from (?P<old>.+) to (?P<new>.+)$`),
	smartdRule(rule{name: "smartd_usage_attribute_failed", typ: "SMART_ATTRIBUTE_FAILED", sev: sevOf(event.Warning),
		msg: "Disk {kdev}: SMART usage attribute {attribute_id} {attribute} is past its threshold"},
		`Failed SMART usage Attribute: (?P<attribute_id>\d+) (?P<attribute>\S+)\.$`),
	smartdRule(rule{name: "smartd_selftest_count", typ: "SMART_SELFTEST_ERROR", sev: sevOf(event.Error), cond: "health:failing",
		msg: "Disk {kdev}: self-test errors went from {old} to {new}"},
		`Self-Test Log error count increased from (?P<old>\d+) to (?P<new>\d+)$`),
	smartdRule(rule{name: "smartd_selftest_new", typ: "SMART_SELFTEST_ERROR", sev: sevOf(event.Error), cond: "health:failing",
		msg: "Disk {kdev}: a self-test failed at power-on hour {hour}"},
		`new Self-Test Log error at hour timestamp (?P<hour>\d+)$`),
	smartdRule(rule{name: "smartd_selftest_failed", typ: "SMART_SELFTEST_ERROR", sev: sevOf(event.Error), cond: "health:failing",
		msg: "Disk {kdev}: its last self-test {result}"},
		`previous self-test (?P<result>completed with error \([^)]*\)|could not complete due to a fatal or unknown error)$`),
	smartdRule(rule{name: "smartd_ata_errors", typ: "SMART_ATA_ERROR_COUNT", sev: sevOf(event.Warning),
		msg: "Disk {kdev}: ATA error log entries went from {old} to {new}"},
		`ATA error count increased from (?P<old>\d+) to (?P<new>\d+)$`),
	// NVMe critical warning bits: spare, temperature, reliability,
	// read-only, volatile backup, persistent memory. All but the
	// temperature's say the drive fails.
	smartdRule(rule{name: "smartd_nvme_critical_warning", typ: "SMART_NVME_CRITICAL_WARNING", sev: sevOf(event.Critical), conds: []string{"health:failing"},
		finish: finishSmartdCritical, msg: "NVMe {kdev}: critical warning 0x{critical_warning}: {warnings}"},
		`Critical Warning \(0x(?P<critical_warning>[0-9a-f]{2})\): (?P<warnings>.+)$`),
	smartdRule(rule{name: "smartd_nvme_error_log", typ: "SMART_NVME_ERROR_LOG", sev: sevOf(event.Warning),
		finish: finishSmartdNVMeErrors, msg: "NVMe {kdev}: error log entries went from {old} to {new}"},
		`(?:number of Error Log entries|NVMe error count) increased from (?P<old>\d+) to (?P<new>\d+)`+
			`(?: \((?P<new_errors>\d+) new, (?P<ignored>\d+) ignored, (?P<unknown>\d+) unknown\))?$`),
	smartdRule(rule{name: "smartd_temperature_critical", typ: "SMART_TEMPERATURE_CRITICAL", sev: sevOf(event.Error),
		msg: "Disk {kdev}: {temperature} °C reached its critical limit of {limit} °C"},
		`Temperature (?P<temperature>\d+) Celsius reached critical limit of (?P<limit>\d+) Celsius`),
}

// chainFinish runs a, then b when set.
func chainFinish(a, b func(*pending)) func(*pending) {
	if b == nil {
		return a
	}
	return func(pe *pending) { a(pe); b(pe) }
}

// finishSmartd gives the disk's WWN as the kernel's WWID of an ATA disk
// spells it (naa.<16 hex digits>) from smartd's "5-0014ee-2b5e1a2c3" (NAA,
// OUI, vendor id) or a SCSI disk's lu id.
func finishSmartd(pe *pending) {
	ev := &pe.ev
	if w := ev.Ext("wwn"); w != "" {
		parts := strings.Split(w, "-")
		if len(parts) == 3 && len(parts[0]) == 1 && len(parts[1]) == 6 && len(parts[2]) == 9 {
			ev.SetExt("wwn", "naa."+parts[0]+parts[1]+parts[2])
		}
	} else if id, ok := strings.CutPrefix(ev.Ext("lu_id"), "0x"); ok {
		ev.SetExt("wwn", "naa."+id)
	}
}

// smartdSectorAttributes are the ATA attributes that count reallocated,
// pending and uncorrectable sectors.
var smartdSectorAttributes = map[string]bool{"5": true, "196": true, "197": true, "198": true}

// finishSmartdAttribute states a sector attribute that got worse: its
// normalized value fell, or its raw count rose (smartd prints "N [Raw M]"
// with -r, "M (Raw)" for attributes without a normalized value).
func finishSmartdAttribute(pe *pending) {
	ev := &pe.ev
	if !smartdSectorAttributes[ev.Ext("attribute_id")] {
		return
	}
	oldNorm, oldRaw := smartdValue(ev.Ext("old"))
	newNorm, newRaw := smartdValue(ev.Ext("new"))
	worse := false
	switch {
	case oldRaw >= 0 && newRaw >= 0:
		worse = newRaw > oldRaw
	case oldNorm >= 0 && newNorm >= 0:
		worse = newNorm < oldNorm
	}
	if worse {
		ev.Severity = event.Warning
		ev.SetExt("condition", "health:failing")
	}
}

// smartdValue reads an attribute value as smartd prints it: "100",
// "100 [Raw 8]" or "8 (Raw)"; -1 for what it does not give.
func smartdValue(s string) (norm, raw int64) {
	norm, raw = -1, -1
	if v, ok := strings.CutSuffix(s, " (Raw)"); ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			raw = n
		}
		return norm, raw
	}
	v, rest, _ := strings.Cut(s, " [Raw ")
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		norm = n
	}
	if r, ok := strings.CutSuffix(rest, "]"); ok {
		if n, err := strconv.ParseInt(r, 10, 64); err == nil {
			raw = n
		}
	}
	return norm, raw
}

// finishSmartdCritical: the temperature bit alone is not the drive
// failing.
func finishSmartdCritical(pe *pending) {
	ws := pe.ev.Ext("warnings")
	for _, w := range strings.Split(ws, ", ") {
		if w != "Temperature" {
			pe.ev.SetExt("condition", "health:failing")
			return
		}
	}
}

// finishSmartdNVMeErrors: entries smartd ignores (7.5+ says how many are
// new) are information.
func finishSmartdNVMeErrors(pe *pending) {
	if pe.ev.Ext("new_errors") == "0" {
		pe.ev.Severity = event.Info
	}
}
