package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/sysfs"
	"github.com/peripety/peripety/sysfs/sysfstest"
)

// TestRemotePortAfterItsDisks: FC_RPORT_LOST (rport-2:0-3: blocked FC
// remote port time out: removing target and saving binding) is read once
// the port's targets are gone. The disks behind the port were recorded at
// start (ListBlocks' owners), so the event takes the identity of the one
// behind it, with its transport, and says why it is incomplete.
func TestRemotePortAfterItsDisks(t *testing.T) {
	root := sysfstest.Build(t, "fc-mpath-lvm")
	r := sysfs.NewResolver(root)
	ids, err := OpenIdentityStore(NewStateDirMust(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	blocks, err := r.ListBlocks()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		ids.Record(b, nil, t0, 0)
	}
	// The targets behind rport-2:0-3 go: sdb and sdf.
	for _, sd := range []string{"sdb", "sdf"} {
		if err := os.Remove(filepath.Join(root, "sys/class/block", sd)); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(root, "sys/block", sd)); err != nil {
			t.Fatal(err)
		}
	}
	rs := &resolution{r: r, ids: ids, now: func() time.Time { return t0.Add(time.Minute) }}
	ev := event.Event{EventType: "FC_RPORT_LOST", SubSystem: event.SubFC, Kdev: "rport-2:0-3", Severity: event.Error,
		Timestamp: t0.Add(time.Minute)}
	l := rs.lookUp(&ev)
	if !errors.Is(l.err, sysfs.ErrNotFound) {
		t.Fatalf("ForEvent(rport-2:0-3) with its disks gone = %v, want ErrNotFound", l.err)
	}
	rs.resolve(&ev, l)
	if ev.DevWWID != "naa.600a098038303053453f463045727a4b" || ev.Ext("target_wwpn") != "0x500a0982891b8dc5" ||
		!strings.Contains(ev.Ext("resolve_error"), "identity as last seen") {
		t.Errorf("FC_RPORT_LOST after its disks went: dev_wwid %q, target_wwpn %q, resolve_error %q; want sdb's LUN and port",
			ev.DevWWID, ev.Ext("target_wwpn"), ev.Ext("resolve_error"))
	}
}

// staticResolver answers ForEvent with the devices it has, as they are.
type staticResolver map[string]sysfs.BlockInfo

func (r staticResolver) ForEvent(kdev string) (sysfs.BlockInfo, map[string]string, error) {
	if b, ok := r[kdev]; ok {
		return b, nil, nil
	}
	return sysfs.BlockInfo{}, nil, fmt.Errorf("resolve %q: %w", kdev, sysfs.ErrNotFound)
}

func (r staticResolver) ListBlocks() ([]sysfs.BlockInfo, error) { return nil, nil }

