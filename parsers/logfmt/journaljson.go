package logfmt

import (
	"errors"

	"github.com/peripety/peripety/parsers"
)

// nextJournalJSON reads `journalctl -o json`: one object a line, each field
// a string, null (a value journalctl leaves out), an array of byte values
// (a value that is not UTF-8), or an array of those (a repeated field, of
// which the first value is used).
func (r *Reader) nextJournalJSON() (parsers.Record, error) {
	var e journalEntry
	for {
		line, err := r.readLine()
		if errors.Is(err, errTooLong) {
			r.skip(SkipTooLong, r.lineNo, line)
			continue
		}
		if err != nil {
			return parsers.Record{}, err
		}
		if len(line) == 0 {
			continue
		}
		e.reset()
		r.scratch, err = scanJSONObject(line, r.scratch[:0], isJournalKey, e.setBytes)
		if err != nil {
			r.skip(SkipMalformed, r.lineNo, line)
			continue
		}
		rec, why, ok := r.journalRecord(&e)
		if !ok {
			r.skip(why, r.lineNo, line)
			continue
		}
		r.recLine = r.lineNo
		return rec, nil
	}
}
