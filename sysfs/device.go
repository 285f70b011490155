package sysfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// device is what sysfs says of one block device, /sys/class/block/<Name>.
type device struct {
	Name       string // kernel name: sda, sda1, dm-3, nvme0c0n1
	Dir        string // its real sysfs directory, under the root
	MajorMinor string // from <Dir>/dev; "" for a hidden disk, which has none
	DiskSeq    string // <Dir>/diskseq, or the disk's for a partition; "" if none
	SeqPath    string // the file DiskSeq was read from
	Partition  string // <Dir>/partition: the partition number, "" for a disk
	Parent     string // the disk a partition is on
}

// device reads /sys/class/block/<name>: the link to the device's directory,
// its dev, diskseq and partition attributes. A device that is not there, or
// that vanished while being read, gives an error wrapping ErrNotFound.
func (f FS) device(name string) (device, error) {
	if !validName(name) {
		return device{}, fmt.Errorf("kernel name %q: %w", name, ErrNotFound)
	}
	link := f.sys("class", "block", name)
	dir, err := resolveClassLink(link)
	if err != nil {
		return device{}, notFoundIfMissing(err)
	}
	d := device{Name: name, Dir: dir}
	if d.MajorMinor, err = readAttr(filepath.Join(dir, "dev")); err != nil {
		if !errors.Is(err, fs.ErrNotExist) || !hidden(name, dir) {
			return device{}, notFoundIfMissing(err)
		}
		// A hidden disk has no dev_t, so no dev attribute.
	} else if !isMajorMinor(d.MajorMinor) {
		return device{}, fmt.Errorf("%s: dev %q is not major:minor", filepath.Join(dir, "dev"), d.MajorMinor)
	}
	if d.Partition, err = readAttrOpt(filepath.Join(dir, "partition")); err != nil {
		return device{}, err
	}
	seqDir := dir
	if d.Partition != "" {
		seqDir = filepath.Dir(dir)
		d.Parent = filepath.Base(seqDir)
	}
	d.SeqPath = filepath.Join(seqDir, "diskseq")
	if d.DiskSeq, err = readAttrOpt(d.SeqPath); err != nil {
		return device{}, err
	}
	if d.DiskSeq == "" {
		d.SeqPath = ""
	}
	return d, nil
}

// hidden tells whether the disk name, whose directory is dir, is one the
// kernel hides: a per-controller path of a native NVMe multipath namespace
// (nvme0c1n1), to which block/genhd.c gives no dev_t (GENHD_FL_HIDDEN), so
// no dev attribute, no /sys/dev/block entry and no /dev node. Kernels since
// 5.19 also say so in its hidden attribute.
func hidden(name, dir string) bool {
	if _, ok := nvmeHead(name); ok {
		return true
	}
	h, err := readAttrOpt(filepath.Join(dir, "hidden"))
	return err == nil && h == "1"
}

// resolveClassLink returns the directory a /sys/class/… entry leads to.
// Those entries are single relative links into /sys/devices, whose
// directories are real: one readlink instead of a walk of a dozen
// elements, which makes a difference to listing a large SAN. Anything else
// is walked.
func resolveClassLink(link string) (string, error) {
	t, err := os.Readlink(link)
	if err == nil && !filepath.IsAbs(t) {
		dir := filepath.Join(filepath.Dir(link), t)
		if _, err := os.Stat(dir); err != nil {
			return "", pathError("resolve", link, err)
		}
		return dir, nil
	}
	dir, err := filepath.EvalSymlinks(link)
	if err != nil {
		return "", pathError("resolve", link, err)
	}
	return dir, nil
}

// notFoundIfMissing makes err also wrap ErrNotFound when it says a file is
// missing: the device is gone, or was never there.
func notFoundIfMissing(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// attr reads the attribute elem under the device's directory.
func (d device) attr(elem ...string) (string, error) {
	return readAttr(filepath.Join(append([]string{d.Dir}, elem...)...))
}

// attrOpt reads an optional attribute under the device's directory.
func (d device) attrOpt(elem ...string) (string, error) {
	return readAttrOpt(filepath.Join(append([]string{d.Dir}, elem...)...))
}

// holders returns the names in <Dir>/holders: the devices built on this
// one. A link that leads nowhere is a holder that went away.
func (d device) holders() ([]string, error) {
	names, err := listDir(filepath.Join(d.Dir, "holders"))
	if err != nil {
		return nil, err
	}
	live := names[:0]
	for _, n := range names {
		if exists(filepath.Join(d.Dir, "holders", n)) {
			live = append(live, n)
		}
	}
	return live, nil
}

// slaves returns the names in <Dir>/slaves: the devices this one is built on.
func (d device) slaves() ([]string, error) { return listDir(filepath.Join(d.Dir, "slaves")) }

// partitions returns the partitions of a disk: the subdirectories of its
// directory that have a partition attribute.
func (d device) partitions() ([]string, error) {
	if d.Partition != "" {
		return nil, nil
	}
	names, err := listDir(d.Dir)
	if err != nil {
		return nil, err
	}
	var parts []string
	for _, n := range names {
		if exists(filepath.Join(d.Dir, n, "partition")) {
			parts = append(parts, n)
		}
	}
	return parts, nil
}

// blockNames returns the kernel names in /sys/class/block: every block
// device, partitions and hidden NVMe paths included.
func (f FS) blockNames() ([]string, error) {
	return listDir(f.sys("class", "block"))
}

// pathComponents splits a sysfs directory into its elements, so transport
// objects on the way (host2, rport-2:0-3, session1, ata3) can be found.
func pathComponents(dir string) []string {
	return strings.Split(filepath.ToSlash(dir), "/")
}
