package service

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/sysfs"
)

// TestEventIDDerivation: an event's id is the name-based UUID of its
// source, time, type, sub-system, device, line and text (a storm
// summary's text standing for the count it carries), as the events stored
// by earlier versions have it: a restart after an upgrade recognises them.
func TestEventIDDerivation(t *testing.T) {
	at := time.UnixMicro(1_733_500_000_123_456)
	plain := event.Event{EventType: "BLK_IO_ERROR", SubSystem: "scsi", Kdev: "sdc", Timestamp: at,
		RawMsg: "I/O error, dev sdc, sector 2048", Msg: "I/O error on sdc"}
	summary := plain
	summary.Msg = "I/O error on sdc (42 more)"
	summary.SetExt(parsers.ExtFoldedUntil, at.Add(time.Second).Format(time.RFC3339Nano))
	long := plain
	long.RawMsg = string(make([]byte, 1000)) // past the id's stack buffer
	for _, tc := range []struct {
		name, source, text string
		ev                 event.Event
	}{
		{"plain", "journal", plain.Msg, plain},
		{"storm summary", "kmsg", "\x00storm", summary},
		{"long line", "file:/var/log/kern.log", long.Msg, long},
	} {
		ev := tc.ev
		key := tc.source + "\x00" + strconv.FormatInt(at.UnixMicro(), 10) + "\x00" + ev.EventType + "\x00" +
			ev.SubSystem + "\x00" + ev.Kdev + "\x00" + ev.RawMsg + "\x00" + tc.text
		if got, want := eventID(tc.source, &ev), uuid.NewSHA1(idNamespace, []byte(key)).String(); got != want {
			t.Errorf("%s: id %s, want %s", tc.name, got, want)
		}
	}
}

// heldOut is what TestHeldMountEvent looks at in an event delivered.
type heldOut struct{ Type, Kdev, MountPoint string }

// heldMountCase is a case of TestHeldMountEvent.
type heldMountCase struct {
	name string
	// mountShows is when (after t0) the mount of loop0 shows; 0: never.
	mountShows time.Duration
	// run is how long the pipeline runs after the events, in retry
	// steps, before it closes.
	run time.Duration
	// unmount: the device's unmount line comes after the run.
	unmount bool
	want    []heldOut
}

func heldMountCases() []heldMountCase {
	return []heldMountCase{{
		name:       "mount shows",
		mountShows: 5 * time.Millisecond,
		run:        20 * time.Millisecond,
		unmount:    true,
		want: []heldOut{
			{"BLK_IO_ERROR", "loop1", ""},
			{"FS_MOUNTED", "loop0", "/mnt/a"},
			{"FS_UNMOUNTED", "loop0", "/mnt/a"},
		},
	}, {
		name:    "mount never shows",
		run:     2 * mountWait,
		unmount: true,
		want: []heldOut{
			{"BLK_IO_ERROR", "loop1", ""},
			{"FS_MOUNTED", "loop0", ""},
			{"FS_UNMOUNTED", "loop0", ""},
		},
	}, {
		name:    "a later line of the device ends the wait",
		unmount: true,
		want: []heldOut{
			{"BLK_IO_ERROR", "loop1", ""},
			{"FS_MOUNTED", "loop0", ""},
			{"FS_UNMOUNTED", "loop0", ""},
		},
	}, {
		name: "closed while held",
		want: []heldOut{
			{"BLK_IO_ERROR", "loop1", ""},
			{"FS_MOUNTED", "loop0", ""},
		},
	}}
}

