package cli

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/peripety/peripety/sysfs/sysfstest"
)

// TestParseEnrichFilesystemUUID: a 6.1 kernel's ext4 mount line names no
// UUID; when udev has not probed the LV's new filesystem yet, the event's
// dev_wwid must not be the LV's own uuid. Once udev knows it, it is the
// filesystem's UUID.
func TestParseEnrichFilesystemUUID(t *testing.T) {
	const line = "<6>[  812.034567] EXT4-fs (dm-1): mounted filesystem with ordered data mode. Quota mode: none.\n"
	root := sysfstest.Build(t, "fc-mpath-lvm")
	code, out, stderr := run(t, line, "parse", "-J", "--enrich", "--root", root, "--config", "testdata/user.conf", "-")
	if evs := jsonEvents(t, out); code != 0 || len(evs) != 1 || evs[0].DevWWID != "47841ee5-047d-4f73-8951-5a3d7a4c770e" {
		t.Fatalf("udev knows the filesystem: exit %d, stderr %q, events %+v; want one FS_MOUNTED with dev_wwid the FS UUID", code, stderr, evs)
	}

	// udev has not probed it: no by-uuid link, no ID_FS_UUID.
	if err := os.Remove(filepath.Join(root, "dev/disk/by-uuid/47841ee5-047d-4f73-8951-5a3d7a4c770e")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "run/udev/data/b253:1"), []byte("S:mapper/vg-lv\nS:vg/lv\nE:DM_NAME=vg-lv\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = run(t, line, "parse", "-J", "--enrich", "--root", root, "--config", "testdata/user.conf", "-")
	evs := jsonEvents(t, out)
	if code != 0 || len(evs) != 1 || evs[0].EventType != "FS_MOUNTED" {
		t.Fatalf("exit %d, stderr %q, events %+v; want one FS_MOUNTED", code, stderr, evs)
	}
	if ev := evs[0]; ev.DevWWID != "" || ev.DevPath != "/dev/mapper/vg-lv" || ev.Ext("mount_point") != "/mnt/data" {
		t.Errorf("FS_MOUNTED with its UUID unknown: dev_wwid %q, dev_path %q, mount_point %q; want no dev_wwid (not the LV's uuid), /dev/mapper/vg-lv, /mnt/data",
			ev.DevWWID, ev.DevPath, ev.Ext("mount_point"))
	}
}

// TestParseEnrichOwnersOnce: a map over two loop devices on one image (two
// paths over one file) lists the file once in owners_wwids, both paths in
// owners_paths.
func TestParseEnrichOwnersOnce(t *testing.T) {
	root := t.TempDir()
	tr := sysfstest.New(t, root)
	for i := 0; i < 2; i++ {
		name := "loop" + string(rune('0'+i))
		dir := tr.Disk("/sys/devices/virtual", name, "7:"+string(rune('0'+i)))
		tr.Attr(filepath.Join(dir, "loop", "backing_file"), "/var/lib/images/lun.img")
	}
	tr.DM(0, "mpathz", "mpath-lun", "loop0", "loop1")
	const line = "<3>[  900.000000] I/O error, dev dm-0, sector 2048 op 0x0:(READ) flags 0x800 phys_seg 1 prio class 2\n"
	code, out, stderr := run(t, line, "parse", "-J", "--enrich", "--root", root, "--config", "testdata/user.conf", "-")
	evs := jsonEvents(t, out)
	if code != 0 || len(evs) != 1 {
		t.Fatalf("exit %d, stderr %q, events %+v; want one event", code, stderr, evs)
	}
	if want := []string{"/var/lib/images/lun.img"}; !slices.Equal(evs[0].OwnersWWIDs, want) {
		t.Errorf("owners_wwids %q, want %q", evs[0].OwnersWWIDs, want)
	}
	if want := []string{"/dev/loop0", "/dev/loop1"}; !slices.Equal(evs[0].OwnersPaths, want) {
		t.Errorf("owners_paths %q, want %q", evs[0].OwnersPaths, want)
	}
}

// TestParseEnrichRemotePort: an FC remote port's line resolves to the
// multipath map of the paths behind the port, with the port named in the
// extension.
func TestParseEnrichRemotePort(t *testing.T) {
	root := sysfstest.Build(t, "fc-mpath-lvm")
	const line = "<3>[  900.000000] rport-2:0-3: blocked FC remote port time out: removing target and saving binding\n"
	code, out, stderr := run(t, line, "parse", "-J", "--enrich", "--root", root, "--config", "testdata/user.conf", "-")
	evs := jsonEvents(t, out)
	if code != 0 || len(evs) != 1 {
		t.Fatalf("exit %d, stderr %q, events %+v; want one event", code, stderr, evs)
	}
	ev := evs[0]
	if ev.EventType != "FC_RPORT_LOST" || ev.DevWWID != "mpath-3600a098038303053453f463045727a4b" ||
		ev.Ext("rport") != "rport-2:0-3" || ev.Ext("target_wwpn") != "0x500a0982891b8dc5" {
		t.Errorf("event %s on %s: dev_wwid %q, rport %q, target_wwpn %q; want FC_RPORT_LOST on mpatha through rport-2:0-3",
			ev.EventType, ev.Kdev, ev.DevWWID, ev.Ext("rport"), ev.Ext("target_wwpn"))
	}
}
