package parsers_test

import (
	"errors"
	"io"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/parsers/logfmt"
)

// TestLiveKernel makes the running kernel print the ext4 mount, remount and
// unmount lines of a loop device of its own and checks that the parser
// turns what /dev/kmsg delivers into the expected events.
func TestLiveKernel(t *testing.T) {
	testenv.RequireRootTools(t, "makes a loop device, mounts it and reads /dev/kmsg", "losetup", "mkfs.ext4", "mount", "umount")
	kmsg, err := syscall.Open("/dev/kmsg", syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("needs /dev/kmsg: %v", err)
	}
	defer syscall.Close(kmsg)
	if _, err := syscall.Seek(kmsg, 0, io.SeekEnd); err != nil {
		t.Fatalf("seek /dev/kmsg: %v", err)
	}

	dev := testenv.Loop(t, testenv.SparseFile(t, 64<<20))
	kdev := filepath.Base(dev)
	fsUUID := uuid.NewString()
	testenv.Run(t, "mkfs.ext4", "-q", "-F", "-U", fsUUID, dev)
	mnt := testenv.Mount(t, dev)
	testenv.Run(t, "mount", "-o", "remount,ro", mnt)
	testenv.Run(t, "umount", mnt)

	rs, err := parsers.NewRuleSet(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := parsers.NewParser(rs, parsers.Options{})
	var got []string
	emit := func(e event.Event) {
		// losetup makes the kernel print the device's new capacity, unless
		// the device last held an image of the same size: not checked.
		if e.Kdev == kdev && e.EventType != "BLK_CAPACITY_CHANGE" {
			got = append(got, e.EventType+" "+e.Ext("uuid"))
		}
	}
	buf := make([]byte, 8192)
	for deadline := time.Now().Add(5 * time.Second); len(got) < 3 && time.Now().Before(deadline); {
		n, err := syscall.Read(kmsg, buf)
		switch {
		case errors.Is(err, syscall.EAGAIN):
			time.Sleep(50 * time.Millisecond)
			continue
		case errors.Is(err, syscall.EPIPE): // records overwritten meanwhile
			continue
		case err != nil:
			t.Fatalf("read /dev/kmsg: %v", err)
		}
		rec, err := logfmt.DecodeKmsg(buf[:n])
		if err != nil {
			t.Fatalf("decode %q: %v", buf[:n], err)
		}
		p.Push(rec, emit)
		p.Close(emit)
	}
	want := []string{"FS_MOUNTED " + fsUUID, "FS_REMOUNTED " + fsUUID, "FS_UNMOUNTED " + fsUUID}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events for %s (-want +got):\n%s", kdev, diff)
	}
}
