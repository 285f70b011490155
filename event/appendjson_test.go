package event

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAppendJSONMatchesMarshal(t *testing.T) {
	ts := time.Date(2026, 11, 25, 16, 3, 4, 5006000, time.FixedZone("", 3600))
	tests := []Event{
		{},
		{Severity: Debug, Timestamp: ts, Count: 1},
		{
			EventID: "9d1b0d4e-0000-4000-8000-000000000001", EventType: "SCSI_MEDIUM_ERROR", Severity: Error,
			SubSystem: "SCSI", Timestamp: ts, Hostname: "vm", Kdev: "sdc", DevWWID: "naa.5000c500a1b2c3d4",
			DevPath: "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4", OwnersWWIDs: []string{"a", "b"},
			OwnersPaths: []string{"/dev/sdc", "/dev/mapper/mpatha"}, Msg: "Medium error reading sdc at LBA 490871808",
			RawMsg:           "sd 2:0:0:0: [sdc] tag#23 Sense Key : Medium Error [current]",
			Extension:        map[string]string{"sense_key": "Medium Error", "lba": "490871808", "asc": "x", "Z": "1", "": "empty key"},
			RootCauseEventID: "9d1b0d4e-0000-4000-8000-000000000001", IncidentID: "2c6f1d0e-0000-4000-8000-000000000002",
			Count: 4294967295, Seq: 18446744073709551615,
		},
		{OwnersWWIDs: []string{}, Extension: map[string]string{}},
		{Msg: "quotes \" \\ <tag> & \b\f\n\r\t \x00\x01\x1f\x7f é 😀 \u2028\u2029 bad \xff\xfe\xc3 end"},
		{RawMsg: "ata3.00: cmd 60/08\n         res 41/40 <F>", Extension: map[string]string{"k\xff": "v\u2028"}},
	}
	for i, ev := range tests {
		want, err := ev.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ev.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("event %d (-MarshalJSON +AppendJSON):\n%s", i, diff)
		}
	}
	bad := Event{Severity: 9}
	if _, err := bad.AppendJSON(nil); err == nil {
		t.Error("AppendJSON accepted severity 9")
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("sd 2:0:0:0: [sdc] <x> & \"q\"", "k", "v\xff\u2028", uint8(3), int64(1795624733722276))
	f.Fuzz(func(t *testing.T, msg, key, value string, sev uint8, usec int64) {
		ev := Event{
			Severity: Severity(sev % 8), Msg: msg, RawMsg: msg, Kdev: key,
			Extension: map[string]string{key: value, value: msg}, OwnersPaths: []string{value},
			Timestamp: time.UnixMicro(usec % (1 << 50)).UTC(),
		}
		want, err := ev.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ev.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("AppendJSON differs:\n got %s\nwant %s", got, want)
		}
	})
}

func BenchmarkEventJSON(b *testing.B) {
	ev := Event{
		EventID: "9d1b0d4e-0000-4000-8000-000000000001", EventType: "BLK_IO_ERROR", Severity: Error,
		SubSystem: "Block", Timestamp: time.Now(), Hostname: "vm", Kdev: "loop0",
		Msg: "I/O error on loop0 at sector 2048 (READ)", RawMsg: "I/O error, dev loop0, sector 2048 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2",
		Extension: map[string]string{"sector": "2048", "op": "READ", "flags": "800"}, Count: 1,
	}
	b.Run("MarshalJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ev.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = ev.AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
