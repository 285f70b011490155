package daemon_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/service"
)

// TestDetachedDeviceKeepsIdentity: a loop device logs errors while the
// daemon is stopped and is detached before the daemon starts again; the
// events still carry the identity recorded while it was attached.
func TestDetachedDeviceKeepsIdentity(t *testing.T) {
	needRoot(t)
	s := sinks[1] // kmsg to stdout: no journald needed
	dir := t.TempDir()
	served, control := faultImage(t, testenv.SparseFile(t, 64<<20), dir)
	dev := testenv.Loop(t, served, "--direct-io=on")
	kdev := filepath.Base(dev)
	state := filepath.Join(dir, "state")

	d := startDaemon(t, state, s.source, s.cfg)
	d.waitStdout(wait, func(evs []event.Event) bool {
		return len(evs) > 0 && evs[0].EventType == service.EventStarted
	})
	d.stop()

	failRange(t, control, "read", 1<<20, 1<<20)
	// The kernel prints about 10 block errors per 5s, all devices
	// together: read until it printed one for this device.
	from := kmsgEnd(t)
	for try := 0; kmsgCount(t, from, "I/O error, dev "+kdev+",") == 0; try++ {
		if try == 15 {
			t.Fatal("the kernel printed no I/O error line in 15s of failed reads")
		}
		exec.Command("dd", "if="+dev, "of=/dev/null", "bs=4096", "skip=256", "count=1", "iflag=direct", "status=none").Run()
		time.Sleep(time.Second)
	}
	testenv.Run(t, "losetup", "-d", dev)
	// Let the device name be taken as another device's by the time the
	// daemon reads the lines (a device first seen this long after a
	// line did not print it).
	time.Sleep(3 * time.Second)

	d = startDaemon(t, state, s.source, s.cfg)
	evs := d.waitStdout(wait, has("BLK_IO_ERROR", kdev))
	ev := on(evs, "BLK_IO_ERROR", kdev)[0]
	if ev.DevWWID != served || ev.DevPath != dev {
		t.Errorf("event on the detached %s: dev_wwid %q, dev_path %q; want %q, %q", kdev, ev.DevWWID, ev.DevPath, served, dev)
	}
	if ev.Ext("resolve_error") == "" {
		t.Errorf("event on the detached %s has no extension.resolve_error: %+v", kdev, ev)
	}
	if ev.Ext("sector") != "2048" {
		t.Errorf("sector = %q, want 2048", ev.Ext("sector"))
	}
}

// TestKillMidBurstExactlyOnce kills the daemon (SIGKILL) in the middle of
// a burst of storage lines and starts it again: every line of the burst is
// in the store exactly once. The burst is XFS mounts and unmounts (three
// lines a cycle): the kernel rate-limits ext4's mount lines, capacity
// changes and I/O errors, so the lines expected are those it printed.
func TestKillMidBurstExactlyOnce(t *testing.T) {
	needRoot(t)
	need(t, "mkfs.xfs")
	s := sinks[0]
	s.setup(t)
	for _, source := range []string{"kmsg", "journal"} {
		t.Run(source, func(t *testing.T) {
			dir := t.TempDir()
			dev := testenv.Loop(t, testenv.SparseFile(t, 320<<20))
			kdev := filepath.Base(dev)
			testenv.Run(t, "mkfs.xfs", "-q", "-f", dev)
			mp := filepath.Join(dir, "mnt")
			testenv.Run(t, "mkdir", mp)
			state := filepath.Join(dir, "state")
			from, since := kmsgEnd(t), time.Now()

			const cycles = 12
			d1 := startDaemon(t, state, source, s.cfg)
			burst := make(chan error, 1)
			half := make(chan struct{})
			go func() {
				for i := range cycles {
					if i == cycles/2 {
						close(half)
					}
					if out, err := exec.Command("mount", dev, mp).CombinedOutput(); err != nil {
						burst <- fmt.Errorf("mount: %v: %s", err, out)
						return
					}
					if out, err := exec.Command("umount", mp).CombinedOutput(); err != nil {
						burst <- fmt.Errorf("umount: %v: %s", err, out)
						return
					}
				}
				burst <- nil
			}()
			<-half
			d1.kill()
			d2 := startDaemon(t, state, source, s.cfg)
			if err := <-burst; err != nil {
				t.Fatalf("burst: %v", err)
			}
			// What the source had to read: the ring buffer when read at
			// once, else the journal (which loses what the ring overran
			// while journald was slow).
			sub := "XFS (" + kdev + "): "
			printed := kmsgCount(t, from, sub)
			if source == "journal" {
				printed = journalCount(t, since, sub)
			}
			if printed < cycles {
				t.Fatalf("the %s holds %d XFS lines for %d mount cycles", source, printed, cycles)
			}

			lines := func(evs []event.Event) int {
				n := 0
				for _, ev := range evs {
					if ev.Kdev == kdev && ev.SubSystem == event.SubXFS {
						n += int(ev.Count)
					}
				}
				return n
			}
			waitStored(t, wait, func(evs []event.Event) bool { return lines(evs) >= printed }, d1.pid(), d2.pid())
			time.Sleep(2 * time.Second) // a duplicate stored late would show now
			evs := stored(t, d1.pid(), d2.pid())
			if n := lines(evs); n != printed {
				t.Errorf("XFS lines in the store: %d, want the %d the kernel printed", n, printed)
			}
			ids := map[string]int{}
			for _, ev := range evs {
				ids[ev.EventID]++
				if ids[ev.EventID] == 2 {
					t.Errorf("event %s (%s %s) stored twice", ev.EventID, ev.EventType, ev.Msg)
				}
			}
		})
	}
}
