package parsers

import "regexp"

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
	msg:   "MD array {array} failed: member {kdev} failed and the array has no redundancy",
}, {
	name:  "md_disk_failure",
	level: kernCrit,
	typ:   "MD_DISK_FAILURE",
	re:    regexp.MustCompile(mdArray + `Disk failure on (?P<kdev>[^,\s]+), disabling device\.`),
	msg:   "MD array {array}: member {kdev} failed and was disabled",
}, {
	name:  "md_degraded",
	level: kernCrit,
	typ:   "MD_DEGRADED",
	re:    regexp.MustCompile(`^md/raid\d*:(?P<kdev>md[\w/-]*): Operation continuing on (?P<devices>\d+) devices\.`),
	msg:   "MD array {kdev} degraded: continuing on {devices} devices",
}, {
	name:  "md_array_failed",
	level: kernCrit,
	typ:   "MD_ARRAY_FAILED",
	re:    regexp.MustCompile(`^md/raid\d*:(?P<kdev>md[\w/-]*): Cannot continue operation \((?P<failed>\d+)/(?P<devices>\d+) failed\)\.`),
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
	msg:   "MD array {array}: member {kdev} failed after too many read errors",
}, {
	name:  "md_kicking_non_fresh",
	level: kernWarning,
	typ:   "MD_DEVICE_KICKED",
	re:    regexp.MustCompile(`^md: kicking non-fresh (?P<kdev>\S+) from array!`),
	msg:   "MD: stale member {kdev} kicked from its array",
}, {
	name:  "md_sync_started",
	level: kernInfo,
	typ:   "MD_SYNC_STARTED",
	re:    regexp.MustCompile(`^md: (?P<action>resync|recovery|data-check|requested-resync|reshape|check|repair) of RAID array (?P<kdev>md[\w/-]*)`),
	msg:   "MD array {kdev}: {action} started",
}, {
	name:  "md_sync_done",
	level: kernInfo,
	typ:   "MD_SYNC_DONE",
	re:    regexp.MustCompile(`^md: (?P<kdev>md[\w/-]*): (?P<action>[\w-]+) done\.`),
	msg:   "MD array {kdev}: {action} done",
}, {
	name:  "md_sync_interrupted",
	level: kernInfo,
	typ:   "MD_SYNC_INTERRUPTED",
	re:    regexp.MustCompile(`^md: (?P<kdev>md[\w/-]*): (?P<action>[\w-]+) interrupted\.`),
	msg:   "MD array {kdev}: {action} interrupted",
}, {
	name:  "md_super_written_error",
	level: kernErr,
	typ:   "MD_IO_ERROR",
	re:    regexp.MustCompile(`^md: (?:(?P<kdev>md[\w/-]*): )?super_written gets error=(?P<error>-?\d+)`),
	msg:   "MD: superblock write failed with error {error}[ on {kdev}]",
}}
