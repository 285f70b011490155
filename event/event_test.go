package event

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestJSONRoundTrip(t *testing.T) {
	ts := time.Date(2026, 11, 25, 16, 3, 4, 123456000, time.FixedZone("CET", 3600))
	tests := []struct {
		name string
		ev   Event
	}{
		{"full", Event{
			EventID: "8c1e4a2e-3f55-4b0e-9f43-0d2b1e6f3c11", EventType: "SCSI_MEDIUM_ERROR",
			Severity: Error, SubSystem: SubSCSI, Timestamp: ts, Hostname: "host1", Kdev: "sdc",
			DevWWID: "naa.5000c500a1b2c3d4", DevPath: "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4",
			OwnersWWIDs: []string{"naa.5000c500a1b2c3d4"}, OwnersPaths: []string{"/dev/sdc"},
			Msg: "medium error", RawMsg: "sd 2:0:0:0: [sdc] tag#19 FAILED Result: hostbyte=DID_OK",
			Extension:        map[string]string{"sense_key": "Medium Error", "lba": "490871808"},
			RootCauseEventID: "8c1e4a2e-3f55-4b0e-9f43-0d2b1e6f3c11", IncidentID: "0f4e1a7c-5b1d-5c39-9a2e-7d3c1b2a4e55", Count: 3, Seq: 42,
		}},
		{"minimal", Event{EventType: "FS_MOUNTED", Severity: Info, Count: 1,
			OwnersWWIDs: []string{}, OwnersPaths: []string{}, Extension: map[string]string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.ev)
			if err != nil {
				t.Fatal(err)
			}
			var got Event
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("unmarshal %s: %v", b, err)
			}
			if diff := cmp.Diff(tt.ev, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMarshalShape(t *testing.T) {
	ts := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	b, err := json.Marshal(Event{EventType: "FS_MOUNTED", Severity: Info, Timestamp: ts, Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"event_id": "", "event_type": "FS_MOUNTED", "severity": "Info", "sub_system": "",
		"timestamp": "2026-01-02T03:04:05.000006Z", "hostname": "", "kdev": "", "dev_wwid": "",
		"dev_path": "", "owners_wwids": []any{}, "owners_paths": []any{}, "msg": "", "raw_msg": "",
		"extension": map[string]any{}, "root_cause_event_id": "", "incident_id": "", "count": 1.0, "seq": 0.0,
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("encoded keys (-want +got):\n%s", diff)
	}
}

func TestUnmarshalOriginal(t *testing.T) {
	// The original peripety wrote the timestamp as microseconds and had no count.
	in := `{"hostname":"h","severity":"Warning","sub_system":"Multipath","timestamp":1526053021631595,
		"event_id":"","event_type":"DM_MPATH_PATH_FAILED","kdev":"8:48","owners_wwids":[],"owners_paths":[]}`
	var e Event
	if err := json.Unmarshal([]byte(in), &e); err != nil {
		t.Fatal(err)
	}
	if got, want := e.Timestamp.UnixMicro(), int64(1526053021631595); got != want {
		t.Errorf("timestamp = %d, want %d", got, want)
	}
	if e.Count != 1 || e.Severity != Warning {
		t.Errorf("count, severity = %d, %v; want 1, Warning", e.Count, e.Severity)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	for _, in := range []string{
		`{"severity":"Loud"}`,
		`{"timestamp":"yesterday"}`,
		`{"timestamp":true}`,
		`{"count":-1}`,
		`[1,2]`,
	} {
		var e Event
		if err := json.Unmarshal([]byte(in), &e); err == nil {
			t.Errorf("Unmarshal(%s) = nil error, want one", in)
		}
	}
}

func TestParseSeverity(t *testing.T) {
	for in, want := range map[string]Severity{
		"error": Error, "Err": Error, "3": Error, "WARNING": Warning, "warn": Warning,
		"emerg": Emergency, "debug": Debug, " notice ": Notice, "crit": Critical,
	} {
		got, err := ParseSeverity(in)
		if err != nil || got != want {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "8", "loud"} {
		if _, err := ParseSeverity(in); err == nil {
			t.Errorf("ParseSeverity(%q): want error", in)
		}
	}
	if !Error.AtLeast(Warning) || Info.AtLeast(Warning) {
		t.Error("AtLeast ordering wrong")
	}
}

func TestCanonicalSubSystem(t *testing.T) {
	for in, want := range map[string]string{"scsi": SubSCSI, "dm-dirtylog": SubDirtyLog,
		"multipath": SubMultipath, "EXT4": SubExt4, "nvme": SubNVMe, "lvm-thinprovisioning": SubThin} {
		if got, ok := CanonicalSubSystem(in); !ok || got != want {
			t.Errorf("CanonicalSubSystem(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := CanonicalSubSystem("floppy"); ok {
		t.Error("floppy accepted")
	}
}
