// Package sysfstest builds fake root trees for the sysfs package's tests
// and benchmarks, and for tests of commands that take --root: the kernel's
// sysfs layout (Documentation/ABI: sys/devices/…/block/<disk>[/<part>],
// sys/block, sys/class/block, sys/dev/block/<major:minor>, holders/ and
// slaves/, the transport classes), /dev links as udev makes them,
// proc/self/mountinfo and udev's database (run/udev/data/b<major:minor>),
// symbolic links and all.
//
// Trees are built in a test's temporary directory rather than checked in:
// sysfs names hold ':' (8:0, 2:0:0:1), which module zip files forbid.
// The golden listings under sysfs/testdata/fixtures show each tree.
package sysfstest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Tree is a fake root under construction. Paths given to its methods are
// absolute as on a live system ("/sys/block/sda"); they are made under Root.
type Tree struct {
	tb   testing.TB
	Root string
	// blocks maps a kernel name to its device directory ("/sys/devices/…/block/sda").
	blocks map[string]string
	majMin map[string]string   // kernel name → major:minor
	udev   map[string][]string // major:minor → udev database lines
	mounts []string
	seq    int
}

// New returns an empty tree rooted at root.
func New(tb testing.TB, root string) *Tree {
	tb.Helper()
	return &Tree{tb: tb, Root: root, blocks: make(map[string]string),
		majMin: make(map[string]string), udev: make(map[string][]string)}
}

// File writes content to the file p, making its directory.
func (t *Tree) File(p, content string) {
	t.tb.Helper()
	full := filepath.Join(t.Root, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.tb.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		t.tb.Fatal(err)
	}
}

// Attr writes a sysfs attribute: value and a newline, as the kernel shows it.
func (t *Tree) Attr(p, value string) { t.tb.Helper(); t.File(p, value+"\n") }

// Attrs writes several attributes of the directory dir.
func (t *Tree) Attrs(dir string, kv map[string]string) {
	t.tb.Helper()
	for k, v := range kv {
		t.Attr(filepath.Join(dir, k), v)
	}
}

// Dir makes the directory p.
func (t *Tree) Dir(p string) {
	t.tb.Helper()
	if err := os.MkdirAll(filepath.Join(t.Root, p), 0o755); err != nil {
		t.tb.Fatal(err)
	}
}

// Link makes a symbolic link at p to the absolute path target, written
// relative as kernfs writes it: up from p's directory to the nearest
// directory above target's, then down (a disk's device link to its parent
// reads ../../../2:0:0:1, not ../..).
func (t *Tree) Link(p, target string) {
	t.tb.Helper()
	t.RawLink(p, relLink(filepath.Dir(p), target))
}

// relLink is the relative path from directory dir to target through the
// deepest common ancestor of dir and target's directory.
func relLink(dir, target string) string {
	from := strings.Split(strings.Trim(filepath.Clean(dir), "/"), "/")
	to := strings.Split(strings.Trim(filepath.Clean(target), "/"), "/")
	common := 0
	for common < len(from) && common < len(to)-1 && from[common] == to[common] {
		common++
	}
	up := strings.Repeat("../", len(from)-common)
	return up + strings.Join(to[common:], "/")
}

// RawLink makes a symbolic link at p holding target as it is.
func (t *Tree) RawLink(p, target string) {
	t.tb.Helper()
	full := filepath.Join(t.Root, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.tb.Fatal(err)
	}
	if err := os.Symlink(target, full); err != nil {
		t.tb.Fatal(err)
	}
}

// Disk adds the whole disk name in the device directory parent (its block
// directory is <parent>/block/<name>) with major:minor and the next diskseq,
// linked from /sys/block, /sys/class/block and /sys/dev/block, and returns
// the disk's directory.
func (t *Tree) Disk(parent, name, majMin string) string {
	t.tb.Helper()
	return t.DiskAt(filepath.Join(parent, "block", name), name, majMin)
}

// DiskAt is Disk for a disk whose directory is dir itself, as NVMe
// namespaces sit right in their controller's or subsystem's directory
// (/sys/devices/…/nvme/nvme0/nvme0n1).
func (t *Tree) DiskAt(dir, name, majMin string) string {
	t.tb.Helper()
	t.seq++
	t.block(dir, name, majMin, "disk")
	t.Attr(filepath.Join(dir, "diskseq"), strconv.Itoa(t.seq))
	t.Link(filepath.Join("/sys/block", name), dir)
	return dir
}

// HiddenDiskAt is DiskAt for a hidden disk, as the per-controller paths of a
// native NVMe multipath namespace (nvme0c1n1) are: the kernel gives a
// hidden disk no dev_t (block/genhd.c, GENHD_FL_HIDDEN, since 4.15), so it
// has no dev attribute, no sys/dev/block entry and no major, minor or
// device name in its uevent; it is listed in /sys/block and
// /sys/class/block like any disk.
func (t *Tree) HiddenDiskAt(dir, name string) string {
	t.tb.Helper()
	t.seq++
	t.Attrs(dir, map[string]string{"size": "2097152", "ro": "0", "hidden": "1", "uevent": "DEVTYPE=disk",
		"diskseq": strconv.Itoa(t.seq)})
	t.Dir(filepath.Join(dir, "holders"))
	t.Dir(filepath.Join(dir, "slaves"))
	t.Link(filepath.Join("/sys/class/block", name), dir)
	t.Link(filepath.Join("/sys/block", name), dir)
	t.blocks[name] = dir
	return dir
}

