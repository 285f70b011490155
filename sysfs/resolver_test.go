package sysfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/peripety/peripety/sysfs/sysfstest"
)

// summary is a BlockInfo with its owners as kernel names, so expectations
// stay short enough to read.
type summary struct {
	Kernel, MajMin, Type, WWID, Path, Preferred, UUID, Mount, TransportID string
	Owners                                                                []string
	Transport                                                             map[string]string
}

func summarize(i BlockInfo) summary {
	s := summary{
		Kernel: i.KernelName, MajMin: i.MajorMinor, Type: i.BlkType, WWID: i.WWID,
		Path: i.BlkPath, Preferred: i.PreferredBlkPath, UUID: i.UUID, Mount: i.MountPoint,
		TransportID: i.TransportID, Transport: i.Transport,
	}
	for _, o := range i.Owners {
		s.Owners = append(s.Owners, o.KernelName)
	}
	return s
}

const (
	lunA   = "naa.600a098038303053453f463045727a4b"
	lunB   = "naa.600a098038303053453f463045727a4c"
	lvID   = "LVM-jM0Tz8T6xqZjS5NF1SQB2A35zYk80ayyNqp0YXhWtL4uJD7Ou9HKT4wcHRXwVLIj"
	iqn    = "iqn.2003-01.org.linux-iscsi.storage1.x8664:sn.0a1b2c3d4e5f"
	sataW  = "t10.ATA-SAMSUNG-MZ7LN512HMJP-000L7-S2X9NX0H706455"
	nsW    = "uuid.5b3c9a1e-7d2f-4e6a-8b9c-0d1e2f3a4b5c"
	thinVG = "LVM-Xq3VcS9k2Lr0Tn6Wd8Yb1Zf4Hj7Mp5Ga"
	mdNS2  = "eui.e8238fa6bf530001001b448b4a1c2f02"
)

var (
	fcSDB = map[string]string{"transport": "FC", "rport": "rport-2:0-3", "host_wwpn": "0x10000000c9a02834", "target_wwpn": "0x500a0982891b8dc5",
		"speed": "8 Gbit", "port_state": "Online", "driver_name": "lpfc"}
	fcSDD = map[string]string{"transport": "FC", "rport": "rport-3:0-2", "host_wwpn": "0x10000000c9a02835", "target_wwpn": "0x500a0983891b8dc5",
		"speed": "8 Gbit", "port_state": "Online", "driver_name": "lpfc"}
	iscsiSDH = map[string]string{"transport": "iSCSI", "address": "192.168.122.10", "port": "3260", "tpgt": "1",
		"target_name": iqn, "iface_name": "default", "driver_name": "iscsi_tcp"}
	sataSDA  = map[string]string{"transport": "ATA", "ata_port": "ata3", "speed": "6.0 Gbps", "driver_name": "ahci"}
	nvmeTCP0 = map[string]string{"transport": "NVMe/TCP", "controller": "nvme0",
		"address": "traddr=192.168.122.20,trsvcid=4420,src_addr=192.168.122.1"}
	nvmeTCP1 = map[string]string{"transport": "NVMe/TCP", "controller": "nvme1",
		"address": "traddr=192.168.123.20,trsvcid=4420,src_addr=192.168.123.1"}
)

