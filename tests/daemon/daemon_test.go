package daemon_test

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
)

// wait is how long a test waits for the daemon to report what the kernel
// printed (the machine is shared and may be slow).
const wait = 60 * time.Second

// sink is where a test reads the daemon's events: journald (the journal
// source, the journald store) or stdout (the kmsg source, no store).
type sink struct {
	name, source string
	cfg          config
}

var sinks = []sink{
	{name: "journal", source: "journal", cfg: config{journald: true}},
	{name: "kmsg-stdout", source: "kmsg", cfg: config{stdout: true}},
}

// events waits until ok holds for what d delivered to s.
func (s sink) events(t *testing.T, d *daemon, ok func([]event.Event) bool) []event.Event {
	t.Helper()
	if s.cfg.journald {
		return waitStored(t, wait, ok, d.pid())
	}
	return d.waitStdout(wait, ok)
}

func (s sink) setup(t *testing.T) {
	t.Helper()
	if s.cfg.journald {
		testenv.Journald(t)
	}
}

func withWWID(wwid string, evs []event.Event) []event.Event {
	var out []event.Event
	for _, ev := range evs {
		if ev.DevWWID == wwid {
			out = append(out, ev)
		}
	}
	return out
}

func hasWWID(typ, wwid string) func([]event.Event) bool {
	return func(evs []event.Event) bool {
		for _, ev := range evs {
			if ev.EventType == typ && ev.DevWWID == wwid {
				return true
			}
		}
		return false
	}
}

// TestFilesystemLifecycle mounts, remounts read-only and unmounts real
// filesystems on loop devices: each step is an event with the device's
// path, the mount point and the filesystem UUID as its WWID.
func TestFilesystemLifecycle(t *testing.T) {
	needRoot(t)
	for _, fs := range []struct {
		name, mkfs string
		args       []string
		remount    bool // the kernel prints a line for remount,ro
	}{
		{name: "ext4", mkfs: "mkfs.ext4", args: []string{"-q"}, remount: true},
		{name: "xfs", mkfs: "mkfs.xfs", args: []string{"-q", "-f"}},
	} {
		for _, s := range sinks {
			t.Run(fs.name+"/"+s.name, func(t *testing.T) {
				need(t, fs.mkfs, "blkid")
				s.setup(t)
				dir := t.TempDir()
				dev := testenv.Loop(t, testenv.SparseFile(t, 320<<20))
				kdev := filepath.Base(dev)
				testenv.Run(t, fs.mkfs, append(fs.args, dev)...)
				uuid := fsUUID(t, dev)
				d := startDaemon(t, filepath.Join(dir, "state"), s.source, s.cfg)

				// Each step waits for its event, as a real mount lasts: the
				// daemon reads the mount point while it is there.
				mp := testenv.Mount(t, dev)
				s.events(t, d, hasWWID("FS_MOUNTED", uuid))
				if fs.remount {
					testenv.Run(t, "mount", "-o", "remount,ro", mp)
					s.events(t, d, hasWWID("FS_REMOUNTED", uuid))
				}
				testenv.Run(t, "umount", mp)

				want := []string{"FS_MOUNTED", "FS_UNMOUNTED"}
				if fs.remount {
					want = append(want, "FS_REMOUNTED")
				}
				var conds []func([]event.Event) bool
				for _, typ := range want {
					conds = append(conds, hasWWID(typ, uuid))
				}
				evs := withWWID(uuid, s.events(t, d, all(conds...)))
				for _, typ := range want {
					for _, ev := range on(evs, typ, kdev) {
						if ev.DevPath != dev {
							t.Errorf("%s dev_path = %q, want %q", typ, ev.DevPath, dev)
						}
						if ev.Ext("mount_point") != mp {
							t.Errorf("%s mount_point = %q, want %q", typ, ev.Ext("mount_point"), mp)
						}
						if ev.SubSystem != fs.name {
							t.Errorf("%s sub_system = %q, want %q", typ, ev.SubSystem, fs.name)
						}
					}
				}
			})
		}
	}
}

// TestExt4ErrorRemountsReadOnly corrupts an ext4 mounted with
// errors=remount-ro (debugfs clri on a file's inode): the lookup fails,
// the journal aborts and the filesystem goes read-only.
func TestExt4ErrorRemountsReadOnly(t *testing.T) {
	needRoot(t)
	need(t, "mkfs.ext4", "debugfs", "blkid")
	for _, s := range sinks {
		t.Run(s.name, func(t *testing.T) {
			s.setup(t)
			dir := t.TempDir()
			dev := testenv.Loop(t, testenv.SparseFile(t, 64<<20))
			testenv.Run(t, "mkfs.ext4", "-q", dev)
			uuid := fsUUID(t, dev)
			mp := testenv.Mount(t, dev, "errors=remount-ro")
			testenv.Run(t, "mkdir", mp+"/d")
			testenv.Run(t, "sh", "-c", "echo data > "+mp+"/d/f")
			testenv.Run(t, "umount", mp)
			testenv.Run(t, "debugfs", "-w", "-R", "clri d/f", dev)

			d := startDaemon(t, filepath.Join(dir, "state"), s.source, s.cfg)
			testenv.Run(t, "mount", "-o", "errors=remount-ro", dev, mp)
			runMayFail("ls", "-l", mp+"/d")

			kdev := filepath.Base(dev)
			evs := s.events(t, d, all(has("FS_ERROR", kdev), has("FS_REMOUNT_READ_ONLY", kdev)))
			for _, typ := range []string{"FS_ERROR", "FS_REMOUNT_READ_ONLY"} {
				ev := on(withWWID(uuid, evs), typ, kdev)
				if len(ev) == 0 {
					t.Errorf("no %s with the filesystem UUID %s as WWID:\n%s", typ, uuid, summary(evs))
					continue
				}
				if ev[0].DevPath != dev || ev[0].Ext("mount_point") != mp {
					t.Errorf("%s: dev_path %q, mount_point %q; want %q, %q", typ, ev[0].DevPath, ev[0].Ext("mount_point"), dev, mp)
				}
			}
			errEv := on(evs, "FS_ERROR", kdev)[0]
			if ro := on(evs, "FS_REMOUNT_READ_ONLY", kdev)[0]; ro.RootCauseEventID != errEv.EventID {
				t.Errorf("FS_REMOUNT_READ_ONLY root cause = %q, want the FS_ERROR %q", ro.RootCauseEventID, errEv.EventID)
			}
		})
	}
}

// runMayFail runs a command whose failure is the point (reading a
// corrupted directory).
func runMayFail(name string, args ...string) {
	exec.Command(name, args...).Run()
}
