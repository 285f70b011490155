package service

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/service/journal"
)

func TestEntryRecord(t *testing.T) {
	rt := uint64(1795624562710253)
	tests := []struct {
		name      string
		fields    map[string]string
		monotonic uint64 // the entry's __MONOTONIC_TIMESTAMP
		want      parsers.Record
		wantErr   bool
	}{
		// Fields as journald stored them for real kernel lines on the
		// test VM (journalctl -o json).
		{"io error", map[string]string{
			"MESSAGE":  "I/O error, dev loop0, sector 2048 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2",
			"PRIORITY": "3", "SYSLOG_FACILITY": "0", "_HOSTNAME": "vm", "_SOURCE_MONOTONIC_TIMESTAMP": "702761688",
		}, 0, parsers.Record{Time: time.UnixMicro(int64(rt)), Monotonic: 702761688 * time.Microsecond, Level: 3,
			Message: "I/O error, dev loop0, sector 2048 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2", Hostname: "vm"}, false},
		// Read by journald 280 ms after the kernel printed it: the time
		// is the kernel's.
		{"read late", map[string]string{
			"MESSAGE":  "I/O error, dev loop0, sector 2048 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2",
			"PRIORITY": "3", "SYSLOG_FACILITY": "0", "_SOURCE_MONOTONIC_TIMESTAMP": "702761688",
		}, 702761688 + 280000, parsers.Record{Time: time.UnixMicro(int64(rt) - 280000), Monotonic: 702761688 * time.Microsecond, Level: 3,
			Message: "I/O error, dev loop0, sector 2048 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2"}, false},
		{"with device", map[string]string{
			"MESSAGE":  "sd 2:0:0:0: [sdc] tag#19 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK\nmore",
			"PRIORITY": "6", "SYSLOG_FACILITY": "0", "_KERNEL_SUBSYSTEM": "scsi", "_KERNEL_DEVICE": "+scsi:2:0:0:0",
		}, 5, parsers.Record{Time: time.UnixMicro(int64(rt)), Level: 6, Subsystem: "scsi", Device: "+scsi:2:0:0:0",
			Message: "sd 2:0:0:0: [sdc] tag#19 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK\nmore"}, false},
		{"binary message", map[string]string{"MESSAGE": "a\x00\xffb"}, 0,
			parsers.Record{Time: time.UnixMicro(int64(rt)), Message: "a\x00\xffb"}, false},
		{"bad priority", map[string]string{"MESSAGE": "x", "PRIORITY": "9"}, 0, parsers.Record{}, true},
		{"bad facility", map[string]string{"MESSAGE": "x", "SYSLOG_FACILITY": "kern"}, 0, parsers.Record{}, true},
		{"bad monotonic", map[string]string{"MESSAGE": "x", "_SOURCE_MONOTONIC_TIMESTAMP": "-1"}, 0, parsers.Record{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := make(map[string][]byte)
			for k, v := range tt.fields {
				fields[k] = []byte(v)
			}
			got, err := entryRecord(fields, rt, tt.monotonic)
			if tt.wantErr {
				if err == nil {
					t.Errorf("entryRecord: no error, want one")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("entryRecord (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzEntryRecord feeds entryRecord arbitrary field values.
func FuzzEntryRecord(f *testing.F) {
	f.Add([]byte("I/O error, dev loop0, sector 2048"), []byte("3"), []byte("0"), []byte("702761688"))
	f.Add([]byte("x"), []byte("99"), []byte("kern"), []byte("-1"))
	f.Fuzz(func(t *testing.T, msg, priority, facility, mono []byte) {
		rec, err := entryRecord(map[string][]byte{journal.FieldMessage: msg, journal.FieldPriority: priority,
			fieldFacility: facility, fieldSourceMonotonic: mono}, 1, 2)
		if err == nil && (rec.Level < 0 || rec.Level > 7 || rec.Monotonic < 0 || rec.Message != string(msg)) {
			t.Errorf("entryRecord accepted a bad record: %+v", rec)
		}
	})
}

// TestJournalGroupsAsPrinted: the lab's scsi-medium, read live from
// journald under load. The kernel printed the failed command's report and
// the block layer's line for it within 1 ms; journald read the last 280 ms
// after the others. The parser, whose windows run on the records' time,
// folds them into one medium error with its sector, as it does reading
// /dev/kmsg.
func TestJournalGroupsAsPrinted(t *testing.T) {
	const rt0, mono0 = uint64(1795624562710253), uint64(116800000) // journald's reception of the first
	lines := []struct {
		source  uint64 // _SOURCE_MONOTONIC_TIMESTAMP (parsers/testdata/real/lab/…/scsi.kmsg)
		level   string
		late    uint64 // how much later than the first journald read it
		message string
	}{
		{116714933, "6", 0, "sd 2:0:0:0: [sda] tag#54 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=0s"},
		{116715221, "6", 0, "sd 2:0:0:0: [sda] tag#54 Sense Key : Medium Error [current] "},
		{116715327, "6", 0, "sd 2:0:0:0: [sda] tag#54 Add. Sense: Unrecovered read error"},
		{116715777, "6", 0, "sd 2:0:0:0: [sda] tag#54 CDB: Read(10) 28 00 00 00 4e 20 00 00 01 00"},
		{116715961, "3", 280000, "critical medium error, dev sda, sector 20000 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2"},
	}
	rs, err := parsers.NewRuleSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := parsers.NewParser(rs, parsers.Options{})
	var got []string
	emit := func(ev event.Event) { got = append(got, ev.EventType+" sector="+ev.Ext("sector")) }
	for _, l := range lines {
		rec, err := entryRecord(map[string][]byte{journal.FieldMessage: []byte(l.message), journal.FieldPriority: []byte(l.level),
			fieldFacility: []byte("0"), fieldSourceMonotonic: []byte(strconv.FormatUint(l.source, 10))}, rt0+l.late, mono0+l.late)
		if err != nil {
			t.Fatal(err)
		}
		p.Push(rec, emit)
	}
	p.Close(emit)
	if want := []string{"SCSI_MEDIUM_ERROR sector=20000"}; !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
}

func TestKmsgHint(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("/dev/kmsg is read and written by root only")
	}
	h, err := openKmsgHint("/dev/kmsg")
	if err != nil {
		t.Skipf("no /dev/kmsg: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.run(ctx) }()
	defer func() { cancel(); <-done }()

	// A user-space record (facility user) is a record like any other. (Other
	// tests on the machine may print too; any record is a hint.)
	if err := os.WriteFile("/dev/kmsg", []byte("<14>peripety-test: kmsg hint\n"), 0); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.C:
	case <-time.After(10 * time.Second):
		t.Fatal("no hint within 10s of a record written to /dev/kmsg")
	}
}

func TestKmsgHintMissing(t *testing.T) {
	if _, err := openKmsgHint("/nonexistent/kmsg"); err == nil {
		t.Fatal("openKmsgHint of a missing file: no error")
	}
}