// blockInfoCases: for each device of each fixture, every identifier that
// names it and the answer written out.
var blockInfoCases = []struct {
	fixture string
	ids     []string
	want    summary
}{
	{"fc-mpath-lvm", []string{"dm-1", "253:1", "/dev/dm-1", "/dev/mapper/vg-lv", "/dev/vg/lv", "vg-lv",
		"/dev/disk/by-id/dm-uuid-" + lvID, "/dev/disk/by-uuid/47841ee5-047d-4f73-8951-5a3d7a4c770e",
		"47841ee5-047d-4f73-8951-5a3d7a4c770e", lvID},
		summary{Kernel: "dm-1", MajMin: "253:1", Type: TypeLVM, WWID: lvID, Path: "/dev/mapper/vg-lv",
			Preferred: "/dev/mapper/vg-lv", UUID: "47841ee5-047d-4f73-8951-5a3d7a4c770e", Mount: "/mnt/data",
			Owners: []string{"dm-0", "sdb", "sdc", "sdd", "sde"}}},
	{"fc-mpath-lvm", []string{"dm-0", "253:0", "mpatha", "/dev/mapper/mpatha", "/dev/disk/by-id/scsi-3600a098038303053453f463045727a4b",
		"mpath-3600a098038303053453f463045727a4b", lunA,
		// as multipath -ll prints it
		"3600a098038303053453f463045727a4b"},
		summary{Kernel: "dm-0", MajMin: "253:0", Type: TypeMultipath, WWID: "mpath-3600a098038303053453f463045727a4b",
			Path: "/dev/mapper/mpatha", Preferred: "/dev/mapper/mpatha", Owners: []string{"sdb", "sdc", "sdd", "sde"}}},
	{"fc-mpath-lvm", []string{"sdb", "8:16", "/dev/sdb", "2:0:0:1", "/dev/disk/by-id/wwn-0x600a098038303053453f463045727a4b",
		"/dev/disk/by-path/pci-0000:05:00.0-fc-0x500a0982891b8dc5-lun-1"},
		// A path of a map is named by its node: the wwn- link it won
		// names the LUN, and every other path lists it too.
		summary{Kernel: "sdb", MajMin: "8:16", Type: TypeSCSI, WWID: lunA, Path: "/dev/sdb", Preferred: "/dev/sdb",
			TransportID: "0x10000000c9a02834,0x500a0982891b8dc5", Transport: fcSDB}},
	// sdd's udev entry lists the wwn- link, but sdb won it.
	{"fc-mpath-lvm", []string{"sdd", "8:48", "3:0:0:1", "/dev/sdd", "/dev/disk/by-path/pci-0000:05:00.1-fc-0x500a0983891b8dc5-lun-1"},
		summary{Kernel: "sdd", MajMin: "8:48", Type: TypeSCSI, WWID: lunA, Path: "/dev/sdd", Preferred: "/dev/sdd",
			TransportID: "0x10000000c9a02835,0x500a0983891b8dc5", Transport: fcSDD}},
	{"fc-mpath-lvm", []string{"dm-3", "253:3", "mpathb-part1", "/dev/mapper/mpathb-part1", lunB[:0] + "mpath-3600a098038303053453f463045727a4c-part1",
		"0b1e7c3a-55d2-4f0e-9a51-8c2f3d4e5a6b"},
		summary{Kernel: "dm-3", MajMin: "253:3", Type: TypePartition, WWID: "mpath-3600a098038303053453f463045727a4c-part1",
			Path: "/dev/mapper/mpathb-part1", Preferred: "/dev/mapper/mpathb-part1", UUID: "0b1e7c3a-55d2-4f0e-9a51-8c2f3d4e5a6b",
			Mount: "/srv/b", Owners: []string{"dm-2", "sdf", "sdg"}}},
	{"fc-mpath-lvm", []string{lunB, "mpathb", "3600a098038303053453f463045727a4c"},
		summary{Kernel: "dm-2", MajMin: "253:2", Type: TypeMultipath, WWID: "mpath-3600a098038303053453f463045727a4c",
			Path: "/dev/mapper/mpathb", Preferred: "/dev/mapper/mpathb", Owners: []string{"sdf", "sdg"}}},

	{"iscsi", []string{"sdh", "8:112", "4:0:0:0", "/dev/sdh", "/dev/disk/by-id/wwn-0x6001405f3c5d1e2a8b7d4c9e0f1a2b3c",
		"/dev/disk/by-path/ip-192.168.122.10:3260-iscsi-" + iqn + "-lun-0", "naa.6001405f3c5d1e2a8b7d4c9e0f1a2b3c"},
		summary{Kernel: "sdh", MajMin: "8:112", Type: TypeSCSI, WWID: "naa.6001405f3c5d1e2a8b7d4c9e0f1a2b3c", Path: "/dev/sdh",
			Preferred:   "/dev/disk/by-id/wwn-0x6001405f3c5d1e2a8b7d4c9e0f1a2b3c",
			TransportID: "192.168.122.10,3260,1," + iqn + ",default", Transport: iscsiSDH}},
	{"iscsi", []string{"sdh1", "8:113", "/dev/sdh1", "9c3d2e1f-0a4b-4c5d-8e6f-7a8b9c0d1e2f", "/dev/disk/by-uuid/9c3d2e1f-0a4b-4c5d-8e6f-7a8b9c0d1e2f",
		"naa.6001405f3c5d1e2a8b7d4c9e0f1a2b3c-part1"},
		summary{Kernel: "sdh1", MajMin: "8:113", Type: TypePartition, WWID: "naa.6001405f3c5d1e2a8b7d4c9e0f1a2b3c-part1",
			Path: "/dev/sdh1", Preferred: "/dev/disk/by-id/wwn-0x6001405f3c5d1e2a8b7d4c9e0f1a2b3c-part1",
			UUID: "9c3d2e1f-0a4b-4c5d-8e6f-7a8b9c0d1e2f", Mount: "/srv/iscsi", Owners: []string{"sdh"}}},

	{"nvme-md", []string{"md0", "9:0", "/dev/md0", "/dev/disk/by-id/md-uuid-3d9e0f2c:5b1a4e8c:9f7d2a6b:4c8e1f03",
		"3d9e0f2c:5b1a4e8c:9f7d2a6b:4c8e1f03", "f8c9b4e6-b762-49cb-aee5-1a70a748c8b0"},
		summary{Kernel: "md0", MajMin: "9:0", Type: TypeMD, WWID: "3d9e0f2c:5b1a4e8c:9f7d2a6b:4c8e1f03", Path: "/dev/md0",
			Preferred: "/dev/disk/by-id/md-uuid-3d9e0f2c:5b1a4e8c:9f7d2a6b:4c8e1f03",
			UUID:      "f8c9b4e6-b762-49cb-aee5-1a70a748c8b0", Mount: "/",
			Owners: []string{"nvme0n1p1", "nvme0n1", "nvme1n1p1", "nvme1n1"}}},
	{"nvme-md", []string{"md1", "9:1", "0c1d2e3f:4a5b6c7d:8e9f0a1b:2c3d4e5f"},
		summary{Kernel: "md1", MajMin: "9:1", Type: TypeMD, WWID: "0c1d2e3f:4a5b6c7d:8e9f0a1b:2c3d4e5f", Path: "/dev/md1",
			Preferred: "/dev/disk/by-id/md-uuid-0c1d2e3f:4a5b6c7d:8e9f0a1b:2c3d4e5f",
			Owners:    []string{"nvme0n1p2", "nvme0n1", "nvme1n1p2", "nvme1n1"}}},
	{"nvme-md", []string{"nvme0n1p1", "259:1", "eui.0025388b71b2b3f4-part1", "/dev/disk/by-id/nvme-Samsung_SSD_970_EVO_Plus_1TB_S4EWNX0R123456-part1"},
		summary{Kernel: "nvme0n1p1", MajMin: "259:1", Type: TypePartition, WWID: "eui.0025388b71b2b3f4-part1", Path: "/dev/nvme0n1p1",
			Preferred: "/dev/disk/by-id/nvme-eui.0025388b71b2b3f4-part1", Owners: []string{"nvme0n1"}}},
	{"nvme-md", []string{"nvme1n1", "259:3", "eui.0025388b71b2c011"},
		summary{Kernel: "nvme1n1", MajMin: "259:3", Type: TypeNVMe, WWID: "eui.0025388b71b2c011", Path: "/dev/nvme1n1",
			Preferred: "/dev/disk/by-id/nvme-eui.0025388b71b2c011",
			Transport: map[string]string{"transport": "NVMe/PCIe", "controller": "nvme1", "address": "0000:3e:00.0"}}},

	{"sata", []string{"sda", "8:0", "2:0:0:0", "/dev/sda", sataW, "/dev/disk/by-id/ata-SAMSUNG_MZ7LN512HMJP-000L7_S2X9NX0H706455"},
		summary{Kernel: "sda", MajMin: "8:0", Type: TypeSCSI, WWID: sataW, Path: "/dev/sda",
			Preferred: "/dev/disk/by-id/wwn-0x5002538d4098a1b2", Transport: sataSDA}},
	{"sata", []string{"sda2", "8:2", "/dev/sda2", sataW + "-part2", "2f8e1c4a-6b3d-4e5f-9a7b-8c9d0e1f2a3b"},
		summary{Kernel: "sda2", MajMin: "8:2", Type: TypePartition, WWID: sataW + "-part2", Path: "/dev/sda2",
			Preferred: "/dev/disk/by-id/wwn-0x5002538d4098a1b2-part2", UUID: "2f8e1c4a-6b3d-4e5f-9a7b-8c9d0e1f2a3b",
			Mount: "/", Owners: []string{"sda"}}},
	{"sata", []string{"sdb", "8:16", "1:0:0:0", "naa.5000c500a1b2c3d7", "/dev/disk/by-path/pci-0000:02:00.0-sas-0x5000c500a1b2c3d5-lun-0"},
		summary{Kernel: "sdb", MajMin: "8:16", Type: TypeSCSI, WWID: "naa.5000c500a1b2c3d7", Path: "/dev/sdb",
			Preferred: "/dev/disk/by-id/wwn-0x5000c500a1b2c3d7", Mount: "/srv",
			Transport: map[string]string{"transport": "SAS", "sas_address": "0x5000c500a1b2c3d5", "driver_name": "mpt3sas"}}},
	{"sata", []string{"sda3", "7d6c5b4a-3e2f-4a1b-9c8d-0e1f2a3b4c5d"},
		summary{Kernel: "sda3", MajMin: "8:3", Type: TypePartition, WWID: sataW + "-part3", Path: "/dev/sda3",
			Preferred: "/dev/disk/by-id/wwn-0x5002538d4098a1b2-part3", UUID: "7d6c5b4a-3e2f-4a1b-9c8d-0e1f2a3b4c5d",
			Owners: []string{"sda"}}},

	{"nvme-multipath", []string{"nvme0n1", "259:0", "/dev/nvme0n1", nsW, "/dev/disk/by-id/nvme-Linux_5b3c9a1e7d2f4e6a",
		"1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6"},
		summary{Kernel: "nvme0n1", MajMin: "259:0", Type: TypeNVMe, WWID: nsW, Path: "/dev/nvme0n1",
			Preferred: "/dev/disk/by-id/nvme-" + nsW, UUID: "1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6", Mount: "/var/lib/data",
			Owners: []string{"nvme0c0n1", "nvme0c1n1"}, Transport: map[string]string{"transport": "NVMe/TCP"}}},
	// Asked for by name, a hidden path answers as itself; it has no
	// major:minor (nor /dev node).
	{"nvme-multipath", []string{"nvme0c1n1"},
		summary{Kernel: "nvme0c1n1", Type: TypeNVMe, WWID: nsW, Path: "/dev/nvme0c1n1",
			Preferred: "/dev/nvme0c1n1", Transport: nvmeTCP1}},

	// Native multipath under partitions and md: every lookup goes through
	// hidden paths that have no dev attribute.
	{"nvme-mpath-md", []string{"md0", "9:0", "/dev/md0", "5a1b2c3d:4e5f6a7b:8c9d0e1f:2a3b4c5d",
		"6b0f1a2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b", "/dev/disk/by-uuid/6b0f1a2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b"},
		summary{Kernel: "md0", MajMin: "9:0", Type: TypeMD, WWID: "5a1b2c3d:4e5f6a7b:8c9d0e1f:2a3b4c5d", Path: "/dev/md0",
			Preferred: "/dev/disk/by-id/md-uuid-5a1b2c3d:4e5f6a7b:8c9d0e1f:2a3b4c5d",
			UUID:      "6b0f1a2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b", Mount: "/srv/md",
			Owners: []string{"nvme0n1p1", "nvme0n1", "nvme0c0n1", "nvme0c1n1", "nvme1n1p1", "nvme1n1", "nvme1c2n1", "nvme1c3n1"}}},
	{"nvme-mpath-md", []string{"nvme1n1p1", "259:3", "/dev/nvme1n1p1", mdNS2 + "-part1",
		"/dev/disk/by-id/nvme-WUS4BB019D7P3E3_21352C800456-part1"},
		summary{Kernel: "nvme1n1p1", MajMin: "259:3", Type: TypePartition, WWID: mdNS2 + "-part1", Path: "/dev/nvme1n1p1",
			Preferred: "/dev/disk/by-id/nvme-" + mdNS2 + "-part1", Owners: []string{"nvme1n1", "nvme1c2n1", "nvme1c3n1"}}},
	{"nvme-mpath-md", []string{"nvme1n1", "259:2", "/dev/nvme1n1", mdNS2, "/dev/disk/by-id/nvme-" + mdNS2},
		summary{Kernel: "nvme1n1", MajMin: "259:2", Type: TypeNVMe, WWID: mdNS2, Path: "/dev/nvme1n1",
			Preferred: "/dev/disk/by-id/nvme-" + mdNS2, Owners: []string{"nvme1c2n1", "nvme1c3n1"},
			Transport: map[string]string{"transport": "NVMe/PCIe"}}},
	{"nvme-mpath-md", []string{"nvme1c3n1"},
		summary{Kernel: "nvme1c3n1", Type: TypeNVMe, WWID: mdNS2, Path: "/dev/nvme1c3n1", Preferred: "/dev/nvme1c3n1",
			Transport: map[string]string{"transport": "NVMe/PCIe", "controller": "nvme3", "address": "0000:40:00.0"}}},

	{"loop", []string{"loop0", "7:0", "/dev/loop0", "/var/lib/images/disk.img"},
		summary{Kernel: "loop0", MajMin: "7:0", Type: TypeLoop, WWID: "/var/lib/images/disk.img", Path: "/dev/loop0",
			Preferred: "/dev/loop0", Mount: "/mnt/img"}},
	// btrfs shows an anonymous major:minor; the mount source names the device.
	{"loop", []string{"loop1", "7:1"},
		summary{Kernel: "loop1", MajMin: "7:1", Type: TypeLoop, WWID: "/tmp/scratch.img", Path: "/dev/loop1",
			Preferred: "/dev/loop1", Mount: "/mnt/btrfs"}},
	{"loop", []string{"loop2", "7:2"},
		summary{Kernel: "loop2", MajMin: "7:2", Type: TypeLoop, Path: "/dev/loop2", Preferred: "/dev/loop2"}},

	// The thin pool a "thin: 253:2: …" line names.
	{"loop", []string{"253:2", "dm-2", "tvg-pool-tpool", "/dev/mapper/tvg-pool-tpool"},
		summary{Kernel: "dm-2", MajMin: "253:2", Type: TypeLVM, WWID: thinVG + "Ue2Rt5Yw8Qa1Sd4Fg7Hj0Kl3Zx6Cv9Bn-tpool",
			Path: "/dev/mapper/tvg-pool-tpool", Preferred: "/dev/mapper/tvg-pool-tpool",
			Owners: []string{"dm-0", "loop3", "dm-1"}}},
	{"loop", []string{"tvg-thin1", "253:4"},
		summary{Kernel: "dm-4", MajMin: "253:4", Type: TypeLVM, WWID: thinVG + "Pm4Nb7Vc0Xz3Lk6Jh9Gf2Ds5Ap8Oi1Uy",
			Path: "/dev/mapper/tvg-thin1", Preferred: "/dev/mapper/tvg-thin1", Mount: "/mnt/thin",
			Owners: []string{"dm-2", "dm-0", "loop3", "dm-1"}}},

	{"virtio", []string{"vda", "254:0", "/dev/vda", "/dev/disk/by-path/virtio-pci-0000:00:02.0"},
		summary{Kernel: "vda", MajMin: "254:0", Type: TypeVirtio, Path: "/dev/vda", Preferred: "/dev/vda"}},
	{"virtio", []string{"vda1", "254:1", "0f1e2d3c-4b5a-4697-8877-665544332211"},
		summary{Kernel: "vda1", MajMin: "254:1", Type: TypePartition, Path: "/dev/vda1", Preferred: "/dev/vda1",
			UUID: "0f1e2d3c-4b5a-4697-8877-665544332211", Mount: "/", Owners: []string{"vda"}}},
	{"virtio", []string{"vdb", "254:16", "data-disk-01", "/dev/disk/by-id/virtio-data-disk-01"},
		summary{Kernel: "vdb", MajMin: "254:16", Type: TypeVirtio, WWID: "data-disk-01", Path: "/dev/vdb",
			Preferred: "/dev/disk/by-id/virtio-data-disk-01", Mount: "/data"}},
}

