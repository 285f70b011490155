package parsers

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
)

// checkEvent fails t for an event the engine must never emit.
func checkEvent(t *testing.T, e event.Event) {
	t.Helper()
	if e.EventType == "" || !e.Severity.Valid() || e.Count == 0 || e.EventID == "" || e.RootCauseEventID != e.EventID || e.Msg == "" {
		t.Fatalf("bad event %+v", e)
	}
	if _, err := e.MarshalJSON(); err != nil {
		t.Fatalf("event %+v does not encode: %v", e, err)
	}
}

// FuzzEngine feeds arbitrary records through a parser: data is split into
// records at NUL bytes, levels gives each record its syslog priority
// (facility included) and gap the time between records.
func FuzzEngine(f *testing.F) {
	seed := func(lines ...string) []byte { return []byte(strings.Join(lines, "\x00")) }
	f.Add(seed(
		"sd 2:0:0:0: [sdc] tag#19 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=3s",
		"sd 2:0:0:0: [sdc] tag#19 Sense Key : Medium Error [current] ",
		"sd 2:0:0:0: [sdc] tag#19 CDB: Read(16) 88 00 00 00 00 00 1d 42 1c 00 00 00 00 08 00 00",
		"critical medium error, dev sdc, sector 490871808 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2"), uint64(0x66663), uint16(1))
	f.Add(seed("ata3.00: exception Emask 0x0 SAct 0x80000 SErr 0x0 action 0x0",
		"ata3.00: cmd 60/08:98:00:1c:42/00:00:1d:00:00/40 tag 19 ncq dma 4096 in\n         res 41/40:00:00:1c:42/00:00:1d:00:00/40 Emask 0x409 (media error) <F>",
		"ata3.00: error: { UNC }"), uint64(0x333), uint16(0))
	f.Add(seed("XFS (loop2): Metadata corruption detected at xfs_dir3_data_reada_verify+0x25/0x70, xfs_dir3_data_reada block 0x78 ",
		"00000000: ef cd cd 4c 7d cb 65 d6 ec 98 da b9 ba 02 d1 6e  ...L}.e........n"), uint64(0x11), uint16(0))
	f.Add(seed("I/O error, dev loop4, sector 0 op 0x1:(WRITE) flags 0x3800 phys_seg 2 prio class 2",
		"I/O error, dev loop4, sector 8 op 0x1:(WRITE) flags 0x3800 phys_seg 2 prio class 2",
		"blk_print_req_error: 999999999 callbacks suppressed"), uint64(0x433), uint16(3))
	f.Add(seed("sd 0:0:0:0: [sda] tag#1 CDB: Read(16) 88", "EXT4-fs error (device \xff\xfe): x:1: \x00", "md/raid1:md0: \n\n"), uint64(0xffff), uint16(65535))
	f.Add([]byte("\xc3\x28 connection1:0: detected conn error (1020)"), uint64(14), uint16(9))
	rs := mustRuleSet(f)
	f.Fuzz(func(t *testing.T, data []byte, levels uint64, gap uint16) {
		p := NewParser(rs, Options{})
		emit := func(e event.Event) { checkEvent(t, e) }
		at := t0
		for i, msg := range bytes.Split(data, []byte{0}) {
			prio := int(levels>>(4*(i%16))) & 0xf
			rec := Record{Time: at, Message: string(msg), Level: prio & 7, Facility: prio >> 3, Hostname: "h"}
			if gap%7 == 0 {
				rec.Time, rec.Monotonic = time.Time{}, at.Sub(t0)
			}
			p.Push(rec, emit)
			if name, ok := rs.MatchRule(rec); ok && rec.Facility == 0 && !rs.Wants("", msg) {
				t.Errorf("rule %s takes %q, which Wants turns down", name, msg)
			}
			at = at.Add(time.Duration(gap) * time.Millisecond)
			if d, ok := p.NextDeadline(); ok && i%3 == 0 {
				p.Flush(d, emit)
			}
		}
		p.Close(emit)
	})
}

// TestHugeAndBinaryRecords: a 1 MiB line, binary junk and invalid UTF-8
// are handled, matched where they match, and never panic.
func TestHugeAndBinaryRecords(t *testing.T) {
	huge := "I/O error, dev sdz, sector 12 op 0x0:(READ) " + strings.Repeat("x", 1<<20)
	junk := string([]byte{0xff, 0xfe, 0x00, 0x1b, '[', '3', '1', 'm', 0x80, '\n', 0xc3})
	got := parseAll(t, mustRuleSet(t), Options{}, []string{
		"<3>" + huge,
		"<3>" + junk,
		"<3>EXT4-fs error (device sd\xffa): ext4_lookup:1789: inode #2: comm \xc3\x28: bad \xff",
		"<3>" + strings.Repeat("sd 0:0:0:0: ", 1<<16),
	})
	for _, e := range got {
		checkEvent(t, e)
	}
	// The last record is an error-level line of SCSI device 0:0:0:0 as far
	// as its prefix goes: the catch-all takes it.
	if len(got) != 3 || got[0].Kdev != "sdz" || got[0].RawMsg != huge || got[1].Kdev != "sd\xffa" ||
		got[2].EventType != "SCSI_ERROR" || got[2].Kdev != "0:0:0:0" {
		for i := range got {
			got[i].RawMsg, got[i].Msg = got[i].RawMsg[:min(len(got[i].RawMsg), 80)], got[i].Msg[:min(len(got[i].Msg), 80)]
		}
		t.Errorf("got %d events %+v; want the huge block error, the ext4 error and the SCSI catch-all's", len(got), got)
	}
}
