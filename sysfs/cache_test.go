package sysfs

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/sysfs/sysfstest"
)

// TestCacheDiskseq: without Watch a ForEvent answer is served again while
// the device's diskseq is the one it was made with, and never after.
func TestCacheDiskseq(t *testing.T) {
	root := sysfstest.Build(t, "loop")
	r := NewResolver(root)
	dir := filepath.Join(root, "sys/devices/virtual/block/loop0")
	write := func(p, s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wwid := func(id string) string {
		t.Helper()
		info, _, err := r.ForEvent(id)
		if err != nil {
			t.Fatal(err)
		}
		return info.WWID
	}
	if got := wwid("loop0"); got != "/var/lib/images/disk.img" {
		t.Fatalf("loop0 WWID %q", got)
	}
	write("loop/backing_file", "/var/lib/images/other.img")
	if got := wwid("loop0"); got != "/var/lib/images/disk.img" {
		t.Errorf("same diskseq: WWID %q, want the cached answer", got)
	}
	write("diskseq", "99") // what the kernel does on re-attach
	if got := wwid("loop0"); got != "/var/lib/images/other.img" {
		t.Errorf("new diskseq: WWID %q, want the new backing file", got)
	}
	if got := wwid("7:0"); got != "/var/lib/images/other.img" {
		t.Errorf("by major:minor: WWID %q, want the new backing file", got)
	}
	// A device without diskseq is never cached.
	if err := os.Remove(filepath.Join(dir, "diskseq")); err != nil {
		t.Fatal(err)
	}
	write("loop/backing_file", "/var/lib/images/third.img")
	if got := wwid("loop0"); got != "/var/lib/images/third.img" {
		t.Errorf("no diskseq: WWID %q, want a fresh answer", got)
	}
	// BlockInfo is not cached without Watch, diskseq or not.
	write("diskseq", "100")
	if _, err := r.BlockInfo("loop0"); err != nil {
		t.Fatal(err)
	}
	write("loop/backing_file", "/var/lib/images/fourth.img")
	if got, _ := r.BlockInfo("loop0"); got.WWID != "/var/lib/images/fourth.img" {
		t.Errorf("BlockInfo without Watch: WWID %q, want a fresh answer", got.WWID)
	}
}

// TestCacheWatching: while watching, an answer stands until invalidated.
func TestCacheWatching(t *testing.T) {
	root := sysfstest.Build(t, "loop")
	r := NewResolver(root)
	r.cache.watching.Store(true)
	if _, err := r.BlockInfo("loop0"); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "sys/devices/virtual/block/loop0/loop/backing_file")
	if err := os.WriteFile(p, []byte("/new.img\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.BlockInfo("loop0"); got.WWID != "/var/lib/images/disk.img" {
		t.Errorf("before Invalidate: WWID %q, want the cached answer", got.WWID)
	}
	r.Invalidate()
	if got, _ := r.BlockInfo("loop0"); got.WWID != "/new.img" {
		t.Errorf("after Invalidate: WWID %q, want the new backing file", got.WWID)
	}
}

// TestWatchLive: with Watch running, mounting the test's loop device is
// seen by the next lookup, and Watch returns when its context ends.
func TestWatchLive(t *testing.T) {
	needLive(t, "mkfs.ext4")
	l := attachLoop(t, 16<<20, "mkfs.ext4", "-q", "-F")
	testenv.Run(t, "umount", l.mountPoint)

	r := NewResolver("/")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		errc <- r.Watch(ctx)
	}()
	defer func() { cancel(); wg.Wait() }()
	for !r.cache.watching.Load() {
		select {
		case err := <-errc:
			t.Fatalf("Watch: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	if got, err := r.BlockInfo(l.name); err != nil || got.MountPoint != "" {
		t.Fatalf("before mount: %+v, %v", got, err)
	}
	testenv.Run(t, "mount", l.dev, l.mountPoint)
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := r.BlockInfo(l.name)
		if err != nil {
			t.Fatal(err)
		}
		if got.MountPoint == l.mountPoint {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("5 s after mount, BlockInfo(%s) still says mount point %q", l.name, got.MountPoint)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Watch returned %v when its context ended, want nil", err)
		}
	case <-time.After(2 * time.Second):
		t.Error("Watch did not return within 2 s of its context ending")
	}
}

// TestConcurrentLookups shares one resolver between goroutines while the
// cache is staled under them (run with -race).
func TestConcurrentLookups(t *testing.T) {
	r := NewResolver(sharedRoot(t, "fc-mpath-lvm"))
	r.cache.watching.Store(true)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				info, ext, err := r.ForEvent("sdd")
				if err != nil || info.KernelName != "dm-0" || ext["blk_major_minor"] != "8:48" {
					t.Errorf("ForEvent(sdd) = %s, %v, %v", info.KernelName, ext, err)
					return
				}
				if _, err := r.BlockInfo("vg-lv"); err != nil {
					t.Error(err)
					return
				}
				if i%10 == 0 {
					r.Invalidate()
				}
			}
		}()
	}
	wg.Wait()
}
