package sysfs

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// mount is one line of /proc/self/mountinfo, the fields the resolver uses.
type mount struct {
	MajorMinor string // field 3, st_dev of the filesystem ("8:1")
	Root       string // field 4, the directory of the filesystem mounted
	MountPoint string // field 5, unescaped
	FSType     string // first field after " - "
	Source     string // second field after " - " ("/dev/sda1"), unescaped
	// SuperRO: the super options (third field after " - ") begin with
	// "ro": the filesystem itself is read-only, as after an error.
	SuperRO bool
}

// mounts returns the entries of <root>/proc/self/mountinfo (proc(5)).
func (f FS) mounts() ([]mount, error) {
	p := f.Path("proc", "self", "mountinfo")
	b, err := readFile(p, 64<<20)
	if err != nil {
		return nil, err
	}
	ms, err := parseMountinfo(b)
	if err != nil {
		return nil, fmt.Errorf("parse %q: %w", p, err)
	}
	return ms, nil
}

// parseMountinfo parses the whole of a mountinfo file.
func parseMountinfo(b []byte) ([]mount, error) {
	var ms []mount
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		m, err := parseMountinfoLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		ms = append(ms, m)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return ms, nil
}

// parseMountinfoLine parses one mountinfo line:
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//
// The optional fields between the mount options and "-" may be absent or
// several.
func parseMountinfoLine(line string) (mount, error) {
	fields := strings.Fields(line)
	sep := -1
	for i := 6; i < len(fields); i++ {
		if fields[i] == "-" {
			sep = i
			break
		}
	}
	if len(fields) < 6 || sep < 0 || len(fields) < sep+3 {
		return mount{}, fmt.Errorf("mountinfo line %q: want at least 6 fields, \"-\", type and source", line)
	}
	if !isMajorMinor(fields[2]) {
		return mount{}, fmt.Errorf("mountinfo line %q: field 3 %q is not major:minor", line, fields[2])
	}
	m := mount{
		MajorMinor: fields[2],
		Root:       unescapeOctal(fields[3]),
		MountPoint: unescapeOctal(fields[4]),
		FSType:     fields[sep+1],
		Source:     unescapeOctal(fields[sep+2]),
	}
	if len(fields) > sep+3 {
		opt, _, _ := strings.Cut(fields[sep+3], ",")
		m.SuperRO = opt == "ro"
	}
	return m, nil
}

// unescapeOctal undoes the kernel's \ooo escapes of space, tab, newline and
// backslash in mountinfo paths; a malformed escape is kept as it is.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// isMajorMinor tells whether s is "<digits>:<digits>".
func isMajorMinor(s string) bool {
	maj, min, ok := strings.Cut(s, ":")
	return ok && allDigits(maj) && allDigits(min)
}

// allDigits tells whether s is one or more ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// numbered tells whether the path element c is prefix and a number, as
// sysfs names the objects it counts: host2, session1, ata3, virtio1.
func numbered(c, prefix string) bool {
	n, ok := strings.CutPrefix(c, prefix)
	return ok && allDigits(n)
}
