package logfmt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/internal/golden"
	"github.com/peripety/peripety/parsers"
)

// testNow is the "now" syslog timestamps without a year are read against:
// the day after the testdata was captured.
var testNow = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

func newTestReader(t testing.TB, in io.Reader, f Format) *Reader {
	t.Helper()
	r, err := NewReader(in, f)
	if err != nil {
		t.Fatalf("NewReader(%q): %v", f, err)
	}
	r.loc = time.UTC
	r.now = func() time.Time { return testNow }
	return r
}

// readAll returns every record of r, failing the test on an error.
func readAll(t testing.TB, r *Reader) []parsers.Record {
	t.Helper()
	var recs []parsers.Record
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return recs
		}
		if err != nil {
			t.Fatalf("Next after %d records: %v", len(recs), err)
		}
		recs = append(recs, rec)
	}
}

// TestReaderGolden reads the logs captured on a 6.18 test VM (dmesg,
// /dev/kmsg, journalctl in its output modes) both with their format named
// and with FormatAuto, and compares the records and skips with
// testdata/<file>.golden.
func TestReaderGolden(t *testing.T) {
	tests := []struct {
		file   string
		format Format
	}{
		{"kmsg.txt", FormatKmsg},
		{"dmesg.txt", FormatDmesg},
		{"dmesg-r.txt", FormatDmesg},
		{"dmesg-x.txt", FormatDmesg},
		{"dmesg-T.txt", FormatDmesg},
		{"journal.json", FormatJournalJSON},
		{"journal.export", FormatJournalExport},
		{"syslog-short.txt", FormatSyslog},
		{"syslog-short-precise.txt", FormatSyslog},
		{"syslog-short-iso.txt", FormatSyslog},
		{"syslog-short-iso-precise.txt", FormatSyslog},
		{"syslog-short-full.txt", FormatSyslog},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			r := newTestReader(t, bytes.NewReader(in), tt.format)
			got := render(t, readAll(t, r), r.Skipped())

			golden.Check(t, filepath.Join("testdata", tt.file+".golden"), got)

			auto := newTestReader(t, bytes.NewReader(in), FormatAuto)
			gotAuto := render(t, readAll(t, auto), auto.Skipped())
			if auto.Format() != tt.format {
				t.Errorf("auto detected %q, want %q", auto.Format(), tt.format)
			}
			if diff := cmp.Diff(string(got), string(gotAuto)); diff != "" {
				t.Errorf("auto differs from %s (-%s +auto):\n%s", tt.format, tt.format, diff)
			}
		})
	}
}