// TestHeldMountEvent: a live mount event whose mount does not show yet is
// held while other devices' events are delivered; it comes out once the
// mount shows, once mountWait is over, when a later line of its device
// comes (which comes out after it), or when the pipeline closes.
func TestHeldMountEvent(t *testing.T) {
	t0 := time.Now()
	loop := func(name, mp string) sysfs.BlockInfo {
		return sysfs.BlockInfo{KernelName: name, BlkType: sysfs.TypeLoop, BlkPath: "/dev/" + name, MountPoint: mp}
	}
	ev := func(typ, kdev string) event.Event {
		return event.Event{EventType: typ, SubSystem: event.SubXFS, Kdev: kdev, Severity: event.Info, Timestamp: t0, Msg: typ}
	}
	for _, tt := range heldMountCases() {
		t.Run(tt.name, func(t *testing.T) {
			now := t0
			res := &fakeResolver{devs: map[string]sysfs.BlockInfo{"loop0": loop("loop0", ""), "loop1": loop("loop1", "")}}
			p, sink, _ := testPipeline(t, res, &now)

			p.emit(ev("FS_MOUNTED", "loop0"))
			p.emit(ev("BLK_IO_ERROR", "loop1"))
			for now.Sub(t0) < tt.run {
				at, ok := p.waits.due()
				if !ok {
					break
				}
				now = at
				if tt.mountShows > 0 && now.Sub(t0) >= tt.mountShows {
					res.mu.Lock()
					res.devs["loop0"] = loop("loop0", "/mnt/a")
					res.mu.Unlock()
				}
				p.retry(false)
			}
			if tt.unmount {
				p.emit(ev("FS_UNMOUNTED", "loop0"))
				if len(p.waits.held) > 0 {
					t.Errorf("%d events still held after a later line of the device", len(p.waits.held))
				}
			}
			p.closeParser()
			if len(p.waits.held) > 0 {
				t.Errorf("%d events still held after closeParser", len(p.waits.held))
			}
			close(sink.q)
			var got []heldOut
			var seq []uint64
			for q := range sink.q {
				got = append(got, heldOut{q.ev.EventType, q.ev.Kdev, q.ev.Ext("mount_point")})
				seq = append(seq, q.ev.Seq)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("delivered (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]uint64{1, 2, 3}[:len(tt.want)], seq); diff != "" {
				t.Errorf("seqs (-want +got):\n%s", diff)
			}
		})
	}
}

// notifyingResolver tells of mount table changes, as *sysfs.Resolver does
// while it watches.
type notifyingResolver struct {
	fakeResolver
	notice chan struct{}
}

func (r *notifyingResolver) MountsChanged() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.notice
}

// mount shows kdev mounted at mp and tells of it.
func (r *notifyingResolver) mount(kdev, mp string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.devs[kdev]
	b.MountPoint = mp
	r.devs[kdev] = b
	close(r.notice)
	r.notice = make(chan struct{})
}

// TestHeldMountEventNotified: with a resolver that tells of mount table
// changes, a held mount event is looked up again as the notice comes, not
// on the next retry; the retries slow to mountRetryNotified.
func TestHeldMountEventNotified(t *testing.T) {
	t0 := time.Now()
	res := &notifyingResolver{
		fakeResolver: fakeResolver{devs: map[string]sysfs.BlockInfo{"loop0": {KernelName: "loop0", BlkType: sysfs.TypeLoop, BlkPath: "/dev/loop0"}}},
		notice:       make(chan struct{}),
	}
	p, sink, _ := testPipeline(t, res, &t0)

	p.emit(event.Event{EventType: "FS_MOUNTED", SubSystem: event.SubXFS, Kdev: "loop0", Severity: event.Info, Timestamp: t0})
	if len(p.waits.held) != 1 || p.waits.mountNotice == nil {
		t.Fatalf("held %d events, notice %v: want the mount event held, waiting for the notice", len(p.waits.held), p.waits.mountNotice)
	}
	if at, _ := p.waits.due(); at.Sub(t0) != mountRetryNotified {
		t.Errorf("next look-up %v after the event, want %v", at.Sub(t0), mountRetryNotified)
	}
	res.mount("loop0", "/mnt/a")
	select {
	case <-p.waits.mountNotice:
	default:
		t.Fatal("the pipeline's notice is not closed by the mount")
	}
	p.noticed(waitMount)
	if len(p.waits.held) != 0 || p.waits.mountNotice != nil {
		t.Fatalf("after the notice: %d events held, notice %v; want none", len(p.waits.held), p.waits.mountNotice)
	}
	close(sink.q)
	q := <-sink.q
	if q.ev.EventType != "FS_MOUNTED" || q.ev.Ext("mount_point") != "/mnt/a" {
		t.Errorf("delivered %s with mount point %q, want FS_MOUNTED at /mnt/a", q.ev.EventType, q.ev.Ext("mount_point"))
	}
}

