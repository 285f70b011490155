package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/internal/golden"
	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/sysfs"
	"github.com/peripety/peripety/sysfs/sysfstest"
)

// TestInfoLocal prints one device of each fixture, readable and as JSON.
func TestInfoLocal(t *testing.T) {
	for _, tc := range []struct{ fixture, blk string }{
		{"fc-mpath-lvm", "/dev/mapper/vg-lv"},
		{"fc-mpath-lvm", "8:48"},
		{"iscsi", "sdh1"},
		{"nvme-md", "md0"},
		{"sata", "2f8e1c4a-6b3d-4e5f-9a7b-8c9d0e1f2a3b"},
		{"nvme-multipath", "nvme0n1"},
		// Native NVMe multipath: hidden paths have no dev attribute.
		{"nvme-mpath-md", "md0"},
		{"nvme-mpath-md", "nvme0n1p1"},
		{"loop", "/var/lib/images/disk.img"},
		{"virtio", "vdb"},
	} {
		name := tc.fixture + "-" + strings.NewReplacer("/", "_", ":", "_").Replace(strings.TrimPrefix(tc.blk, "/"))
		t.Run(name, func(t *testing.T) {
			root := sysfstest.Build(t, tc.fixture)
			code, out, stderr := run(t, "", "info", "--local", "--root", root, tc.blk)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			golden.Check(t, filepath.Join("testdata", "info", name+".txt"), []byte(out))
			code, out, stderr = run(t, "", "info", "--local", "--root", root, "-J", tc.blk)
			if code != 0 {
				t.Fatalf("-J: exit %d, stderr %q", code, stderr)
			}
			var info sysfs.BlockInfo
			if err := json.Unmarshal([]byte(out), &info); err != nil {
				t.Fatalf("-J output is not a BlockInfo: %v\n%s", err, out)
			}
			golden.Check(t, filepath.Join("testdata", "info", name+".json"), []byte(out))
		})
	}
}

func TestInfoErrors(t *testing.T) {
	root := sysfstest.Build(t, "sata")
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/system_bus_socket") // no daemon
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"info", "sda"}, 1, "prpt: daemon not running: start peripetyd or use --local\n"},
		{[]string{"list"}, 1, "prpt: daemon not running: start peripetyd or use --local\n"},
		{[]string{"info", "--local", "--root", root, "sdq"}, 1, `prpt: block device "sdq" (tried kernel name, ` +
			"device-mapper name, filesystem UUID link, WWID or filesystem UUID of every device): block device not found\n"},
		{[]string{"info", "--local", "--root", root, "/dev/sdq"}, 1, `prpt: block device "/dev/sdq" (tried path under /dev): block device not found` + "\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, stderr := run(t, "", tc.args...)
			if code != tc.code || out != "" || stderr != tc.want {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, nothing, %q", code, out, stderr, tc.code, tc.want)
			}
		})
	}
	if code, _, stderr := run(t, "", "info", "--local"); code != 1 || !strings.Contains(stderr, "BLK") {
		t.Errorf("info without BLK: exit %d, stderr %q; want 1 and a usage error naming BLK", code, stderr)
	}
}

// TestInfoLiveLoop: on this machine's own /sys, info --local names the
// test's loop device the same way by /dev path, major:minor and kernel
// name, with its backing file and mount point.
func TestInfoLiveLoop(t *testing.T) {
	testenv.RequireRootTools(t, "attaches a loop device and mounts it (make check runs it as root)", "losetup", "mkfs.ext4", "mount", "umount")
	image := testenv.SparseFile(t, 32<<20)
	dev := testenv.Loop(t, image)
	testenv.Run(t, "mkfs.ext4", "-q", "-F", dev)
	mnt := testenv.Mount(t, dev)

	name := filepath.Base(dev)
	majMin, err := os.ReadFile(filepath.Join("/sys/class/block", name, "dev"))
	if err != nil {
		t.Fatal(err)
	}
	var first string
	for _, blk := range []string{dev, strings.TrimSpace(string(majMin)), name} {
		code, out, stderr := run(t, "", "info", "--local", blk)
		if code != 0 {
			t.Fatalf("info --local %s: exit %d, stderr %q", blk, code, stderr)
		}
		for _, want := range []string{"blk_path           : " + dev + "\n", "wwid               : " + image + "\n",
			"mount_point        : " + mnt + "\n", "blk_type           : Loop\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("info --local %s: no line %q in\n%s", blk, want, out)
			}
		}
		if first == "" {
			first = out
		} else if diff := cmp.Diff(first, out); diff != "" {
			t.Errorf("info --local %s differs from info --local %s (-first +this):\n%s", blk, dev, diff)
		}
	}
}

// TestInfoLiveDeletedBackingFile: once the image behind a loop device is
// deleted, the kernel shows it as "<path> (deleted)"; info --local gives
// the path as the WWID, without the suffix.
func TestInfoLiveDeletedBackingFile(t *testing.T) {
	testenv.RequireRootTools(t, "attaches a loop device (make check runs it as root)", "losetup")
	image := testenv.SparseFile(t, 8<<20)
	dev := testenv.Loop(t, image)
	t.Cleanup(func() { exec.Command("losetup", "-d", dev).Run() })
	if err := os.Remove(image); err != nil {
		t.Fatal(err)
	}
	backing, err := os.ReadFile(filepath.Join("/sys/block", filepath.Base(dev), "loop", "backing_file"))
	if err != nil || strings.TrimSpace(string(backing)) != image+" (deleted)" {
		t.Fatalf("backing_file %q, %v; want the kernel's %q", backing, err, image+" (deleted)")
	}
	code, out, stderr := run(t, "", "info", "--local", dev)
	if code != 0 {
		t.Fatalf("info --local %s: exit %d, stderr %q", dev, code, stderr)
	}
	if want := "wwid               : " + image + "\n"; !strings.Contains(out, want) {
		t.Errorf("info --local %s: no line %q in\n%s", dev, want, out)
	}
}

// TestInfoMultipathWWID: a multipath map answers to its WWID as
// multipath -ll prints it, its dm uuid without "mpath-".
func TestInfoMultipathWWID(t *testing.T) {
	root := sysfstest.Build(t, "fc-mpath-lvm")
	code, out, stderr := run(t, "", "info", "--local", "--root", root, "-J", "3600a098038303053453f463045727a4b")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var info sysfs.BlockInfo
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatal(err)
	}
	if info.KernelName != "dm-0" || info.BlkType != sysfs.TypeMultipath {
		t.Errorf("info 3600a…: %s (%s), want dm-0, the multipath map", info.KernelName, info.BlkType)
	}
}
