// Package faultimg serves one disk image through FUSE and fails chosen byte
// ranges of it with EIO, so that a loop device on the served file
// (`losetup --direct-io=on`) sees real I/O errors and the kernel prints real
// block, buffer and filesystem error lines.
//
// The mount holds two files: "image", backed by a real file, and "control",
// which takes one command per write:
//
//	fail read|write|rw OFFSET LENGTH   fail I/O overlapping the byte range
//	clear                              fail nothing again
//
// Reading "control" returns the ranges in force, one per line, in the same
// form. The FUSE protocol is described in fuse(4).
package faultimg

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// Op says which direction of I/O a Range fails.
type Op uint8

// The directions a Range can fail.
const (
	OpRead Op = 1 << iota
	OpWrite
	OpRW = OpRead | OpWrite
)

func (o Op) String() string {
	switch o {
	case OpRead:
		return "read"
	case OpWrite:
		return "write"
	default:
		return "rw"
	}
}

// Range is a byte range of the image whose I/O fails.
type Range struct {
	Op     Op
	Offset int64
	Length int64
}

func (r Range) String() string {
	return fmt.Sprintf("fail %s %d %d", r.Op, r.Offset, r.Length)
}

func (r Range) hits(op Op, off, n int64) bool {
	return r.Op&op != 0 && off < r.Offset+r.Length && r.Offset < off+n
}

// ParseCommand reads one control command (see the package doc). It returns
// the ranges after the command is applied to cur.
func ParseCommand(cur []Range, line string) ([]Range, error) {
	f := strings.Fields(line)
	switch {
	case len(f) == 1 && f[0] == "clear":
		return nil, nil
	case len(f) == 4 && f[0] == "fail":
		var op Op
		switch f[1] {
		case "read":
			op = OpRead
		case "write":
			op = OpWrite
		case "rw":
			op = OpRW
		default:
			return nil, fmt.Errorf("command %q: direction %q is not read, write or rw", line, f[1])
		}
		off, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || off < 0 {
			return nil, fmt.Errorf("command %q: offset %q is not a byte offset", line, f[2])
		}
		n, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("command %q: length %q is not a positive byte count", line, f[3])
		}
		return append(cur[:len(cur):len(cur)], Range{Op: op, Offset: off, Length: n}), nil
	default:
		return nil, fmt.Errorf("command %q: want \"fail read|write|rw OFFSET LENGTH\" or \"clear\"", line)
	}
}

// Image is the served image: a backing file and the ranges that fail.
type Image struct {
	backing *os.File
	mu      sync.Mutex
	ranges  []Range
}

// NewImage serves backing, failing the given ranges to begin with.
func NewImage(backing *os.File, ranges []Range) *Image {
	return &Image{backing: backing, ranges: ranges}
}

// Ranges returns the ranges in force.
func (im *Image) Ranges() []Range {
	im.mu.Lock()
	defer im.mu.Unlock()
	return append([]Range(nil), im.ranges...)
}

// Apply runs one control command.
func (im *Image) Apply(line string) error {
	im.mu.Lock()
	defer im.mu.Unlock()
	r, err := ParseCommand(im.ranges, line)
	if err != nil {
		return err
	}
	im.ranges = r
	return nil
}

func (im *Image) fails(op Op, off, n int64) bool {
	im.mu.Lock()
	defer im.mu.Unlock()
	for _, r := range im.ranges {
		if r.hits(op, off, n) {
			return true
		}
	}
	return false
}

// Mount serves im at dir until the returned server is unmounted.
func Mount(dir string, im *Image) (*fuse.Server, error) {
	root := &fs.Inode{}
	opts := &fs.Options{
		MountOptions: fuse.MountOptions{
			FsName:      "faultimg",
			Name:        "faultimg",
			DirectMount: true,
			AllowOther:  true,
		},
		OnAdd: func(ctx context.Context) {
			img := root.NewPersistentInode(ctx, &imageNode{im: im}, fs.StableAttr{Mode: syscall.S_IFREG, Ino: 2})
			root.AddChild("image", img, true)
			ctl := root.NewPersistentInode(ctx, &controlNode{im: im}, fs.StableAttr{Mode: syscall.S_IFREG, Ino: 3})
			root.AddChild("control", ctl, true)
		},
	}
	srv, err := fs.Mount(dir, root, opts)
	if err != nil {
		return nil, fmt.Errorf("mount fuse at %q: %w", dir, err)
	}
	return srv, nil
}

