package service

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/peripety/peripety/event"
)

func spoolEvent(i int) event.Event {
	return event.Event{EventID: fmt.Sprintf("ev-%03d", i), EventType: "BLK_IO_ERROR", Severity: event.Error,
		SubSystem: event.SubBlock, Timestamp: time.UnixMicro(1_700_000_000_000_000 + int64(i)), Kdev: "sdc",
		Msg: fmt.Sprintf("I/O error %d", i), RawMsg: "I/O error, dev sdc", Count: 1, Seq: uint64(i)}
}

func mustOpenSpool(t *testing.T, dir string, max int64) *spool {
	t.Helper()
	s, damaged, err := openSpool(dir, max)
	if err != nil {
		t.Fatal(err)
	}
	if len(damaged) > 0 {
		t.Fatalf("fresh spool damaged: %v", damaged)
	}
	s.segMax = 1 << 10 // a few records a segment
	return s
}

// readAll reads the records from the read cursor on.
func readAll(t *testing.T, s *spool) []spoolRec {
	t.Helper()
	var out []spoolRec
	for {
		rec, ok, err := s.next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return out
		}
		out = append(out, rec)
	}
}

func recIDs(recs []spoolRec) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.ev.EventID)
	}
	return out
}

func TestSpoolOrderAckReopen(t *testing.T) {
	dir := t.TempDir()
	s := mustOpenSpool(t, dir, 1<<20)
	var want []string
	for i := range 20 {
		ev := spoolEvent(i)
		if err := s.append(&ev, time.Now(), false); err != nil {
			t.Fatal(err)
		}
		want = append(want, ev.EventID)
	}
	if len(s.segs) < 3 {
		t.Fatalf("20 records in %d segments, want several", len(s.segs))
	}
	recs := readAll(t, s)
	if diff := cmp.Diff(want, recIDs(recs)); diff != "" {
		t.Fatalf("read (-want +got):\n%s", diff)
	}
	// Records 0-9 stored; the rest read but not.
	s.ack(recs[9].end)
	first := s.segs[0]
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.segPath(0)); first > 0 && err == nil {
		t.Error("a segment wholly before the head was kept")
	}

	s = mustOpenSpool(t, dir, 1<<20)
	defer s.close()
	if diff := cmp.Diff(want[10:], recIDs(readAll(t, s))); diff != "" {
		t.Errorf("after reopening (-want +got):\n%s", diff)
	}
	s.rewind(s.head)
	if got := recIDs(readAll(t, s)); len(got) != 10 {
		t.Errorf("after rewinding to the head, read %d records, want 10", len(got))
	}
}

// TestSpoolRawText: text that is not UTF-8 comes back byte for byte, in
// the fields and in the extension.
func TestSpoolRawText(t *testing.T) {
	s := mustOpenSpool(t, t.TempDir(), 1<<20)
	defer s.close()
	ev := spoolEvent(1)
	ev.Msg, ev.RawMsg, ev.Kdev = "bad \xff byte", "raw \xfe\x00 line", "sd\xc3"
	ev.Extension = map[string]string{"sense": "\x80\x81", "ok": "fine"}
	if err := s.append(&ev, time.Now(), false); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, s)
	if len(got) != 1 {
		t.Fatalf("read %d records, want 1", len(got))
	}
	back := got[0].ev
	if back.Msg != ev.Msg || back.RawMsg != ev.RawMsg || back.Kdev != ev.Kdev {
		t.Errorf("texts %q %q %q, want %q %q %q", back.Msg, back.RawMsg, back.Kdev, ev.Msg, ev.RawMsg, ev.Kdev)
	}
	if diff := cmp.Diff(ev.Extension, back.Extension); diff != "" {
		t.Errorf("extension (-want +got):\n%s", diff)
	}
}