// TestNameTakenAgain: md0 made again under the name of an array stopped
// before (the lab's md-raid5 after md-raid1), its first lines read 2.5 s
// late by a daemon that just started. The new array appeared before its
// lines (udev handled it then), so they are its own, not the old array's;
// a line read as late that the old array printed before the new one
// appeared is still the old array's.
func TestNameTakenAgain(t *testing.T) {
	ids, err := OpenIdentityStore(NewStateDirMust(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	raid1 := sysfs.BlockInfo{KernelName: "md0", MajorMinor: "9:0", DiskSeq: "12", BlkType: sysfs.TypeMD, WWID: "aaaaaaaa:00000000:00000000:00000001"}
	ids.Record(raid1, nil, t0.Add(-time.Minute), 0)
	// Now (monotonic 1000 s since boot) the new array, which udev
	// handled 3 s ago.
	mono := 1000 * time.Second
	raid5 := sysfs.BlockInfo{KernelName: "md0", MajorMinor: "9:0", DiskSeq: "31", BlkType: sysfs.TypeMD, WWID: "bbbbbbbb:00000000:00000000:00000005",
		UdevInitialized: mono - 3*time.Second}
	rs := &resolution{r: staticResolver{"md0": raid5}, ids: ids, now: func() time.Time { return t0 }, mono: func() time.Duration { return mono }}
	for _, tc := range []struct {
		name string
		at   time.Time
		want string
	}{
		{"the new array's line, read 2.5 s late", t0.Add(-2500 * time.Millisecond), raid5.WWID},
		{"the old array's line, read a minute late", t0.Add(-50 * time.Second), raid1.WWID},
	} {
		ev := event.Event{EventType: "MD_SYNC_STARTED", SubSystem: event.SubMD, Kdev: "md0", Severity: event.Info, Timestamp: tc.at}
		rs.resolve(&ev, rs.lookUp(&ev))
		if ev.DevWWID != tc.want {
			t.Errorf("%s: dev_wwid %q (resolve_error %q), want %q", tc.name, ev.DevWWID, ev.Ext("resolve_error"), tc.want)
		}
	}
}

// TestStormSummaryIdentity: the lab's storm. ext4's errors on loop0 fold
// into summaries, the last of which the parser gives out at the end of its
// window: after the unmount and the loop device's detach. It carries the
// identity its storm's events had, not the detached loop device's.
func TestStormSummaryIdentity(t *testing.T) {
	ids, err := OpenIdentityStore(NewStateDirMust(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	const fsUUID = "960f3d17-b346-4d7f-96bf-dbff281ad71c"
	attached := sysfs.BlockInfo{KernelName: "loop0", MajorMinor: "7:0", DiskSeq: "9", BlkType: sysfs.TypeLoop, BlkPath: "/dev/loop0",
		WWID: "/tmp/img.x", UUID: fsUUID, MountPoint: "/run/lab/mnt"}
	res := staticResolver{"loop0": attached}
	rs := &resolution{r: res, ids: ids, now: func() time.Time { return t0 }}
	ev := func(typ string, at time.Duration, ext ...string) event.Event {
		e := event.Event{EventType: typ, SubSystem: event.SubExt4, Kdev: "loop0", Severity: event.Error, Timestamp: t0.Add(at)}
		for i := 0; i+1 < len(ext); i += 2 {
			e.SetExt(ext[i], ext[i+1])
		}
		rs.resolve(&e, rs.lookUp(&e))
		return e
	}
	for i := range 10 {
		if e := ev("FS_ERROR", time.Duration(i)*time.Millisecond); e.DevWWID != fsUUID {
			t.Fatalf("FS_ERROR %d: dev_wwid %q, want %q", i, e.DevWWID, fsUUID)
		}
	}
	// umount, losetup -d: the same instance, no file, no filesystem.
	res["loop0"] = sysfs.BlockInfo{KernelName: "loop0", MajorMinor: "7:0", DiskSeq: "9", BlkType: sysfs.TypeLoop, BlkPath: "/dev/loop0"}
	sum := ev("FS_ERROR", 11*time.Millisecond, parsers.ExtFoldedUntil, t0.Add(200*time.Millisecond).Format(event.TimeLayout))
	if sum.DevWWID != fsUUID || sum.Ext("mount_point") != "/run/lab/mnt" || sum.Ext("resolve_error") != "" {
		t.Errorf("storm summary after the detach: dev_wwid %q, mount_point %q, resolve_error %q; want %q at /run/lab/mnt, as its storm's events",
			sum.DevWWID, sum.Ext("mount_point"), sum.Ext("resolve_error"), fsUUID)
	}
	// A line after the detach that is no summary is the device as it is.
	if e := ev("BLK_IO_ERROR", 300*time.Millisecond); e.DevWWID != "" {
		t.Errorf("an event after the detach: dev_wwid %q, want none (the loop device has no file)", e.DevWWID)
	}
}

// TestNotedUUIDAfterMkfs: a filesystem line's UUID is noted for lines that
// name none, until udev probes another filesystem on the device. XFS made
// over an older filesystem names its new UUID as it mounts, while udev
// still has the old one: the line's stands. ext4 (whose 6.1 lines name no
// UUID) made there later: udev's new answer stands, not the XFS UUID
// noted before.
func TestNotedUUIDAfterMkfs(t *testing.T) {
	ids, err := OpenIdentityStore(NewStateDirMust(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	sdb := sysfs.BlockInfo{KernelName: "sdb", MajorMinor: "8:16", DiskSeq: "4", BlkType: sysfs.TypeSCSI, WWID: "naa.1", UUID: "5ca1ab1e-0000-4000-8000-000000000000"}
	res := staticResolver{"sdb": sdb}
	rs := &resolution{r: res, ids: ids, now: func() time.Time { return t0 }}
	ev := func(typ, sub string, ext ...string) string {
		e := event.Event{EventType: typ, SubSystem: sub, Kdev: "sdb", Severity: event.Info, Timestamp: t0}
		for i := 0; i+1 < len(ext); i += 2 {
			e.SetExt(ext[i], ext[i+1])
		}
		rs.resolve(&e, rs.lookUp(&e))
		return e.DevWWID
	}
	const xfs, ext4 = "2f8e1c4a-0000-4000-8000-000000000001", "3a9b2d5c-0000-4000-8000-000000000002"
	ev("FS_MOUNTING", event.SubXFS, "uuid", xfs)
	if got := ev("FS_MOUNTED", event.SubXFS); got != xfs {
		t.Errorf("XFS mounted, udev not probed yet: dev_wwid %q, want the line's %q", got, xfs)
	}
	sdb.UUID = ext4 // mkfs.ext4, udev probed it
	res["sdb"] = sdb
	if got := ev("FS_ERROR", event.SubExt4); got != ext4 {
		t.Errorf("ext4 made since, udev probed it: dev_wwid %q, want udev's %q", got, ext4)
	}
}

// TestSCSIAddressAfterItsDiskWent: the lab's mpath-path on a loaded
// machine. scsi-medium's disk sda (2:0:0:0) was deleted, and the daemon
// saw it go; a new scsi_debug host takes 2:0:0:0 again, prints its reset
// line, and attaches as sda, which udev handles seconds later. The reset
// line names the SCSI address, which only the new device has by then: it
// is the new disk's. A line naming sda itself at that time may still be
// about the deleted disk, held open (the kernel's lines name it until it
// is released), and keeps the old identity.
func TestSCSIAddressAfterItsDiskWent(t *testing.T) {
	t0 := time.Now()
	ids, err := OpenIdentityStore(NewStateDirMust(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	old := sysfs.BlockInfo{KernelName: "sda", MajorMinor: "8:0", DiskSeq: "17", BlkType: sysfs.TypeSCSI, WWID: "naa.3333333000001770"}
	ids.Record(old, nil, t0.Add(-time.Minute), 0)
	res := &changingResolver{fakeResolver: fakeResolver{devs: map[string]sysfs.BlockInfo{}}, changes: make(chan string)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ids.follow(ctx, res, res.DeviceChanges()); close(done) }()
	res.changes <- "sda" // its removal: looked up, not found
	res.changes <- "sdz" // received once sda's was handled
	cancel()
	<-done

	line := time.Now().Add(time.Second) // the reset line, after the removal was seen
	cur := sysfs.BlockInfo{KernelName: "sda", MajorMinor: "8:0", DiskSeq: "18", BlkType: sysfs.TypeSCSI, WWID: "naa.33333330000007d0"}
	ids.Record(cur, nil, line.Add(3*time.Second), 0) // udev, late
	res.devs["2:0:0:0"], res.devs["sda"] = cur, cur
	rs := &resolution{r: res, ids: ids, now: func() time.Time { return line.Add(3 * time.Second) }}
	for kdev, want := range map[string]string{"2:0:0:0": cur.WWID, "sda": old.WWID} {
		ev := event.Event{EventType: "SCSI_POWER_ON_RESET", SubSystem: event.SubSCSI, Kdev: kdev, Severity: event.Warning, Timestamp: line}
		rs.resolve(&ev, rs.lookUp(&ev))
		if ev.DevWWID != want {
			t.Errorf("line naming %s after the old sda went: dev_wwid %q, want %q (resolve_error %q)", kdev, ev.DevWWID, want, ev.Ext("resolve_error"))
		}
	}
}

// countingResolver counts the look-ups of each device.
type countingResolver struct {
	deviceNotifyingResolver
	asked map[string]int
}

func (r *countingResolver) ForEvent(kdev string) (sysfs.BlockInfo, map[string]string, error) {
	r.asked[kdev]++
	return r.deviceNotifyingResolver.ForEvent(kdev)
}

// TestMissingDeviceAskedOnce: a device the resolver does not find is not
// looked for again, event after event, until devices change; then it is,
// and found. A resolver that cannot tell of changes is asked every time.
func TestMissingDeviceAskedOnce(t *testing.T) {
	res := &countingResolver{deviceNotifyingResolver: deviceNotifyingResolver{
		fakeResolver: fakeResolver{devs: map[string]sysfs.BlockInfo{}}, notice: make(chan struct{})}, asked: map[string]int{}}
	rs := &resolution{r: res, now: time.Now}
	look := func(kdev string) error {
		ev := event.Event{Kdev: kdev, EventType: "BLK_IO_ERROR", Timestamp: time.Now()}
		return rs.lookUp(&ev).err
	}
	for range 5 {
		if err := look("sdx"); !errors.Is(err, sysfs.ErrNotFound) {
			t.Fatalf("sdx: %v, want not found", err)
		}
		look("sdy")
	}
	if res.asked["sdx"] != 1 || res.asked["sdy"] != 1 {
		t.Errorf("asked %v for devices missing, want each once", res.asked)
	}
	res.attach("sdx", sysfs.BlockInfo{KernelName: "sdx", MajorMinor: "8:16"})
	if err := look("sdx"); err != nil {
		t.Errorf("sdx after it came: %v", err)
	}
	look("sdy")
	if res.asked["sdx"] != 2 || res.asked["sdy"] != 2 {
		t.Errorf("asked %v after devices changed, want each twice", res.asked)
	}

	plain := &fakeResolver{devs: map[string]sysfs.BlockInfo{}}
	counted := &countingPlainResolver{fakeResolver: plain, asked: map[string]int{}}
	rs = &resolution{r: counted, now: time.Now}
	for range 3 {
		ev := event.Event{Kdev: "sdx", EventType: "BLK_IO_ERROR", Timestamp: time.Now()}
		rs.lookUp(&ev)
	}
	if counted.asked["sdx"] != 3 {
		t.Errorf("a resolver without notices asked %d times, want 3", counted.asked["sdx"])
	}
}

// countingPlainResolver counts look-ups of a resolver that tells of no
// change.
type countingPlainResolver struct {
	*fakeResolver
	asked map[string]int
}

func (r *countingPlainResolver) ForEvent(kdev string) (sysfs.BlockInfo, map[string]string, error) {
	r.asked[kdev]++
	return r.fakeResolver.ForEvent(kdev)
}
