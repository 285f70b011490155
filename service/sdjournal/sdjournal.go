//go:build cgo

// The one file of the module that needs cgo: Journal over sd-journal(3),
// linked against libsystemd (the package's Depends already names
// libsystemd0). The bindings are our own, not go-systemd's sdjournal, so
// that Fields reads the fields an entry's reader wants in one pass over
// the entry and one call into C (sd_journal_enumerate_data(3)); through
// go-systemd each field was its own lookup in the entry, its own cgo call
// and a C string allocated for its name, which made the journal source
// twice as costly as journalctl reading the same entries.

package sdjournal

/*
#cgo pkg-config: libsystemd
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#define PERIPETY_FIELDS_MAX 64

// peripety_fields copies the values of the current entry's fields named in
// names (nnames names, each NUL-terminated, one after the other) into buf
// (cap bytes) and sets spans[2*i] and spans[2*i+1] to where the value of
// names[i] begins and how long it is, -1 and 0 when the entry has none;
// the first of a field given twice is taken, as sd_journal_get_data does.
// It returns the bytes the values take (more than cap: nothing was
// copied past cap, call again with a buffer that large), or a negative
// errno (E2BIG: more than PERIPETY_FIELDS_MAX names).
static long long peripety_fields(sd_journal *j, const char *names, int nnames, long long *spans, char *buf, long long cap) {
	const void *data;
	size_t len;
	long long used = 0;
	const char *name[PERIPETY_FIELDS_MAX];
	size_t nlen[PERIPETY_FIELDS_MAX];
	int r, i;
	if (nnames > PERIPETY_FIELDS_MAX) {
		return -E2BIG;
	}
	for (i = 0; i < nnames; i++) {
		name[i] = names;
		nlen[i] = strlen(names);
		names += nlen[i] + 1;
		spans[2*i] = -1;
		spans[2*i+1] = 0;
	}
	sd_journal_restart_data(j);
	while ((r = sd_journal_enumerate_data(j, &data, &len)) > 0) {
		const char *d = data;
		for (i = 0; i < nnames; i++) {
			size_t n = nlen[i];
			if (len > n && d[n] == '=' && memcmp(d, name[i], n) == 0) {
				if (spans[2*i] < 0) {
					long long vlen = (long long)(len - n - 1);
					if (used + vlen <= cap) {
						memcpy(buf + used, d + n + 1, vlen);
					}
					spans[2*i] = used;
					spans[2*i+1] = vlen;
					used += vlen;
				}
				break;
			}
		}
	}
	if (r < 0) {
		return r;
	}
	return used;
}

// peripety_cursor copies the current entry's cursor into buf (cap bytes,
// NUL-terminated) and returns its length, or a negative errno.
static int peripety_cursor(sd_journal *j, char *buf, int cap) {
	char *c;
	int r = sd_journal_get_cursor(j, &c);
	if (r < 0) {
		return r;
	}
	size_t n = strlen(c);
	if (n >= (size_t)cap) {
		free(c);
		return -ENOBUFS;
	}
	memcpy(buf, c, n + 1);
	free(c);
	return (int)n;
}

static int peripety_boot_id(char *buf) {
	sd_id128_t id;
	int r = sd_id128_get_boot(&id);
	if (r < 0) {
		return r;
	}
	sd_id128_to_string(id, buf);
	return 0;
}
*/
import "C"

import (
	"fmt"
	"syscall"
	"time"
	"unsafe"
)

// CanRead says whether this build can read the journal.
const CanRead = true

// cursor is Journal over an open sd_journal.
type cursor struct {
	j   *C.sd_journal
	src Source
	// names, spans and buf are Fields' arguments to C, kept from call to
	// call; names is built for namesOf.
	names   []byte
	namesOf []string
	spans   []C.longlong
	buf     []byte
	// cur is Cursor's buffer: a cursor is some 150 bytes (s=, i=, b=,
	// m=, t=, x= and their ids).
	cur [512]byte
	// usec is where C puts the timestamps read: an argument's address
	// would put it on the heap at every call.
	usec C.uint64_t
}

