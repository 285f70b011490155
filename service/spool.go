package service

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/peripety/peripety/event"
)

// spool is the journald sink's queue on disk, in the state directory's
// spool/: every event the sink takes is appended to it, and stays there,
// in order, until it can be read back from journald. A journald that is
// down, restarting or slow, or a daemon killed while journald had not yet
// written what it was sent, then loses nothing: what the spool holds is
// sent again (see JournalSink).
//
// The spool is a sequence of segment files, <16 hex digits>.seg in
// ascending order, each a sequence of records:
//
//	length   uint32 LE  the bytes after the CRC
//	crc      uint32 LE  CRC-32C of those bytes
//	appended int64 LE   when the record was appended, µs since the epoch
//	jsonLen  uint32 LE  the length of the JSON that follows
//	event    JSON       the event (event.Event's JSON)
//	raw      the exact bytes of each text field that is not UTF-8 (JSON
//	         holds U+FFFD there; journald keeps the bytes): name length
//	         uint16 LE, name, value length uint32 LE, value; repeated
//
// The file head holds "<segment> <offset>": where the first record not yet
// known to be stored begins. Segments wholly before it are deleted. head is
// replaced by rename, without fsync: the spool survives the daemon's
// crash, as journald's own files do; after a crash of the host the head
// may be behind, and the records before the true head are found in the
// journal and not sent twice.
//
// A spool is not safe for concurrent use.
type spool struct {
	dir string
	// max bounds the bytes held from the head to the end; reserve is
	// what an append beyond it may still take (the summary of what was
	// shed).
	max int64
	// segMax is the size past which appending starts a new segment.
	segMax int64
	// segs are the segment numbers, ascending; the last one is open for
	// appending as w, whose size is wOff.
	segs []uint64
	w    *os.File
	wOff int64
	head spoolPos
	size int64
	// rd is the read cursor: the next record next returns; rf is its
	// segment, open for reading.
	rd spoolPos
	rf *os.File
	rn uint64 // the segment rf holds
	// headSaved is the head last written to the head file.
	headSaved spoolPos
	// buf is the buffer records are read into, wbuf the one append
	// encodes into.
	buf, wbuf []byte
	// recent holds the records this process appended and has not seen
	// acknowledged, at most maxRecent, the oldest first in recentQ: next
	// gives them back without reading and decoding them again. Records
	// of an earlier run, or past the bound, are read from their segment.
	recent  map[spoolPos]spoolRec
	recentQ []spoolPos
}

// maxRecent bounds spool.recent: records appended while the journal keeps
// up are taken back from memory; a backlog beyond it is read from disk.
const maxRecent = 4096

// spoolPos is a record's place: its segment and byte offset.
type spoolPos struct {
	seg uint64
	off int64
}

func (p spoolPos) less(q spoolPos) bool { return p.seg < q.seg || (p.seg == q.seg && p.off < q.off) }

// spoolRec is a record as next returns it: where it begins and ends.
type spoolRec struct {
	pos, end spoolPos
	at       time.Time
	ev       event.Event
}

const (
	spoolHeader   = 16
	spoolSegMax   = 1 << 20
	spoolHeadFile = "head"
	// spoolRecMax bounds a record: a larger length field is damage.
	spoolRecMax = 64 << 20
)