// Partition adds partition number n of disk, named name.
func (t *Tree) Partition(disk, name, majMin string, n int) string {
	t.tb.Helper()
	dir := filepath.Join(t.blocks[disk], name)
	t.block(dir, name, majMin, "partition")
	t.Attr(filepath.Join(dir, "partition"), strconv.Itoa(n))
	t.Attr(filepath.Join(dir, "start"), strconv.Itoa(2048*n))
	return dir
}

func (t *Tree) block(dir, name, majMin, devType string) {
	t.tb.Helper()
	maj, min, _ := strings.Cut(majMin, ":")
	t.Attrs(dir, map[string]string{
		"dev":    majMin,
		"size":   "2097152",
		"ro":     "0",
		"uevent": fmt.Sprintf("MAJOR=%s\nMINOR=%s\nDEVNAME=%s\nDEVTYPE=%s", maj, min, name, devType),
	})
	t.Dir(filepath.Join(dir, "holders"))
	if devType == "disk" {
		t.Dir(filepath.Join(dir, "slaves"))
	}
	t.Link(filepath.Join("/sys/class/block", name), dir)
	t.Link(filepath.Join("/sys/dev/block", majMin), dir)
	t.blocks[name] = dir
	t.majMin[name] = majMin
}

// BlockDir returns the device directory of the block device name.
func (t *Tree) BlockDir(name string) string { return t.blocks[name] }

// Stack records that upper is built on lower: lower/holders/<upper> and
// upper/slaves/<lower>.
func (t *Tree) Stack(upper, lower string) {
	t.tb.Helper()
	t.Link(filepath.Join(t.blocks[lower], "holders", upper), t.blocks[upper])
	t.Link(filepath.Join(t.blocks[upper], "slaves", lower), t.blocks[lower])
}

// DevLink makes the udev link /dev/<rel> to the node /dev/<name>
// (/dev/disk/by-id/wwn-… -> ../../sda) and lists it in the device's udev
// database entry (S:<rel>), as udev does.
func (t *Tree) DevLink(rel, name string) {
	t.tb.Helper()
	t.Link(filepath.Join("/dev", rel), filepath.Join("/dev", name))
	if mm, ok := t.majMin[name]; ok {
		t.Udev(mm, "S:"+rel)
	}
}

// Udev adds lines to udev's database entry of majMin
// (run/udev/data/b<majMin>), each once.
func (t *Tree) Udev(majMin string, lines ...string) {
	t.tb.Helper()
	for _, l := range lines {
		if !slices.Contains(t.udev[majMin], l) {
			t.udev[majMin] = append(t.udev[majMin], l)
		}
	}
	t.File(filepath.Join("/run/udev/data", "b"+majMin), strings.Join(t.udev[majMin], "\n")+"\n")
}

// Mount adds a line to proc/self/mountinfo: the filesystem of majMin, at
// mountPoint, of type fsType from source.
func (t *Tree) Mount(majMin, mountPoint, fsType, source string) {
	t.tb.Helper()
	id := 30 + len(t.mounts)
	t.mounts = append(t.mounts, fmt.Sprintf("%d 1 %s / %s rw,relatime shared:%d - %s %s rw", id, majMin, mountPoint, id, fsType, source))
	t.File("/proc/self/mountinfo", strings.Join(t.mounts, "\n")+"\n")
}

// MountLine adds a raw line to proc/self/mountinfo.
func (t *Tree) MountLine(line string) {
	t.tb.Helper()
	t.mounts = append(t.mounts, line)
	t.File("/proc/self/mountinfo", strings.Join(t.mounts, "\n")+"\n")
}

// DM adds device-mapper device dm-<minor> (major 253) named name with uuid,
// built on lowers, with its /dev/mapper and udev by-id links.
func (t *Tree) DM(minor int, name, uuid string, lowers ...string) string {
	t.tb.Helper()
	return t.DMMajor(253, minor, name, uuid, lowers...)
}

// DMMajor is DM with device-mapper's major number major, which the kernel
// chooses at boot (Debian's 6.1 under QEMU took 254).
func (t *Tree) DMMajor(major, minor int, name, uuid string, lowers ...string) string {
	t.tb.Helper()
	kname := fmt.Sprintf("dm-%d", minor)
	t.Disk("/sys/devices/virtual", kname, fmt.Sprintf("%d:%d", major, minor))
	dir := t.blocks[kname]
	t.Attrs(filepath.Join(dir, "dm"), map[string]string{"name": name, "uuid": uuid, "suspended": "0"})
	for _, l := range lowers {
		t.Stack(kname, l)
	}
	t.DevLink("mapper/"+name, kname)
	t.DevLink("disk/by-id/dm-name-"+name, kname)
	if uuid != "" {
		t.DevLink("disk/by-id/dm-uuid-"+uuid, kname)
	}
	return kname
}