// errno is the error of a negative return of sd-journal.
func errno(r C.int) error { return syscall.Errno(-r) }

// Open opens the journal src names.
func Open(src Source) (Journal, error) {
	var j *C.sd_journal
	var r C.int
	switch {
	case src.Directory != "":
		dir := C.CString(src.Directory)
		r = C.sd_journal_open_directory(&j, dir, 0)
		C.free(unsafe.Pointer(dir))
	case len(src.Files) > 0:
		paths := make([]*C.char, len(src.Files)+1)
		for i, f := range src.Files {
			paths[i] = C.CString(f)
		}
		// A Go array may go to C: it holds C pointers, not Go ones.
		r = C.sd_journal_open_files(&j, &paths[0], 0)
		for _, p := range paths[:len(src.Files)] {
			C.free(unsafe.Pointer(p))
		}
	default:
		r = C.sd_journal_open(&j, C.SD_JOURNAL_LOCAL_ONLY)
	}
	if r < 0 {
		return nil, fmt.Errorf("open %s: %w", src, errno(r))
	}
	// No size cap on what get_data returns: JSON and MESSAGE fields may
	// be larger than the default 64 KiB.
	if r := C.sd_journal_set_data_threshold(j, 0); r < 0 {
		C.sd_journal_close(j)
		return nil, fmt.Errorf("open %s: set data threshold: %w", src, errno(r))
	}
	return &cursor{j: j, src: src}, nil
}

func (c *cursor) AddMatch(m string) error {
	p := C.CString(m)
	defer C.free(unsafe.Pointer(p))
	if r := C.sd_journal_add_match(c.j, unsafe.Pointer(p), C.size_t(len(m))); r < 0 {
		return fmt.Errorf("%s: add match %q: %w", c.src, m, errno(r))
	}
	return nil
}

func (c *cursor) AddDisjunction() error {
	if r := C.sd_journal_add_disjunction(c.j); r < 0 {
		return fmt.Errorf("%s: add disjunction: %w", c.src, errno(r))
	}
	return nil
}

func (c *cursor) AddConjunction() error {
	if r := C.sd_journal_add_conjunction(c.j); r < 0 {
		return fmt.Errorf("%s: add conjunction: %w", c.src, errno(r))
	}
	return nil
}

func (c *cursor) FlushMatches() { C.sd_journal_flush_matches(c.j) }

func (c *cursor) SeekHead() error {
	if r := C.sd_journal_seek_head(c.j); r < 0 {
		return fmt.Errorf("%s: seek head: %w", c.src, errno(r))
	}
	return nil
}

func (c *cursor) SeekTail() error {
	if r := C.sd_journal_seek_tail(c.j); r < 0 {
		return fmt.Errorf("%s: seek tail: %w", c.src, errno(r))
	}
	return nil
}

func (c *cursor) SeekCursor(cur string) error {
	p := C.CString(cur)
	defer C.free(unsafe.Pointer(p))
	r := C.sd_journal_seek_cursor(c.j, p)
	switch {
	case r == -C.EINVAL:
		return fmt.Errorf("%s: seek to cursor %q: %w", c.src, cur, ErrBadCursor)
	case r < 0:
		return fmt.Errorf("%s: seek to cursor %q: %w", c.src, cur, errno(r))
	}
	return nil
}

func (c *cursor) TestCursor(cur string) bool {
	p := C.CString(cur)
	defer C.free(unsafe.Pointer(p))
	return C.sd_journal_test_cursor(c.j, p) > 0
}

func (c *cursor) Next() (bool, error) {
	r := C.sd_journal_next(c.j)
	if r < 0 {
		return false, fmt.Errorf("%s: next entry: %w", c.src, errno(r))
	}
	return r > 0, nil
}

func (c *cursor) Previous() (bool, error) {
	r := C.sd_journal_previous(c.j)
	if r < 0 {
		return false, fmt.Errorf("%s: previous entry: %w", c.src, errno(r))
	}
	return r > 0, nil
}

