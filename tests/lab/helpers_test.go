package lab

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/parsers"
)

// The host side's pieces that need no guest.

func TestExpand(t *testing.T) {
	facts := map[string]string{"disk.kname": "sdb", "fault.m.sector": "20000"}
	got, missing := expand("{disk.kname} at {fault.m.sector} of {disk.nothing}", facts)
	if got != "sdb at 20000 of " || !cmp.Equal(missing, []string{"disk.nothing"}) {
		t.Errorf("expand = %q, missing %q", got, missing)
	}
}

func TestDerive(t *testing.T) {
	f := derive(map[string]string{
		"sata.kname": "sda", "sata.devnode": "/dev/sda", "sata.links": "/dev/disk/by-id/ata-X /dev/disk/by-path/p",
		"sata.scsi_wwid": "t10.ATA     QEMU HARDDISK                           labsata0            ",
		"m.kname":        "dm-0", "m.devnode": "/dev/dm-0", "m.dm_uuid": "", "m.dm_name": "labm1",
		"md.kname": "md0", "md.devnode": "/dev/md0", "md.udev_md_uuid": "5e84497e:1e28ab4a:bfc72069:5c9230c3",
	})
	for k, want := range map[string]string{
		"sata.wwid":  "t10.ATA-QEMU-HARDDISK-labsata0",
		"sata.paths": "any:/dev/sda|/dev/disk/by-id/ata-X|/dev/disk/by-path/p",
		"m.wwid":     "dm-name-labm1",
		"md.wwid":    "5e84497e:1e28ab4a:bfc72069:5c9230c3",
	} {
		if f[k] != want {
			t.Errorf("%s = %q, want %q", k, f[k], want)
		}
	}
	if !fieldMatches("dev_path", f["sata.paths"], "/dev/disk/by-path/p") || fieldMatches("dev_path", f["sata.paths"], "/dev/sdb") {
		t.Error("any: alternatives do not match as they should")
	}
}

func TestScenarioWindow(t *testing.T) {
	rec := func(fac int, msg string) parsers.Record { return parsers.Record{Facility: fac, Message: msg} }
	log := []parsers.Record{
		rec(0, "boot line"),
		rec(1, markPrefix+"begin a"),
		rec(0, "a1"),
		rec(1, markPrefix+"fault f: x on disk"),
		rec(0, "a2"),
		rec(1, markPrefix+"end a"),
		rec(0, "between"),
		rec(1, markPrefix+"begin b"),
		rec(0, "b1"),
		rec(1, markPrefix+"end b"),
	}
	texts := func(rs []parsers.Record) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Message)
		}
		return out
	}
	w, marks := scenarioWindow(log, "a")
	if !cmp.Equal(texts(w), []string{"a1", "a2"}) || len(marks) != 1 {
		t.Errorf("window a = %q, marks %v", texts(w), marks)
	}
	if w, _ := scenarioWindow(log, "boot"); !cmp.Equal(texts(w), []string{"boot line"}) {
		t.Errorf("window boot = %q", texts(w))
	}
	if w, _ := scenarioWindow(log, "b"); !cmp.Equal(texts(w), []string{"b1"}) {
		t.Errorf("window b = %q", texts(w))
	}
}

// TestCpio checks the initramfs writer against cpio(1)'s own reading.
func TestCpio(t *testing.T) {
	if _, err := exec.LookPath("cpio"); err != nil {
		t.Skipf("no cpio to read the archive back (Debian package cpio): %v", err)
	}
	var buf bytes.Buffer
	w := &cpioWriter{w: &buf}
	w.dir("bin")
	w.file("bin/x", []byte("hello"), 0o755)
	w.file("init", []byte("#!/bin/sh\n"), 0o755)
	w.trailer()
	if w.err != nil {
		t.Fatal(w.err)
	}
	cmd := exec.Command("cpio", "-it", "--quiet")
	cmd.Stdin = &buf
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cpio -it: %v", err)
	}
	if got := strings.Fields(string(out)); !cmp.Equal(got, []string{"bin", "bin/x", "init"}) {
		t.Errorf("cpio lists %q", got)
	}
}
