package sysfs

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/peripety/peripety/internal/testenv"
)

// needLive skips unless the test can attach loop devices and mount: root,
// the tools, and /dev/loop-control.
func needLive(t *testing.T, tools ...string) {
	t.Helper()
	testenv.RequireRootTools(t, "attaches loop devices and mounts them (make check runs it as root)",
		append([]string{"losetup", "mount", "umount"}, tools...)...)
}

// LiveLoop is a loop device of the test's own on an image file.
type liveLoop struct {
	dev, name, image, mountPoint string
}

// attachLoop makes a sparse image of size, attaches it to a free loop
// device, makes a filesystem with mkfs and mounts it, all undone at the end
// of the test.
func attachLoop(t *testing.T, size int64, mkfs ...string) liveLoop {
	t.Helper()
	l := liveLoop{image: testenv.SparseFile(t, size)}
	l.dev = testenv.Loop(t, l.image)
	l.name = filepath.Base(l.dev)
	testenv.Run(t, mkfs[0], append(mkfs[1:], l.dev)...)
	l.mountPoint = testenv.Mount(t, l.dev)
	return l
}

// TestLiveLoop resolves the test's own loop devices, ext4 and xfs mounted,
// on this machine's /sys: by /dev path, major:minor and kernel name alike.
func TestLiveLoop(t *testing.T) {
	needLive(t, "mkfs.ext4", "mkfs.xfs")
	loops := []liveLoop{
		attachLoop(t, 64<<20, "mkfs.ext4", "-q", "-F"),
		attachLoop(t, 320<<20, "mkfs.xfs", "-q", "-f"),
	}
	r := NewResolver("/")
	for _, l := range loops {
		majMin, err := readAttr(filepath.Join("/sys/class/block", l.name, "dev"))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{l.dev, majMin, l.name} {
			got, err := r.BlockInfo(id)
			if err != nil {
				t.Fatalf("BlockInfo(%q): %v", id, err)
			}
			want := summary{Kernel: l.name, MajMin: majMin, Type: TypeLoop, WWID: l.image, Path: l.dev,
				Preferred: l.dev, Mount: l.mountPoint, UUID: got.UUID}
			if got.UUID != "" {
				// Only udev's links or database could tell; never the device.
				if _, err := os.Stat(filepath.Join("/dev/disk/by-uuid", got.UUID)); err != nil {
					t.Errorf("BlockInfo(%q) UUID %q has no by-uuid link: %v", id, got.UUID, err)
				}
			}
			if diff := cmpSummary(want, got); diff != "" {
				t.Errorf("BlockInfo(%q) (-want +got):\n%s", id, diff)
			}
		}
	}
}

// TestLiveReattach attaches another image to the same loop device: the
// kernel gives it a new diskseq, and the cached ForEvent answer must not be
// served.
func TestLiveReattach(t *testing.T) {
	needLive(t, "mkfs.ext4")
	l := attachLoop(t, 16<<20, "mkfs.ext4", "-q", "-F")
	testenv.Run(t, "umount", l.mountPoint)
	r := NewResolver("/")
	first, _, err := r.ForEvent(l.name)
	if err != nil {
		t.Fatal(err)
	}
	if first.DiskSeq == "" {
		t.Skip("kernel without diskseq: re-attachment cannot be told apart")
	}
	other := filepath.Join(t.TempDir(), "other.img")
	if err := os.WriteFile(other, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	testenv.Run(t, "losetup", "-d", l.dev)
	testenv.Run(t, "losetup", l.dev, other)
	second, _, err := r.ForEvent(l.name)
	if err != nil {
		t.Fatal(err)
	}
	if second.WWID != other || second.DiskSeq == first.DiskSeq {
		t.Errorf("after re-attaching %s: WWID %q diskseq %s, want %q and a diskseq other than %s",
			l.dev, second.WWID, second.DiskSeq, other, first.DiskSeq)
	}
}

// liveTypes is the type a kernel name on this machine must have.
var liveTypes = map[*regexp.Regexp]string{
	regexp.MustCompile(`^loop[0-9]+$`):        TypeLoop,
	regexp.MustCompile(`^vd[a-z]+$`):          TypeVirtio,
	regexp.MustCompile(`^vd[a-z]+[0-9]+$`):    TypePartition,
	regexp.MustCompile(`^sd[a-z]+$`):          TypeSCSI,
	regexp.MustCompile(`^nvme[0-9]+n[0-9]+$`): TypeNVMe,
}

// TestLiveMachine resolves every block device of this machine's own /sys
// (no root needed) and checks the virtio fixture has the layout a real
// virtio disk has here.
func TestLiveMachine(t *testing.T) {
	names, err := listDir("/sys/class/block")
	if err != nil || len(names) == 0 {
		t.Skipf("no block devices in /sys/class/block (%v)", err)
	}
	r := NewResolver("/")
	for _, n := range names {
		info, err := r.BlockInfo(n)
		if errors.Is(err, ErrNotFound) {
			continue // detached meanwhile by another test on this machine
		}
		if err != nil {
			t.Errorf("BlockInfo(%s): %v", n, err)
			continue
		}
		for re, typ := range liveTypes {
			if re.MatchString(n) && info.BlkType != typ {
				t.Errorf("BlockInfo(%s) type %q, want %q", n, info.BlkType, typ)
			}
		}
		byMajMin, err := r.BlockInfo(info.MajorMinor)
		if err == nil && byMajMin.KernelName != n {
			t.Errorf("BlockInfo(%s) = %s, want %s", info.MajorMinor, byMajMin.KernelName, n)
		}
	}

	live, err := os.Readlink("/sys/block/vda")
	if err != nil {
		t.Skipf("no virtio disk vda to compare the fixture with: %v", err)
	}
	fixture, err := os.Readlink(filepath.Join(sharedRoot(t, "virtio"), "sys/block/vda"))
	if err != nil {
		t.Fatal(err)
	}
	shape := regexp.MustCompile(`^\.\./devices/pci[0-9a-f:]+/[0-9a-f:.]+/virtio[0-9]+/block/vda$`)
	for _, l := range []string{live, fixture} {
		if !shape.MatchString(l) {
			t.Errorf("sys/block/vda -> %s, not of the form %s", l, shape)
		}
	}
	liveDev, _ := os.Readlink("/sys/block/vda/device")
	fixDev, _ := os.Readlink(filepath.Join(sharedRoot(t, "virtio"), "sys/block/vda/device"))
	if ds := regexp.MustCompile(`^\.\./\.\./\.\./virtio[0-9]+$`); !ds.MatchString(liveDev) || !ds.MatchString(fixDev) {
		t.Errorf("vda/device -> %q here, %q in the fixture; want both ../../../virtioN", liveDev, fixDev)
	}
}