// errSpoolFull is append's error when the spool holds max bytes.
var errSpoolFull = errors.New("spool full")

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// openSpool opens the spool in dir, creating it when missing, and checks
// every record from the head on. A damaged record ends its segment: the
// last segment is cut there (a write the daemon did not finish), an
// earlier one loses the records after it, and damaged says what was lost.
// A damaged head file is put aside as head.corrupt and the spool read from
// its first record.
func openSpool(dir string, max int64) (s *spool, damaged []string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create spool: %w", err)
	}
	s = &spool{dir: dir, max: max, segMax: spoolSegMax}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("read spool: %w", err)
	}
	for _, e := range entries {
		if n, ok := segNumber(e.Name()); ok {
			s.segs = append(s.segs, n)
		}
	}
	slices.Sort(s.segs)
	head, herr := s.readHead()
	if herr != nil {
		damaged = append(damaged, herr.Error())
		if err := os.Rename(s.path(spoolHeadFile), s.path(spoolHeadFile+".corrupt")); err != nil && !errors.Is(err, os.ErrNotExist) {
			damaged = append(damaged, fmt.Sprintf("put aside damaged head: %v", err))
		}
	}
	if len(s.segs) == 0 || head.seg < s.segs[0] || head.seg > s.segs[len(s.segs)-1] {
		head = spoolPos{}
		if len(s.segs) > 0 {
			head.seg = s.segs[0]
		}
	}
	// Segments wholly before the head were stored; one left behind by
	// a crash between the head's write and the deletion goes now.
	for len(s.segs) > 0 && s.segs[0] < head.seg {
		os.Remove(s.segPath(s.segs[0]))
		s.segs = s.segs[1:]
	}
	for i, n := range s.segs {
		from := int64(0)
		if n == head.seg {
			from = head.off
		}
		end, size, msg := s.check(n, from)
		if msg != "" {
			damaged = append(damaged, msg)
		}
		if n == head.seg && end < from {
			head.off = end // a head past the segment's end
		}
		if end < size || (i < len(s.segs)-1 && msg != "") {
			// The last segment ends where a write was cut short; in
			// an earlier one the records after damage cannot be found.
			if err := os.Truncate(s.segPath(n), end); err != nil {
				return nil, damaged, fmt.Errorf("cut damaged spool segment: %w", err)
			}
		}
		s.size += end - min(from, end)
	}
	s.head, s.headSaved, s.rd = head, head, head
	if err := s.openTail(); err != nil {
		return nil, damaged, err
	}
	return s, damaged, nil
}

func segNumber(name string) (uint64, bool) {
	hex, ok := strings.CutSuffix(name, ".seg")
	if !ok || len(hex) != 16 {
		return 0, false
	}
	n, err := strconv.ParseUint(hex, 16, 64)
	return n, err == nil
}

func (s *spool) path(name string) string { return filepath.Join(s.dir, name) }

func (s *spool) segPath(n uint64) string { return s.path(fmt.Sprintf("%016x.seg", n)) }

