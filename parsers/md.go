package parsers

import (
	"strconv"

	"github.com/peripety/peripety/event"
)

// MD software RAID lines (drivers/md/md.c, raid1.c, raid10.c, raid5.c):
// "md/raid1:md0: …", "md/raid10:md0: …", "md/raid:md0: …" (raid4/5/6) and
// "md: …". A member's failure names the member as the device and the array
// in the extension; array-wide lines name the array.

const mdArray = `^md/raid\d*:(?P<array>md[\w/-]*): `

var mdRules = append([]rule{{
	// md-linear and raid0 have no redundancy: a member's failure fails
	// the array. (Their format lacks the colon: "md/raid0md0: ".)
	name:  "md_member_failed_array",
	level: kernCrit,
	typ:   "MD_ARRAY_FAILED",
	re:    pat(`^md/(?:linear|raid0):?(?P<array>md[\w/-]*): Disk failure on (?P<kdev>\S+) detected, failing array\.`),
	cond:  "member:failed",
	msg:   "MD array {array} failed: member {kdev} failed and the array has no redundancy",
}, {
	name:  "md_disk_failure",
	level: kernCrit,
	typ:   "MD_DISK_FAILURE",
	re:    pat(mdArray + `Disk failure on (?P<kdev>[^,\s]+), disabling device\.`),
	cond:  "member:failed",
	msg:   "MD array {array}: member {kdev} failed and was disabled",
}, {
	name:  "md_degraded",
	level: kernCrit,
	typ:   "MD_DEGRADED",
	re:    pat(`^md/raid\d*:(?P<kdev>md[\w/-]*): Operation continuing on (?P<devices>\d+) devices\.`),
	cond:  "array:degraded",
	msg:   "MD array {kdev} degraded: continuing on {devices} devices",
}, {
	name:  "md_array_failed",
	level: kernCrit,
	typ:   "MD_ARRAY_FAILED",
	re:    pat(`^md/raid\d*:(?P<kdev>md[\w/-]*): Cannot continue operation \((?P<failed>\d+)/(?P<devices>\d+) failed\)\.`),
	cond:  "array:failed",
	msg:   "MD array {kdev} failed: {failed} of {devices} devices lost",
}, {
	// raid1/raid10 read error: "md/raid1:md0: sdb1: rescheduling sector N",
	// then "redirecting sector N to other mirror: sdc1".
	name:  "md_rescheduling_sector",
	level: kernErr,
	typ:   "MD_IO_ERROR",
	re:    pat(mdArray + `(?P<kdev>[^:\s]+): rescheduling sector (?P<sector>\d+)`),
	key:   "md",
	keyBy: "array",
	open:  true,
	msg:   "MD array {array}: read error on {kdev} at sector {sector}[, redirected to {redirected_to}]",
}, {
	name:  "md_redirecting_sector",
	level: kernInfo,
	re:    pat(mdArray + `redirecting sector (?P<redirected_sector>\d+) to other mirror: (?P<redirected_to>\S+)`),
	role:  roleContext,
	key:   "md",
	keyBy: "array",
}, {
	name:  "md_read_error_corrected",
	level: kernInfo,
	typ:   "MD_READ_ERROR_CORRECTED",
	re:    pat(mdArray + `read error corrected \((?P<sectors>\d+) sectors at (?P<sector>\d+) on (?P<kdev>[^)\s]+)\)`),
	msg:   "MD array {array}: read error on {kdev} corrected ({sectors} sectors at {sector})",
}, {
	name:  "md_read_error_not_correctable",
	level: kernWarning,
	typ:   "MD_READ_ERROR_UNRECOVERABLE",
	re:    pat(mdArray + `read error not correctable \(sector (?P<sector>\d+) on (?P<kdev>[^)\s]+)\)`),
	msg:   "MD array {array}: read error on {kdev} at sector {sector} not correctable",
}, {
	name:  "md_read_error_not_corrected",
	level: kernWarning,
	typ:   "MD_READ_ERROR_UNRECOVERABLE",
	re:    pat(mdArray + `read error NOT corrected!! \(sector (?P<sector>\d+) on (?P<kdev>[^)\s]+)\)`),
	msg:   "MD array {array}: read error on {kdev} at sector {sector} not corrected",
}, {
	name:  "md_unrecoverable_read_error",
	level: kernCrit,
	typ:   "MD_READ_ERROR_UNRECOVERABLE",
	re:    pat(mdArray + `(?P<kdev>[^:\s]+): unrecoverable I/O read error for block (?P<sector>\d+)`),
	msg:   "MD array {array}: unrecoverable read error on {kdev} at sector {sector}",
}, {
	name:  "md_too_many_read_errors",
	level: kernWarning,
	typ:   "MD_DISK_FAILURE",
	re:    pat(mdArray + `Too many read errors, failing device (?P<kdev>[^.\s]+)\.`),
	cond:  "member:failed",
	msg:   "MD array {array}: member {kdev} failed after too many read errors",
}, {
	name:  "md_kicking_non_fresh",
	level: kernWarning,
	typ:   "MD_DEVICE_KICKED",
	re:    pat(`^md: kicking non-fresh (?P<kdev>\S+) from array!`),
	msg:   "MD: stale member {kdev} kicked from its array",
}, {
	// md_do_sync names its action: a rebuild (recovery onto a spare, a
	// resync after an unclean stop, a reshape) or a scrub (data-check,
	// requested-resync: "check" and "repair" of sync_action).
	name:  "md_rebuild_started",
	level: kernInfo,
	typ:   "MD_SYNC_STARTED",
	re:    pat(`^md: (?P<action>resync|recovery|reshape) of RAID array (?P<kdev>md[\w/-]*)`),
	cond:  "array:recovering",
	msg:   "MD array {kdev}: {action} started",
}, {
	name:  "md_sync_started",
	level: kernInfo,
	typ:   "MD_SYNC_STARTED",
	re:    pat(`^md: (?P<action>data-check|requested-resync|check|repair) of RAID array (?P<kdev>md[\w/-]*)`),
	msg:   "MD array {kdev}: {action} started",
}, {
	name:  "md_rebuild_done",
	level: kernInfo,
	typ:   "MD_SYNC_DONE",
	re:    pat(`^md: (?P<kdev>md[\w/-]*): (?P<action>resync|recovery|reshape) done\.`),
	cond:  "array:clean",
	msg:   "MD array {kdev}: {action} done",
}, {
	name:  "md_sync_done",
	level: kernInfo,
	typ:   "MD_SYNC_DONE",
	re:    pat(`^md: (?P<kdev>md[\w/-]*): (?P<action>[\w-]+) done\.`),
	msg:   "MD array {kdev}: {action} done",
}, {
	// A recovery that stops leaves the array degraded.
	name:  "md_recovery_interrupted",
	level: kernInfo,
	typ:   "MD_SYNC_INTERRUPTED",
	re:    pat(`^md: (?P<kdev>md[\w/-]*): (?P<action>recovery) interrupted\.`),
	cond:  "array:degraded",
	msg:   "MD array {kdev}: {action} interrupted",
}, {
	name:  "md_sync_interrupted",
	level: kernInfo,
	typ:   "MD_SYNC_INTERRUPTED",
	re:    pat(`^md: (?P<kdev>md[\w/-]*): (?P<action>[\w-]+) interrupted\.`),
	msg:   "MD array {kdev}: {action} interrupted",
}, {
	// raid1, raid10 and raid4/5/6 at start: an array assembled with
	// fewer members than it has is degraded from the start.
	name:   "md_array_active",
	level:  kernInfo,
	typ:    "MD_ARRAY_STARTED",
	re:     pat(`^md/raid\d*:(?P<kdev>md[\w/-]*): (?:raid level (?P<level>\d+) )?active with (?P<active>\d+) out of (?P<devices>\d+) (?:mirrors|devices)`),
	conds:  []string{"array:clean", "array:degraded"},
	finish: finishMDActive,
}, {
	name:  "md_super_written_error",
	level: kernErr,
	typ:   "MD_IO_ERROR",
	re:    pat(`^md: (?:(?P<kdev>md[\w/-]*): )?super_written gets error=(?P<error>-?\d+)`),
	msg:   "MD: superblock write failed with error {error}[ on {kdev}]",
}, {
	// md-multipath.c multipath_error: one record of two lines.
	name:  "md_multipath_failed",
	level: kernErr,
	typ:   "MD_MULTIPATH_PATH_FAILED",
	re:    pat(`^multipath: IO failure on (?P<kdev>\S+), disabling IO path\.`),
	cond:  "path:failed",
	key:   "md-multipath", open: true,
	msg: "MD multipath: path {kdev} failed and was disabled[; {paths} paths left]",
}, {
	name:  "md_multipath_paths_left",
	level: kernErr,
	re:    pat(`^multipath: Operation continuing on (?P<paths>\d+) IO paths\.`),
	role:  roleContext, key: "md-multipath",
}}, mdLineRules()...)

