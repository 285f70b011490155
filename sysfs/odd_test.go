package sysfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/sysfs/sysfstest"
)

// TestOddContent: empty attributes, dangling links, half-removed devices and
// names that are not UTF-8 give answers or errors, never a panic.
func TestOddContent(t *testing.T) {
	root := t.TempDir()
	tr := sysfstest.New(t, root)
	pci := "/sys/devices/pci0000:00/0000:00:17.0/ata1"
	host := tr.SCSIHost(pci, 0, "ahci")
	tr.SCSIDisk(host, sysfstest.SCSIDisk{HCTL: "0:0:0:0", Name: "sda", MajorMinor: "8:0", Vendor: "ATA", Model: "X"})
	sda := tr.BlockDir("sda")
	tr.File(filepath.Join(sda, "device", "wwid"), "")                       // empty wwid
	tr.File(filepath.Join(sda, "diskseq"), "")                              // empty diskseq
	tr.RawLink(filepath.Join(sda, "holders", "dm-9"), "../../../gone/dm-9") // holder that vanished
	tr.DevLink("disk/by-id/dangling", "sdq")
	tr.RawLink("/dev/disk/by-id/loop", "loop")
	tr.RawLink("/dev/disk/by-id/abs", "/dev/sda")
	tr.DevLink("disk/by-id/ata-\xff\xfe", "sda")
	// A device whose directory went away, and one half removed (no dev).
	tr.RawLink("/sys/class/block/sdq", "../../devices/gone/sdq")
	tr.Disk("/sys/devices/virtual", "ram0", "1:0")
	if err := os.Remove(filepath.Join(root, tr.BlockDir("ram0"), "dev")); err != nil {
		t.Fatal(err)
	}
	tr.Disk("/sys/devices/virtual", "zram0", "251:0")
	tr.File(filepath.Join(tr.BlockDir("zram0"), "dev"), "not a number\n")
	tr.Disk("/sys/devices/virtual", "dm-\xff", "253:7")
	tr.Attrs(filepath.Join(tr.BlockDir("dm-\xff"), "dm"), map[string]string{"name": "n\xffme", "uuid": ""})
	tr.MountLine("26 1 8:0 / /mnt/\xff rw - ext4 /dev/sda rw")

	r := NewResolver(root)
	got, err := r.BlockInfo("/dev/disk/by-id/abs")
	if err != nil || got.KernelName != "sda" || got.WWID != "" || got.MountPoint != "/mnt/\xff" {
		t.Errorf("BlockInfo(abs link) = %+v, %v; want sda, no WWID, mounted on /mnt/\\xff", got, err)
	}
	if got.DiskSeq != "" {
		t.Errorf("empty diskseq read as %q", got.DiskSeq)
	}
	if got, err := r.BlockInfo("/dev/disk/by-id/ata-\xff\xfe"); err != nil || got.KernelName != "sda" {
		t.Errorf("BlockInfo(non-UTF-8 link) = %+v, %v; want sda", got, err)
	}
	if got, err := r.BlockInfo("n\xffme"); err != nil || got.KernelName != "dm-\xff" || got.WWID != "dm-name-n\xffme" {
		t.Errorf("BlockInfo(non-UTF-8 dm name) = %+v, %v; want dm-\\xff named so", got, err)
	}
	for _, id := range []string{"/dev/disk/by-id/dangling", "/dev/disk/by-id/loop", "sdq", "ram0", "1:0"} {
		if _, err := r.BlockInfo(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("BlockInfo(%q) = %v, want an error wrapping ErrNotFound", id, err)
		}
	}
	if _, err := r.BlockInfo("zram0"); err == nil {
		t.Errorf("BlockInfo(zram0) with dev %q: no error", "not a number")
	}
	if _, _, err := r.ForEvent("sda"); err != nil {
		t.Errorf("ForEvent(sda) with a vanished holder: %v", err)
	}
	list, err := r.ListBlocks()
	if err == nil {
		t.Error("ListBlocks with a malformed dev attribute: no error")
	}
	var names []string
	for _, b := range list {
		names = append(names, b.KernelName)
	}
	if want := []string{"dm-\xff", "sda"}; !cmp.Equal(want, names) {
		t.Errorf("ListBlocks listed %q beside its error, want %q", names, want)
	}
}

