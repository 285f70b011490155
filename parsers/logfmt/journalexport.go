package logfmt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"

	"github.com/peripety/peripety/parsers"
)

// nextJournalExport reads the Journal Export Format of `journalctl -o
// export` (systemd.io/JOURNAL_EXPORT_FORMATS): entries of "KEY=value" lines
// ended by an empty line; a value that is not plain text is written as
// "KEY\n", its length as 64-bit little-endian, the data and "\n".
func (r *Reader) nextJournalExport() (parsers.Record, error) {
	var e journalEntry
	for {
		e.reset()
		start, fields, bad, err := r.readExportEntry(&e)
		if err != nil && !errors.Is(err, io.EOF) {
			return parsers.Record{}, err
		}
		switch {
		case bad != nil:
			r.skip(bad.reason, start, bad.example)
		case fields > 0:
			rec, why, ok := r.journalRecord(&e)
			if ok {
				r.recLine = start
				return rec, nil
			}
			r.skip(why, start, e.message)
		}
		if err != nil {
			return parsers.Record{}, err
		}
	}
}

// exportProblem says why an export entry is skipped.
type exportProblem struct {
	reason  SkipReason
	example []byte
}

// readExportEntry reads one entry into e, up to its empty line or the end
// of the input (io.EOF), and returns the line it started on, how many
// fields it had and, when the entry is to be skipped, why. A problem with
// one field does not stop the reading: the rest of the entry is read past.
func (r *Reader) readExportEntry(e *journalEntry) (start int64, fields int, bad *exportProblem, err error) {
	setBad := func(reason SkipReason, example []byte) {
		if bad == nil {
			bad = &exportProblem{reason: reason, example: append([]byte(nil), clip(example)...)}
		}
	}
	for {
		line, err := r.readLine()
		if fields == 0 && (len(line) > 0 || err != nil) {
			start = r.lineNo
		}
		if errors.Is(err, errTooLong) {
			setBad(SkipTooLong, line)
			fields++
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) && fields == 0 {
				return start, 0, nil, io.EOF
			}
			return start, fields, bad, err
		}
		if len(line) == 0 {
			if fields == 0 {
				continue // blank lines between entries
			}
			return start, fields, bad, nil
		}
		fields++
		if key, value, ok := bytes.Cut(line, []byte{'='}); ok {
			if !isJournalFieldName(key) {
				setBad(SkipMalformed, line)
				continue
			}
			e.set(string(key), value)
			continue
		}
		if !isJournalFieldName(line) {
			setBad(SkipMalformed, line)
			continue
		}
		key := string(line)
		value, err := r.readBinaryField()
		switch {
		case errors.Is(err, errTooLong):
			setBad(SkipTooLong, []byte(key+" field"))
		case errors.Is(err, errBadBinary):
			setBad(SkipMalformed, []byte(key+" field not ended by a newline"))
			if _, err := r.readLine(); err != nil && !errors.Is(err, errTooLong) && !errors.Is(err, io.EOF) {
				return start, fields, bad, err // the rest of the line, read past
			}
		case errors.Is(err, io.ErrUnexpectedEOF):
			setBad(SkipTruncated, []byte(key+" field"))
			return start, fields, bad, io.EOF
		case err != nil:
			return start, fields, bad, err
		default:
			e.set(key, value)
		}
	}
}

// readBinaryField reads the length, data and "\n" of a binary field whose
// name was just read. Data longer than MaxRecordSize is read past and
// reported as errTooLong; input ending inside the field as
// io.ErrUnexpectedEOF, data not followed by "\n" as errBadBinary (the
// rest of that line is the caller's to read past).
func (r *Reader) readBinaryField() ([]byte, error) {
	var n [8]byte
	if _, err := io.ReadFull(r.br, n[:]); err != nil {
		return nil, unexpectedEOF(err)
	}
	size := binary.LittleEndian.Uint64(n[:])
	if size > MaxRecordSize {
		if _, err := r.br.Discard(int(min(size, 1<<62))); err != nil {
			return nil, unexpectedEOF(err)
		}
		if _, err := r.br.ReadByte(); err != nil {
			return nil, unexpectedEOF(err)
		}
		return nil, errTooLong
	}
	if cap(r.long) < int(size)+1 {
		r.long = make([]byte, int(size)+1)
	}
	buf := r.long[:size+1]
	if _, err := io.ReadFull(r.br, buf); err != nil {
		return nil, unexpectedEOF(err)
	}
	r.lineNo += int64(bytes.Count(buf[:size], []byte{'\n'}))
	if buf[size] != '\n' {
		return nil, errBadBinary
	}
	r.lineNo++
	return buf[:size], nil
}

// errBadBinary reports a binary field whose data is not followed by "\n".
var errBadBinary = errors.New("binary field not ended by a newline")

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
