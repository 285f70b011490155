package sysfs

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"
)

func TestParseMountinfoLine(t *testing.T) {
	for _, tc := range []struct {
		line    string
		want    mount
		wantErr bool
	}{
		{line: "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard",
			want: mount{MajorMinor: "254:0", Root: "/", MountPoint: "/", FSType: "ext4", Source: "/dev/vda"}},
		// proc(5)'s example: one optional field.
		{line: "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue",
			want: mount{MajorMinor: "98:0", Root: "/mnt1", MountPoint: "/mnt2", FSType: "ext3", Source: "/dev/root"}},
		// Several optional fields, escaped blanks in the mount point.
		{line: `96 29 253:1 / /mnt/my\040data rw shared:50 master:3 - ext4 /dev/mapper/vg-lv rw`,
			want: mount{MajorMinor: "253:1", Root: "/", MountPoint: "/mnt/my data", FSType: "ext4", Source: "/dev/mapper/vg-lv"}},
		// A malformed escape stays as it is.
		{line: `96 29 8:1 / /a\04 rw - xfs /dev/sda1 rw`,
			want: mount{MajorMinor: "8:1", Root: "/", MountPoint: `/a\04`, FSType: "xfs", Source: "/dev/sda1"}},
		{line: "", wantErr: true},
		{line: "26 1 254:0 / / rw,relatime ext4 /dev/vda rw", wantErr: true},
		{line: "26 1 vda / / rw - ext4 /dev/vda rw", wantErr: true},
		{line: "26 1 254:0 / / rw -", wantErr: true},
	} {
		got, err := parseMountinfoLine(tc.line)
		if (err != nil) != tc.wantErr {
			t.Errorf("parseMountinfoLine(%q) error = %v, want error %v", tc.line, err, tc.wantErr)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("parseMountinfoLine(%q) (-want +got):\n%s", tc.line, diff)
		}
	}
}

func TestParseMountinfoNamesLine(t *testing.T) {
	_, err := parseMountinfo([]byte("26 1 254:0 / / rw - ext4 /dev/vda rw\n\nbroken\n"))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("parseMountinfo error = %v, want one naming line 3", err)
	}
}