// TestVanishing resolves while the tree is being removed: every answer is
// a result or an error.
func TestVanishing(t *testing.T) {
	for i := 0; i < 2; i++ {
		root := sysfstest.Build(t, "fc-mpath-lvm")
		r := NewResolver(root)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := os.RemoveAll(filepath.Join(root, "sys")); err != nil {
				t.Error(err)
			}
		}()
		for j := 0; j < 20; j++ {
			_, _ = r.ListBlocks()
			_, _, _ = r.ForEvent("sdd")
			_, _ = r.BlockInfo("/dev/mapper/vg-lv")
		}
		wg.Wait()
		if _, err := r.BlockInfo("sdb"); !errors.Is(err, ErrNotFound) {
			t.Errorf("BlockInfo(sdb) after removal = %v, want ErrNotFound", err)
		}
	}
}

// TestLoopDeletedBackingFile: the kernel appends " (deleted)" to the
// backing file of a loop device once the file is unlinked; the WWID is the
// path the file had. A file whose name really ends so keeps it.
func TestLoopDeletedBackingFile(t *testing.T) {
	root := t.TempDir()
	tr := sysfstest.New(t, root)
	for i, backing := range []string{"/var/tmp/gone.img (deleted)", "/srv/odd.img (deleted)"} {
		name := fmt.Sprintf("loop%d", i)
		dir := tr.Disk("/sys/devices/virtual", name, fmt.Sprintf("7:%d", i))
		tr.Attr(filepath.Join(dir, "loop", "backing_file"), backing)
	}
	tr.File("/srv/odd.img (deleted)", "")
	r := NewResolver(root)
	for name, want := range map[string]string{"loop0": "/var/tmp/gone.img", "loop1": "/srv/odd.img (deleted)"} {
		if got, err := r.BlockInfo(name); err != nil || got.WWID != want {
			t.Errorf("BlockInfo(%s) = WWID %q, %v; want %q", name, got.WWID, err, want)
		}
	}
}

// TestSCSIDiskBeingDeleted: between the SCSI device's state turning to
// "cancel" and its disk's deletion, the disk is listed with its wwid and
// scsi_device gone (the lab's scsi-remove read udev's ID_WWN as its WWID
// then): it is being deleted, not a device of another identity.
func TestSCSIDiskBeingDeleted(t *testing.T) {
	root := t.TempDir()
	tr := sysfstest.New(t, root)
	host := tr.SCSIHost("/sys/devices/pseudo_0/adapter0", 2, "scsi_debug")
	sdev := "/sys/devices/pseudo_0/adapter0/host2/target2:0:0/2:0:0:0"
	tr.SCSIDisk(host, sysfstest.SCSIDisk{HCTL: "2:0:0:0", Name: "sda", MajorMinor: "8:0", Vendor: "Linux", Model: "scsi_debug",
		WWID: "naa.3333333000001770"})
	tr.Udev("8:0", "E:ID_WWN=0x3333333000001770")
	tr.DevLink("disk/by-id/wwn-0x3333333000001770", "sda")
	r := NewResolver(root)
	if got, err := r.BlockInfo("sda"); err != nil || got.WWID != "naa.3333333000001770" {
		t.Fatalf("whole disk: BlockInfo(sda) = %q, %v; want WWID naa.3333333000001770", got.WWID, err)
	}
	for _, state := range []string{"cancel", "deleted"} {
		tr.Attr(filepath.Join(sdev, "state"), state)
		for _, p := range []string{filepath.Join(sdev, "wwid"), filepath.Join(sdev, "scsi_device")} {
			if err := os.RemoveAll(filepath.Join(root, p)); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := NewResolver(root).BlockInfo("sda"); !errors.Is(err, ErrNotFound) {
			t.Errorf("state %s: BlockInfo(sda) = WWID %q, %v; want an error wrapping ErrNotFound", state, got.WWID, err)
		}
		if got, _, err := NewResolver(root).ForEvent("sda"); !errors.Is(err, ErrNotFound) {
			t.Errorf("state %s: ForEvent(sda) = WWID %q, %v; want an error wrapping ErrNotFound", state, got.WWID, err)
		}
	}
}