// TestSpoolAppendAll: events appended together (the journald sink's
// batches), with append placing what appendAll leaves, make the spool
// that appending them one by one makes, byte for byte, across segments
// and up to the cap; the records come back from memory and from disk.
func TestSpoolAppendAll(t *testing.T) {
	const n, max = 100, 9000
	at := time.UnixMicro(1_700_000_000_123_456)
	one, all := t.TempDir(), t.TempDir()
	s1, s2 := mustOpenSpool(t, one, max), mustOpenSpool(t, all, max)
	var want []error
	for i := range n {
		ev := spoolEvent(i)
		ev.Msg = strings.Repeat("x", i) // records of every size
		want = append(want, s1.append(&ev, at, false))
	}
	var got []error
	for i := 0; i < n; {
		batch := make([]event.Event, 0, 7)
		for j := i; j < min(i+7, n); j++ {
			ev := spoolEvent(j)
			ev.Msg = strings.Repeat("x", j)
			batch = append(batch, ev)
		}
		k, err := s2.appendAll(batch, at)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, make([]error, k)...)
		if k < len(batch) { // the rest goes one by one, as the sink does
			got = append(got, s2.append(&batch[k], at, false))
			k++
		}
		i += k
	}
	if !slices.Equal(want, got) {
		t.Fatalf("appended together: %v, one by one: %v", got, want)
	}
	if !slices.Contains(want, errSpoolFull) || len(s1.segs) < 3 {
		t.Fatalf("%d segments and no errSpoolFull: the test does not reach the cap across segments", len(s1.segs))
	}
	if diff := cmp.Diff(s1.segs, s2.segs); diff != "" {
		t.Fatalf("segments (-one by one +together):\n%s", diff)
	}
	for _, seg := range s1.segs {
		b1, err1 := os.ReadFile(s1.segPath(seg))
		b2, err2 := os.ReadFile(s2.segPath(seg))
		if err1 != nil || err2 != nil || string(b1) != string(b2) {
			t.Errorf("segment %d differs (%v, %v)", seg, err1, err2)
		}
	}
	opt := cmp.Options{cmp.AllowUnexported(spoolRec{}, spoolPos{}), cmpopts.EquateEmpty()}
	fromMem := readAll(t, s2)
	if diff := cmp.Diff(readAll(t, s1), fromMem, opt); diff != "" {
		t.Errorf("records (-one by one +together):\n%s", diff)
	}
	s2.close()
	s1.close()
	s3 := mustOpenSpool(t, all, max)
	defer s3.close()
	if diff := cmp.Diff(fromMem, readAll(t, s3), opt); diff != "" {
		t.Errorf("records from disk (-memory +disk):\n%s", diff)
	}
}

func TestSpoolFull(t *testing.T) {
	s := mustOpenSpool(t, t.TempDir(), 600)
	defer s.close()
	n := 0
	for ; n < 100; n++ {
		ev := spoolEvent(n)
		if err := s.append(&ev, time.Now(), false); err == errSpoolFull {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if n == 0 || n == 100 {
		t.Fatalf("took %d records under a 600-byte cap", n)
	}
	ev := spoolEvent(999)
	if err := s.append(&ev, time.Now(), true); err != nil {
		t.Errorf("forced append over the cap: %v", err)
	}
	recs := readAll(t, s)
	s.ack(recs[len(recs)-1].end)
	if !s.empty() {
		t.Errorf("size %d after everything was acknowledged", s.size)
	}
	ev = spoolEvent(1000)
	if err := s.append(&ev, time.Now(), false); err != nil {
		t.Errorf("append once emptied: %v", err)
	}
}

// TestSpoolDamage: a cut last record is dropped, a damaged head file put
// aside, and the spool read from its first record.
func TestSpoolDamage(t *testing.T) {
	dir := t.TempDir()
	s := mustOpenSpool(t, dir, 1<<20)
	for i := range 3 {
		ev := spoolEvent(i)
		if err := s.append(&ev, time.Now(), false); err != nil {
			t.Fatal(err)
		}
	}
	last := s.segPath(s.segs[len(s.segs)-1])
	s.close()
	st, err := os.Stat(last)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(last, st.Size()-5); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, spoolHeadFile), []byte("garbage\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, damaged, err := openSpool(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if len(damaged) != 2 || !strings.Contains(strings.Join(damaged, "\n"), "damaged record") {
		t.Errorf("damage reported: %q, want the head and the cut record", damaged)
	}
	if _, err := os.Stat(filepath.Join(dir, spoolHeadFile+".corrupt")); err != nil {
		t.Errorf("damaged head not put aside: %v", err)
	}
	if diff := cmp.Diff([]string{"ev-000", "ev-001"}, recIDs(readAll(t, s))); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	ev := spoolEvent(7)
	if err := s.append(&ev, time.Now(), false); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"ev-007"}, recIDs(readAll(t, s))); diff != "" {
		t.Errorf("appended after the cut (-want +got):\n%s", diff)
	}
}

