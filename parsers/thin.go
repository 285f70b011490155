package parsers

import (
	"regexp"

	"github.com/peripety/peripety/event"
)

// dm-thin lines (drivers/md/dm-thin.c, prefix "device-mapper: thin: ") and
// the metadata space map that backs them. The pool is named major:minor.

var thinRules = []rule{{
	name:  "thin_out_of_data_space",
	level: kernInfo,
	typ:   "DM_THIN_POOL_FULL",
	re:    regexp.MustCompile(`^device-mapper: thin: (?P<kdev>\d+:\d+): switching pool to out-of-data-space(?: \((?P<on_full>queue IO|error IO)\))? mode`),
	sev:   sevOf(event.Error),
	msg:   "Thin pool {kdev} is out of data space[ ({on_full})]",
}, {
	name:  "thin_pool_mode",
	level: kernInfo,
	typ:   "DM_THIN_POOL_MODE_CHANGED",
	re:    regexp.MustCompile(`^device-mapper: thin: (?P<kdev>\d+:\d+): switching pool to (?P<mode>[\w-]+)(?: \([^)]*\))? mode`),
	msg:   "Thin pool {kdev} switched to {mode} mode",
	finish: func(pe *pending) {
		if m := pe.ev.Ext("mode"); (m == "fail" || m == "read-only") && pe.ev.Severity > event.Error {
			pe.ev.Severity = event.Error
		}
	},
}, {
	name:  "thin_data_low_water",
	level: kernWarning,
	typ:   "DM_THIN_LOW_WATER_MARK",
	re:    regexp.MustCompile(`^device-mapper: thin: (?P<kdev>\d+:\d+): reached low water mark for data device: sending event\.`),
	msg:   "Thin pool {kdev} reached the low water mark of its data device",
}, {
	name:  "thin_metadata_low_water",
	level: kernWarning,
	typ:   "DM_THIN_METADATA_LOW_WATER_MARK",
	re:    regexp.MustCompile(`^device-mapper: thin: (?P<kdev>\d+:\d+): reached low water mark for metadata device: sending event\.`),
	msg:   "Thin pool {kdev} reached the low water mark of its metadata device",
}, {
	name:  "thin_no_free_metadata",
	level: kernErr,
	typ:   "DM_THIN_METADATA_FULL",
	re:    regexp.MustCompile(`^device-mapper: (?:thin: No free metadata blocks|space map metadata: unable to allocate new metadata block)`),
	msg:   "A thin pool ran out of metadata space (the line names no pool)",
}, {
	name:  "thin_metadata_operation_failed",
	level: kernErr,
	typ:   "DM_THIN_METADATA_ERROR",
	re:    regexp.MustCompile(`^device-mapper: thin: (?P<kdev>\d+:\d+): metadata operation '(?P<operation>[^']+)' failed: error = (?P<errno>-?\d+)`),
	key:   "thin", open: true,
	msg: "Thin pool {kdev}: metadata operation {operation} failed (error {errno})",
}, {
	// abort_transaction follows a failed metadata operation.
	name:  "thin_aborting_transaction",
	level: kernErr,
	typ:   "DM_THIN_METADATA_ERROR",
	re:    regexp.MustCompile(`^device-mapper: thin: (?P<kdev>\d+:\d+): aborting current metadata transaction`),
	role:  roleJoin, key: "thin",
	msg: "Thin pool {kdev}: current metadata transaction aborted",
}, {
	// Aborting failed too: the pool goes to fail mode.
	name:  "thin_abort_failed",
	level: kernErr,
	typ:   "DM_THIN_METADATA_ERROR",
	re:    regexp.MustCompile(`^device-mapper: thin: (?P<kdev>\d+:\d+): failed to abort metadata transaction`),
	role:  roleJoin, key: "thin",
	msg: "Thin pool {kdev}: aborting the metadata transaction failed",
}, {
	// persistent-data/dm-btree-spine.c: a metadata btree node failed its
	// check on read.
	name:  "thin_btree_node_check",
	level: kernErr,
	typ:   "DM_THIN_METADATA_CORRUPTION",
	re:    regexp.MustCompile(`^device-mapper: btree spine: node_check failed: (?P<detail>.+?)\s*$`),
	msg:   "Thin pool metadata btree node corrupt: {detail} (the line names no pool)",
}, {
	name:  "thin_alloc_failed",
	level: kernErr,
	typ:   "DM_THIN_ALLOC_FAILED",
	re:    regexp.MustCompile(`^device-mapper: thin: (?P<kdev>\d+:\d+): alloc_data_block\(\) failed: error = (?P<errno>-?\d+)`),
	msg:   "Thin pool {kdev}: data block allocation failed (error {errno})",
}, {
	name:  "thin_needs_repair",
	level: kernWarning,
	typ:   "DM_THIN_NEEDS_REPAIR",
	re:    regexp.MustCompile(`^device-mapper: thin: (?P<kdev>\d+:\d+): unable to switch pool to write mode until repaired\.`),
	sev:   sevOf(event.Error),
	msg:   "Thin pool {kdev} stays read-only until repaired (thin_check/thin_repair)",
}}
