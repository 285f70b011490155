package event

import (
	"testing"
	"time"
)

func TestFilterMatch(t *testing.T) {
	base := time.Date(2026, 5, 21, 10, 0, 0, 0, time.UTC)
	ev := Event{EventType: "FS_IO_ERROR", SubSystem: SubExt4, Severity: Warning, Timestamp: base,
		Kdev: "dm-1", DevWWID: "uuid-1", DevPath: "/dev/mapper/vg-lv", EventID: "id-1", IncidentID: "inc-1",
		OwnersWWIDs: []string{"LVM-x", "mpath-y"}, OwnersPaths: []string{"/dev/sdb", "/dev/sdc"}}
	sev := func(s Severity) *Severity { return &s }
	tests := []struct {
		name string
		f    Filter
		want bool
	}{
		{"empty", Filter{}, true},
		{"since before", Filter{Since: base.Add(-time.Second)}, true},
		{"since after", Filter{Since: base.Add(time.Second)}, false},
		{"until before", Filter{Until: base.Add(-time.Second)}, false},
		{"severity warning", Filter{Severity: sev(Warning)}, true},
		{"severity error", Filter{Severity: sev(Error)}, false},
		{"type hit", Filter{EventTypes: []string{"FS_MOUNTED", "FS_IO_ERROR"}}, true},
		{"type miss", Filter{EventTypes: []string{"FS_MOUNTED"}}, false},
		{"sub-system any case", Filter{SubSystems: []string{"EXT4"}}, true},
		{"sub-system miss", Filter{SubSystems: []string{"xfs"}}, false},
		{"blk kdev", Filter{Blk: []string{"dm-1"}}, true},
		{"blk owner path", Filter{Blk: []string{"/dev/sdc"}}, true},
		{"blk owner wwid", Filter{Blk: []string{"mpath-y"}}, true},
		{"blk miss", Filter{Blk: []string{"sdz", ""}}, false},
		{"event id", Filter{EventID: "id-1"}, true},
		{"event id miss", Filter{EventID: "id-2"}, false},
		{"incident", Filter{IncidentID: "inc-1"}, true},
		{"incident miss", Filter{IncidentID: "inc-2"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.Match(&ev); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFilterEmptyBlkID(t *testing.T) {
	// An event whose device could not be resolved has no WWID or path; an
	// empty identifier in the filter must not take that for a match.
	ev := Event{EventType: "BLK_IO_ERROR", Kdev: "sdz"}
	f := Filter{Blk: []string{"", "sdb"}}
	if f.Match(&ev) {
		t.Error("Match = true for an empty identifier against an empty dev_wwid")
	}
}
