package sysfs

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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

// TestCacheMountsChanged: while watching, a change of the mount table
// gives every cached answer the new mount points, of the device and of its
// owners, exactly as resolving afresh would, without resolving the device
// again; and a lookup after that allocates nothing.
func TestCacheMountsChanged(t *testing.T) {
	for _, name := range sysfstest.Names() {
		t.Run(name, func(t *testing.T) {
			root := sysfstest.Build(t, name)
			r := NewResolver(root)
			r.cache.watching.Store(true)
			names, err := r.fs.blockNames()
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				r.BlockInfo(n)
				r.ForEvent(n)
			}
			// Every filesystem moves, and every device is mounted
			// somewhere too (whole disks and maps under a filesystem
			// included, so that a mount point shown where none may be
			// is caught).
			p := filepath.Join(root, "proc/self/mountinfo")
			old, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			moved := strings.ReplaceAll(string(old), " / /", " / /moved/")
			for i, n := range names {
				d, err := r.fs.device(n)
				if err != nil {
					t.Fatal(err)
				}
				if d.MajorMinor == "" {
					continue // a hidden disk: nothing can mount it
				}
				moved += fmt.Sprintf("%d 1 %s / /all/%s rw - ext4 /dev/%s rw\n", 500+i, d.MajorMinor, n, n)
			}
			if err := os.WriteFile(p, []byte(moved), 0o644); err != nil {
				t.Fatal(err)
			}
			r.cache.mountsChanged()

			fresh := NewResolver(root)
			for _, n := range names {
				want, werr := fresh.BlockInfo(n)
				got, err := r.BlockInfo(n)
				if diff := cmp.Diff(want, got); diff != "" || (err == nil) != (werr == nil) {
					t.Errorf("BlockInfo(%s) after the mount table changed (-fresh +cached): %v %v\n%s", n, werr, err, diff)
				}
				want, wext, werr := fresh.ForEvent(n)
				got, ext, err := r.ForEvent(n)
				if diff := cmp.Diff(want, got); diff != "" || !maps.Equal(wext, ext) || (err == nil) != (werr == nil) {
					t.Errorf("ForEvent(%s) after the mount table changed (-fresh +cached): %v %v\n%s", n, werr, err, diff)
				}
				if allocs := testing.AllocsPerRun(10, func() { r.ForEvent(n) }); allocs != 0 {
					t.Errorf("ForEvent(%s) once refreshed: %v allocations, want 0", n, allocs)
				}
			}
		})
	}
}

// TestCacheMountsChangedOnly: a mount table change refreshes mount points
// and nothing else; a uevent (Invalidate) resolves afresh.
func TestCacheMountsChangedOnly(t *testing.T) {
	root := sysfstest.Build(t, "loop")
	r := NewResolver(root)
	r.cache.watching.Store(true)
	if info, _, err := r.ForEvent("loop0"); err != nil || info.MountPoint != "/mnt/img" {
		t.Fatalf("ForEvent(loop0) = %+v, %v", info, err)
	}
	p := filepath.Join(root, "sys/devices/virtual/block/loop0/loop/backing_file")
	if err := os.WriteFile(p, []byte("/new.img\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mi := filepath.Join(root, "proc/self/mountinfo")
	if err := os.WriteFile(mi, []byte("30 1 7:0 / /mnt/moved rw - ext4 /dev/loop0 rw\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.cache.mountsChanged()
	info, _, err := r.ForEvent("loop0")
	if err != nil || info.MountPoint != "/mnt/moved" || info.WWID != "/var/lib/images/disk.img" {
		t.Errorf("after the mount table changed: mount point %q, WWID %q, %v; want /mnt/moved and the cached WWID", info.MountPoint, info.WWID, err)
	}
	r.Invalidate()
	if info, _, err := r.ForEvent("loop0"); err != nil || info.WWID != "/new.img" || info.MountPoint != "/mnt/moved" {
		t.Errorf("after Invalidate: mount point %q, WWID %q, %v; want a fresh answer", info.MountPoint, info.WWID, err)
	}
}

// watch is a Watch running for a test.
type watch struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when Watch returned err
	err    error
}

// startWatch runs r.Watch until the test ends or cancel is called, and
// waits until it listens; a test that cannot listen to uevents is skipped.
func startWatch(tb testing.TB, r *Resolver) *watch {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &watch{cancel: cancel, done: make(chan struct{})}
	go func() {
		w.err = r.Watch(ctx)
		close(w.done)
	}()
	tb.Cleanup(func() { cancel(); <-w.done })
	for !r.cache.watching.Load() {
		select {
		case <-w.done:
			tb.Skipf("cannot listen to uevents: %v", w.err)
		case <-time.After(time.Millisecond):
		}
	}
	return w
}

// TestMountsChangedUnwatched: with no Watch, or a Watch that cannot poll
// the mount table (a fixture's plain file), nothing tells of a mount, and
// MountsChanged says so with nil.
func TestMountsChangedUnwatched(t *testing.T) {
	r := NewResolver(sharedRoot(t, "loop"))
	if r.MountsChanged() != nil {
		t.Error("MountsChanged not nil without Watch")
	}
	startWatch(t, r)
	if r.MountsChanged() != nil {
		t.Error("MountsChanged not nil while Watch cannot poll the fixture's mountinfo")
	}
}

// TestWatchLive: with Watch running, mounting the test's loop device is
// seen by the next lookup, and Watch returns when its context ends.
func TestWatchLive(t *testing.T) {
	needLive(t, "mkfs.ext4")
	l := attachLoop(t, 16<<20, "mkfs.ext4", "-q", "-F")
	testenv.Run(t, "umount", l.mountPoint)

	r := NewResolver("/")
	w := startWatch(t, r)
	if got, err := r.BlockInfo(l.name); err != nil || got.MountPoint != "" {
		t.Fatalf("before mount: %+v, %v", got, err)
	}
	notice := r.MountsChanged()
	if notice == nil {
		t.Fatal("MountsChanged is nil while Watch watches the mount table")
	}
	testenv.Run(t, "mount", l.dev, l.mountPoint)
	select {
	case <-notice:
	case <-time.After(5 * time.Second):
		t.Fatal("MountsChanged not closed 5 s after a mount")
	}
	// The answer shows the mount as soon as the notice comes.
	if got, err := r.BlockInfo(l.name); err != nil || got.MountPoint != l.mountPoint {
		t.Fatalf("after the mount was noticed: BlockInfo(%s) = mount point %q, %v; want %s", l.name, got.MountPoint, err, l.mountPoint)
	}
	notice = r.MountsChanged()
	w.cancel()
	select {
	case <-w.done:
		if w.err != nil {
			t.Errorf("Watch returned %v when its context ended, want nil", w.err)
		}
	case <-time.After(2 * time.Second):
		t.Error("Watch did not return within 2 s of its context ending")
	}
	select {
	case <-notice:
	default:
		t.Error("MountsChanged not closed when Watch ended")
	}
	if r.MountsChanged() != nil {
		t.Error("MountsChanged not nil once Watch ended")
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
