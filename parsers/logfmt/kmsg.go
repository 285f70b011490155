package logfmt

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/peripety/peripety/parsers"
)

// DecodeKmsg decodes one /dev/kmsg record as read(2) returns it
// (Documentation/ABI/testing/dev-kmsg):
//
//	prio,seq,usec,flag[,more];text\n
//	 KEY=value\n
//	 …
//
// prio carries the facility (prio>>3) and the level (prio&7); usec is the
// time since boot. The kernel escapes bytes below 0x20, from 0x7f up, and the
// backslash as \xNN; DecodeKmsg decodes them, so a printk with an embedded
// newline gives a Message with "\n". Of the dictionary lines it keeps
// SUBSYSTEM and DEVICE. The trailing newline is optional. Record.Time is left
// zero: the record only knows the time since boot.
//
// DecodeKmsg allocates only the strings it returns.
func DecodeKmsg(b []byte) (parsers.Record, error) {
	return decodeKmsg(b, unescapeKmsg)
}

// decodeKmsg is DecodeKmsg with text making the Message of the record's
// escaped text.
func decodeKmsg(b []byte, text func([]byte) string) (parsers.Record, error) {
	head, rest, _ := bytes.Cut(b, []byte{'\n'})
	return decodeKmsgLines(head, rest, text)
}

// decodeKmsgLines is decodeKmsg of a record whose first line is head and
// whose dictionary lines are rest.
func decodeKmsgLines(head, rest []byte, text func([]byte) string) (parsers.Record, error) {
	var rec parsers.Record
	semi := bytes.IndexByte(head, ';')
	if semi < 0 {
		return rec, fmt.Errorf("kmsg record %q: no ';' after the prefix", clip(head))
	}
	prefix, msg := head[:semi], head[semi+1:]

	prio, prefix, err := kmsgField(prefix, "priority")
	if err == nil && prio > maxPrio {
		err = fmt.Errorf("priority %d out of range", prio)
	}
	var seq, usec uint64
	if err == nil {
		seq, prefix, err = kmsgField(prefix, "sequence number")
	}
	if err == nil {
		usec, prefix, err = kmsgField(prefix, "timestamp")
	}
	if err == nil && usec > maxUsec {
		err = fmt.Errorf("timestamp %d out of range", usec)
	}
	if err == nil && len(prefix) == 0 {
		err = errors.New("no flag field")
	}
	if err != nil {
		return rec, fmt.Errorf("kmsg record %q: %w", clip(head), err)
	}
	rec.Level = int(prio & 7)
	rec.Facility = int(prio >> 3)
	rec.Seq = seq
	rec.Monotonic = time.Duration(usec) * time.Microsecond
	rec.Message = text(msg)

	for len(rest) > 0 {
		var line []byte
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			line, rest = rest, nil
		}
		if len(line) == 0 {
			continue
		}
		if line[0] != ' ' {
			return rec, fmt.Errorf("kmsg record %q: dictionary line %q does not start with a space", clip(head), clip(line))
		}
		key, value, ok := bytes.Cut(line[1:], []byte{'='})
		if !ok {
			return rec, fmt.Errorf("kmsg record %q: dictionary line %q has no '='", clip(head), clip(line))
		}
		switch string(key) { // no allocation: the compiler compares in place
		case "SUBSYSTEM":
			rec.Subsystem = internSubsystem(value)
		case "DEVICE":
			rec.Device = unescapeKmsg(value)
		}
	}
	return rec, nil
}

// maxPrio bounds the prio field: the kernel keeps the facility in 8 bits and
// the level in 3.
const maxPrio = 255<<3 | 7

// maxUsec bounds the timestamp so that it fits a time.Duration.
const maxUsec = uint64(1<<63-1) / uint64(time.Microsecond)

// maxSafeDigits is how many decimal digits a uint64 always holds.
const maxSafeDigits = 19

