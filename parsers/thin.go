package parsers

import (
	"github.com/peripety/peripety/event"
)

// dm-thin lines (drivers/md/dm-thin.c, prefix "device-mapper: thin: ") and
// the metadata space map that backs them. The pool is named major:minor.

var thinRules = []rule{{
	name:  "thin_out_of_data_space",
	level: kernInfo,
	typ:   "DM_THIN_POOL_FULL",
	re:    pat(`^device-mapper: thin: (?P<kdev>\d+:\d+): switching pool to out-of-data-space(?: \((?P<on_full>queue IO|error IO)\))? mode`),
	sev:   sevOf(event.Error),
	cond:  "pool:out_of_data",
	msg:   "Thin pool {kdev} is out of data space[ ({on_full})]",
}, {
	// notify_of_pool_mode_change (dm-thin.c): the pool's new mode.
	name:  "thin_pool_write_mode",
	level: kernInfo,
	typ:   "DM_THIN_POOL_MODE_CHANGED",
	re:    pat(`^device-mapper: thin: (?P<kdev>\d+:\d+): switching pool to (?P<mode>write) mode`),
	cond:  "pool:ok",
	msg:   "Thin pool {kdev} switched to {mode} mode",
}, {
	// Read-only follows a failed metadata operation or a full metadata
	// device; I/O that needs a new block fails.
	name:  "thin_pool_read_only_mode",
	level: kernInfo,
	typ:   "DM_THIN_POOL_MODE_CHANGED",
	re:    pat(`^device-mapper: thin: (?P<kdev>\d+:\d+): switching pool to (?P<mode>read-only) mode`),
	sev:   sevOf(event.Error),
	cond:  "pool:read_only",
	msg:   "Thin pool {kdev} switched to {mode} mode",
}, {
	name:  "thin_pool_fail_mode",
	level: kernInfo,
	typ:   "DM_THIN_POOL_MODE_CHANGED",
	re:    pat(`^device-mapper: thin: (?P<kdev>\d+:\d+): switching pool to (?P<mode>fail) mode`),
	sev:   sevOf(event.Error),
	cond:  "pool:failed",
	msg:   "Thin pool {kdev} switched to {mode} mode: all its I/O fails",
}, {
	// A mode this table does not know.
	name:  "thin_pool_mode",
	level: kernInfo,
	typ:   "DM_THIN_POOL_MODE_CHANGED",
	re:    pat(`^device-mapper: thin: (?P<kdev>\d+:\d+): switching pool to (?P<mode>[\w-]+)(?: \([^)]*\))? mode`),
	msg:   "Thin pool {kdev} switched to {mode} mode",
}, {
	name:  "thin_data_low_water",
	level: kernWarning,
	typ:   "DM_THIN_LOW_WATER_MARK",
	re:    pat(`^device-mapper: thin: (?P<kdev>\d+:\d+): reached low water mark for data device: sending event\.`),
	msg:   "Thin pool {kdev} reached the low water mark of its data device",
}, {
	name:  "thin_metadata_low_water",
	level: kernWarning,
	typ:   "DM_THIN_METADATA_LOW_WATER_MARK",
	re:    pat(`^device-mapper: thin: (?P<kdev>\d+:\d+): reached low water mark for metadata device: sending event\.`),
	msg:   "Thin pool {kdev} reached the low water mark of its metadata device",
}, {
	name:  "thin_no_free_metadata",
	level: kernErr,
	typ:   "DM_THIN_METADATA_FULL",
	re:    pat(`^device-mapper: (?:thin: No free metadata blocks|space map metadata: unable to allocate new metadata block)`),
	cond:  "pool:out_of_metadata",
	msg:   "A thin pool ran out of metadata space (the line names no pool)",
}, {
	name:  "thin_metadata_operation_failed",
	level: kernErr,
	typ:   "DM_THIN_METADATA_ERROR",
	re:    pat(`^device-mapper: thin: (?P<kdev>\d+:\d+): metadata operation '(?P<operation>[^']+)' failed: error = (?P<errno>-?\d+)`),
	key:   "thin", open: true,
	msg: "Thin pool {kdev}: metadata operation {operation} failed (error {errno})",
}, {
	// abort_transaction follows a failed metadata operation.
	name:  "thin_aborting_transaction",
	level: kernErr,
	typ:   "DM_THIN_METADATA_ERROR",
	re:    pat(`^device-mapper: thin: (?P<kdev>\d+:\d+): aborting current metadata transaction`),
	role:  roleJoin, key: "thin",
	msg: "Thin pool {kdev}: current metadata transaction aborted",
}, {
	// Aborting failed too: the pool goes to fail mode.
	name:  "thin_abort_failed",
	level: kernErr,
	typ:   "DM_THIN_METADATA_ERROR",
	re:    pat(`^device-mapper: thin: (?P<kdev>\d+:\d+): failed to abort metadata transaction`),
	role:  roleJoin, key: "thin",
	msg: "Thin pool {kdev}: aborting the metadata transaction failed",
}, {
	// persistent-data/dm-btree-spine.c: a metadata btree node failed its
	// check on read.
	name:  "thin_btree_node_check",
	level: kernErr,
	typ:   "DM_THIN_METADATA_CORRUPTION",
	re:    pat(`^device-mapper: btree spine: node_check failed: (?P<detail>.+?)\s*$`),
	msg:   "Thin pool metadata btree node corrupt: {detail} (the line names no pool)",
}, {
	name:  "thin_alloc_failed",
	level: kernErr,
	typ:   "DM_THIN_ALLOC_FAILED",
	re:    pat(`^device-mapper: thin: (?P<kdev>\d+:\d+): alloc_data_block\(\) failed: error = (?P<errno>-?\d+)`),
	msg:   "Thin pool {kdev}: data block allocation failed (error {errno})",
}, {
	// The pool's metadata is marked needs_check: it stays read-only and
	// cannot grow.
	name:  "thin_needs_repair",
	level: kernErr,
	typ:   "DM_THIN_NEEDS_REPAIR",
	re:    pat(`^device-mapper: thin: (?P<kdev>\d+:\d+): unable to (?P<action>switch pool to write mode|grow the data device|grow the metadata device) until repaired\.`),
	sev:   sevOf(event.Error),
	msg:   "Thin pool {kdev} is unable to {action} until repaired (thin_check/thin_repair)",
}, {
	// Metadata blocks that fail their checks when read: the persistent
	// data library of dm-thin (and dm-cache, dm-era) names no pool.
	name:  "thin_metadata_corrupt",
	level: kernErr,
	typ:   "DM_THIN_METADATA_CORRUPTION",
	re: pat(`^device-mapper: (?P<component>space map common|thin metadata|array|block manager|btree|space map metadata): ` +
		`(?P<detail>(?:\w+ )?\w+ failed: (?:blocknr|csum|magic|max_entries|value_size) .*|array_block_check failed: .*|` +
		`(?:\d+:\d+ )?validator (?:check failed for block \d+|mismatch .*)|bad btree metadata, max_entries differ|bad shift|` +
		`node (?:max_entries mismatch|shift out of bounds)|mismatched value size|metadata block out of bounds|overflow btree is missing an entry|` +
		`unable to decrement a reference count below 0|sm_metadata root too small|mismatched transaction id)$`),
	msg: "Thin pool metadata ({component}) is corrupt: {detail} (the line names no pool)",
}, {
	// Metadata operations that fail (the I/O or the space they need).
	name:  "thin_metadata_op_failed",
	level: kernErr,
	typ:   "DM_THIN_METADATA_ERROR",
	re: pat(`^device-mapper: (?P<component>thin metadata|transaction manager|space map common|space map metadata|array|btree): ` +
		`(?P<detail>couldn't (?:read|lock) superblock|could not access metadata.*|could not create (?:block manager.*|non-blocking clone tm)|` +
		`(?:sm_disk|tm)_(?:open|create)(?:_with_sm)? failed|couldn't create devices root|could not get size of metadata device|btree delete failed|` +
		`pre-commit callback failed|cannot reduce size of space map|couldn't (?:create|open) metadata space map|couldn't get free block count|` +
		`(?:\w+: )?apply_bops failed|dm_tm_shadow_block\(\) failed|ref count insert failed|unable to decrement block|` +
		`unable to re-get write lock for bitmap|find_leaf failed|push_node failed|dm_btree_cursor_get_value failed|get_ablock failed|` +
		`couldn't (?:get array block|get reference count for block) \d+|couldn't create btree cursor)$`),
	msg: "Thin pool metadata ({component}): {detail} (the line names no pool)",
}, {
	name:  "thin_metadata_op_warning",
	level: kernWarning,
	typ:   "DM_THIN_METADATA_ERROR",
	re:    pat(`^device-mapper: thin metadata: (?P<detail>\w+: (?:__commit_transaction\(\) failed, error = -?\d+|dm_pool_metadata_close\(\) failed\.))$`),
	msg:   "Thin pool metadata: {detail} (the line names no pool)",
}, {
	// The pool's own queries of its metadata.
	name:  "thin_pool_metadata_query",
	level: kernErr,
	typ:   "DM_THIN_METADATA_ERROR",
	re: pat(`^device-mapper: thin: (?P<kdev>\d+:\d+): (?P<detail>dm_pool_get_\w+ returned -?\d+|failed to retrieve (?:data|metadata) device size|` +
		`failed to set 'needs_check' flag in metadata)$`),
	msg: "Thin pool {kdev}: {detail}",
}, {
	name:  "thin_lookup_failed",
	level: kernErr,
	typ:   "DM_THIN_METADATA_ERROR",
	re:    pat(`^device-mapper: thin: (?P<detail>\w+: dm_thin_find_block\(\) failed: error = -?\d+|dm_thin_get_(?:mapped_count|highest_mapped_block) returned -?\d+)$`),
	msg:   "Thin device metadata lookup failed: {detail} (the line names no pool)",
}, {
	name:  "thin_alloc_failed_nopool",
	level: kernErr,
	typ:   "DM_THIN_ALLOC_FAILED",
	re:    pat(`^device-mapper: thin: (?P<function>\w+): alloc_data_block\(\) failed: error = (?P<errno>-?\d+)`),
	msg:   "A thin pool's data block allocation failed in {function} (error {errno}; the line names no pool)",
}, {
	// A table loaded over devices smaller than the pool's metadata says.
	name:  "thin_device_too_small",
	level: kernErr,
	typ:   "DM_THIN_DEVICE_TOO_SMALL",
	re:    pat(`^device-mapper: thin: (?P<kdev>\d+:\d+): (?P<detail>(?:metadata device|pool target) \(\d+ blocks\) too small: expected \d+)$`),
	msg:   "Thin pool {kdev}: {detail}",
}, {
	// Requests of the thin tools (lvm, dmsetup message) the pool refuses.
	name:  "thin_message_refused",
	level: kernErr,
	typ:   "DM_THIN_MESSAGE_REJECTED",
	re:    pat(`^device-mapper: thin: (?P<kdev>\d+:\d+): (?P<detail>unable to service pool target messages in READ_ONLY or FAIL mode)$`),
	msg:   "Thin pool {kdev}: {detail}",
}, {
	name:  "thin_message_failed",
	level: kernWarning,
	typ:   "DM_THIN_MESSAGE_REJECTED",
	re: pat(`^device-mapper: thin(?: metadata)?: (?P<detail>Creation of new (?:snapshot .*|thinly-provisioned device .*) failed\.|` +
		`Deletion of thin device .* failed\.|Failed to change transaction id .*|Message received with .*|Unrecognised thin pool target message received: .*|` +
		`set_transaction_id message: .*|(?:reserve|release)_metadata_snap message failed\.|Pool metadata snapshot already exists: .*|` +
		`No pool metadata snapshot found: nothing to release\.)$`),
	msg: "Thin pool request refused: {detail}",
}}