// render prints records and skips one JSON object a line.
func render(t testing.TB, recs []parsers.Record, skips []Skip) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, rec := range recs {
		if err := enc.Encode(rec); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range skips {
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// TestFormatsAgree checks that the variants of one output mode, captured
// from the same kernel buffer, give the same messages.
func TestFormatsAgree(t *testing.T) {
	groups := [][]string{
		{"dmesg.txt", "dmesg-r.txt", "dmesg-x.txt", "dmesg-T.txt"},
		{"syslog-short.txt", "syslog-short-precise.txt", "syslog-short-iso.txt", "syslog-short-iso-precise.txt", "syslog-short-full.txt"},
	}
	for _, files := range groups {
		var first []string
		for _, file := range files {
			f, err := os.Open(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			var msgs []string
			for _, rec := range readAll(t, newTestReader(t, f, FormatAuto)) {
				msgs = append(msgs, rec.Message)
			}
			f.Close()
			if first == nil {
				first = msgs
				continue
			}
			if diff := cmp.Diff(first, msgs); diff != "" {
				t.Errorf("%s vs %s (-%s +%s):\n%s", files[0], file, files[0], file, diff)
			}
		}
	}
}

// TestJournalFormatsAgree checks that journalctl -o json and -o export of
// the same entries give the same records.
func TestJournalFormatsAgree(t *testing.T) {
	var got [2][]parsers.Record
	for i, file := range []string{"journal.json", "journal.export"} {
		f, err := os.Open(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		got[i] = readAll(t, newTestReader(t, f, FormatAuto))
		f.Close()
	}
	if diff := cmp.Diff(got[0], got[1]); diff != "" {
		t.Errorf("json vs export (-json +export):\n%s", diff)
	}
}

func TestReaderInline(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	long := strings.Repeat("x", MaxRecordSize+10)
	tests := []struct {
		name   string
		format Format
		in     string
		want   []parsers.Record
		skips  []Skip
	}{{
		name:   "kmsg with dictionary and junk",
		format: FormatKmsg,
		in:     " orphan\n3,1,2,-;sd 2:0:0:0: [sdc] tag#23 Sense Key : Medium Error [current]\n SUBSYSTEM=scsi\n DEVICE=+scsi:2:0:0:0\n\nnot kmsg\n6,x,3,-;bad sequence\n SUBSYSTEM=scsi\n6,2,3,-;next",
		want: []parsers.Record{
			{Level: 3, Seq: 1, Monotonic: 2 * time.Microsecond, Message: "sd 2:0:0:0: [sdc] tag#23 Sense Key : Medium Error [current]", Subsystem: "scsi", Device: "+scsi:2:0:0:0"},
			{Level: 6, Seq: 2, Monotonic: 3 * time.Microsecond, Message: "next"},
		},
		skips: []Skip{
			{Reason: SkipOrphan, Count: 1, FirstLine: 1, Example: " orphan"},
			{Reason: SkipMalformed, Count: 2, FirstLine: 6, Example: `kmsg record "not kmsg": no ';' after the prefix`},
		},
	}, {
		name:   "line over 1 MiB skipped, the rest read",
		format: FormatDmesg,
		in:     "[    1.000000] before\n[    2.000000] " + long + "\n[    3.000000] after\r\n",
		want: []parsers.Record{
			{Level: parsers.LevelUnknown, Monotonic: time.Second, Message: "before"},
			{Level: parsers.LevelUnknown, Monotonic: 3 * time.Second, Message: "after"},
		},
		skips: []Skip{{Reason: SkipTooLong, Count: 1, FirstLine: 2, Example: "[    2.000000] " + strings.Repeat("x", 49)}},
	}, {
		name:   "over-long record's continuation lines go with it",
		format: FormatKmsg,
		in:     "6,1,1,-;" + long + "\n SUBSYSTEM=scsi\n DEVICE=+scsi:2:0:0:0\n6,2,2,-;after\n",
		want:   []parsers.Record{{Level: 6, Seq: 2, Monotonic: 2 * time.Microsecond, Message: "after"}},
		skips:  []Skip{{Reason: SkipTooLong, Count: 1, FirstLine: 1, Example: "6,1,1,-;" + strings.Repeat("x", 56)}},
	}, {
		name:   "dmesg continuation, caller id, non-UTF-8 kept",
		format: FormatDmesg,
		in:     "<3>[    5.085240] [  T123] ata3.00: cmd 60/08\n" + strings.Repeat(" ", 27+9) + "res 41/40 \xff\n<14>[    6.0] user\nkern  :err   : x\n",
		want: []parsers.Record{
			{Level: 3, Monotonic: 5085240 * time.Microsecond, Message: "ata3.00: cmd 60/08\n         res 41/40 \xff"},
			{Level: 6, Facility: 1, Monotonic: 6 * time.Second, Message: "user"},
			{Level: 3, Message: "x"},
		},
	}, {
		name:   "dmesg junk",
		format: FormatDmesg,
		in:     "[\n[abc] x\n<x>[ 1.0] y\nfoo  :err   : z\n\x00\x01\x02\n",
		skips:  []Skip{{Reason: SkipMalformed, Count: 5, FirstLine: 1, Example: "["}},
	}, {
		name:   "syslog kern.log with embedded dmesg time, year before now",
		format: FormatSyslog,
		in:     "Dec 31 23:59:59 host kernel: [    5.000001] EXT4-fs (sda1): mounted filesystem\nNov 25 16:03:04 host sshd[1]: Accepted\n -- continued\nNov 25 16:03:05 host kernel:\n-- Boot 1234 --\n",
		want: []parsers.Record{
			{Time: utc("2025-12-31T23:59:59Z"), Level: parsers.LevelUnknown, Monotonic: 5000001 * time.Microsecond, Message: "EXT4-fs (sda1): mounted filesystem", Hostname: "host"},
			{Time: utc("2026-11-25T16:03:05Z"), Level: parsers.LevelUnknown, Hostname: "host"},
		},
		skips: []Skip{
			{Reason: SkipNotKernel, Count: 1, FirstLine: 2, Example: "Nov 25 16:03:04 host sshd[1]: Accepted"},
			{Reason: SkipJournalMarker, Count: 1, FirstLine: 5, Example: "-- Boot 1234 --"},
		},
	}, {
		name:   "syslog ISO with colon offset and Z, junk",
		format: FormatSyslog,
		in:     "2026-11-25T16:03:04.5+01:00 h kernel: a\n2026-11-25T16:03:04Z h kernel: b\n2026-13-45T99:03:04Z h kernel: c\nNov 25 16:03:04\n",
		want: []parsers.Record{
			{Time: utc("2026-11-25T15:03:04.5Z"), Level: parsers.LevelUnknown, Message: "a", Hostname: "h"},
			{Time: utc("2026-11-25T16:03:04Z"), Level: parsers.LevelUnknown, Message: "b", Hostname: "h"},
		},
		skips: []Skip{{Reason: SkipMalformed, Count: 2, FirstLine: 3, Example: "2026-13-45T99:03:04Z h kernel: c"}},
	}, {
		name:   "journal json: byte array, repeated field, null, peripety, junk",
		format: FormatJournalJSON,
		in: `{"_TRANSPORT":"kernel","MESSAGE":[98,97,100,32,255],"PRIORITY":"3","__REALTIME_TIMESTAMP":"1795624733722276","_SOURCE_MONOTONIC_TIMESTAMP":"873776502","_KERNEL_SUBSYSTEM":"scsi","_KERNEL_DEVICE":"+scsi:2:0:0:0","_HOSTNAME":"h","__CURSOR":"c1"}
{"SYSLOG_IDENTIFIER":"kernel","MESSAGE":["first","second"],"SYSLOG_FACILITY":"0"}
{"_TRANSPORT":"kernel","MESSAGE":null}
{"_TRANSPORT":"kernel","IS_PERIPETY":"TRUE","MESSAGE":"x"}
{"_TRANSPORT":"journal","MESSAGE":"x"}
{"_TRANSPORT":"kernel"}
{"_TRANSPORT":"kernel","MESSAGE":{}}
{"_TRANSPORT":"kernel","MESSAGE":[1,2,300]}
not json
`,
		want: []parsers.Record{
			{Time: time.UnixMicro(1795624733722276).UTC(), Monotonic: 873776502 * time.Microsecond, Level: 3, Message: "bad \xff", Subsystem: "scsi", Device: "+scsi:2:0:0:0", Hostname: "h"},
			{Level: parsers.LevelUnknown, Message: "first"},
			{Level: parsers.LevelUnknown},
		},
		skips: []Skip{
			{Reason: SkipPeripety, Count: 1, FirstLine: 4, Example: `{"_TRANSPORT":"kernel","IS_PERIPETY":"TRUE","MESSAGE":"x"}`},
			{Reason: SkipNotKernel, Count: 1, FirstLine: 5, Example: `{"_TRANSPORT":"journal","MESSAGE":"x"}`},
			{Reason: SkipMalformed, Count: 4, FirstLine: 6, Example: `{"_TRANSPORT":"kernel"}`},
		},
	}, {
		name:   "journal export: binary message, bad field name, truncated binary",
		format: FormatJournalExport,
		in: "__CURSOR=c1\n_TRANSPORT=kernel\nPRIORITY=2\nMESSAGE\n\x04\x00\x00\x00\x00\x00\x00\x00a\nb\xff\n\n" +
			"\n\nbad key=1\n_TRANSPORT=kernel\nMESSAGE=x\n\n" +
			"_TRANSPORT=kernel\nMESSAGE\n\x04\x00\x00\x00\x00\x00\x00\x00abcdX\n\n" +
			"_TRANSPORT=kernel\nMESSAGE=last, no blank line\n" +
			"\n_TRANSPORT=kernel\nMESSAGE\n\xff\xff\x00\x00\x00\x00\x00\x00abc",
		want: []parsers.Record{
			{Level: 2, Message: "a\nb\xff"},
			{Level: parsers.LevelUnknown, Message: "last, no blank line"},
		},
		skips: []Skip{
			{Reason: SkipMalformed, Count: 2, FirstLine: 10, Example: "bad key=1"},
			{Reason: SkipTruncated, Count: 1, FirstLine: 21, Example: "MESSAGE field"},
		},
	}, {
		name:   "journal export: binary field over 1 MiB",
		format: FormatJournalExport,
		in:     "_TRANSPORT=kernel\nMESSAGE\n\x0a\x00\x10\x00\x00\x00\x00\x00" + strings.Repeat("y", 0x10000a) + "\n\n_TRANSPORT=kernel\nMESSAGE=ok\n",
		want:   []parsers.Record{{Level: parsers.LevelUnknown, Message: "ok"}},
		skips:  []Skip{{Reason: SkipTooLong, Count: 1, FirstLine: 1, Example: "MESSAGE field"}},
	}, {
		name:   "empty input",
		format: FormatAuto,
	}, {
		name:   "only blank lines",
		format: FormatKmsg,
		in:     "\n\n\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestReader(t, strings.NewReader(tt.in), tt.format)
			got := readAll(t, r)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.skips, r.Skipped()); diff != "" {
				t.Errorf("skips (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReaderLine checks the line a record starts on, for every format
// that reads lines.
func TestReaderLine(t *testing.T) {
	tests := []struct {
		format Format
		in     string
		want   []int64
	}{
		{FormatKmsg, "\n6,1,2,-;a\n SUBSYSTEM=scsi\njunk\n6,2,3,-;b\n", []int64{2, 5}},
		{FormatDmesg, "[ 1.0] a\n      more\n\n[ 2.0] b\n", []int64{1, 4}},
		{FormatSyslog, "Nov 25 16:03:04 h sshd: x\nNov 25 16:03:04 h kernel: a\n", []int64{2}},
		{FormatJournalExport, "\n_TRANSPORT=kernel\nMESSAGE=a\n\n\n_TRANSPORT=kernel\nMESSAGE=b\n", []int64{2, 6}},
	}
	for _, tt := range tests {
		r := newTestReader(t, strings.NewReader(tt.in), tt.format)
		var got []int64
		for {
			if _, err := r.Next(); err != nil {
				break
			}
			got = append(got, r.Line())
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s lines (-want +got):\n%s", tt.format, diff)
		}
	}
}

func TestReaderCursor(t *testing.T) {
	in := `{"_TRANSPORT":"kernel","MESSAGE":"a","__CURSOR":"s=1;i=1"}` + "\n" + `{"_TRANSPORT":"kernel","MESSAGE":"b","__CURSOR":"s=1;i=2"}` + "\n"
	r := newTestReader(t, strings.NewReader(in), FormatJournalJSON)
	for i, want := range []string{"s=1;i=1", "s=1;i=2"} {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		if got := r.Cursor(); got != want {
			t.Errorf("Cursor() = %q, want %q", got, want)
		}
		if got := r.Line(); got != int64(i+1) {
			t.Errorf("Line() = %d, want %d", got, i+1)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats {
		if got, err := ParseFormat(string(f)); err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", f, got, err)
		}
	}
	_, err := ParseFormat("json")
	if err == nil || !strings.Contains(err.Error(), `unknown log format "json": want one of auto, dmesg`) {
		t.Errorf("ParseFormat(json) error = %v", err)
	}
	if _, err := NewReader(strings.NewReader(""), "xml"); err == nil {
		t.Error("NewReader accepted format xml")
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want Format
	}{
		{"6,1,2,-;x\n", FormatKmsg},
		{"[    0.000000] Linux version\n", FormatDmesg},
		{"<6>[    0.000000] Linux version\n", FormatDmesg},
		{"kern  :info  : [    0.000000] Linux\n", FormatDmesg},
		{"[Wed Nov 25 16:24:19 2026] Linux\n", FormatDmesg},
		{`{"MESSAGE":"x"}`, FormatJournalJSON},
		{"__CURSOR=s=1\n", FormatJournalExport},
		{"MESSAGE\n\x01\x00\x00\x00\x00\x00\x00\x00x\n", FormatJournalExport},
		{"-- Journal begins at Mon 2026-11-23 --\n", FormatSyslog},
		{"Nov 25 16:03:04 vm kernel: x\n", FormatSyslog},
		{"Wed 2026-11-25 16:34:42 UTC vm kernel: x\n", FormatSyslog},
		{"2026-11-25T16:34:42+0000 vm kernel: x\n", FormatSyslog},
		{"\n\ngarbage first\n[    1.0] x\n", FormatDmesg},
	}
	for _, tt := range tests {
		r := newTestReader(t, strings.NewReader(tt.in), FormatAuto)
		if _, err := r.Next(); err != nil && !errors.Is(err, io.EOF) {
			t.Errorf("Next(%q): %v", tt.in, err)
		}
		if r.Format() != tt.want {
			t.Errorf("detected %q for %q, want %q", r.Format(), tt.in, tt.want)
		}
	}

	r := newTestReader(t, strings.NewReader("hello world\n\x00\x01binary\n"), FormatAuto)
	_, err := r.Next()
	if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), `"hello world"`) {
		t.Errorf("Next on junk = %v, want ErrUnknownFormat naming the first line", err)
	}
	if _, err2 := r.Next(); err2 != err {
		t.Errorf("second Next = %v, want the same error", err2)
	}
}

// TestDetectLongFirstLine: a first line too long to tell the format from
// (900 KB) is skipped and counted; the lines after it tell, and are read.
func TestDetectLongFirstLine(t *testing.T) {
	in := strings.Repeat("x", 900_000) + "\n6,1,2,-;sd 2:0:0:0: [sdc] tag#0 FAILED\n"
	r := newTestReader(t, strings.NewReader(in), FormatAuto)
	rec, err := r.Next()
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	if r.Format() != FormatKmsg || !strings.Contains(rec.Message, "FAILED") {
		t.Errorf("read %q as %s, want the kmsg record", rec.Message, r.Format())
	}
	if sk := r.Skipped(); len(sk) != 1 || sk[0].Reason != SkipUndetected || sk[0].Count != 1 || r.Skips() != 1 {
		t.Errorf("skipped %+v, want the long line once", sk)
	}
}

// TestDetectDoesNotWaitForMore checks that detection decides on the first
// complete line of a live stream without waiting to fill its buffer.
func TestDetectDoesNotWaitForMore(t *testing.T) {
	pr, pw := io.Pipe()
	defer pr.Close()
	go func() {
		fmt.Fprint(pw, "6,1,2,-;first\n6,2,3,-;second\n")
		// The writer stays open: a reader that wants more blocks forever.
	}()
	r := newTestReader(t, pr, FormatAuto)
	done := make(chan error, 1)
	go func() {
		rec, err := r.Next()
		if err == nil && rec.Message != "first" {
			err = fmt.Errorf("got %q", rec.Message)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Next blocked waiting for more input")
	}
	pw.Close()
}

func FuzzReader(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.*"))
	if err != nil {
		f.Fatal(err)
	}
	for i, p := range seeds {
		if strings.HasSuffix(p, ".golden") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > 4096 {
			b = b[:4096]
		}
		f.Add(b, uint8(i))
	}
	f.Add([]byte("MESSAGE\n\xff\xff\xff\xff\xff\xff\xff\x7f"), uint8(4))
	f.Fuzz(func(t *testing.T, in []byte, which uint8) {
		format := Formats[int(which)%len(Formats)]
		r := newTestReader(t, bytes.NewReader(in), format)
		for n := 0; ; n++ {
			rec, err := r.Next()
			if err != nil {
				break
			}
			if n > len(in) {
				t.Fatalf("%d records from %d bytes", n, len(in))
			}
			if len(rec.Message) > len(in) {
				t.Fatalf("message of %d bytes from %d bytes of input", len(rec.Message), len(in))
			}
		}
	})
}

// BenchmarkReader reads the same records in each text format; the figure
// to watch is ns/op per record.
func BenchmarkReader(b *testing.B) {
	lines := map[Format]string{
		FormatKmsg:   "3,1046,5087262337,-;sd 2:0:0:0: [sdc] tag#23 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK\n SUBSYSTEM=scsi\n DEVICE=+scsi:2:0:0:0\n6,1047,5087262400,-;docker0: port 1(veth1234567) entered blocking state\n",
		FormatDmesg:  "[ 5087.262337] sd 2:0:0:0: [sdc] tag#23 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK\n[ 5087.262400] docker0: port 1(veth1234567) entered blocking state\n",
		FormatSyslog: "Nov 25 16:03:04 vm kernel: sd 2:0:0:0: [sdc] tag#23 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK\nNov 25 16:03:04 vm kernel: docker0: port 1(veth1234567) entered blocking state\n",
		FormatJournalJSON: `{"_TRANSPORT":"kernel","MESSAGE":"sd 2:0:0:0: [sdc] tag#23 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK","PRIORITY":"3","__REALTIME_TIMESTAMP":"1795624733722276","_HOSTNAME":"vm","_BOOT_ID":"a467f71174674c698d0a0d1455c4f51b","SYSLOG_FACILITY":"0"}` + "\n" +
			`{"_TRANSPORT":"kernel","MESSAGE":"docker0: port 1(veth1234567) entered blocking state","PRIORITY":"6","__REALTIME_TIMESTAMP":"1795624733722276","_HOSTNAME":"vm","_BOOT_ID":"a467f71174674c698d0a0d1455c4f51b","SYSLOG_FACILITY":"0"}` + "\n",
		FormatJournalExport: "_TRANSPORT=kernel\nMESSAGE=sd 2:0:0:0: [sdc] tag#23 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK\nPRIORITY=3\n__REALTIME_TIMESTAMP=1795624733722276\n_HOSTNAME=vm\n\n" +
			"_TRANSPORT=kernel\nMESSAGE=docker0: port 1(veth1234567) entered blocking state\nPRIORITY=6\n__REALTIME_TIMESTAMP=1795624733722276\n_HOSTNAME=vm\n\n",
	}
	for _, f := range []Format{FormatKmsg, FormatDmesg, FormatSyslog, FormatJournalJSON, FormatJournalExport} {
		b.Run(string(f), func(b *testing.B) {
			in := []byte(strings.Repeat(lines[f], 1000))
			b.ReportAllocs()
			for b.Loop() {
				r := newTestReader(b, bytes.NewReader(in), f)
				for {
					if _, err := r.Next(); err != nil {
						break
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/2000, "ns/record")
		})
	}
}

// TestReaderFilter checks SetFilter: the filter sees each record's text as
// the Message would hold it (lines joined, kmsg escapes decoded), and a
// record it turns down comes with everything but its Message.
func TestReaderFilter(t *testing.T) {
	tests := []struct {
		format Format
		in     string
		want   []parsers.Record
	}{{
		format: FormatKmsg,
		in:     "3,1,2,-;keep a\\x0a b\\x5c\n SUBSYSTEM=scsi\n6,2,3,-;drop\n",
		want: []parsers.Record{
			{Level: 3, Seq: 1, Monotonic: 2 * time.Microsecond, Message: "keep a\n b\\", Subsystem: "scsi"},
			{Level: 6, Seq: 2, Monotonic: 3 * time.Microsecond},
		},
	}, {
		format: FormatDmesg,
		in:     "[    1.000000] drop\n[    2.000000] keep\n               more\n",
		want: []parsers.Record{
			{Level: parsers.LevelUnknown, Monotonic: time.Second},
			{Level: parsers.LevelUnknown, Monotonic: 2 * time.Second, Message: "keep\nmore"},
		},
	}, {
		format: FormatSyslog,
		in:     "2026-11-25T16:03:04Z h kernel: keep\n2026-11-25T16:03:05Z h kernel: drop\n",
		want: []parsers.Record{
			{Time: time.Date(2026, 11, 25, 16, 3, 4, 0, time.UTC), Level: parsers.LevelUnknown, Message: "keep", Hostname: "h"},
			{Time: time.Date(2026, 11, 25, 16, 3, 5, 0, time.UTC), Level: parsers.LevelUnknown, Hostname: "h"},
		},
	}, {
		format: FormatJournalJSON,
		in:     `{"_TRANSPORT":"kernel","PRIORITY":"3","MESSAGE":"keep"}` + "\n" + `{"_TRANSPORT":"kernel","PRIORITY":"6","MESSAGE":"drop"}` + "\n",
		want:   []parsers.Record{{Level: 3, Message: "keep"}, {Level: 6}},
	}}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			r := newTestReader(t, strings.NewReader(tt.in), tt.format)
			var seen []string
			r.SetFilter(func(_ string, text []byte) bool {
				seen = append(seen, string(text))
				return bytes.HasPrefix(text, []byte("keep"))
			})
			if diff := cmp.Diff(tt.want, readAll(t, r)); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if len(seen) != len(tt.want) {
				t.Errorf("filter saw %q, want one text per record", seen)
			}
		})
	}
}
