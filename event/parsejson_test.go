package event

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fastJSONInputs are events as AppendJSON writes them (which the fast path
// must take) and JSON it must decline or decode as encoding/json does.
func fastJSONInputs(t testing.TB) (taken, other []string) {
	ts := time.Date(2026, 11, 25, 16, 3, 4, 5006000, time.FixedZone("", 3600))
	for _, ev := range []Event{
		{},
		{Severity: Debug, Timestamp: ts, Count: 1},
		{
			EventID: "9d1b0d4e-0000-4000-8000-000000000001", EventType: "SCSI_MEDIUM_ERROR", Severity: Error,
			SubSystem: "SCSI", Timestamp: ts.UTC(), Hostname: "vm", Kdev: "sdc", DevWWID: "naa.5000c500a1b2c3d4",
			DevPath: "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4", OwnersWWIDs: []string{"a", "b"},
			OwnersPaths: []string{"/dev/sdc", "/dev/mapper/mpatha"}, Msg: "Medium error reading sdc at LBA 490871808 é 😀",
			RawMsg:           "sd 2:0:0:0: [sdc] tag#23 Sense Key : Medium Error [current]",
			Extension:        map[string]string{"sense_key": "Medium Error", "lba": "490871808", "": "empty key"},
			RootCauseEventID: "9d1b0d4e-0000-4000-8000-000000000001", IncidentID: "2c6f1d0e-0000-4000-8000-000000000002",
			Count: 4294967295, Seq: 18446744073709551615,
		},
	} {
		b, err := ev.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		taken = append(taken, string(b))
	}
	taken = append(taken,
		` { "seq" : 7 , "timestamp" : 1527000000123456 , "count":0, "owners_paths":[ ] , "extension" : { } } `,
		`{"severity":"err","timestamp":"2018-05-21T10:00:00Z"}`,
		"{\"severity\":\"3\",\"msg\":\"<a> & \u2028 raw\"}",
		`{}`,
	)
	other = []string{
		`{"msg":"escaped \u2028 \u00e9"}`,
		`{"msg":"quote \" backslash \\ nl \n"}`,
		`{"msg":"bad ` + "\xff" + ` utf-8"}`,
		`{"msg":"ctl ` + "\x01" + `"}`,
		`{"Event_ID":"case"}`,
		`{"unknown":[1,{"a":null}],"kdev":"sda"}`,
		`{"kdev":"sda","kdev":"sdb"}`,
		`{"extension":{"a":"1","a":"2"}}`,
		`{"extension":{"a":"1"},"extension":{"b":"2"}}`,
		`{"owners_wwids":null,"extension":null,"kdev":null}`,
		`{"count":-1}`, `{"count":4294967296}`, `{"count":1.0}`, `{"count":1e3}`, `{"count":01}`, `{"seq":"1"}`,
		`{"severity":"bogus"}`, `{"severity":null}`, `{"severity":3}`,
		`{"timestamp":"yesterday"}`, `{"timestamp":-5}`, `{"timestamp":null}`, `{"timestamp":1.5}`,
		`{"kdev":"sda"} x`, `{"kdev":"sda",}`, `{"kdev" "sda"}`, `{"kdev":"sda"`, `[]`, ``, `null`,
		`{"owners_paths":["a",]}`, `{"owners_paths":["a" "b"]}`, `{"owners_paths":[1]}`,
	}
	return taken, other
}

func TestDecodeJSONFastMatchesEncodingJSON(t *testing.T) {
	taken, other := fastJSONInputs(t)
	for _, in := range taken {
		var got Event
		if !decodeJSONFast(&got, []byte(in)) {
			t.Errorf("fast path declined %s", in)
			continue
		}
		checkFastJSON(t, in)
	}
	for _, in := range other {
		checkFastJSON(t, in)
	}
}

// checkFastJSON fails t unless UnmarshalJSON (fast path first) and the
// encoding/json path agree on in.
func checkFastJSON(t *testing.T, in string) {
	t.Helper()
	var want, got Event
	wantErr := want.unmarshalJSON([]byte(in))
	gotErr := got.UnmarshalJSON([]byte(in))
	if (wantErr != nil) != (gotErr != nil) {
		t.Errorf("%q: error %v, encoding/json: %v", in, gotErr, wantErr)
		return
	}
	if wantErr != nil {
		return
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%q (-encoding/json +UnmarshalJSON):\n%s", in, diff)
	}
	if !want.Timestamp.Equal(got.Timestamp) || want.Timestamp.Location().String() != got.Timestamp.Location().String() {
		t.Errorf("%q: timestamp %v, encoding/json: %v", in, got.Timestamp, want.Timestamp)
	}
}

func FuzzDecodeJSONFast(f *testing.F) {
	taken, other := fastJSONInputs(f)
	for _, in := range append(taken, other...) {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkFastJSON(t, in)
	})
}

func BenchmarkUnmarshalJSON(b *testing.B) {
	ev := Event{
		EventID: "bench-000042", EventType: "BLK_IO_ERROR", Severity: Error, SubSystem: SubBlock,
		Timestamp: time.Now(), Hostname: "bench", Kdev: "loop42", DevWWID: "fs-uuid-0042", DevPath: "/dev/loop42",
		OwnersWWIDs: []string{"naa.5000c50000000042"}, OwnersPaths: []string{"/dev/disk/by-id/wwn-0x5000c50000000042"},
		Msg:       "I/O error, dev loop42, sector 336 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 2",
		RawMsg:    "I/O error, dev loop42, sector 336 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 2",
		Extension: map[string]string{"sector": "336", "op": "WRITE"}, Count: 1, Seq: 42,
	}
	js, err := ev.AppendJSON(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		fn   func(*Event, []byte) error
	}{{"fast", (*Event).UnmarshalJSON}, {"encoding-json", (*Event).unmarshalJSON}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var e Event
				if err := bc.fn(&e, js); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