// readHead reads the head file; a missing one is the zero position.
func (s *spool) readHead() (spoolPos, error) {
	b, err := os.ReadFile(s.path(spoolHeadFile))
	if errors.Is(err, os.ErrNotExist) {
		return spoolPos{}, nil
	}
	if err != nil {
		return spoolPos{}, fmt.Errorf("read spool head: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) == 2 {
		seg, err1 := strconv.ParseUint(f[0], 16, 64)
		off, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 == nil && err2 == nil && off >= 0 {
			return spoolPos{seg: seg, off: off}, nil
		}
	}
	return spoolPos{}, fmt.Errorf("spool head %q: damaged (%.40q)", s.path(spoolHeadFile), b)
}

// check reads the records of segment n from offset from; it returns where
// the sound records end, the file's size, and what is wrong past them.
func (s *spool) check(n uint64, from int64) (end, size int64, damage string) {
	f, err := os.Open(s.segPath(n))
	if err != nil {
		return from, from, fmt.Sprintf("spool segment %s: %v", s.segPath(n), err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return from, from, fmt.Sprintf("spool segment %s: %v", s.segPath(n), err)
	}
	size = st.Size()
	if from > size {
		return size, size, fmt.Sprintf("spool head %d past the end of segment %s (%d bytes)", from, s.segPath(n), size)
	}
	end = from
	for end < size {
		_, next, err := readRecord(f, end, &s.buf)
		if err != nil {
			return end, size, fmt.Sprintf("spool segment %s: damaged record at offset %d (%v): %d bytes after it dropped",
				s.segPath(n), end, err, size-end)
		}
		end = next
	}
	return end, size, ""
}

// readRecord reads the record at off of f into *buf; it returns the
// record's bytes after the CRC and where the next record begins.
func readRecord(f *os.File, off int64, buf *[]byte) ([]byte, int64, error) {
	var h [8]byte
	if _, err := f.ReadAt(h[:], off); err != nil {
		return nil, 0, fmt.Errorf("header: %w", err)
	}
	n := binary.LittleEndian.Uint32(h[0:4])
	if n < 8 || n > spoolRecMax {
		return nil, 0, fmt.Errorf("length %d", n)
	}
	if cap(*buf) < int(n) {
		*buf = make([]byte, n)
	}
	b := (*buf)[:n]
	if _, err := f.ReadAt(b, off+8); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, 0, fmt.Errorf("body: %w", err)
	}
	if crc32.Checksum(b, crcTable) != binary.LittleEndian.Uint32(h[4:8]) {
		return nil, 0, errors.New("checksum mismatch")
	}
	return b, off + 8 + int64(n), nil
}

// openTail opens the last segment for appending, or starts the first.
func (s *spool) openTail() error {
	if len(s.segs) == 0 {
		s.segs = []uint64{s.head.seg}
	}
	n := s.segs[len(s.segs)-1]
	f, err := os.OpenFile(s.segPath(n), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open spool segment: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("open spool segment: %w", err)
	}
	s.w, s.wOff = f, st.Size()
	return nil
}

// empty says whether the spool holds no record.
func (s *spool) empty() bool { return s.size == 0 }

// unread says whether next has a record to return.
func (s *spool) unread() bool {
	last := s.segs[len(s.segs)-1]
	return s.rd.seg < last || (s.rd.seg == last && s.rd.off < s.wOff)
}

// append adds ev, appended at at, to the end. Over max it returns
// errSpoolFull, unless force (a shed summary, which may use the reserve).
// A failed write is undone, so the spool stays sound.
func (s *spool) append(ev *event.Event, at time.Time, force bool) error {
	rec, err := appendSpoolRecord(s.wbuf[:0], ev, at)
	if err != nil {
		return err
	}
	s.wbuf = rec
	if !force && s.size+int64(len(rec)) > s.max {
		return errSpoolFull
	}
	if s.wOff > 0 && s.wOff+int64(len(rec)) > s.segMax {
		if err := s.rotate(); err != nil {
			return err
		}
	}
	return s.write(rec, []event.Event{*ev}, at)
}

// appendAll appends the first n of evs, appended at at, in one write: as
// many as the segment and max take. The rest, n and after, are for
// append, one by one, to place: it rotates, says errSpoolFull, and
// reports what fails. An error is that of the write, which wrote none of
// them (n is 0).
func (s *spool) appendAll(evs []event.Event, at time.Time) (n int, err error) {
	buf := s.wbuf[:0]
	for n < len(evs) {
		next, err := appendSpoolRecord(buf, &evs[n], at)
		if err != nil || s.size+int64(len(next)) > s.max || s.wOff+int64(len(next)) > s.segMax {
			break
		}
		buf = next
		n++
	}
	s.wbuf = buf
	if n == 0 {
		return 0, nil
	}
	if err := s.write(buf, evs[:n], at); err != nil {
		return 0, err
	}
	return n, nil
}

// write writes buf, the records of evs (appended at at), at the end of
// the current segment and remembers them; a failed write is undone.
func (s *spool) write(buf []byte, evs []event.Event, at time.Time) error {
	if _, err := s.w.WriteAt(buf, s.wOff); err != nil {
		s.w.Truncate(s.wOff)
		return fmt.Errorf("append to spool: %w", err)
	}
	seg := s.segs[len(s.segs)-1]
	for i := range evs {
		size := int64(binary.LittleEndian.Uint32(buf)) + 8
		pos := spoolPos{seg: seg, off: s.wOff}
		s.wOff += size
		s.size += size
		s.remember(spoolRec{pos: pos, end: spoolPos{seg: seg, off: s.wOff}, at: at, ev: cloneEvent(evs[i])})
		buf = buf[size:]
	}
	return nil
}

// remember keeps r in recent, forgetting the oldest past maxRecent.
func (s *spool) remember(r spoolRec) {
	if s.recent == nil {
		s.recent = make(map[spoolPos]spoolRec)
	}
	s.recent[r.pos] = r
	s.recentQ = append(s.recentQ, r.pos)
	if len(s.recentQ) > maxRecent {
		delete(s.recent, s.recentQ[0])
		s.recentQ = s.recentQ[1:]
	}
}

// cloneEvent copies ev with its own slices and map, so that neither the
// caller's copy nor the one returned changes the other.
func cloneEvent(ev event.Event) event.Event {
	ev.OwnersWWIDs = slices.Clone(ev.OwnersWWIDs)
	ev.OwnersPaths = slices.Clone(ev.OwnersPaths)
	ev.Extension = maps.Clone(ev.Extension)
	return ev
}

// rotate starts the next segment.
func (s *spool) rotate() error {
	n := s.segs[len(s.segs)-1] + 1
	f, err := os.OpenFile(s.segPath(n), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("start spool segment: %w", err)
	}
	s.w.Close()
	s.w, s.wOff = f, 0
	s.segs = append(s.segs, n)
	return nil
}

// next returns the record at the read cursor and moves past it; ok is
// false when every record has been read.
func (s *spool) next() (rec spoolRec, ok bool, err error) {
	for s.unread() {
		if r, ok := s.recent[s.rd]; ok {
			s.rd = r.end
			r.ev = cloneEvent(r.ev)
			return r, true, nil
		}
		if s.rf == nil || s.rn != s.rd.seg {
			if s.rf != nil {
				s.rf.Close()
				s.rf = nil
			}
			f, err := os.Open(s.segPath(s.rd.seg))
			if err != nil {
				return spoolRec{}, false, fmt.Errorf("read spool: %w", err)
			}
			s.rf, s.rn = f, s.rd.seg
		}
		size := s.wOff
		if s.rd.seg != s.segs[len(s.segs)-1] {
			st, err := s.rf.Stat()
			if err != nil {
				return spoolRec{}, false, fmt.Errorf("read spool: %w", err)
			}
			size = st.Size()
		}
		if s.rd.off >= size {
			s.rd = spoolPos{seg: s.nextSeg(s.rd.seg)}
			continue
		}
		b, end, err := readRecord(s.rf, s.rd.off, &s.buf)
		if err != nil {
			return spoolRec{}, false, fmt.Errorf("read spool segment %s at %d: %w", s.segPath(s.rd.seg), s.rd.off, err)
		}
		rec = spoolRec{pos: s.rd, end: spoolPos{seg: s.rd.seg, off: end}}
		if rec.at, rec.ev, err = decodeSpoolRecord(b); err != nil {
			return spoolRec{}, false, fmt.Errorf("read spool segment %s at %d: %w", s.segPath(s.rd.seg), s.rd.off, err)
		}
		s.rd = rec.end
		return rec, true, nil
	}
	return spoolRec{}, false, nil
}

// nextSeg is the segment after n.
func (s *spool) nextSeg(n uint64) uint64 {
	i, _ := slices.BinarySearch(s.segs, n)
	if i+1 < len(s.segs) {
		return s.segs[i+1]
	}
	return n + 1
}

// rewind moves the read cursor back to p, a record not yet acknowledged.
func (s *spool) rewind(p spoolPos) {
	if p.less(s.rd) {
		s.rd = p
	}
}

// ack moves the head to end, the end of a record: every record before it is
// stored. Segments wholly before the head are deleted.
func (s *spool) ack(end spoolPos) {
	if !s.head.less(end) {
		return
	}
	s.size -= s.span(s.head, end)
	s.head = end
	for len(s.recentQ) > 0 && s.recentQ[0].less(s.head) {
		delete(s.recent, s.recentQ[0])
		s.recentQ = s.recentQ[1:]
	}
	for len(s.segs) > 1 && s.segs[0] < s.head.seg {
		os.Remove(s.segPath(s.segs[0]))
		s.segs = s.segs[1:]
	}
	if last := s.segs[len(s.segs)-1]; s.head.seg == last && s.head.off == s.wOff && s.wOff >= s.segMax/16 {
		// Everything is stored: a new segment, rather than keep what was
		// stored. Not the old one cut short: a head saved before, in it,
		// would then pass records appended after a crash; a head in a
		// segment deleted is taken as the first segment's start.
		if err := s.rotate(); err == nil {
			os.Remove(s.segPath(last))
			s.segs = s.segs[1:]
			s.head = spoolPos{seg: s.segs[0]}
			s.rd = s.head
		}
	}
	if s.rd.less(s.head) {
		s.rd = s.head
	}
}

// span is the bytes of records from a to b.
func (s *spool) span(a, b spoolPos) int64 {
	if a.seg == b.seg {
		return b.off - a.off
	}
	var n int64
	for _, seg := range s.segs {
		switch {
		case seg < a.seg || seg > b.seg:
		case seg == a.seg:
			n += s.segSize(seg) - a.off
		case seg == b.seg:
			n += b.off
		default:
			n += s.segSize(seg)
		}
	}
	return n
}

func (s *spool) segSize(n uint64) int64 {
	if n == s.segs[len(s.segs)-1] {
		return s.wOff
	}
	st, err := os.Stat(s.segPath(n))
	if err != nil {
		return 0
	}
	return st.Size()
}

// saveHead writes the head to the head file when it moved since the last
// save.
func (s *spool) saveHead() error {
	if s.head == s.headSaved {
		return nil
	}
	tmp := s.path(spoolHeadFile + ".tmp")
	text := strconv.FormatUint(s.head.seg, 16) + " " + strconv.FormatInt(s.head.off, 10) + "\n"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		return fmt.Errorf("save spool head: %w", err)
	}
	if err := os.Rename(tmp, s.path(spoolHeadFile)); err != nil {
		return fmt.Errorf("save spool head: %w", err)
	}
	s.headSaved = s.head
	return nil
}

