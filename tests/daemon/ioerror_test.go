package daemon_test

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
)

// ioErrorFS is an ext4 on a loop device over the fault-injecting FUSE
// image, with a 1 MiB file whose blocks can be made to fail.
type ioErrorFS struct {
	dev, kdev, mnt, control, file string
	block                         int64 // the file's first filesystem block (4 KiB)
}

func newIOErrorFS(t *testing.T, dir string) ioErrorFS {
	t.Helper()
	need(t, "mkfs.ext4", "debugfs")
	served, control := faultImage(t, testenv.SparseFile(t, 64<<20), dir)
	// Direct I/O keeps the loop device's own page cache from hiding reads.
	dev := testenv.Loop(t, served, "--direct-io=on")
	testenv.Run(t, "mkfs.ext4", "-q", "-b", "4096", dev)
	mnt := testenv.Mount(t, dev)
	file := filepath.Join(mnt, "f")
	testenv.Run(t, "dd", "if=/dev/urandom", "of="+file, "bs=4k", "count=256", "conv=fsync", "status=none")
	out := testenv.Run(t, "debugfs", "-R", "bmap /f 0", dev) // a banner line, then the block
	block, err := strconv.ParseInt(out[strings.LastIndexByte(out, '\n')+1:], 10, 64)
	if err != nil {
		t.Fatalf("debugfs bmap: %v", err)
	}
	return ioErrorFS{dev: dev, kdev: filepath.Base(dev), mnt: mnt, control: control, file: file, block: block}
}

// provoke fails the file's blocks, then reads the file (a block layer read
// error), rewrites it (ext4's write error) and reads the device through the
// page cache (buffer errors).
func (f ioErrorFS) provoke(t *testing.T) {
	t.Helper()
	failRange(t, f.control, "rw", f.block*4096, 1<<20)
	testenv.Run(t, "sh", "-c", "echo 3 > /proc/sys/vm/drop_caches")
	exec.Command("cat", f.file).Run()
	exec.Command("dd", "if=/dev/urandom", "of="+f.file, "bs=4k", "count=256", "conv=notrunc,fsync", "status=none").Run()
	exec.Command("dd", "if="+f.dev, "of=/dev/null", "bs=4096", "skip="+strconv.FormatInt(f.block, 10), "count=4", "status=none").Run()
}

// TestRealIOErrors makes the kernel fail real I/O: the block layer's I/O
// error with its sector, buffer errors and ext4's write error, all on the
// loop device, linked to the first error as their root cause.
func TestRealIOErrors(t *testing.T) {
	needRoot(t)
	for i, s := range sinks {
		t.Run(s.name, func(t *testing.T) {
			if i > 0 {
				// The kernel allows about 10 lines per 5s of each kind.
				time.Sleep(6 * time.Second)
			}
			s.setup(t)
			dir := t.TempDir()
			f := newIOErrorFS(t, dir)
			d := startDaemon(t, filepath.Join(dir, "state"), s.source, s.cfg)
			f.provoke(t)

			evs := s.events(t, d, all(has("BLK_IO_ERROR", f.kdev), has("BUFFER_IO_ERROR", f.kdev), has("FS_IO_ERROR", f.kdev)))
			lo, hi := f.block*8, (f.block+256)*8 // the failed range in 512-byte sectors
			var blk event.Event
			for _, ev := range on(evs, "BLK_IO_ERROR", f.kdev) {
				sector, err := strconv.ParseInt(ev.Ext("sector"), 10, 64)
				if err == nil && sector >= lo && sector < hi {
					blk = ev
					break
				}
			}
			if blk.EventID == "" {
				t.Fatalf("no BLK_IO_ERROR with a sector in [%d, %d):\n%s", lo, hi, summary(evs))
			}
			for _, ev := range append(on(evs, "BUFFER_IO_ERROR", f.kdev), on(evs, "FS_IO_ERROR", f.kdev)...) {
				if ev.DevPath != f.dev {
					t.Errorf("%s dev_path = %q, want %q", ev.EventType, ev.DevPath, f.dev)
				}
				if ev.RootCauseEventID == ev.EventID {
					t.Errorf("%s %q has no root cause; the I/O errors before it are", ev.EventType, ev.Msg)
				}
			}
			if fs := on(evs, "FS_IO_ERROR", f.kdev)[0]; fs.Ext("mount_point") != f.mnt {
				t.Errorf("FS_IO_ERROR mount_point = %q, want %q", fs.Ext("mount_point"), f.mnt)
			}
		})
	}
}
