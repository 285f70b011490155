package sysfs_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/sysfs"
	"github.com/peripety/peripety/sysfs/sysfstest"
)

// setAttr rewrites the attribute at p (under root, links followed), as
// the kernel changes it.
func setAttr(t *testing.T, root, p, value string) {
	t.Helper()
	full, err := filepath.EvalSymlinks(filepath.Join(root, p))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(value+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestState(t *testing.T) {
	tests := []struct {
		fixture, name string
		change        func(t *testing.T, root string)
		want          map[string]string
	}{
		{"fc-mpath-lvm", "sdb", nil, map[string]string{"device": "running"}},
		{"fc-mpath-lvm", "sdc", func(t *testing.T, root string) {
			setAttr(t, root, "sys/class/block/sdc/device/state", "transport-offline")
		}, map[string]string{"device": "offline"}},
		{"fc-mpath-lvm", "sdd", func(t *testing.T, root string) {
			setAttr(t, root, "sys/class/block/sdd/device/state", "deleted")
		}, map[string]string{"device": "removed"}},
		{"fc-mpath-lvm", "dm-1", nil, map[string]string{"fs": "rw"}},
		{"fc-mpath-lvm", "dm-1", func(t *testing.T, root string) {
			// ext4 remounted itself read-only after an error: the
			// superblock's options say ro, the mount's stay rw.
			line := "50 1 253:1 / /mnt/data rw,relatime shared:50 - ext4 /dev/mapper/vg-lv ro,errors=remount-ro\n"
			if err := os.WriteFile(filepath.Join(root, "proc/self/mountinfo"), []byte(line), 0o644); err != nil {
				t.Fatal(err)
			}
		}, map[string]string{"fs": "ro"}},
		{"nvme-md", "md0", nil, map[string]string{"array": "clean", "fs": "rw"}},
		{"nvme-md", "md1", func(t *testing.T, root string) {
			setAttr(t, root, "sys/class/block/md1/md/array_state", "active")
			if err := os.WriteFile(filepath.Join(root, "sys/class/block/md1/md/degraded"), []byte("1\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, map[string]string{"array": "degraded"}},
		{"nvme-md", "md1", func(t *testing.T, root string) {
			for k, v := range map[string]string{"degraded": "1", "sync_action": "recover"} {
				if err := os.WriteFile(filepath.Join(root, "sys/class/block/md1/md", k), []byte(v+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}, map[string]string{"array": "recovering"}},
		{"nvme-md", "md1", func(t *testing.T, root string) {
			setAttr(t, root, "sys/class/block/md1/md/array_state", "broken")
		}, map[string]string{"array": "failed"}},
		{"nvme-md", "nvme1n1", nil, map[string]string{"ctrl": "live"}},
		{"nvme-md", "nvme0n1", func(t *testing.T, root string) {
			setAttr(t, root, "sys/class/nvme/nvme0/state", "connecting")
		}, map[string]string{"ctrl": "resetting"}},
		{"nvme-multipath", "nvme0n1", func(t *testing.T, root string) {
			setAttr(t, root, "sys/class/nvme/nvme0/state", "dead")
		}, map[string]string{"ctrl": "live", "fs": "rw"}},
		{"nvme-multipath", "nvme0n1", func(t *testing.T, root string) {
			setAttr(t, root, "sys/class/nvme/nvme0/state", "dead")
			setAttr(t, root, "sys/class/nvme/nvme1/state", "resetting")
		}, map[string]string{"ctrl": "resetting", "fs": "rw"}},
		{"loop", "loop2", nil, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+"/"+tt.name, func(t *testing.T) {
			root := sysfstest.Build(t, tt.fixture)
			if tt.change != nil {
				tt.change(t, root)
			}
			st, err := sysfs.NewResolver(root).State(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if st.KernelName != tt.name || st.MajorMinor == "" {
				t.Errorf("identity %q %q", st.KernelName, st.MajorMinor)
			}
			if diff := cmp.Diff(tt.want, st.States); diff != "" {
				t.Errorf("states (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("gone", func(t *testing.T) {
		_, err := sysfs.NewResolver(sysfstest.Build(t, "loop")).State("sdz")
		if !errors.Is(err, sysfs.ErrNotFound) {
			t.Errorf("State of a device not there: %v, want ErrNotFound", err)
		}
	})
}