func TestParseUdevData(t *testing.T) {
	in := "S:disk/by-id/wwn-0x5002538d4098a1b2\nS:disk/by-path/pci-0000:00:17.0-ata-3\nW:12\nI:1234567\n" +
		"E:ID_FS_UUID=2f8e1c4a\nE:ID_FS_LABEL=a=b\nE:=novalue\nE:NOEQUALS\nG:systemd\nQ:systemd\nV:1\n:x\nS:\n\xff\xfe\n"
	want := udevData{
		Links:       []string{"disk/by-id/wwn-0x5002538d4098a1b2", "disk/by-path/pci-0000:00:17.0-ata-3"},
		Env:         map[string]string{"ID_FS_UUID": "2f8e1c4a", "ID_FS_LABEL": "a=b"},
		Initialized: 1234567 * time.Microsecond,
	}
	if diff := cmp.Diff(want, parseUdevData(in)); diff != "" {
		t.Errorf("parseUdevData (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"I:", "I:-1", "I:x", "I:99999999999999999999"} {
		if got := parseUdevData(bad).Initialized; got != 0 {
			t.Errorf("parseUdevData(%q).Initialized = %v, want 0", bad, got)
		}
	}
}

func TestParseUevent(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     map[string]string
	}{
		{"sysfs file", "MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\nDISKSEQ=9\n",
			map[string]string{"MAJOR": "8", "MINOR": "0", "DEVNAME": "sda", "DEVTYPE": "disk", "DISKSEQ": "9"}},
		{"netlink message", "change@/devices/virtual/block/loop0\x00ACTION=change\x00DEVPATH=/devices/virtual/block/loop0\x00SUBSYSTEM=block\x00SEQNUM=4242\x00",
			map[string]string{"ACTION": "change", "DEVPATH": "/devices/virtual/block/loop0", "SUBSYSTEM": "block", "SEQNUM": "4242"}},
		{"odd records", "=x\nNOVALUE\nA=\nA=2\n", map[string]string{"A": "2"}},
		{"empty", "", map[string]string{}},
	} {
		if diff := cmp.Diff(tc.want, parseUevent(tc.in)); diff != "" {
			t.Errorf("%s: parseUevent (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestNormalizeSCSIWWID(t *testing.T) {
	for in, want := range map[string]string{
		"naa.600a098038303053453f463045727a4b":                                     "naa.600a098038303053453f463045727a4b",
		"t10.ATA     SAMSUNG MZ7LN512HMJP-000L7              S2X9NX0H706455      ": "t10.ATA-SAMSUNG-MZ7LN512HMJP-000L7-S2X9NX0H706455",
		"t10.NETAPP  LUN     2FiCl+EflVyF\x00\x00":                                 "t10.NETAPP-LUN-2FiCl+EflVyF",
		"t10.Linux   scsi_debug      2000\t":                                       "t10.Linux-scsi_debug-2000",
		"":                                                                         "",
		"   ":                                                                      "",
	} {
		if got := normalizeSCSIWWID(in); got != want {
			t.Errorf("normalizeSCSIWWID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMDUUID(t *testing.T) {
	for in, want := range map[string]string{
		"3d9e0f2c-5b1a-4e8c-9f7d-2a6b4c8e1f03": "3d9e0f2c:5b1a4e8c:9f7d2a6b:4c8e1f03",
		"3d9e0f2c:5b1a4e8c:9f7d2a6b:4c8e1f03":  "3d9e0f2c:5b1a4e8c:9f7d2a6b:4c8e1f03",
		"3d9e0f2c-5b1a-4e8c-9f7d-2a6b4c8e1fxx": "3d9e0f2c-5b1a-4e8c-9f7d-2a6b4c8e1fxx",
		"":                                     "",
	} {
		if got := mdUUID(in); got != want {
			t.Errorf("mdUUID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSortNames(t *testing.T) {
	got := []string{"sdb10", "dm-10", "sdb2", "sdb", "dm-2", "sda", "nvme10n1", "nvme1n1", "sdb02"}
	sortNames(got)
	want := []string{"dm-2", "dm-10", "nvme1n1", "nvme10n1", "sda", "sdb", "sdb2", "sdb02", "sdb10"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sortNames (-want +got):\n%s", diff)
	}
}

func FuzzParseMountinfoLine(f *testing.F) {
	f.Add("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue")
	f.Add(`96 29 253:1 / /mnt/my\040data rw shared:50 - ext4 /dev/mapper/vg-lv rw`)
	f.Add("26 1 254:0 / / rw -")
	f.Fuzz(func(t *testing.T, line string) {
		m, err := parseMountinfoLine(line)
		if err == nil && !isMajorMinor(m.MajorMinor) {
			t.Errorf("parseMountinfoLine(%q) accepted major:minor %q", line, m.MajorMinor)
		}
	})
}

func FuzzParseUdevData(f *testing.F) {
	f.Add("S:disk/by-id/wwn-0x5002538d4098a1b2\nE:ID_FS_UUID=2f8e1c4a\nI:1\n")
	f.Add("E:=\nS:\n:\n")
	f.Fuzz(func(t *testing.T, s string) {
		d := parseUdevData(s)
		for k := range d.Env {
			if k == "" || strings.Contains(k, "\n") {
				t.Errorf("parseUdevData(%q) gave key %q", s, k)
			}
		}
	})
}

func FuzzParseUevent(f *testing.F) {
	f.Add("MAJOR=8\nMINOR=0\nDEVNAME=sda\n")
	f.Add("add@/devices/virtual/block/loop0\x00ACTION=add\x00SUBSYSTEM=block\x00")
	f.Fuzz(func(t *testing.T, s string) {
		for k, v := range parseUevent(s) {
			if k == "" || strings.ContainsAny(k, "\n\x00=") || strings.ContainsAny(v, "\n\x00") {
				t.Errorf("parseUevent(%q) gave %q=%q", s, k, v)
			}
		}
	})
}

func FuzzNormalizeSCSIWWID(f *testing.F) {
	f.Add("t10.ATA     SAMSUNG MZ7LN512HMJP-000L7              S2X9NX0H706455      ")
	f.Add("naa.600a098038303053453f463045727a4b\x00")
	f.Fuzz(func(t *testing.T, s string) {
		got := normalizeSCSIWWID(s)
		if strings.ContainsFunc(got, unicode.IsSpace) || strings.Contains(got, "\x00") {
			t.Errorf("normalizeSCSIWWID(%q) = %q, still has blanks or NUL", s, got)
		}
	})
}