// imageNode is the served image file.
type imageNode struct {
	fs.Inode
	im *Image
}

var (
	_ fs.NodeOpener    = (*imageNode)(nil)
	_ fs.NodeReader    = (*imageNode)(nil)
	_ fs.NodeWriter    = (*imageNode)(nil)
	_ fs.NodeGetattrer = (*imageNode)(nil)
	_ fs.NodeSetattrer = (*imageNode)(nil)
	_ fs.NodeFsyncer   = (*imageNode)(nil)
)

// Open returns no handle of its own; FOPEN_DIRECT_IO keeps the page cache
// of the FUSE file out of the way so every read reaches Read.
func (n *imageNode) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	return nil, fuse.FOPEN_DIRECT_IO, 0
}

func (n *imageNode) Read(ctx context.Context, f fs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if n.im.fails(OpRead, off, int64(len(dest))) {
		return nil, syscall.EIO
	}
	got, err := n.im.backing.ReadAt(dest, off)
	if err != nil && got == 0 && off < n.size() {
		return nil, fs.ToErrno(err)
	}
	return fuse.ReadResultData(dest[:got]), 0
}

func (n *imageNode) Write(ctx context.Context, f fs.FileHandle, data []byte, off int64) (uint32, syscall.Errno) {
	if n.im.fails(OpWrite, off, int64(len(data))) {
		return 0, syscall.EIO
	}
	w, err := n.im.backing.WriteAt(data, off)
	if err != nil {
		return uint32(w), fs.ToErrno(err)
	}
	return uint32(w), 0
}

func (n *imageNode) size() int64 {
	st, err := n.im.backing.Stat()
	if err != nil {
		return 0
	}
	return st.Size()
}

func (n *imageNode) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	out.Mode = syscall.S_IFREG | 0o600
	out.Size = uint64(n.size())
	out.Blksize = 4096
	out.Blocks = (out.Size + 511) / 512
	return 0
}

// Setattr accepts the truncates and time updates an opener may ask for
// without changing the image's size.
func (n *imageNode) Setattr(ctx context.Context, f fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return n.Getattr(ctx, f, out)
}

func (n *imageNode) Fsync(ctx context.Context, f fs.FileHandle, flags uint32) syscall.Errno {
	return fs.ToErrno(n.im.backing.Sync())
}

// controlNode takes commands and reports the ranges in force.
type controlNode struct {
	fs.Inode
	im *Image
}

var (
	_ fs.NodeOpener    = (*controlNode)(nil)
	_ fs.NodeReader    = (*controlNode)(nil)
	_ fs.NodeWriter    = (*controlNode)(nil)
	_ fs.NodeGetattrer = (*controlNode)(nil)
	_ fs.NodeSetattrer = (*controlNode)(nil)
)

func (n *controlNode) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	return nil, fuse.FOPEN_DIRECT_IO, 0
}

func (n *controlNode) status() []byte {
	var b strings.Builder
	for _, r := range n.im.Ranges() {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

func (n *controlNode) Read(ctx context.Context, f fs.FileHandle, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	s := n.status()
	if off >= int64(len(s)) {
		return fuse.ReadResultData(nil), 0
	}
	return fuse.ReadResultData(s[off:min(int64(len(s)), off+int64(len(dest)))]), 0
}

// Write applies each line written as one command; a bad command fails the
// write with EINVAL.
func (n *controlNode) Write(ctx context.Context, f fs.FileHandle, data []byte, off int64) (uint32, syscall.Errno) {
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if err := n.im.Apply(line); err != nil {
			return 0, syscall.EINVAL
		}
	}
	return uint32(len(data)), 0
}

func (n *controlNode) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	out.Mode = syscall.S_IFREG | 0o600
	out.Size = uint64(len(n.status()))
	return 0
}

func (n *controlNode) Setattr(ctx context.Context, f fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	return n.Getattr(ctx, f, out)
}
