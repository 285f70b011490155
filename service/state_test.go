package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/config"
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
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	loop := sysfs.BlockInfo{KernelName: "loop3", MajorMinor: "7:3", DiskSeq: "17", BlkType: sysfs.TypeLoop,
		BlkPath: "/dev/loop3", PreferredBlkPath: "/dev/loop3", UUID: "0b4f", MountPoint: "/mnt/x"}
	part := sysfs.BlockInfo{KernelName: "loop3p1", MajorMinor: "259:0", BlkType: sysfs.TypePartition, Owners: []sysfs.BlockInfo{loop}}
	s.Record(part, map[string]string{"mount_point": "/mnt/x"}, t0, 0)
	s.Record(part, map[string]string{"mount_point": "/mnt/x"}, t0.Add(time.Second), 0)
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}

	// Reopen: what was recorded survives the daemon.
	s, err = OpenIdentityStore(st)
	if err != nil {
		t.Fatal(err)
	}
	// loop3 is detached and attached again: a new instance (diskseq 18).
	loop2 := loop
	loop2.DiskSeq, loop2.UUID, loop2.MountPoint = "18", "", ""
	t1 := t0.Add(time.Minute)
	s.Record(loop2, nil, t1, 0)

	partID := Identity{Info: part, Ext: map[string]string{"mount_point": "/mnt/x"}, FirstSeen: t0, Seen: t0.Add(time.Second)}
	oldLoop := Identity{Info: loop, MountPoint: "/mnt/x", FirstSeen: t0, Seen: t0.Add(time.Second)}
	newLoop := Identity{Info: loop2, FirstSeen: t1, Seen: t1}
	tests := []struct {
		name   string
		get    func() (Identity, bool)
		want   Identity
		wantOK bool
	}{
		{"Lookup(loop3p1)", func() (Identity, bool) { return s.Lookup("loop3p1") }, partID, true},
		{"Lookup(259:0)", func() (Identity, bool) { return s.Lookup("259:0") }, partID, true},
		{"Lookup(loop3)", func() (Identity, bool) { return s.Lookup("loop3") }, newLoop, true},
		{"Lookup(7:3)", func() (Identity, bool) { return s.Lookup("7:3") }, newLoop, true},
		{"Lookup(sda)", func() (Identity, bool) { return s.Lookup("sda") }, Identity{}, false},
		{"At(loop3, before both)", func() (Identity, bool) { return s.At("loop3", t0.Add(-time.Hour)) }, Identity{}, false},
		{"At(loop3, while the first)", func() (Identity, bool) { return s.At("loop3", t0.Add(30*time.Second)) }, oldLoop, true},
		{"At(loop3, after re-attach)", func() (Identity, bool) { return s.At("loop3", t1) }, newLoop, true},
	}
	for _, tt := range tests {
		got, ok := tt.get()
		if ok != tt.wantOK {
			t.Errorf("%s found = %v, want %v", tt.name, ok, tt.wantOK)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestDamagedStateFiles: an empty or garbled identity store or position is
// put aside as .corrupt and the daemon starts without it.
// TestSameInfo: a change of any field of a BlockInfo, or of a device below
// it, is a change to the identity store; a nil list or map and an empty
// one are no change. Every field is changed in turn (by reflection, so a
// field added to BlockInfo and forgotten by sameInfo fails here).
func TestSameInfo(t *testing.T) {
	base := sysfs.BlockInfo{WWID: "w", KernelName: "sdc", MajorMinor: "8:32", Transport: map[string]string{"transport": "iSCSI"},
		Owners: []sysfs.BlockInfo{{KernelName: "sdd", Transport: map[string]string{}}}}
	if !sameInfo(base, base) {
		t.Fatal("an identity differs from itself")
	}
	empty := base
	empty.Owners = []sysfs.BlockInfo{{KernelName: "sdd"}}
	if !sameInfo(base, empty) {
		t.Error("a nil map differs from an empty one")
	}
	typ := reflect.TypeOf(base)
	for i := range typ.NumField() {
		changed := base
		changed.Transport = map[string]string{"transport": "iSCSI"}
		changed.Owners = []sysfs.BlockInfo{{KernelName: "sdd"}}
		f := reflect.ValueOf(&changed).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(f.String() + "x")
		case reflect.Int64:
			f.SetInt(f.Int() + 1)
		case reflect.Map:
			changed.Transport["port"] = "3260"
		case reflect.Slice:
			changed.Owners[0].WWID = "other"
		default:
			t.Fatalf("field %s: a %s, which the test does not change", typ.Field(i).Name, f.Kind())
		}
		if sameInfo(base, changed) {
			t.Errorf("a change of %s is no change", typ.Field(i).Name)
		}
	}
}

func TestDamagedStateFiles(t *testing.T) {
	for _, content := range []string{"", "{garbage\x00", "[{\"info\": 7}]"} {
		t.Run(fmt.Sprintf("%.10q", content), func(t *testing.T) {
			dir := t.TempDir()
			st := NewStateDirMust(t, dir)
			for _, name := range []string{identityFile, checkpointFile("fake")} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			ids, err := OpenIdentityStore(st)
			if ids == nil || !errors.Is(err, ErrDamaged) {
				t.Errorf("OpenIdentityStore = %v, %v; want a store and ErrDamaged", ids, err)
			}
			if _, err := st.LoadCheckpoint("fake"); !errors.Is(err, ErrDamaged) {
				t.Errorf("LoadCheckpoint: %v, want ErrDamaged", err)
			}
			for _, name := range []string{identityFile, checkpointFile("fake")} {
				if _, err := os.Stat(filepath.Join(dir, name+".corrupt")); err != nil {
					t.Errorf("%s not put aside: %v", name, err)
				}
			}
			// And the daemon starts, with what it has.
			store := &memStore{}
			d := testDaemon(t, dir, &fakeSource{items: records(3, "loop7")}, loopResolver(), store, config.Main{SaveToJournald: true}, &syncBuffer{})
			runUntil(t, d, func() bool { return len(store.logged()) == 3 })
		})
	}
}

func TestRetry(t *testing.T) {
	var r retry
	now := time.Now()
	if !r.due(now) {
		t.Fatal("a first try is not due")
	}
	if !r.fail(errors.New("read-only"), now) || r.fail(errors.New("read-only"), now) {
		t.Error("fail: only the first of a series is first")
	}
	if r.due(now.Add(time.Second)) || !r.due(now.Add(2*time.Second)) {
		t.Error("the third try is not two seconds after the second failure")
	}
	for range 20 {
		r.fail(errors.New("read-only"), now)
	}
	if r.wait != stateRetryMax {
		t.Errorf("wait %v after many failures, want %v", r.wait, stateRetryMax)
	}
	if r.succeed() == nil || r.succeed() != nil {
		t.Error("succeed: the failure it ends, once")
	}
}

// changingResolver is a fakeResolver that tells of its devices' changes.
type changingResolver struct {
	fakeResolver
	changes chan string
}

func (r *changingResolver) DeviceChanges() <-chan string { return r.changes }

// set makes kdev b and tells of it.
func (r *changingResolver) set(kdev string, b sysfs.BlockInfo) {
	r.mu.Lock()
	r.devs[kdev] = b
	r.mu.Unlock()
	r.changes <- kdev
}

// TestIdentityFollowsDevices: the lab's scsi-remove. A new disk is looked
// up at its reset, before mkfs; udev then probes the ext4 made on it; the
// disk is deleted. No event looked it up in between, yet the identity it
// had when it went is the one with its filesystem: the store follows the
// resolver's device changes. A device gone keeps the identity it had.
func TestIdentityFollowsDevices(t *testing.T) {
	ids, err := OpenIdentityStore(NewStateDirMust(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	sda := sysfs.BlockInfo{KernelName: "sda", MajorMinor: "8:0", DiskSeq: "23", BlkType: sysfs.TypeSCSI, BlkPath: "/dev/sda", WWID: "naa.3333333000001770"}
	res := &changingResolver{fakeResolver: fakeResolver{devs: map[string]sysfs.BlockInfo{"sda": sda}}, changes: make(chan string)}
	ids.Record(sda, nil, time.Now(), 0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ids.follow(ctx, res, res.DeviceChanges()); close(done) }()
	probed := sda
	probed.UUID = "2ba94357-a838-4f8a-b2dc-36f918c5fd89"
	// The channel is unbuffered: a name sent after another is received
	// once the other's lookup is done.
	res.set("sda", probed)
	res.changes <- "sdz" // no such device
	res.remove("sda")
	res.changes <- "sda" // its removal
	res.changes <- "sdz"
	cancel()
	<-done
	if got, _ := ids.Lookup("sda"); got.Info.UUID != probed.UUID || got.Info.WWID != sda.WWID {
		t.Errorf("identity of sda after it went: WWID %q, UUID %q; want %q with the filesystem udev probed, %q",
			got.Info.WWID, got.Info.UUID, sda.WWID, probed.UUID)
	}
}