// shared holds the fixtures tests only read, each built once per test
// binary under one directory that TestMain removes.
var shared struct {
	mu    sync.Mutex
	dir   string
	roots map[string]string
}

// sharedRoot returns the root of fixture name, built on first use; tests
// must not change it (those that do use sysfstest.Build).
func sharedRoot(t *testing.T, name string) string {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if root, ok := shared.roots[name]; ok {
		return root
	}
	if shared.dir == "" {
		dir, err := os.MkdirTemp("", "sysfs-fixtures-")
		if err != nil {
			t.Fatal(err)
		}
		shared.dir, shared.roots = dir, make(map[string]string)
	}
	f, ok := sysfstest.Fixtures[name]
	if !ok {
		t.Fatalf("no fixture %q", name)
	}
	tr := sysfstest.New(t, filepath.Join(shared.dir, name))
	f(tr)
	shared.roots[name] = tr.Root
	return tr.Root
}

// fixtureRoots returns every shared fixture by name.
func fixtureRoots(t *testing.T) map[string]string {
	t.Helper()
	roots := make(map[string]string)
	for _, name := range sysfstest.Names() {
		roots[name] = sharedRoot(t, name)
	}
	return roots
}

func TestBlockInfo(t *testing.T) {
	roots := fixtureRoots(t)
	for _, tc := range blockInfoCases {
		for _, id := range tc.ids {
			t.Run(tc.fixture+"/"+id, func(t *testing.T) {
				got, err := NewResolver(roots[tc.fixture]).BlockInfo(id)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, summarize(got)); diff != "" {
					t.Errorf("BlockInfo(%q) (-want +got):\n%s", id, diff)
				}
			})
		}
	}
}

