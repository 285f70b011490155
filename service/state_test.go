package service

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/peripety/peripety/sysfs"
)

func TestCheckpointRoundTrip(t *testing.T) {
	st, err := NewStateDir(filepath.Join(t.TempDir(), "state"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.LoadCheckpoint("kmsg")
	if err != nil {
		t.Fatalf("LoadCheckpoint with nothing saved: %v", err)
	}
	if diff := cmp.Diff(Checkpoint{}, got); diff != "" {
		t.Errorf("LoadCheckpoint with nothing saved (-want +got):\n%s", diff)
	}
	want := Checkpoint{Pos: "b1 42", Time: time.Date(2026, 11, 25, 10, 0, 0, 1000, time.UTC)}
	for _, key := range []string{"kmsg", "file:/var/log/kern.log"} {
		if err := st.SaveCheckpoint(key, want); err != nil {
			t.Fatal(err)
		}
		got, err := st.LoadCheckpoint(key)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("LoadCheckpoint(%q) (-want +got):\n%s", key, diff)
		}
	}
	left, _ := filepath.Glob(st.Path(".*tmp*"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestCheckpointCorrupt(t *testing.T) {
	st, err := NewStateDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(st.Path(checkpointFile("kmsg")), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := st.LoadCheckpoint("kmsg"); err == nil {
		t.Error("LoadCheckpoint of a corrupt file: no error")
	}
}

func TestCheckpointFile(t *testing.T) {
	for key, want := range map[string]string{
		"kmsg":                   "position-kmsg.json",
		"journal":                "position-journal.json",
		"file:/var/log/kern.log": "position-file__var_log_kern.log.json",
	} {
		if got := checkpointFile(key); got != want {
			t.Errorf("checkpointFile(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestIdentityStore(t *testing.T) {
	st, err := NewStateDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenIdentityStore(st)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	loop := sysfs.BlockInfo{KernelName: "loop3", MajorMinor: "7:3", DiskSeq: "17", BlkType: sysfs.TypeLoop,
		BlkPath: "/dev/loop3", PreferredBlkPath: "/dev/loop3", UUID: "0b4f", MountPoint: "/mnt/x"}
	part := sysfs.BlockInfo{KernelName: "loop3p1", MajorMinor: "259:0", BlkType: sysfs.TypePartition, Owners: []sysfs.BlockInfo{loop}}
	s.Record(part, map[string]string{"mount_point": "/mnt/x"}, now)
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}

	// Reopen: what was recorded survives the daemon.
	s, err = OpenIdentityStore(st)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kdev   string
		want   Identity
		wantOK bool
	}{
		{kdev: "loop3p1", want: Identity{Info: part, Ext: map[string]string{"mount_point": "/mnt/x"}, Seen: now}, wantOK: true},
		{kdev: "259:0", want: Identity{Info: part, Ext: map[string]string{"mount_point": "/mnt/x"}, Seen: now}, wantOK: true},
		{kdev: "loop3", want: Identity{Info: loop, Seen: now}, wantOK: true},
		{kdev: "7:3", want: Identity{Info: loop, Seen: now}, wantOK: true},
		{kdev: "sda"},
	}
	for _, tt := range tests {
		got, ok := s.Lookup(tt.kdev)
		if ok != tt.wantOK {
			t.Errorf("Lookup(%q) found = %v, want %v", tt.kdev, ok, tt.wantOK)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Lookup(%q) (-want +got):\n%s", tt.kdev, diff)
		}
	}

	// A new instance of loop3 (re-attached: new diskseq, same number)
	// replaces the old one; a different major:minor drops the old index.
	loop2 := loop
	loop2.DiskSeq, loop2.MajorMinor, loop2.UUID = "18", "7:30", ""
	s.Record(loop2, nil, now.Add(time.Minute))
	got, _ := s.Lookup("loop3")
	if got.Info.DiskSeq != "18" {
		t.Errorf("after re-attach Lookup(loop3) diskseq = %q, want 18", got.Info.DiskSeq)
	}
	if _, ok := s.Lookup("7:3"); ok {
		t.Error("after re-attach at 7:30, Lookup(7:3) still finds the old instance")
	}
}
