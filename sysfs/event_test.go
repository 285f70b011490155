package sysfs

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func withKeys(m map[string]string, kv ...string) map[string]string {
	out := make(map[string]string)
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// wantFor returns the answer blockInfoCases gives for id in fixture.
func wantFor(t *testing.T, fixture, id string) summary {
	t.Helper()
	for _, tc := range blockInfoCases {
		if tc.fixture == fixture && slices.Contains(tc.ids, id) {
			return tc.want
		}
	}
	t.Fatalf("no blockInfoCases entry for %s in %s", id, fixture)
	return summary{}
}

func TestForEvent(t *testing.T) {
	mpatha := summary{Kernel: "dm-0", MajMin: "253:0", Type: TypeMultipath, WWID: "mpath-3600a098038303053453f463045727a4b",
		Path: "/dev/mapper/mpatha", Preferred: "/dev/mapper/mpatha", Owners: []string{"sdb", "sdc", "sdd", "sde"}}
	sdh := wantFor(t, "iscsi", "sdh")
	sda := summary{Kernel: "sda", MajMin: "8:0", Type: TypeSCSI, WWID: sataW, Path: "/dev/sda",
		Preferred: "/dev/disk/by-id/wwn-0x5002538d4098a1b2", Transport: sataSDA}
	head := summary{Kernel: "nvme0n1", MajMin: "259:0", Type: TypeNVMe, WWID: nsW, Path: "/dev/nvme0n1",
		Preferred: "/dev/disk/by-id/nvme-" + nsW, UUID: "1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6", Mount: "/var/lib/data",
		Owners: []string{"nvme0c0n1", "nvme0c1n1"}, Transport: map[string]string{"transport": "NVMe/TCP"}}
	roots := fixtureRoots(t)
	for _, tc := range []struct {
		fixture, kdev string
		want          summary
		ext           map[string]string
	}{
		// A multipath path, however named, answers as its map with the
		// path's transport (shared/original/mpath_fc_path_offline.json).
		{"fc-mpath-lvm", "8:48", mpatha, withKeys(fcSDD, "blk_major_minor", "8:48")},
		{"fc-mpath-lvm", "sdd", mpatha, withKeys(fcSDD, "blk_major_minor", "8:48")},
		{"fc-mpath-lvm", "3:0:0:1", mpatha, withKeys(fcSDD, "blk_major_minor", "8:48")},
		{"fc-mpath-lvm", "rport-2:0-3", mpatha, withKeys(fcSDB, "blk_major_minor", "8:16", "disks", "sdb,sdf")},
		{"fc-mpath-lvm", "host3", mpatha, withKeys(fcSDD, "blk_major_minor", "8:48", "disks", "sdd,sde,sdg")},
		{"fc-mpath-lvm", "dm-1", wantFor(t, "fc-mpath-lvm", "dm-1"), map[string]string{}},
		{"fc-mpath-lvm", "dm-1-8", wantFor(t, "fc-mpath-lvm", "dm-1"), map[string]string{}},
		{"fc-mpath-lvm", "253:0", mpatha, map[string]string{}},

		{"iscsi", "connection1:0", sdh, iscsiSDH},
		{"iscsi", "session1", sdh, iscsiSDH},
		{"iscsi", "sdh", sdh, iscsiSDH},
		{"iscsi", "sdh1-8", wantFor(t, "iscsi", "sdh1"), map[string]string{}},

		{"sata", "ata3", sda, sataSDA},
		{"sata", "ata3.00", sda, sataSDA},
		{"sata", "2:0:0:0", sda, sataSDA},
		{"sata", "target2:0:0", sda, sataSDA},

		// A hidden path has no major:minor: its controller tells it.
		{"nvme-multipath", "nvme0c1n1", head, nvmeTCP1},
		{"nvme-multipath", "nvme0c0n1", head, nvmeTCP0},
		{"nvme-multipath", "nvme1", head, nvmeTCP1},
		{"nvme-multipath", "nvme0n1", head, map[string]string{"transport": "NVMe/TCP"}},
		{"nvme-md", "nvme0", summary{Kernel: "nvme0n1", MajMin: "259:0", Type: TypeNVMe, WWID: "eui.0025388b71b2b3f4",
			Path: "/dev/nvme0n1", Preferred: "/dev/disk/by-id/nvme-eui.0025388b71b2b3f4",
			Transport: map[string]string{"transport": "NVMe/PCIe", "controller": "nvme0", "address": "0000:3d:00.0"}},
			map[string]string{"transport": "NVMe/PCIe", "controller": "nvme0", "address": "0000:3d:00.0"}},
		{"nvme-mpath-md", "nvme1c3n1", wantFor(t, "nvme-mpath-md", "nvme1n1"),
			map[string]string{"transport": "NVMe/PCIe", "controller": "nvme3", "address": "0000:40:00.0"}},
		{"nvme-mpath-md", "nvme3", wantFor(t, "nvme-mpath-md", "nvme1n1"),
			map[string]string{"transport": "NVMe/PCIe", "controller": "nvme3", "address": "0000:40:00.0"}},
		{"nvme-mpath-md", "nvme1n1p1", wantFor(t, "nvme-mpath-md", "nvme1n1p1"), map[string]string{}},
		{"nvme-mpath-md", "md0", wantFor(t, "nvme-mpath-md", "md0"), map[string]string{}},
		{"loop", "loop0", wantFor(t, "loop", "loop0"), map[string]string{}},
	} {
		t.Run(tc.fixture+"/"+tc.kdev, func(t *testing.T) {
			info, ext, err := NewResolver(roots[tc.fixture]).ForEvent(tc.kdev)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, summarize(info)); diff != "" {
				t.Errorf("ForEvent(%q) info (-want +got):\n%s", tc.kdev, diff)
			}
			if diff := cmp.Diff(tc.ext, ext); diff != "" {
				t.Errorf("ForEvent(%q) extension (-want +got):\n%s", tc.kdev, diff)
			}
		})
	}
}

