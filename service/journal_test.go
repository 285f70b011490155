package service

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/service/journal"
)

func TestEntryRecord(t *testing.T) {
	rt := uint64(1795624562710253)
	tests := []struct {
		name    string
		fields  map[string]string
		want    parsers.Record
		wantErr bool
	}{
		// Fields as journald stored them for real kernel lines on the
		// test VM (journalctl -o json).
		{"io error", map[string]string{
			"MESSAGE":  "I/O error, dev loop0, sector 2048 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2",
			"PRIORITY": "3", "SYSLOG_FACILITY": "0", "_HOSTNAME": "vm", "_SOURCE_MONOTONIC_TIMESTAMP": "702761688",
		}, parsers.Record{Time: time.UnixMicro(int64(rt)), Monotonic: 702761688 * time.Microsecond, Level: 3,
			Message: "I/O error, dev loop0, sector 2048 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2", Hostname: "vm"}, false},
		{"with device", map[string]string{
			"MESSAGE":  "sd 2:0:0:0: [sdc] tag#19 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK\nmore",
			"PRIORITY": "6", "SYSLOG_FACILITY": "0", "_KERNEL_SUBSYSTEM": "scsi", "_KERNEL_DEVICE": "+scsi:2:0:0:0",
		}, parsers.Record{Time: time.UnixMicro(int64(rt)), Level: 6, Subsystem: "scsi", Device: "+scsi:2:0:0:0",
			Message: "sd 2:0:0:0: [sdc] tag#19 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK\nmore"}, false},
		{"binary message", map[string]string{"MESSAGE": "a\x00\xffb"},
			parsers.Record{Time: time.UnixMicro(int64(rt)), Message: "a\x00\xffb"}, false},
		{"bad priority", map[string]string{"MESSAGE": "x", "PRIORITY": "9"}, parsers.Record{}, true},
		{"bad facility", map[string]string{"MESSAGE": "x", "SYSLOG_FACILITY": "kern"}, parsers.Record{}, true},
		{"bad monotonic", map[string]string{"MESSAGE": "x", "_SOURCE_MONOTONIC_TIMESTAMP": "-1"}, parsers.Record{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := make(map[string][]byte)
			for k, v := range tt.fields {
				fields[k] = []byte(v)
			}
			got, err := entryRecord(fields, rt)
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

// FuzzEntryRecord feeds kernelRecord arbitrary field values.
func FuzzEntryRecord(f *testing.F) {
	f.Add([]byte("I/O error, dev loop0, sector 2048"), []byte("3"), []byte("0"), []byte("702761688"))
	f.Add([]byte("x"), []byte("99"), []byte("kern"), []byte("-1"))
	f.Fuzz(func(t *testing.T, msg, priority, facility, mono []byte) {
		rec, err := entryRecord(map[string][]byte{journal.FieldMessage: msg, journal.FieldPriority: priority,
			fieldFacility: facility, fieldSourceMonotonic: mono}, 1)
		if err == nil && (rec.Level < 0 || rec.Level > 7 || rec.Monotonic < 0 || rec.Message != string(msg)) {
			t.Errorf("entryRecord accepted a bad record: %+v", rec)
		}
	})
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