func (c *cursor) Data(field string) ([]byte, bool, error) {
	p := C.CString(field)
	defer C.free(unsafe.Pointer(p))
	var data unsafe.Pointer
	var n C.size_t
	r := C.sd_journal_get_data(c.j, p, &data, &n)
	switch {
	case r == -C.ENOENT:
		return nil, false, nil
	case r < 0:
		return nil, false, fmt.Errorf("%s: read %s: %w", c.src, field, errno(r))
	}
	// data is "FIELD=value", in sd-journal's memory until the next call.
	if int(n) <= len(field) {
		return nil, false, fmt.Errorf("%s: read %s: no value in the field's data", c.src, field)
	}
	return C.GoBytes(unsafe.Add(data, len(field)+1), C.int(int(n)-len(field)-1)), true, nil
}

func (c *cursor) Fields(dst map[string][]byte, names []string) error {
	if len(names) == 0 {
		return nil
	}
	c.setNames(names)
	for {
		n := C.peripety_fields(c.j, (*C.char)(unsafe.Pointer(&c.names[0])), C.int(len(names)),
			&c.spans[0], (*C.char)(unsafe.Pointer(unsafe.SliceData(c.buf))), C.longlong(len(c.buf)))
		switch {
		case n < 0:
			return fmt.Errorf("%s: read the entry's fields: %w", c.src, syscall.Errno(-n))
		case int(n) > len(c.buf):
			c.buf = make([]byte, max(int(n), 2*len(c.buf)))
			continue
		}
		for i, name := range names {
			if off := int(c.spans[2*i]); off >= 0 {
				dst[name] = c.buf[off : off+int(c.spans[2*i+1]) : off+int(c.spans[2*i+1])]
			}
		}
		return nil
	}
}

// setNames makes names the NUL-separated list Fields hands C, unless it
// is already.
func (c *cursor) setNames(names []string) {
	same := len(names) == len(c.namesOf)
	for i := 0; same && i < len(names); i++ {
		same = names[i] == c.namesOf[i]
	}
	if same {
		return
	}
	c.names = c.names[:0]
	for _, n := range names {
		c.names = append(append(c.names, n...), 0)
	}
	c.namesOf = append(c.namesOf[:0], names...)
	c.spans = make([]C.longlong, 2*len(names))
	if c.buf == nil {
		c.buf = make([]byte, 4096)
	}
}

func (c *cursor) Realtime() (uint64, error) {
	if r := C.sd_journal_get_realtime_usec(c.j, &c.usec); r < 0 {
		return 0, fmt.Errorf("%s: read timestamp: %w", c.src, errno(r))
	}
	return uint64(c.usec), nil
}

func (c *cursor) Monotonic() (uint64, error) {
	if r := C.sd_journal_get_monotonic_usec(c.j, &c.usec, nil); r < 0 {
		return 0, fmt.Errorf("%s: read monotonic timestamp: %w", c.src, errno(r))
	}
	return uint64(c.usec), nil
}

func (c *cursor) Cursor() (string, error) {
	r := C.peripety_cursor(c.j, (*C.char)(unsafe.Pointer(&c.cur[0])), C.int(len(c.cur)))
	if r < 0 {
		return "", fmt.Errorf("%s: read cursor: %w", c.src, errno(r))
	}
	return string(c.cur[:r]), nil
}

func (c *cursor) BootID() (string, error) {
	var buf [C.SD_ID128_STRING_MAX]byte
	if r := C.peripety_boot_id((*C.char)(unsafe.Pointer(&buf[0]))); r < 0 {
		return "", fmt.Errorf("%s: read boot id: %w", c.src, errno(r))
	}
	return string(buf[:C.SD_ID128_STRING_MAX-1]), nil
}

func (c *cursor) Wait(d time.Duration) error {
	if r := C.sd_journal_wait(c.j, C.uint64_t(d/time.Microsecond)); r < 0 {
		return fmt.Errorf("%s: wait: %w", c.src, errno(r))
	}
	return nil
}

// Close closes the journal; closing it again does nothing.
func (c *cursor) Close() error {
	if c.j == nil {
		return nil
	}
	C.sd_journal_close(c.j)
	c.j = nil
	return nil
}
