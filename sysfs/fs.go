package sysfs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// FS reads the files the resolver needs (sys/, dev/, proc/self/mountinfo,
// run/udev/data/) under one root directory, "/" on a live system or a
// fixture tree in tests. Every path the package reads goes through it.
type FS struct {
	root string
}

// NewFS returns an FS rooted at root; "" means "/".
func NewFS(root string) FS {
	if root == "" {
		root = "/"
	}
	return FS{root: filepath.Clean(root)}
}

// Path joins elem under the root: Path("sys", "block") is <root>/sys/block.
func (f FS) Path(elem ...string) string {
	return filepath.Join(append([]string{f.root}, elem...)...)
}

// sys joins elem under <root>/sys.
func (f FS) sys(elem ...string) string {
	return f.Path(append([]string{"sys"}, elem...)...)
}

// pathError rewraps an *fs.PathError so the message names the path once,
// with the operation: `read "/sys/block/sda/dev": no such file or directory`.
func pathError(op, p string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s %q: %w", op, p, err)
}

// readAttr returns the content of a sysfs attribute or udev/proc file at p
// with trailing white space and NUL bytes removed.
func readAttr(p string) (string, error) {
	b, err := readFile(p, maxAttrSize)
	if err != nil {
		return "", err
	}
	return string(bytes.TrimRight(b, " \t\r\n\x00")), nil
}

// maxAttrSize bounds what readAttr reads: a sysfs attribute is at most a
// page, a udev database entry a few kilobytes.
const maxAttrSize = 1 << 20

// readFile reads the file p, failing if it holds more than limit bytes. It
// uses the system calls directly: os.ReadFile would also stat the file and
// offer it to the runtime's poller, doubling the calls per attribute, which
// shows when listing thousands of devices.
func readFile(p string, limit int) ([]byte, error) {
	fd, err := syscall.Open(p, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	for err == syscall.EINTR {
		fd, err = syscall.Open(p, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, pathError("read", p, err)
	}
	defer syscall.Close(fd)
	var buf [4096]byte
	var out []byte
	for {
		n, err := syscall.Read(fd, buf[:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, pathError("read", p, err)
		}
		if n == 0 {
			return out, nil
		}
		if len(out)+n > limit {
			return nil, fmt.Errorf("read %q: larger than %d bytes", p, limit)
		}
		out = append(out, buf[:n]...)
	}
}

// readAttrOpt is readAttr for an optional attribute: a missing file is "".
func readAttrOpt(p string) (string, error) {
	s, err := readAttr(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return s, err
}

// readLinkBase returns the last element of the target of the symbolic link p
// (sys/dev/block/8:0 -> ../../devices/.../block/sda gives "sda").
func readLinkBase(p string) (string, error) {
	t, err := os.Readlink(p)
	if err != nil {
		return "", pathError("readlink", p, err)
	}
	return filepath.Base(t), nil
}

// listDir returns the names in directory p, sorted in kernel name order; a
// missing directory has none (sysfs omits empty holders/ or slaves/ at
// times, and git cannot keep an empty directory in a fixture).
func listDir(p string) ([]string, error) {
	ents, err := os.ReadDir(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, pathError("list", p, err)
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sortNames(names)
	return names, nil
}

// exists tells whether p exists (following symbolic links).
func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// validName tells whether s can be one element of a path: a kernel device
// name never holds a slash and is never "." or "..". It keeps identifiers
// from walking out of the directory they are looked up in.
func validName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\x00")
}
