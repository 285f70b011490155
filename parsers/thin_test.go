package parsers

import (
	"testing"

	"github.com/peripety/peripety/event"
)

var thinCases = []lineCase{
	{
		name: "issue 15: a failed abort joins the failed operation",
		records: []string{
			"<3>device-mapper: thin: 253:2: metadata operation 'dm_pool_commit_metadata' failed: error = -5",
			"<3>device-mapper: thin: 253:2: aborting current metadata transaction",
			"<3>device-mapper: thin: 253:2: failed to abort metadata transaction",
		},
		want: []want{{Type: "DM_THIN_METADATA_ERROR", Kdev: "253:2", Sev: event.Error,
			Raw: "device-mapper: thin: 253:2: metadata operation 'dm_pool_commit_metadata' failed: error = -5"}},
	},
	single("<3>device-mapper: btree spine: node_check failed: csum 1234567 != wanted 7654321", "DM_THIN_METADATA_CORRUPTION", "", event.Error,
		map[string]string{"detail": "csum 1234567 != wanted 7654321"}),
	single("<6>device-mapper: thin: 253:2: switching pool to out-of-data-space (queue IO) mode", "DM_THIN_POOL_FULL", "253:2", event.Error,
		map[string]string{"on_full": "queue IO"}),
	single("<6>device-mapper: thin: 253:2: switching pool to out-of-data-space (error IO) mode", "DM_THIN_POOL_FULL", "253:2", event.Error, nil),
	single("<6>device-mapper: thin: 253:2: switching pool to write mode", "DM_THIN_POOL_MODE_CHANGED", "253:2", event.Info, map[string]string{"mode": "write"}),
	single("<6>device-mapper: thin: 253:2: switching pool to fail mode", "DM_THIN_POOL_MODE_CHANGED", "253:2", event.Error, map[string]string{"mode": "fail"}),
	single("<6>device-mapper: thin: 253:2: switching pool to read-only mode", "DM_THIN_POOL_MODE_CHANGED", "253:2", event.Error, nil),
	single("<4>device-mapper: thin: 253:4: reached low water mark for data device: sending event.", "DM_THIN_LOW_WATER_MARK", "253:4", event.Warning, nil),
	single("<4>device-mapper: thin: 253:4: reached low water mark for metadata device: sending event.", "DM_THIN_METADATA_LOW_WATER_MARK", "253:4", event.Warning, nil),
	single("<3>device-mapper: thin: No free metadata blocks", "DM_THIN_METADATA_FULL", "", event.Error, nil),
	single("<3>device-mapper: space map metadata: unable to allocate new metadata block", "DM_THIN_METADATA_FULL", "", event.Error, nil),
	{
		name: "failed metadata operation and the abort it causes",
		records: []string{
			"<3>device-mapper: thin: 253:2: metadata operation 'dm_pool_commit_metadata' failed: error = -28",
			"<3>device-mapper: thin: 253:2: aborting current metadata transaction",
		},
		want: []want{{Type: "DM_THIN_METADATA_ERROR", Kdev: "253:2", Sev: event.Error,
			Raw: "device-mapper: thin: 253:2: metadata operation 'dm_pool_commit_metadata' failed: error = -28",
			Msg: "Thin pool 253:2: metadata operation dm_pool_commit_metadata failed (error -28)"}},
	},
	single("<3>device-mapper: thin: 253:9: aborting current metadata transaction", "DM_THIN_METADATA_ERROR", "253:9", event.Error, nil),
	single("<3>device-mapper: thin: 253:2: alloc_data_block() failed: error = -28", "DM_THIN_ALLOC_FAILED", "253:2", event.Error, map[string]string{"errno": "-28"}),
	single("<4>device-mapper: thin: 253:2: unable to switch pool to write mode until repaired.", "DM_THIN_NEEDS_REPAIR", "253:2", event.Error, nil),
	single("<3>device-mapper: thin: 253:2: unable to grow the metadata device until repaired.", "DM_THIN_NEEDS_REPAIR", "253:2", event.Error,
		map[string]string{"action": "grow the metadata device"}),
	single("<3>device-mapper: space map common: index_check failed: csum 1234 != wanted 5678", "DM_THIN_METADATA_CORRUPTION", "", event.Error,
		map[string]string{"component": "space map common"}),
	single("<3>device-mapper: thin metadata: sb_check failed: magic 0: wanted 27022010", "DM_THIN_METADATA_CORRUPTION", "", event.Error, nil),
	single("<3>device-mapper: block manager: 253:3 validator check failed for block 12", "DM_THIN_METADATA_CORRUPTION", "", event.Error, nil),
	single("<3>device-mapper: btree: node max_entries mismatch", "DM_THIN_METADATA_CORRUPTION", "", event.Error, nil),
	single("<3>device-mapper: thin metadata: couldn't read superblock", "DM_THIN_METADATA_ERROR", "", event.Error, nil),
	single("<3>device-mapper: transaction manager: couldn't open metadata space map", "DM_THIN_METADATA_ERROR", "", event.Error, nil),
	single("<4>device-mapper: thin metadata: dm_pool_metadata_close: __commit_transaction() failed, error = -5", "DM_THIN_METADATA_ERROR", "", event.Warning, nil),
	single("<3>device-mapper: thin: 253:2: dm_pool_get_free_metadata_block_count returned -5", "DM_THIN_METADATA_ERROR", "253:2", event.Error, nil),
	single("<3>device-mapper: thin: process_cell: dm_thin_find_block() failed: error = -5", "DM_THIN_METADATA_ERROR", "", event.Error, nil),
	single("<3>device-mapper: thin: provision_block: alloc_data_block() failed: error = -28", "DM_THIN_ALLOC_FAILED", "", event.Error,
		map[string]string{"function": "provision_block"}),
	single("<3>device-mapper: thin: 253:2: metadata device (1024 blocks) too small: expected 2048", "DM_THIN_DEVICE_TOO_SMALL", "253:2", event.Error, nil),
	single("<3>device-mapper: thin: 253:2: unable to service pool target messages in READ_ONLY or FAIL mode", "DM_THIN_MESSAGE_REJECTED", "253:2", event.Error, nil),
	single("<4>device-mapper: thin: Creation of new thinly-provisioned device with id 3 failed.", "DM_THIN_MESSAGE_REJECTED", "", event.Warning, nil),
	none("<6>device-mapper: thin: Data device (dm-3) discard unsupported: Disabling discard passdown."),
}

func TestThin(t *testing.T) { runCases(t, thinCases) }