// kmsgField parses the decimal number that starts b, up to a ',' or the end,
// and returns it with what follows the comma.
func kmsgField(b []byte, what string) (uint64, []byte, error) {
	var n uint64
	i := 0
	// Nineteen digits always fit: only a longer number is checked for
	// overflow (a check on every digit was 7% of the instructions of prpt
	// parse over a log of short records), and a digit is told from the
	// rest with one comparison.
	for safe := min(len(b), maxSafeDigits); i < safe; i++ {
		d := b[i] - '0'
		if d > 9 {
			break
		}
		n = n*10 + uint64(d)
	}
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			break
		}
		if n > (1<<64-1)/10 || n*10 > 1<<64-1-uint64(d) {
			return 0, nil, fmt.Errorf("%s: number too large", what)
		}
		n = n*10 + uint64(d)
	}
	switch {
	case i < len(b) && b[i] != ',':
		return 0, nil, fmt.Errorf("%s: %q is not a number", what, clip(b))
	case i == 0:
		return 0, nil, fmt.Errorf("%s missing", what)
	case i == len(b):
		return n, nil, nil
	}
	return n, b[i+1:], nil
}

// unescapeKmsg decodes the kernel's \xNN escapes. A backslash that does not
// start a valid escape is kept as it is.
func unescapeKmsg(b []byte) string {
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b)
	}
	return string(appendUnescapedKmsg(nil, b))
}

// appendUnescapedKmsg appends b to dst with its \xNN escapes decoded.
func appendUnescapedKmsg(dst, b []byte) []byte {
	i := bytes.IndexByte(b, '\\')
	if i < 0 {
		return append(dst, b...)
	}
	dst = append(dst, b[:i]...)
	for i < len(b) {
		c := b[i]
		if c == '\\' && i+3 < len(b) && b[i+1] == 'x' {
			hi, ok1 := unhex(b[i+2])
			lo, ok2 := unhex(b[i+3])
			if ok1 && ok2 {
				dst = append(dst, hi<<4|lo)
				i += 4
				continue
			}
		}
		dst = append(dst, c)
		i++
	}
	return dst
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// internSubsystem returns the common SUBSYSTEM values without allocating.
func internSubsystem(b []byte) string {
	for _, s := range commonSubsystems {
		if string(b) == s {
			return s
		}
	}
	return unescapeKmsg(b)
}

var commonSubsystems = [...]string{"scsi", "block", "pci", "nvme", "usb", "net", "ata_port", "ata_link", "ata_device", "scsi_host", "iscsi_connection", "iscsi_session", "md", "virtio", "platform", "acpi"}

// clip shortens b for an error message.
func clip(b []byte) []byte {
	const max = 80
	if len(b) > max {
		return b[:max]
	}
	return b
}

// kmsgText decodes a record's escaped text into r.text and makes the
// Message of it (see SetFilter).
func (r *Reader) kmsgText(escaped []byte) string {
	switch {
	case r.filter == nil:
		return unescapeKmsg(escaped)
	case bytes.IndexByte(escaped, '\\') < 0:
		return r.message("", escaped)
	}
	r.text = appendUnescapedKmsg(r.text[:0], escaped)
	return r.message("", r.text)
}

// nextKmsg reads the text form of /dev/kmsg: each record a line
// "prio,seq,usec,flag;text", followed by its dictionary lines, which start
// with a space. It is what `cat /dev/kmsg` saves.
func (r *Reader) nextKmsg() (parsers.Record, error) {
	for {
		line, err := r.recordLine()
		if err != nil {
			return parsers.Record{}, err
		}
		start := r.lineNo
		var rec parsers.Record
		if r.br.Buffered() > 0 && !r.continues() {
			// A record of one line is decoded where it was read: with
			// bytes buffered, continues did not refill the buffer
			// under it.
			rec, err = decodeKmsgLines(line, nil, r.kmsgText)
		} else {
			r.rec = append(r.rec[:0], line...)
			fits, rerr := r.readContinuations(0)
			if rerr != nil {
				return parsers.Record{}, rerr
			}
			if !fits {
				r.skip(SkipTooLong, start, r.rec)
				continue
			}
			rec, err = decodeKmsg(r.rec, r.kmsgText)
		}
		if err != nil {
			r.skip(SkipMalformed, start, []byte(err.Error()))
			continue
		}
		r.recLine = start
		return rec, nil
	}
}
