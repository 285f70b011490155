package parsers

import (
	"slices"
	"testing"
)

func TestEventTypes(t *testing.T) {
	types, err := EventTypes()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FS_IO_ERROR", "BLK_IO_ERROR", "SCSI_MEDIUM_ERROR", "SCSI_TRANSPORT_ERROR", "DM_MPATH_PATH_FAILED"} {
		if !slices.Contains(types, want) {
			t.Errorf("EventTypes lacks %s", want)
		}
	}
	if !slices.IsSorted(types) || len(slices.Compact(slices.Clone(types))) != len(types) {
		t.Errorf("EventTypes not sorted and unique: %q", types)
	}
}
