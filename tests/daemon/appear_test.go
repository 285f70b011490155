package daemon_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
)

// TestDeviceAppearsLater: the kernel names a device in a line before the
// device exists (a new disk's "Power-on or device reset occurred" comes as
// the SCSI scan meets it, before sd attaches it). Here: a line on the
// first partition of a loop device, then, 300 ms later, the partition
// added (addpart, BLKPG): it appears whole, as a new disk does. The event
// comes out with the partition's identity (its WWID from the loop's
// backing file), not "never seen while present".
func TestDeviceAppearsLater(t *testing.T) {
	needRoot(t)
	need(t, "losetup", "addpart")
	dir := t.TempDir()
	log := filepath.Join(dir, "kernel.log")
	if err := os.WriteFile(log, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	img := testenv.SparseFile(t, 8<<20)
	dev := testenv.Loop(t, img, "--partscan")
	kdev := filepath.Base(dev) + "p1"
	d := startDaemon(t, filepath.Join(dir, "state"), "file:"+log, config{stdout: true})
	// The daemon is up once its start event is out.
	d.waitStdout(wait, func(evs []event.Event) bool { return len(evs) > 0 })

	f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "%s testhost kernel: I/O error, dev %s, sector 2048 op 0x0:(READ) flags 0x80700 phys_seg 1 prio class 2\n",
		time.Now().Format(time.Stamp), kdev)
	f.Close()
	time.Sleep(300 * time.Millisecond)
	testenv.Run(t, "addpart", dev, "1", "2048", "8192")

	evs := d.waitStdout(10*time.Second, has("BLK_IO_ERROR", kdev))
	ev := on(evs, "BLK_IO_ERROR", kdev)[0]
	if want := img + "-part1"; ev.DevWWID != want || ev.DevPath != "/dev/"+kdev || ev.Ext("resolve_error") != "" {
		t.Errorf("event on %s, which appeared 300 ms after its line: dev_wwid %q, dev_path %q, resolve_error %q; want %q, %q, none",
			kdev, ev.DevWWID, ev.DevPath, ev.Ext("resolve_error"), want, "/dev/"+kdev)
	}
}