func TestBlockInfoNotFound(t *testing.T) {
	r := NewResolver(sharedRoot(t, "sata"))
	for _, tc := range []struct{ id, tried string }{
		{"", "empty identifier"},
		{"sdz", "kernel name, device-mapper name, filesystem UUID link, WWID or filesystem UUID of every device"},
		{"8:99", "major:minor"},
		{"9:9:9:9", "SCSI address"},
		{"/dev/sdz", "path under /dev"},
		{"/etc/passwd", "WWID or filesystem UUID of every device"},
		{"../../etc", "WWID or filesystem UUID of every device"},
		{"/dev/../sys/block/sda", "path under /dev"},
		{"sd\xff\xfe", "kernel name"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			_, err := r.BlockInfo(tc.id)
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("BlockInfo(%q) = %v, want an error wrapping ErrNotFound", tc.id, err)
			}
			if !strings.Contains(err.Error(), tc.tried) {
				t.Errorf("BlockInfo(%q) = %q, want it to say it tried %q", tc.id, err, tc.tried)
			}
		})
	}
}

// cmpSummary diffs want against the summary of got.
func cmpSummary(want summary, got BlockInfo) string { return cmp.Diff(want, summarize(got)) }

// TestWithoutUdev: with no udev database the links are found by reading
// /dev itself, and the answers are the same where sysfs and the links hold
// them all.
func TestWithoutUdev(t *testing.T) {
	for _, fixture := range []string{"fc-mpath-lvm", "iscsi", "sata"} {
		t.Run(fixture, func(t *testing.T) {
			root := sysfstest.Build(t, fixture)
			want, err := NewResolver(root).ListBlocks()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.RemoveAll(filepath.Join(root, "run")); err != nil {
				t.Fatal(err)
			}
			got, err := NewResolver(root).ListBlocks()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ListBlocks without udev (-with +without):\n%s", diff)
			}
		})
	}
}
