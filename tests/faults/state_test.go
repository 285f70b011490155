package faults_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmpfs mounts a tmpfs of size bytes on dir until the test ends.
func tmpfs(t testing.TB, dir string, size int) {
	t.Helper()
	needRoot(t)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0755", size), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
}

func remount(t testing.TB, dir, mode string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,"+mode, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s %s: %v: %s", dir, mode, err, out)
	}
}

// TestStateReadOnly runs the daemon on a state directory mounted read-only
// (a file open for writing in it keeps a live remount from happening):
// journald still stores every event, the daemon says so once and does not
// log it again and again, and saves its position once the directory is
// writable again.
func TestStateReadOnly(t *testing.T) {
	j := journal(t)
	e := newEnv(t, j)
	tmpfs(t, e.state, 16<<20)
	remount(t, e.state, "ro")
	d := e.start()
	w := e.writer(0, spread)
	w.writeOver(context.Background(), 2000, 3*time.Second)
	time.Sleep(2 * time.Second)
	reported := d.logged("cannot save the position")
	spool := d.logged("cannot write the spool")
	remount(t, e.state, "rw")
	w.write(500)
	tl := waitStored(t, j, 2500, 30*time.Second)
	if reported != 1 || spool != 1 {
		t.Errorf("the read-only state directory was logged %d times for the position and %d for the spool in 5 s, want once each", reported, spool)
	}
	if !d.waitLog("position saved again", 10*time.Second) {
		t.Error("no position saved once the directory was writable again")
	}
	check(t, "state dir read-only", tl, fmt.Sprintf("%s; reported once, position saved again", d.state(e.state)))
}

// TestStateFull fills the state directory (a small tmpfs) under a running
// daemon: the spool cannot grow, events wait in memory until journald
// stored them, none is lost.
func TestStateFull(t *testing.T) {
	j := journal(t)
	e := newEnv(t, j)
	tmpfs(t, e.state, 1<<20)
	d := e.start()
	w := e.writer(0, spread)
	w.write(500)
	if !d.waitLog("ready", 10*time.Second) {
		t.Fatal("the daemon did not start")
	}
	time.Sleep(500 * time.Millisecond)
	filler := filepath.Join(e.state, "filler")
	exec.Command("dd", "if=/dev/zero", "of="+filler, "bs=64k", "status=none").Run() // until the disk is full
	w.writeOver(context.Background(), 1500, 3*time.Second)
	time.Sleep(2 * time.Second)
	reported := d.logged("cannot write the spool") + d.logged("cannot save the position")
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	w.write(500)
	tl := waitStored(t, j, 2500, 30*time.Second)
	if reported != 2 {
		t.Errorf("the full state directory was logged %d times, want once for the spool and once for the position", reported)
	}
	check(t, "state dir full", tl, fmt.Sprintf("%s; reported %d times", d.state(e.state), reported))
}

// TestStateCorrupt garbles every file of the state directory between two
// runs: the next run puts the damaged files aside, starts, reads the log
// again from its start, and stores nothing twice.
func TestStateCorrupt(t *testing.T) {
	j := journal(t)
	e := newEnv(t, j)
	d := e.start()
	w := e.writer(0, spread)
	w.write(1000)
	waitStored(t, j, 1000, 30*time.Second)
	d.stop()
	var garbled []string
	filepath.Walk(e.state, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			os.WriteFile(p, []byte("\x00garbage{[\xff"), 0o600)
			garbled = append(garbled, strings.TrimPrefix(p, e.state+"/"))
		}
		return nil
	})
	d = e.start()
	w.write(1000)
	tl := waitStored(t, j, 2000, 30*time.Second)
	for _, name := range []string{"identities.json", "position-file_" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, e.log) + ".json"} {
		if _, err := os.Stat(filepath.Join(e.state, name+".corrupt")); err != nil {
			t.Errorf("%s not put aside: %v", name, err)
		}
	}
	check(t, "state dir corrupted", tl, fmt.Sprintf("%s; %d files garbled, put aside", d.state(e.state), len(garbled)))
}
