package logfmt

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/parsers"
)

func TestDecodeKmsg(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want parsers.Record
	}{{
		name: "ext4 mount, captured on loop0",
		in:   "6,1000,5001063606,-;EXT4-fs (loop0): mounted filesystem 11111111-2222-3333-4444-555555555555 r/w with ordered data mode. Quota mode: none.\n",
		want: parsers.Record{Level: 6, Seq: 1000, Monotonic: 5001063606 * time.Microsecond,
			Message: "EXT4-fs (loop0): mounted filesystem 11111111-2222-3333-4444-555555555555 r/w with ordered data mode. Quota mode: none."},
	}, {
		name: "dictionary lines",
		in:   "3,1046,5087262337,-;sd 2:0:0:0: [sdc] tag#23 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=2s\n SUBSYSTEM=scsi\n DEVICE=+scsi:2:0:0:0\n",
		want: parsers.Record{Level: 3, Seq: 1046, Monotonic: 5087262337 * time.Microsecond,
			Message:   "sd 2:0:0:0: [sdc] tag#23 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=2s",
			Subsystem: "scsi", Device: "+scsi:2:0:0:0"},
	}, {
		name: "escaped newline inside one record",
		in:   `3,1045,5085240693,-;ata3.00: cmd 60/08:98:00:1c:42/00:00:1d:00:00/40 tag 19 ncq dma 4096 in\x0a         res 41/40:00:00:1c:42/00:00:1d:00:00/40 Emask 0x409 (media error) <F>` + "\n",
		want: parsers.Record{Level: 3, Seq: 1045, Monotonic: 5085240693 * time.Microsecond,
			Message: "ata3.00: cmd 60/08:98:00:1c:42/00:00:1d:00:00/40 tag 19 ncq dma 4096 in\n         res 41/40:00:00:1c:42/00:00:1d:00:00/40 Emask 0x409 (media error) <F>"},
	}, {
		name: "escaped backslash, upper-case hex, bad escapes kept",
		in:   `4,7,1,-;a\x5cb \X41 \x4 \xZZ \x41\x` + "\n",
		want: parsers.Record{Level: 4, Seq: 7, Monotonic: time.Microsecond, Message: `a\b \X41 \x4 \xZZ A\x`},
	}, {
		name: "non-UTF-8 bytes kept",
		in:   "6,8,2,-;bad \xff\xfe bytes\n",
		want: parsers.Record{Level: 6, Seq: 8, Monotonic: 2 * time.Microsecond, Message: "bad \xff\xfe bytes"},
	}, {
		name: "user facility, continuation flag, extra prefix fields, no newline",
		in:   "14,9,3,c,caller=T123;hello",
		want: parsers.Record{Level: 6, Facility: 1, Seq: 9, Monotonic: 3 * time.Microsecond, Message: "hello"},
	}, {
		name: "unknown dictionary keys ignored, escaped device",
		in:   "6,10,4,-;x\n FOO=bar\n DEVICE=b8:0\\x20\n SUBSYSTEM=weird\n",
		want: parsers.Record{Level: 6, Seq: 10, Monotonic: 4 * time.Microsecond, Message: "x", Device: "b8:0 ", Subsystem: "weird"},
	}, {
		name: "empty text",
		in:   "0,0,0,-;\n",
		want: parsers.Record{},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeKmsg([]byte(tt.in))
			if err != nil {
				t.Fatalf("DecodeKmsg(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeKmsg(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestDecodeKmsgErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", "no ';'"},
		{"6,1,2,-", "no ';'"},
		{";text", "priority missing"},
		{"6;text", "sequence number missing"},
		{"6,1;text", "timestamp missing"},
		{"6,1,2;text", "no flag field"},
		{"x,1,2,-;text", "priority: \"x,1,2,-\" is not a number"},
		{"6,1,-2,-;text", "timestamp: \"-2,-\" is not a number"},
		{"2048,1,2,-;text", "priority 2048 out of range"},
		{"6,99999999999999999999,2,-;text", "sequence number: number too large"},
		{"6,18446744073709551616,2,-;text", "sequence number: number too large"},
		{"6,1,18446744073709551615,-;text", "timestamp 18446744073709551615 out of range"},
		{"6,1,2,-;text\nSUBSYSTEM=scsi\n", "does not start with a space"},
		{"6,1,2,-;text\n SUBSYSTEM\n", "has no '='"},
		{"\x00\x01\x02;", "priority: \"\\x00\\x01\\x02\" is not a number"},
	}
	for _, tt := range tests {
		_, err := DecodeKmsg([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("DecodeKmsg(%q) error = %v, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestDecodeKmsgAllocs(t *testing.T) {
	in := []byte("3,1046,5087262337,-;sd 2:0:0:0: [sdc] tag#23 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK\n SUBSYSTEM=scsi\n DEVICE=+scsi:2:0:0:0\n")
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := DecodeKmsg(in); err != nil {
			t.Fatal(err)
		}
	})
	// The Message and the Device; SUBSYSTEM=scsi is interned.
	if allocs > 2 {
		t.Errorf("DecodeKmsg allocates %v times per record, want at most 2", allocs)
	}
}

func BenchmarkDecodeKmsg(b *testing.B) {
	in := []byte("3,1046,5087262337,-;sd 2:0:0:0: [sdc] tag#23 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK\n SUBSYSTEM=scsi\n DEVICE=+scsi:2:0:0:0\n")
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeKmsg(in); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzDecodeKmsg(f *testing.F) {
	for _, s := range []string{
		"6,1000,5001063606,-;EXT4-fs (loop0): mounted filesystem 11111111-2222-3333-4444-555555555555 r/w with ordered data mode. Quota mode: none.\n",
		"3,1046,5087262337,-;sd 2:0:0:0: [sdc] tag#23 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK\n SUBSYSTEM=scsi\n DEVICE=+scsi:2:0:0:0\n",
		`3,1045,5085240693,-;ata3.00: cmd in\x0a         res 41/40 <F>` + "\n",
		"14,9,3,c,caller=T123;hello",
		"6,1,2,-;\\x5",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := DecodeKmsg(b)
		if err != nil {
			return
		}
		if rec.Level < 0 || rec.Level > 7 || rec.Facility < 0 || rec.Facility > 255 || rec.Monotonic < 0 {
			t.Errorf("DecodeKmsg(%q) = %+v: field out of range", b, rec)
		}
		if len(rec.Message) > len(b) {
			t.Errorf("DecodeKmsg(%q): message longer than its input", b)
		}
	})
}

func TestKmsgField(t *testing.T) {
	for _, s := range []string{"0", "7", "12345678", "123456789", "99999999", "00000000", "1234567890123", "9999999999999999999", "18446744073709551615",
		"12345678,rest", "1234567a", "123:5678", "12/45678", "1234567/", ":2345678", "1234567:", "18446744073709551616", "", ",", "-1"} {
		got, rest, err := kmsgField([]byte(s), "n")
		num, tail, _ := strings.Cut(s, ",")
		want, werr := strconv.ParseUint(num, 10, 64)
		if (err != nil) != (werr != nil) || err == nil && (got != want || string(rest) != tail) {
			t.Errorf("kmsgField(%q) = %d, %q, %v; want %d, %q, %v", s, got, rest, err, want, tail, werr)
		}
	}
}
