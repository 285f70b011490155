package sysfs

import (
	"encoding/binary"
	"syscall"
	"testing"
	"time"
)

// udevMessage builds a message as systemd-udevd sends it to netlink group
// 2: the monitor header, then the properties, NUL-separated.
func udevMessage(props string) []byte {
	const headerSize = 40
	b := make([]byte, headerSize, headerSize+len(props))
	copy(b, "libudev\x00")
	binary.BigEndian.PutUint32(b[8:], udevMonitorMagic)
	binary.NativeEndian.PutUint32(b[12:], headerSize)
	binary.NativeEndian.PutUint32(b[16:], headerSize)
	binary.NativeEndian.PutUint32(b[20:], uint32(len(props)))
	return append(b, props...)
}

func TestUeventSubsystem(t *testing.T) {
	udev := udevMessage("ACTION=change\x00DEVPATH=/devices/virtual/block/dm-1\x00SUBSYSTEM=block\x00ID_FS_UUID=47841ee5\x00")
	badMagic := udevMessage("SUBSYSTEM=block\x00")
	badMagic[8] = 0
	short := udevMessage("SUBSYSTEM=block\x00")
	binary.NativeEndian.PutUint32(short[20:], 4096)
	for _, tc := range []struct {
		name string
		msg  []byte
		want string
	}{
		{"kernel", []byte("change@/devices/virtual/block/dm-1\x00ACTION=change\x00SUBSYSTEM=block\x00SEQNUM=4012\x00"), "block"},
		{"kernel, not block", []byte("add@/devices/virtual/net/lo\x00SUBSYSTEM=net\x00"), "net"},
		{"udev", udev, "block"},
		{"udev, wrong magic", badMagic, ""},
		{"udev, properties past the end", short, ""},
		{"udev, header cut short", []byte("libudev\x00\xfe\xed"), ""},
	} {
		if got := ueventProps(tc.msg)["SUBSYSTEM"]; got != tc.want {
			t.Errorf("%s: SUBSYSTEM = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestReadUeventsUdev: a block uevent from udev (it has written its
// database) stales every cached answer, as the kernel's does, and tells
// DeviceChanges of the device; another subsystem's does neither.
func TestReadUeventsUdev(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_DGRAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fds[0]); syscall.Close(fds[1]) })
	r := NewResolver(t.TempDir())
	buf := make([]byte, 64<<10)
	for _, tc := range []struct {
		msg   []byte
		stale bool
		name  string // told of
	}{
		{udevMessage("ACTION=add\x00DEVPATH=/devices/virtual/net/lo\x00SUBSYSTEM=net\x00"), false, ""},
		{udevMessage("ACTION=change\x00DEVPATH=/devices/pseudo_0/adapter0/host2/target2:0:0/2:0:0:0/block/sda\x00SUBSYSTEM=block\x00ID_FS_UUID=47841ee5\x00"), true, "sda"},
	} {
		gen := r.cache.generation()
		if _, err := syscall.Write(fds[1], tc.msg); err != nil {
			t.Fatal(err)
		}
		if err := r.readUevents(fds[0], buf); err != nil {
			t.Fatal(err)
		}
		if stale := r.cache.generation() != gen; stale != tc.stale {
			t.Errorf("%q: cache staled %v, want %v", tc.msg[40:], stale, tc.stale)
		}
		var told string
		select {
		case told = <-r.DeviceChanges():
		default:
		}
		if told != tc.name {
			t.Errorf("%q: DeviceChanges told of %q, want %q", tc.msg[40:], told, tc.name)
		}
	}
}

// FuzzUeventProps: any datagram on the uevent socket is read without a
// panic.
func FuzzUeventProps(f *testing.F) {
	f.Add([]byte("change@/devices/virtual/block/dm-1\x00SUBSYSTEM=block\x00"))
	f.Add(udevMessage("ACTION=change\x00SUBSYSTEM=block\x00"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		_ = ueventProps(msg)
	})
}

// TestDevicesChanged: the notice is nil without Watch, and is closed by a
// block uevent (here from udev) and by Watch's end.
func TestDevicesChanged(t *testing.T) {
	r := NewResolver(t.TempDir())
	if r.DevicesChanged() != nil {
		t.Fatal("DevicesChanged not nil without Watch")
	}
	r.cache.watching.Store(true)
	notice := r.DevicesChanged()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_DGRAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fds[0]); syscall.Close(fds[1]) })
	buf := make([]byte, 64<<10)
	for _, tc := range []struct {
		msg    []byte
		closed bool
	}{
		{udevMessage("ACTION=add\x00SUBSYSTEM=net\x00"), false},
		{udevMessage("ACTION=add\x00SUBSYSTEM=block\x00DEVNAME=/dev/sdq\x00"), true},
	} {
		if _, err := syscall.Write(fds[1], tc.msg); err != nil {
			t.Fatal(err)
		}
		if err := r.readUevents(fds[0], buf); err != nil {
			t.Fatal(err)
		}
		select {
		case <-notice:
			if !tc.closed {
				t.Fatalf("%q closed the notice", tc.msg[40:])
			}
		default:
			if tc.closed {
				t.Fatalf("%q left the notice open", tc.msg[40:])
			}
		}
	}
	live := NewResolver("/")
	w := startWatch(t, live)
	notice = live.DevicesChanged()
	w.cancel()
	select {
	case <-notice:
	case <-time.After(5 * time.Second):
		t.Fatal("DevicesChanged not closed when Watch ended")
	}
}
