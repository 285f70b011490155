package parsers

import (
	"regexp"
	"strconv"

	"github.com/peripety/peripety/event"
)

// MD software RAID lines (drivers/md/md.c, raid1.c, raid10.c, raid5.c):
// "md/raid1:md0: …", "md/raid10:md0: …", "md/raid:md0: …" (raid4/5/6) and
// "md: …". A member's failure names the member as the device and the array
// in the extension; array-wide lines name the array.

const mdArray = `^md/raid\d*:(?P<array>md[\w/-]*): `

var mdRules = []rule{{
	// md-linear and raid0 have no redundancy: a member's failure fails
	// the array. (Their format lacks the colon: "md/raid0md0: ".)
	name:  "md_member_failed_array",
	level: kernCrit,
	typ:   "MD_ARRAY_FAILED",
	re:    regexp.MustCompile(`^md/(?:linear|raid0):?(?P<array>md[\w/-]*): Disk failure on (?P<kdev>\S+) detected, failing array\.`),
	cond:  "member:failed",
	msg:   "MD array {array} failed: member {kdev} failed and the array has no redundancy",
}, {
	name:  "md_disk_failure",
	level: kernCrit,
	typ:   "MD_DISK_FAILURE",
	re:    regexp.MustCompile(mdArray + `Disk failure on (?P<kdev>[^,\s]+), disabling device\.`),
	cond:  "member:failed",
	msg:   "MD array {array}: member {kdev} failed and was disabled",
}, {
	name:  "md_degraded",
	level: kernCrit,
	typ:   "MD_DEGRADED",
	re:    regexp.MustCompile(`^md/raid\d*:(?P<kdev>md[\w/-]*): Operation continuing on (?P<devices>\d+) devices\.`),
	cond:  "array:degraded",
	msg:   "MD array {kdev} degraded: continuing on {devices} devices",
}, {
	name:  "md_array_failed",
	level: kernCrit,
	typ:   "MD_ARRAY_FAILED",
	re:    regexp.MustCompile(`^md/raid\d*:(?P<kdev>md[\w/-]*): Cannot continue operation \((?P<failed>\d+)/(?P<devices>\d+) failed\)\.`),
	cond:  "array:failed",
	msg:   "MD array {kdev} failed: {failed} of {devices} devices lost",
}, {
	// raid1/raid10 read error: "md/raid1:md0: sdb1: rescheduling sector N",
	// then "redirecting sector N to other mirror: sdc1".
	name:  "md_rescheduling_sector",
	level: kernErr,
	typ:   "MD_IO_ERROR",
	re:    regexp.MustCompile(mdArray + `(?P<kdev>[^:\s]+): rescheduling sector (?P<sector>\d+)`),
	key:   "md",
	keyBy: "array",
	open:  true,
	msg:   "MD array {array}: read error on {kdev} at sector {sector}[, redirected to {redirected_to}]",
}, {
	name:  "md_redirecting_sector",
	level: kernInfo,
	re:    regexp.MustCompile(mdArray + `redirecting sector (?P<redirected_sector>\d+) to other mirror: (?P<redirected_to>\S+)`),
	role:  roleContext,
	key:   "md",
	keyBy: "array",
}, {
	name:  "md_read_error_corrected",
	level: kernInfo,
	typ:   "MD_READ_ERROR_CORRECTED",
	re:    regexp.MustCompile(mdArray + `read error corrected \((?P<sectors>\d+) sectors at (?P<sector>\d+) on (?P<kdev>[^)\s]+)\)`),
	msg:   "MD array {array}: read error on {kdev} corrected ({sectors} sectors at {sector})",
}, {
	name:  "md_read_error_not_correctable",
	level: kernWarning,
	typ:   "MD_READ_ERROR_UNRECOVERABLE",
	re:    regexp.MustCompile(mdArray + `read error not correctable \(sector (?P<sector>\d+) on (?P<kdev>[^)\s]+)\)`),
	msg:   "MD array {array}: read error on {kdev} at sector {sector} not correctable",
}, {
	name:  "md_read_error_not_corrected",
	level: kernWarning,
	typ:   "MD_READ_ERROR_UNRECOVERABLE",
	re:    regexp.MustCompile(mdArray + `read error NOT corrected!! \(sector (?P<sector>\d+) on (?P<kdev>[^)\s]+)\)`),
	msg:   "MD array {array}: read error on {kdev} at sector {sector} not corrected",
}, {
	name:  "md_unrecoverable_read_error",
	level: kernCrit,
	typ:   "MD_READ_ERROR_UNRECOVERABLE",
	re:    regexp.MustCompile(mdArray + `(?P<kdev>[^:\s]+): unrecoverable I/O read error for block (?P<sector>\d+)`),
	msg:   "MD array {array}: unrecoverable read error on {kdev} at sector {sector}",
}, {
	name:  "md_too_many_read_errors",
	level: kernWarning,
	typ:   "MD_DISK_FAILURE",
	re:    regexp.MustCompile(mdArray + `Too many read errors, failing device (?P<kdev>[^.\s]+)\.`),
	cond:  "member:failed",
	msg:   "MD array {array}: member {kdev} failed after too many read errors",
}, {
	name:  "md_kicking_non_fresh",
	level: kernWarning,
	typ:   "MD_DEVICE_KICKED",
	re:    regexp.MustCompile(`^md: kicking non-fresh (?P<kdev>\S+) from array!`),
	msg:   "MD: stale member {kdev} kicked from its array",
}, {
	// md_do_sync names its action: a rebuild (recovery onto a spare, a
	// resync after an unclean stop, a reshape) or a scrub (data-check,
	// requested-resync: "check" and "repair" of sync_action).
	name:  "md_rebuild_started",
	level: kernInfo,
	typ:   "MD_SYNC_STARTED",
	re:    regexp.MustCompile(`^md: (?P<action>resync|recovery|reshape) of RAID array (?P<kdev>md[\w/-]*)`),
	cond:  "array:recovering",
	msg:   "MD array {kdev}: {action} started",
}, {
	name:  "md_sync_started",
	level: kernInfo,
	typ:   "MD_SYNC_STARTED",
	re:    regexp.MustCompile(`^md: (?P<action>data-check|requested-resync|check|repair) of RAID array (?P<kdev>md[\w/-]*)`),
	msg:   "MD array {kdev}: {action} started",
}, {
	name:  "md_rebuild_done",
	level: kernInfo,
	typ:   "MD_SYNC_DONE",
	re:    regexp.MustCompile(`^md: (?P<kdev>md[\w/-]*): (?P<action>resync|recovery|reshape) done\.`),
	cond:  "array:clean",
	msg:   "MD array {kdev}: {action} done",
}, {
	name:  "md_sync_done",
	level: kernInfo,
	typ:   "MD_SYNC_DONE",
	re:    regexp.MustCompile(`^md: (?P<kdev>md[\w/-]*): (?P<action>[\w-]+) done\.`),
	msg:   "MD array {kdev}: {action} done",
}, {
	// A recovery that stops leaves the array degraded.
	name:  "md_recovery_interrupted",
	level: kernInfo,
	typ:   "MD_SYNC_INTERRUPTED",
	re:    regexp.MustCompile(`^md: (?P<kdev>md[\w/-]*): (?P<action>recovery) interrupted\.`),
	cond:  "array:degraded",
	msg:   "MD array {kdev}: {action} interrupted",
}, {
	name:  "md_sync_interrupted",
	level: kernInfo,
	typ:   "MD_SYNC_INTERRUPTED",
	re:    regexp.MustCompile(`^md: (?P<kdev>md[\w/-]*): (?P<action>[\w-]+) interrupted\.`),
	msg:   "MD array {kdev}: {action} interrupted",
}, {
	// raid1, raid10 and raid4/5/6 at start: an array assembled with
	// fewer members than it has is degraded from the start.
	name:   "md_array_active",
	level:  kernInfo,
	typ:    "MD_ARRAY_STARTED",
	re:     regexp.MustCompile(`^md/raid\d*:(?P<kdev>md[\w/-]*): (?:raid level (?P<level>\d+) )?active with (?P<active>\d+) out of (?P<devices>\d+) (?:mirrors|devices)`),
	conds:  []string{"array:clean", "array:degraded"},
	finish: finishMDActive,
}, {
	name:  "md_super_written_error",
	level: kernErr,
	typ:   "MD_IO_ERROR",
	re:    regexp.MustCompile(`^md: (?:(?P<kdev>md[\w/-]*): )?super_written gets error=(?P<error>-?\d+)`),
	msg:   "MD: superblock write failed with error {error}[ on {kdev}]",
}}

// finishMDActive says whether an array started degraded.
func finishMDActive(pe *pending) {
	ev := &pe.ev
	active, err1 := strconv.Atoi(ev.Ext("active"))
	devices, err2 := strconv.Atoi(ev.Ext("devices"))
	if err1 != nil || err2 != nil {
		return
	}
	if active < devices {
		ev.SetExt("condition", "array:degraded")
		if ev.Severity > event.Warning {
			ev.Severity = event.Warning
		}
		ev.Msg = "MD array " + ev.Kdev + " started degraded: " + ev.Ext("active") + " of " + ev.Ext("devices") + " members active"
		return
	}
	ev.SetExt("condition", "array:clean")
	ev.Msg = "MD array " + ev.Kdev + " started with all " + ev.Ext("devices") + " members"
}