// deviceNotifyingResolver tells of block device uevents, as *sysfs.Resolver
// does while it watches.
type deviceNotifyingResolver struct {
	fakeResolver
	notice chan struct{}
}

func (r *deviceNotifyingResolver) DevicesChanged() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.notice
}

// attach makes kdev present and tells of it.
func (r *deviceNotifyingResolver) attach(kdev string, b sysfs.BlockInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.devs[kdev] = b
	close(r.notice)
	r.notice = make(chan struct{})
}

// TestHeldUntilDeviceAppears: a new disk's "Power-on or device reset
// occurred" names its SCSI address before its block device exists. The
// live event on a device never seen is held (and the device's next line
// behind it) while other devices' events go on, and looked up again at the
// resolver's notice: it comes out with the device's identity. A device
// that never appears gives its event out after deviceWait, unresolved; an
// old line waits for nothing.
func TestHeldUntilDeviceAppears(t *testing.T) {
	t0 := time.Now()
	now := t0
	res := &deviceNotifyingResolver{fakeResolver: fakeResolver{devs: map[string]sysfs.BlockInfo{
		"loop1": {KernelName: "loop1", BlkType: sysfs.TypeLoop, BlkPath: "/dev/loop1", WWID: "/img1"}}}, notice: make(chan struct{})}
	p, sink, _ := testPipeline(t, res, &now)
	ev := func(typ, kdev string, at time.Time) event.Event {
		return event.Event{EventType: typ, SubSystem: event.SubSCSI, Kdev: kdev, Severity: event.Warning, Timestamp: at, Msg: typ}
	}

	p.emit(ev("SCSI_POWER_ON_RESET", "6:0:0:0", t0))
	p.emit(ev("SCSI_CAPACITY_CHANGED", "6:0:0:0", t0))
	p.emit(ev("BLK_IO_ERROR", "loop1", t0))
	p.emit(ev("SCSI_POWER_ON_RESET", "7:0:0:0", t0))
	p.emit(ev("SCSI_CAPACITY_CHANGED", "7:0:0:0", t0))
	p.emit(ev("SCSI_POWER_ON_RESET", "8:0:0:0", t0.Add(-time.Minute))) // read late
	if len(p.waits.held) != 4 || p.waits.deviceNotice == nil {
		t.Fatalf("held %d events, notice %v: want 6:0:0:0's two and 7:0:0:0's, waiting for the notice", len(p.waits.held), p.waits.deviceNotice)
	}
	if at, _ := p.waits.due(); at.Sub(t0) != deviceRetryNotified {
		t.Errorf("next look-up %v after the event, want %v", at.Sub(t0), deviceRetryNotified)
	}
	now = t0.Add(200 * time.Millisecond)
	res.attach("6:0:0:0", sysfs.BlockInfo{KernelName: "sdq", BlkType: sysfs.TypeSCSI, BlkPath: "/dev/sdq", WWID: "naa.5000c500a1b2c3d4"})
	select {
	case <-p.waits.deviceNotice:
	default:
		t.Fatal("the pipeline's notice is not closed by the device's uevent")
	}
	p.noticed(waitDevice)
	for at, ok := p.waits.due(); ok; at, ok = p.waits.due() {
		now = at
		p.retry(false)
	}
	// 7:0:0:0, never there: its two lines come out after one deviceWait.
	if d := now.Sub(t0); d < deviceWait || d > deviceWait+deviceRetryNotified {
		t.Errorf("7:0:0:0's lines, never there, were given out after %v, want %v", d, deviceWait)
	}
	close(sink.q)
	type out struct{ Type, Kdev, WWID, Err string }
	var got []out
	for q := range sink.q {
		e := q.ev.Ext("resolve_error")
		if e != "" {
			e = "unresolved"
		}
		got = append(got, out{q.ev.EventType, q.ev.Kdev, q.ev.DevWWID, e})
	}
	want := []out{
		{"BLK_IO_ERROR", "loop1", "/img1", ""},
		{"SCSI_POWER_ON_RESET", "8:0:0:0", "", "unresolved"},
		{"SCSI_POWER_ON_RESET", "6:0:0:0", "naa.5000c500a1b2c3d4", ""},
		{"SCSI_CAPACITY_CHANGED", "6:0:0:0", "naa.5000c500a1b2c3d4", ""},
		{"SCSI_POWER_ON_RESET", "7:0:0:0", "", "unresolved"},
		{"SCSI_CAPACITY_CHANGED", "7:0:0:0", "", "unresolved"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

// TestDeviceNameClean: NUL and control bytes a garbled line puts in a
// device name are dropped.
func TestDeviceNameClean(t *testing.T) {
	for in, want := range map[string]string{"sdc": "sdc", "sd\x00c": "sdc", "\x1b[31msdc": "[31msdc", "dm-\x7f3\n": "dm-3", "": ""} {
		if got := deviceName(in); got != want {
			t.Errorf("deviceName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMountWaitsForProbe: ext4 mounted right after mkfs (the lab's
// scsi-remove): its 6.1 mount line names no UUID, and udev, which probes
// the disk as mkfs closes it, has not yet. On a device udev handles the
// live mount event is held until udev's probe shows (told by the
// resolver's device notice), at most probeWait; on one udev does not
// handle it waits for nothing.
func TestMountWaitsForProbe(t *testing.T) {
	t0 := time.Now()
	now := t0
	disk := func(name, uuid string, udev time.Duration) sysfs.BlockInfo {
		return sysfs.BlockInfo{KernelName: name, BlkType: sysfs.TypeSCSI, BlkPath: "/dev/" + name, WWID: "naa." + name,
			MountPoint: "/mnt/" + name, UUID: uuid, UdevInitialized: udev}
	}
	res := &deviceNotifyingResolver{fakeResolver: fakeResolver{devs: map[string]sysfs.BlockInfo{
		"sda": disk("sda", "", time.Second), "sdb": disk("sdb", "", time.Second), "sdc": disk("sdc", "", 0)}},
		notice: make(chan struct{})}
	p, sink, _ := testPipeline(t, res, &now)
	ev := func(typ, kdev string) event.Event {
		return event.Event{EventType: typ, SubSystem: event.SubExt4, Kdev: kdev, Severity: event.Info, Timestamp: t0, Msg: typ}
	}

	p.emit(ev("FS_MOUNTED", "sda"))
	p.emit(ev("FS_MOUNTED", "sdb")) // udev never probes it
	p.emit(ev("FS_MOUNTED", "sdc")) // no udev: not held
	p.emit(ev("FS_ERROR", "sda"))   // held behind sda's mount
	if len(p.waits.held) != 3 || p.waits.deviceNotice == nil {
		t.Fatalf("held %d events, notice %v: want sda's two and sdb's mount, waiting for the device notice", len(p.waits.held), p.waits.deviceNotice)
	}
	now = t0.Add(300 * time.Millisecond)
	res.attach("sda", disk("sda", "3f2a8e1c-4b5d-4e6f-8a9b-0c1d2e3f4a5b", time.Second))
	p.noticed(waitDevice)
	for at, ok := p.waits.due(); ok; at, ok = p.waits.due() {
		now = at
		p.retry(false)
	}
	if d := now.Sub(t0); d < probeWait || d > probeWait+deviceRetryNotified {
		t.Errorf("sdb's mount, never probed, was given out after %v, want %v", d, probeWait)
	}
	close(sink.q)
	type out struct{ Type, Kdev, WWID string }
	var got []out
	for q := range sink.q {
		got = append(got, out{q.ev.EventType, q.ev.Kdev, q.ev.DevWWID})
	}
	want := []out{
		{"FS_MOUNTED", "sdc", ""},
		{"FS_MOUNTED", "sda", "3f2a8e1c-4b5d-4e6f-8a9b-0c1d2e3f4a5b"},
		{"FS_ERROR", "sda", "3f2a8e1c-4b5d-4e6f-8a9b-0c1d2e3f4a5b"},
		{"FS_MOUNTED", "sdb", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

// TestMountBeginWait: btrfs prints "first mount of filesystem" as its
// mount begins; its mount shows once the trees are read, which on a loaded
// machine is past mountWait (the lab's btrfs-failing, some runs). It waits
// up to mountBeginWait; an XFS or ext4 mount line, printed as the mount
// ends, no longer than mountWait.
func TestMountBeginWait(t *testing.T) {
	for _, tc := range []struct {
		sub, want string
	}{{event.SubBtrfs, "/mnt/b"}, {event.SubXFS, ""}} {
		t.Run(tc.sub, func(t *testing.T) {
			t0 := time.Now()
			now := t0
			res := &fakeResolver{devs: map[string]sysfs.BlockInfo{"dm-0": {KernelName: "dm-0", BlkType: sysfs.TypeDM, BlkPath: "/dev/mapper/fs",
				UUID: "b142edb7-a07a-437a-a48b-3ba184607a8b"}}}
			p, sink, _ := testPipeline(t, res, &now)
			p.emit(event.Event{EventType: "FS_MOUNTED", SubSystem: tc.sub, Kdev: "dm-0", Severity: event.Info, Timestamp: t0})
			for at, ok := p.waits.due(); ok; at, ok = p.waits.due() {
				now = at
				if now.Sub(t0) >= time.Second {
					res.mu.Lock()
					b := res.devs["dm-0"]
					b.MountPoint = "/mnt/b"
					res.devs["dm-0"] = b
					res.mu.Unlock()
				}
				p.retry(false)
			}
			close(sink.q)
			q := <-sink.q
			if got := q.ev.Ext("mount_point"); got != tc.want {
				t.Errorf("mount showing after 1 s: mount_point %q, want %q", got, tc.want)
			}
		})
	}
}

// TestAppearedDeviceIsTheLines: the lab's scsi-remove after its multipath
// scenarios. A new disk's reset line names 2:0:0:0 before sd attaches it;
// it attaches as sda, a name another disk had before. The line waited for
// the device, so the sda found is the one it named, however long the wait
// (here past attachSlack): not the old sda's identity.
func TestAppearedDeviceIsTheLines(t *testing.T) {
	t0 := time.Now()
	now := t0
	res := &deviceNotifyingResolver{fakeResolver: fakeResolver{devs: map[string]sysfs.BlockInfo{}}, notice: make(chan struct{})}
	p, sink, ids := testPipeline(t, res, &now)
	ids.Record(sysfs.BlockInfo{KernelName: "sda", MajorMinor: "8:0", DiskSeq: "18", BlkType: sysfs.TypeSCSI, WWID: "naa.33333330000007d0"},
		nil, t0.Add(-time.Minute), 0)
	p.emit(event.Event{EventType: "SCSI_POWER_ON_RESET", SubSystem: event.SubSCSI, Kdev: "2:0:0:0", Severity: event.Warning, Timestamp: t0})
	p.emit(event.Event{EventType: "SCSI_CAPACITY_CHANGED", SubSystem: event.SubSCSI, Kdev: "2:0:0:0", Severity: event.Warning, Timestamp: t0})
	now = t0.Add(2500 * time.Millisecond)
	res.attach("2:0:0:0", sysfs.BlockInfo{KernelName: "sda", MajorMinor: "8:0", DiskSeq: "23", BlkType: sysfs.TypeSCSI, WWID: "naa.3333333000001770"})
	p.noticed(waitDevice)
	close(sink.q)
	var got []string
	for q := range sink.q {
		got = append(got, q.ev.EventType+" "+q.ev.DevWWID+" "+q.ev.Ext("resolve_error"))
	}
	want := []string{"SCSI_POWER_ON_RESET naa.3333333000001770 ", "SCSI_CAPACITY_CHANGED naa.3333333000001770 "}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}