// mdLine is a rule of an md line: re is the whole line's pattern.
type mdLine struct {
	name, typ string
	level     printkLevel
	cond      string
	re, msg   string
}

// mdArrayOf is the array prefix of the personalities' lines, "md/raid:md0: ",
// "md/raid10:md0: ", "md/linear:md0: ".
const mdArrayOf = `^md/(?:raid\d*|linear):(?P<kdev>md[\w/-]*): `

// mdLines are the md lines of arrays that fail to start or rebuild,
// members whose superblock is refused, I/O errors of the personalities,
// write-intent bitmaps, journals and the multipath personality (md.c,
// md-bitmap.c, raid0.c, raid1.c, raid10.c, raid5*.c, md-linear.c,
// md-multipath.c, md-autodetect.c), 4.19-6.12.
var mdLines = []mdLine{
	// An array that cannot run.
	{"md_not_enough_devices", "MD_ARRAY_FAILED", kernCrit, "array:failed",
		mdArrayOf + `not enough operational devices \((?P<failed>\d+)/(?P<devices>\d+) failed\)`,
		"MD array {kdev} cannot run: {failed} of {devices} devices failed"},
	{"md_not_enough_mirrors", "MD_ARRAY_FAILED", kernErr, "array:failed", mdArrayOf + `not enough operational mirrors\.`,
		"MD array {kdev} cannot run: not enough operational mirrors"},
	{"md_dirty_degraded", "MD_ARRAY_NOT_STARTED", kernCrit, "", mdArrayOf + `cannot start dirty degraded array\.`,
		"MD array {kdev} was not started: it is dirty and degraded (start it with --force after checking)"},
	{"md_dirty_degraded_started", "MD_DEGRADED", kernCrit, "array:degraded",
		mdArrayOf + `starting dirty degraded array(?P<detail> - data corruption possible| with PPL)\.`,
		"MD array {kdev} started dirty and degraded{detail}"},
	{"md_array_not_started", "MD_ARRAY_NOT_STARTED", kernWarning, "",
		mdArrayOf + `(?P<detail>failed to run raid set\.|not enough (?:drives present|configured devices \(\d+, minimum \d+\))\.? ?(?:Aborting!)?|` +
			`disk numbering problem\. Aborting!|too few disks \(\d+ of \d+\) - aborting!|bad disk number -?\d+ - aborting!|multiple devices for \d+ - aborting!)$`,
		"MD array {kdev} was not started: {detail}"},
	{"md_run_failed", "MD_ARRAY_NOT_STARTED", kernWarning, "",
		`^md: (?P<detail>pers->run\(\) failed \.\.\.|do_md_run\(\) returned -?\d+|starting (?P<kdev>md[\w/-]*) failed)$`,
		"MD: an array was not started: {detail}"},
	{"md_autodetect_start_failed", "MD_ARRAY_NOT_STARTED", kernErr, "",
		`^md: (?P<detail>(?:md_alloc|open) failed - cannot start array (?P<kdev>md[\w/-]*)|failed to lock array (?P<kdev>md[\w/-]*))$`,
		"MD: {detail}"},
	{"md_raid0_layout", "MD_ARRAY_NOT_STARTED", kernErr, "",
		`^md/raid0:?(?:(?P<kdev>md[\w/-]*): )?(?P<detail>cannot assemble multi-zone RAID0 with default_layout setting|please set raid0\.default_layout to 1 or 2)$`,
		"MD RAID0 array[ {kdev}] was not started: {detail}"},
	// A rebuild that cannot proceed.
	{"md_recovery_failed", "MD_RECOVERY_FAILED", kernErr, "",
		mdArrayOf + `(?P<detail>resync fails|Cannot get enough stripes due to memory pressure\. Recovery failed\.)$`,
		"MD array {kdev}: {detail}"},
	{"md_recovery_insufficient", "MD_RECOVERY_FAILED", kernWarning, "", mdArrayOf + `(?P<detail>insufficient working devices for recovery\.)$`,
		"MD array {kdev}: {detail}"},
	{"md_recovery_aborted", "MD_RECOVERY_FAILED", kernNotice, "array:degraded", mdArrayOf + `(?P<detail>recovery aborted due to read error)$`,
		"MD array {kdev}: {detail}; it stays degraded"},
	{"md_resync_thread", "MD_RECOVERY_FAILED", kernWarning, "", `^(?P<kdev>md[\w/-]*): could not start resync thread\.\.\.`,
		"MD array {kdev}: could not start its resync thread"},
	// A member whose superblock md does not take.
	{"md_member_kicked", "MD_DEVICE_KICKED", kernWarning, "",
		`^md: fatal superblock inconsistency in (?P<kdev>\S+) -- removing from array`,
		"MD: member {kdev} removed from its array: its superblock is inconsistent"},
	{"md_member_no_size", "MD_DEVICE_KICKED", kernWarning, "", `^md: (?P<kdev>\S+) has zero or unknown size, marking faulty!`,
		"MD: member {kdev} marked faulty: its size is zero or unknown"},
	{"md_member_unreadable", "MD_DEVICE_KICKED", kernErr, "", `^md: disabled device (?P<kdev>\S+), could not read superblock\.`,
		"MD: member {kdev} disabled: its superblock could not be read"},
	{"md_superblock_error", "MD_SUPERBLOCK_ERROR", kernWarning, "",
		`^md: (?P<detail>could not read (?P<kdev>\S+?)'s sb, not importing!|invalid (?:raid superblock magic|superblock checksum) on (?P<kdev>\S+)|` +
			`data_size too small on (?P<kdev>\S+))$`,
		"MD: {detail}"},
	{"md_superblock_invalid", "MD_SUPERBLOCK_ERROR", kernWarning, "",
		`^md: (?P<detail>(?P<kdev>\S+) does not have a valid v[\d.]+ superblock, not importing!)$`, "MD: {detail}"},
	{"md_superblock_mismatch", "MD_SUPERBLOCK_ERROR", kernWarning, "",
		`^md: (?P<detail>(?P<kdev>\S+) has (?:different UUID|same UUID but different superblock|strangely different superblock) to \S+)$`, "MD: {detail}"},
	// I/O errors of the personalities.
	{"md_raid10_redirect", "MD_IO_ERROR", kernErr, "",
		`^md/raid10:(?P<array>md[\w/-]*): (?P<kdev>\S+): (?P<detail>redirecting sector \d+ to another mirror)$`,
		"MD array {array}: I/O error on {kdev}: {detail}"},
	{"md_flush_error", "MD_IO_ERROR", kernErr, "", `^md: (?P<kdev>\S+) (?P<detail>flush io error -?\d+)$`,
		"MD: I/O error on {kdev}: {detail}"},
	{"md_bitmap_read_error", "MD_IO_ERROR", kernErr, "", `^md: (?P<detail>bitmap read error: .*)$`, "MD: I/O error: {detail}"},
	{"md_linear_out_of_bounds", "MD_IO_ERROR", kernErr, "",
		`^md/linear:(?P<array>md[\w/-]*): (?P<detail>make_request: Sector \d+ out of bounds on dev (?P<kdev>\S+): .*)$`,
		"MD array {array}: I/O error on {kdev}: {detail}"},
	{"md_io_error_warn", "MD_IO_ERROR", kernWarning, "",
		mdArrayOf + `(?P<detail>read error on replacement device \(sector \d+ on (?P<member>[^)\s]+)\)\.)$`,
		"MD array {kdev}: {detail}"},
	{"md_read_errors_stripes", "MD_IO_ERROR", kernWarning, "", mdArrayOf + `(?P<detail>-?\d+ read_errors > \d+ stripes)$`,
		"MD array {kdev}: {detail}"},
	// A check found copies or parity that disagree.
	{"md_mismatch", "MD_MISMATCH", kernWarning, "", `^(?P<kdev>md[\w/-]*): mismatch sector in range (?P<first_sector>\d+)-(?P<last_sector>\d+)`,
		"MD array {kdev}: check found mismatched data in sectors {first_sector}-{last_sector}"},
	// Write-intent bitmaps.
	{"md_bitmap_error", "MD_BITMAP_ERROR", kernWarning, "",
		`^(?P<kdev>md[\w/-]*): (?P<detail>bitmap file is out of date.*|kicking failed bitmap file .* from array!|bitmap initialisation failed: -?\d+|` +
			`invalid bitmap file superblock: .*|bitmap superblock UUID mismatch|disabling internal bitmap due to errors|bitmap file too short \d+ < \d+|` +
			`failed to create bitmap \(-?\d+\))$`,
		"MD array {kdev}: write-intent bitmap: {detail}"},
	// raid5 journal and partial parity log.
	{"md_journal_missing", "MD_JOURNAL_ERROR", kernWarning, "", mdArrayOf + `(?P<detail>journal disk is missing, force array readonly)$`,
		"MD array {kdev}: its journal disk is missing; the array is read-only"},
	{"md_journal_error", "MD_JOURNAL_ERROR", kernErr, "", mdArrayOf + `(?P<detail>failed to rewrite stripes to journal)$`,
		"MD array {kdev}: {detail}"},
	{"md_ppl_error", "MD_JOURNAL_ERROR", kernWarning, "",
		mdArrayOf + `(?P<detail>PPL header signature does not match on all member drives|PPL space (?:too small|overlaps with (?:data|superblock)) on \S+)$`,
		"MD array {kdev}: partial parity log: {detail}"},
	// The multipath personality (md-multipath.c).
	{"md_multipath_no_path", "MD_MULTIPATH_NO_PATH", kernWarning, "",
		`^multipath: (?:(?P<detail>only one IO path left and IO error\.)|no operational IO paths for (?P<kdev>md[\w/-]*))`,
		"MD multipath[ {kdev}]: no operational path left[: {detail}]"},
	{"md_multipath_map_no_path", "MD_MULTIPATH_NO_PATH", kernCrit, "", `^multipath_map\(\): no more operational IO paths\?`,
		"MD multipath: no operational path left"},
	{"md_multipath_io_error", "MD_IO_ERROR", kernErr, "",
		`^multipath: (?P<kdev>md[\w/-]*): (?P<detail>unrecoverable IO read error for block \d+|redirecting sector \d+ to another IO path)`,
		"MD multipath {kdev}: {detail}"},
}

// mdLineRules makes the rules of mdLines.
func mdLineRules() []rule {
	rules := make([]rule, 0, len(mdLines))
	for _, l := range mdLines {
		rules = append(rules, rule{name: l.name, typ: l.typ, level: l.level, cond: l.cond, re: pat(l.re), msg: l.msg})
	}
	return rules
}

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