// sync makes what was appended durable against a crash of the host too.
func (s *spool) sync() error {
	if err := s.w.Sync(); err != nil {
		return fmt.Errorf("sync spool: %w", err)
	}
	return nil
}

// close saves the head and closes the files.
func (s *spool) close() error {
	err := s.saveHead()
	if s.rf != nil {
		s.rf.Close()
	}
	if cerr := s.w.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close spool: %w", cerr)
	}
	return err
}

// appendSpoolRecord appends to dst the record of ev appended at at,
// header included.
func appendSpoolRecord(dst []byte, ev *event.Event, at time.Time) ([]byte, error) {
	start := len(dst)
	rec := append(dst, make([]byte, 20)...)
	binary.LittleEndian.PutUint64(rec[start+8:start+16], uint64(at.UnixMicro()))
	rec, err := ev.AppendJSON(rec)
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", ev.EventID, err)
	}
	binary.LittleEndian.PutUint32(rec[start+16:start+20], uint32(len(rec)-start-20))
	for name, v := range rawTexts(ev) {
		if utf8.ValidString(v) {
			continue
		}
		rec = binary.LittleEndian.AppendUint16(rec, uint16(len(name)))
		rec = append(rec, name...)
		rec = binary.LittleEndian.AppendUint32(rec, uint32(len(v)))
		rec = append(rec, v...)
	}
	binary.LittleEndian.PutUint32(rec[start:start+4], uint32(len(rec)-start-8))
	binary.LittleEndian.PutUint32(rec[start+4:start+8], crc32.Checksum(rec[start+8:], crcTable))
	return rec, nil
}