func TestForEventNotFound(t *testing.T) {
	r := NewResolver(sharedRoot(t, "iscsi"))
	for _, kdev := range []string{"sdz", "session9", "connection9:0", "rport-9:0-9", "ata9", "nvme7", "8:250", "sdz1-8", "",
		// ForEvent does not describe every device looking for a WWID.
		"naa.6001405f3c5d1e2a8b7d4c9e0f1a2b3c"} {
		if _, _, err := r.ForEvent(kdev); !errors.Is(err, ErrNotFound) {
			t.Errorf("ForEvent(%q) = %v, want an error wrapping ErrNotFound", kdev, err)
		}
	}
}

func TestIdentifiers(t *testing.T) {
	for _, tc := range []struct {
		fixture, id string
		want        []string
	}{
		{"fc-mpath-lvm", "/dev/mapper/mpatha", []string{"dm-0", "253:0", "mpath-3600a098038303053453f463045727a4b", "/dev/dm-0",
			"/dev/mapper/mpatha", "/dev/disk/by-id/dm-name-mpatha", "/dev/disk/by-id/dm-uuid-mpath-3600a098038303053453f463045727a4b",
			"/dev/disk/by-id/scsi-3600a098038303053453f463045727a4b", lunA}},
		{"sata", "sda2", []string{"sda2", "8:2", sataW + "-part2", "/dev/sda2", "/dev/disk/by-id/wwn-0x5002538d4098a1b2-part2",
			"2f8e1c4a-6b3d-4e5f-9a7b-8c9d0e1f2a3b", "/dev/disk/by-id/ata-SAMSUNG_MZ7LN512HMJP-000L7_S2X9NX0H706455-part2",
			"/dev/disk/by-uuid/2f8e1c4a-6b3d-4e5f-9a7b-8c9d0e1f2a3b"}},
		{"iscsi", "8:112", []string{"sdh", "8:112", "naa.6001405f3c5d1e2a8b7d4c9e0f1a2b3c", "/dev/sdh",
			"/dev/disk/by-id/wwn-0x6001405f3c5d1e2a8b7d4c9e0f1a2b3c", "4:0:0:0",
			"/dev/disk/by-id/scsi-36001405f3c5d1e2a8b7d4c9e0f1a2b3c",
			"/dev/disk/by-path/ip-192.168.122.10:3260-iscsi-" + iqn + "-lun-0"}},
	} {
		t.Run(tc.fixture+"/"+tc.id, func(t *testing.T) {
			got, err := NewResolver(sharedRoot(t, tc.fixture)).Identifiers(tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Identifiers(%q) (-want +got):\n%s", tc.id, diff)
			}
		})
	}
}
