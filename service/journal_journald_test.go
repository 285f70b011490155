//go:build cgo

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

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/service/sdjournal"
)

// loopExt4 makes an ext4 image with the given UUID on a loop device of its
// own, mounts and unmounts it (so the kernel logs EXT4-fs lines naming the
// UUID), and returns the loop device name.
func loopExt4(t *testing.T, fsUUID string, mounts int) string {
	t.Helper()
	testenv.RequireRootTools(t, "attaches a loop device and mounts it", "losetup", "mkfs.ext4", "mount", "umount")
	img := testenv.SparseFile(t, 32<<20)
	testenv.Run(t, "mkfs.ext4", "-q", "-F", "-U", fsUUID, img)
	dev := testenv.Loop(t, img)
	mnt := t.TempDir()
	for range mounts {
		testenv.Run(t, "mount", "-t", "ext4", dev, mnt)
		testenv.Run(t, "umount", mnt)
	}
	return filepath.Base(dev)
}

type kernelLine struct {
	rec    parsers.Record
	cursor string
}

var errEnough = errors.New("enough")

// readKernelUntil runs readLog over the local journal from cursor until stop accepts a record.
func readKernelUntil(t *testing.T, cursor string, stop func(parsers.Record) bool) []kernelLine {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var lines []kernelLine
	err := readLog(ctx, sdjournal.Source{}, cursor, func(rec parsers.Record, cur string) error {
		lines = append(lines, kernelLine{rec, cur})
		if stop(rec) {
			return errEnough
		}
		return nil
	})
	if !errors.Is(err, errEnough) {
		for _, l := range lines[max(0, len(lines)-5):] {
			t.Logf("read: %q", l.rec.Message)
		}
		t.Fatalf("readLog from %q: %v after %d records", cursor, err, len(lines))
	}
	return lines
}

func TestReadKernel(t *testing.T) {
	testenv.Journald(t)
	token := "peripety-user-" + uuid.NewString()
	// A process writing to /dev/kmsg reaches journald as _TRANSPORT=kernel
	// too, with facility 1: not a kernel line.
	if err := os.WriteFile("/dev/kmsg", []byte("<3>"+token+": EXT4-fs (sda1): fake\n"), 0); err != nil {
		t.Fatalf("write /dev/kmsg: %v", err)
	}
	fsUUID := uuid.NewString()
	dev := loopExt4(t, fsUUID, 1)
	mounted := fmt.Sprintf("EXT4-fs (%s): mounted filesystem %s", dev, fsUUID)
	lines := readKernelUntil(t, "", func(r parsers.Record) bool { return strings.HasPrefix(r.Message, mounted) })

	last := lines[len(lines)-1].rec
	if last.Facility != 0 || last.Level != 6 || last.Time.IsZero() || last.Monotonic == 0 || last.Hostname == "" {
		t.Errorf("mount line %+v: want facility 0, level 6, a time, a monotonic time and a host", last)
	}
	if since := time.Since(last.Time); since < 0 || since > time.Minute {
		t.Errorf("mount line time %v is not about now", last.Time)
	}
	for _, l := range lines {
		if strings.Contains(l.rec.Message, token) || l.rec.Daemon == "" && l.rec.Facility != 0 {
			t.Errorf("not a kernel line: %+v", l.rec)
		}
	}
	// From the start of the boot: kernel lines older than this test came first.
	if first := lines[0].rec; first.Time.After(last.Time.Add(-time.Second)) {
		t.Errorf("first record %+v is not from before the test's mount", first)
	}
}

// TestReadKernelCursor resumes from a saved cursor: the records after it,
// each once, then lines logged after the first reader stopped.
func TestReadKernelCursor(t *testing.T) {
	testenv.Journald(t)
	fsUUID := uuid.NewString()
	dev := loopExt4(t, fsUUID, 2)
	unmounting := fmt.Sprintf("EXT4-fs (%s): unmounting filesystem %s", dev, fsUUID)
	n := 0
	first := readKernelUntil(t, "", func(r parsers.Record) bool {
		if strings.HasPrefix(r.Message, unmounting) {
			n++
		}
		return n == 2
	})
	// Resume from the first unmount's line: what follows is the second
	// mount and unmount, exactly as the first reader saw them.
	var from int
	for i, l := range first {
		if strings.HasPrefix(l.rec.Message, unmounting) {
			from = i
			break
		}
	}
	second := readKernelUntil(t, first[from].cursor, func(r parsers.Record) bool { return strings.HasPrefix(r.Message, unmounting) })
	cursors := func(lines []kernelLine) []string {
		var out []string
		for _, l := range lines {
			out = append(out, l.cursor)
		}
		return out
	}
	if diff := cmp.Diff(cursors(first[from+1:]), cursors(second)); diff != "" {
		t.Errorf("resumed records (-want +got):\n%s", diff)
	}

	// Lines logged after a reader stopped come to the next one.
	fs2 := uuid.NewString()
	dev2 := loopExt4(t, fs2, 1)
	mounted2 := fmt.Sprintf("EXT4-fs (%s): mounted filesystem %s", dev2, fs2)
	third := readKernelUntil(t, second[len(second)-1].cursor, func(r parsers.Record) bool { return strings.HasPrefix(r.Message, mounted2) })
	for _, l := range third {
		if l.cursor == second[len(second)-1].cursor {
			t.Errorf("the cursor's own record came again: %+v", l.rec)
		}
	}
}

func TestReadKernelBadCursor(t *testing.T) {
	testenv.Journald(t)
	err := readLog(context.Background(), sdjournal.Source{}, "not a cursor", func(parsers.Record, string) error { return nil })
	if !errors.Is(err, sdjournal.ErrBadCursor) {
		t.Errorf("readLog with a bad cursor = %v, want ErrBadCursor", err)
	}
}