// decodeSpoolRecord reads a record's bytes after the CRC.
func decodeSpoolRecord(b []byte) (time.Time, event.Event, error) {
	var ev event.Event
	if len(b) < 12 {
		return time.Time{}, ev, errors.New("record too short")
	}
	at := time.UnixMicro(int64(binary.LittleEndian.Uint64(b[:8])))
	n := int(binary.LittleEndian.Uint32(b[8:12]))
	if n > len(b)-12 {
		return at, ev, fmt.Errorf("event of %d bytes in a record of %d", n, len(b))
	}
	if err := json.Unmarshal(b[12:12+n], &ev); err != nil {
		return at, ev, fmt.Errorf("decode event: %w", err)
	}
	for rest := b[12+n:]; len(rest) > 0; {
		if len(rest) < 2 {
			return at, ev, errors.New("raw text: truncated")
		}
		nl := int(binary.LittleEndian.Uint16(rest))
		if len(rest) < 2+nl+4 {
			return at, ev, errors.New("raw text: truncated")
		}
		name := string(rest[2 : 2+nl])
		vl := int(binary.LittleEndian.Uint32(rest[2+nl:]))
		rest = rest[2+nl+4:]
		if len(rest) < vl {
			return at, ev, errors.New("raw text: truncated")
		}
		setRawText(&ev, name, string(rest[:vl]))
		rest = rest[vl:]
	}
	return at, ev, nil
}

// rawTexts are the text fields of ev that carry text from the kernel's
// lines or the device's attributes, which need not be UTF-8 (the journal
// stores their bytes as they are, docs/design.md "journald fields"), by
// name.
func rawTexts(ev *event.Event) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, f := range []struct{ name, v string }{{"msg", ev.Msg}, {"raw_msg", ev.RawMsg}, {"kdev", ev.Kdev},
			{"hostname", ev.Hostname}, {"dev_path", ev.DevPath}, {"dev_wwid", ev.DevWWID}} {
			if !yield(f.name, f.v) {
				return
			}
		}
		for k, v := range ev.Extension {
			if !yield("ext:"+k, v) {
				return
			}
		}
	}
}

// setRawText sets the field of ev that rawTexts names name.
func setRawText(ev *event.Event, name, v string) {
	switch name {
	case "msg":
		ev.Msg = v
	case "raw_msg":
		ev.RawMsg = v
	case "kdev":
		ev.Kdev = v
	case "hostname":
		ev.Hostname = v
	case "dev_path":
		ev.DevPath = v
	case "dev_wwid":
		ev.DevWWID = v
	default:
		if k, ok := strings.CutPrefix(name, "ext:"); ok {
			ev.SetExt(k, v)
		}
	}
}