// FuzzSpoolRecord: no record read back from a damaged spool makes the
// decoder panic, and what encodes decodes to itself.
func FuzzSpoolRecord(f *testing.F) {
	ev := spoolEvent(1)
	ev.Msg = "bad \xff"
	rec, err := appendSpoolRecord(nil, &ev, time.UnixMicro(1_700_000_000_000_000))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(rec[8:])
	f.Add([]byte{})
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00{}\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		at, ev, err := decodeSpoolRecord(b)
		if err != nil {
			return
		}
		again, err := appendSpoolRecord(nil, &ev, at)
		if err != nil {
			return // an event JSON takes but cannot give (a bad severity)
		}
		at2, ev2, err := decodeSpoolRecord(again[8:])
		if err != nil || !at2.Equal(at) || ev2.EventID != ev.EventID || ev2.Msg != ev.Msg || ev2.RawMsg != ev.RawMsg {
			t.Errorf("re-encoded record decodes to %v %+v (%v), want %v %+v", at2, ev2, err, at, ev)
		}
	})
}

// TestSpoolFreshSegmentCrash: once everything is stored the spool starts a
// new segment; a crash before the head is saved again leaves a head in the
// deleted segment, which must not pass the records appended since.
func TestSpoolFreshSegmentCrash(t *testing.T) {
	dir := t.TempDir()
	s := mustOpenSpool(t, dir, 1<<20)
	for i := range 5 {
		ev := spoolEvent(i)
		if err := s.append(&ev, time.Now(), false); err != nil {
			t.Fatal(err)
		}
	}
	recs := readAll(t, s)
	if err := s.saveHead(); err != nil { // the head as saved before
		t.Fatal(err)
	}
	s.ack(recs[len(recs)-1].end) // all stored: a fresh segment
	for i := 5; i < 8; i++ {
		ev := spoolEvent(i)
		if err := s.append(&ev, time.Now(), false); err != nil {
			t.Fatal(err)
		}
	}
	// A crash: the files as they are, the head file as saved before.
	s.w.Close()
	s2 := mustOpenSpool(t, dir, 1<<20)
	defer s2.close()
	got := recIDs(readAll(t, s2))
	for _, want := range []string{"ev-005", "ev-006", "ev-007"} {
		if !slices.Contains(got, want) {
			t.Errorf("after the crash the spool holds %v: %s, appended after the fresh segment, lost", got, want)
		}
	}
}

// TestSpoolRecent: records appended in this process come back from memory,
// as the same records a reader of the segments gets (positions, time,
// event), past a rewind too, and independent of the appender's copy; a
// backlog beyond maxRecent is read from disk.
func TestSpoolRecent(t *testing.T) {
	dir := t.TempDir()
	s := mustOpenSpool(t, dir, 1<<30)
	defer s.close()
	s.segMax = 256 << 10 // a few segments
	n := maxRecent + 50
	at := time.UnixMicro(1_700_000_000_123_456)
	for i := range n {
		ev := spoolEvent(i)
		ev.Extension = map[string]string{"sector": fmt.Sprint(i)}
		ev.OwnersPaths = []string{"/dev/sdc"}
		if err := s.append(&ev, at, false); err != nil {
			t.Fatal(err)
		}
		ev.Extension["sector"] = "changed by the caller"
	}
	if len(s.recent) != maxRecent {
		t.Fatalf("%d records kept in memory, want %d", len(s.recent), maxRecent)
	}
	fromMem := readAll(t, s)
	fromMem[n-1].ev.Extension["sector"] = "changed by the reader"
	s.rewind(spoolPos{seg: s.segs[0]})
	again := readAll(t, s)

	// The same spool's records as a reader of the segments sees them.
	disk := &spool{dir: dir, segs: s.segs, wOff: s.wOff, rd: spoolPos{seg: s.segs[0]}}
	fromDisk := readAll(t, disk)
	if disk.rf != nil {
		disk.rf.Close()
	}
	// A list decoded empty is nil in memory: both are written alike.
	opt := cmp.Options{cmp.AllowUnexported(spoolRec{}, spoolPos{}), cmpopts.EquateEmpty()}
	if diff := cmp.Diff(fromDisk[:n-1], fromMem[:n-1], opt); diff != "" {
		t.Errorf("records from memory differ from the segments' (-disk +memory):\n%s", diff)
	}
	if diff := cmp.Diff(fromDisk, again, opt); diff != "" {
		t.Errorf("records read again after a rewind (-disk +again):\n%s", diff)
	}
	s.ack(fromMem[n-1].end)
	if len(s.recent) != 0 || len(s.recentQ) != 0 {
		t.Errorf("%d records kept after every one was acknowledged", len(s.recent))
	}
}
