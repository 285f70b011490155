package service

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/sysfs"
)

// mpathResolver answers as the sysfs resolver does over mpatha (dm-0,
// 254:0) on the paths sdb (8:16) and sdc (8:32): a path named by its
// major:minor resolves to its map, the path in blk_major_minor.
type mpathResolver struct{}

func (mpathResolver) paths() []sysfs.BlockInfo {
	return []sysfs.BlockInfo{
		{KernelName: "sdb", MajorMinor: "8:16", WWID: "naa.3333", BlkType: sysfs.TypeSCSI, BlkPath: "/dev/sdb"},
		{KernelName: "sdc", MajorMinor: "8:32", WWID: "naa.3333", BlkType: sysfs.TypeSCSI, BlkPath: "/dev/sdc"},
	}
}

func (r mpathResolver) ForEvent(kdev string) (sysfs.BlockInfo, map[string]string, error) {
	m := sysfs.BlockInfo{KernelName: "dm-0", MajorMinor: "254:0", WWID: "mpath-naa.3333", BlkType: sysfs.TypeMultipath,
		BlkPath: "/dev/mapper/mpatha", Owners: r.paths()}
	switch kdev {
	case "mpatha", "dm-0":
		return m, nil, nil
	case "8:16", "8:32":
		return m, map[string]string{"blk_major_minor": kdev}, nil
	}
	for _, p := range r.paths() {
		if p.KernelName == kdev {
			return p, nil, nil
		}
	}
	return sysfs.BlockInfo{}, nil, fmt.Errorf("resolve %q: %w", kdev, sysfs.ErrNotFound)
}

func (r mpathResolver) ListBlocks() ([]sysfs.BlockInfo, error) {
	m, _, err := r.ForEvent("dm-0")
	return []sysfs.BlockInfo{m}, err
}

// laneLine is one line of TestCauseLane: after is when it comes (after
// t0), its event stamped at stamp; daemon "" for the kernel's.
type laneLine struct {
	name, daemon, typ, kdev, cond, action string
	after, stamp                          time.Duration
}

// laneOut is what TestCauseLane looks at in an event delivered.
type laneOut struct{ Name, Root string }

// TestCauseLane: the journal source reads the kernel's `Failing path 8:16.`
// 14 ms before multipathd's checker lines that made the kernel print it
// (as in the lab's mpath-checker). Following the daemons, the pipeline
// holds the kernel's event until multipathd's line of its action comes:
// multipathd's lines come out first (in their order), the kernel's after
// them, its root cause the checker's line. Lines that follow the kernel's
// instead ("mark as failed" after an I/O error) wait behind it and find it
// the cause; the kernel's lines keep their order; the hold is bounded by
// causeWait and ends at a stop. Without the daemons (kmsg), nothing waits.
func TestCauseLane(t *testing.T) {
	for _, tt := range causeLaneCases() {
		t.Run(tt.name, func(t *testing.T) {
			got := runLane(t, tt.follows, tt.lines, tt.stop)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("delivered, with root causes (-want +got):\n%s", diff)
			}
		})
	}
}

// causeLaneCase is a case of TestCauseLane.
type causeLaneCase struct {
	name    string
	follows bool
	lines   []laneLine
	stop    time.Duration // the pipeline closes this long after t0 (0: once every line came and every wait is over)
	want    []laneOut
}

func causeLaneCases() []causeLaneCase {
	checker := []laneLine{
		{name: "failing", typ: "DM_MPATH_PATH_FAILED", kdev: "8:16", cond: "path:failed", after: 0, stamp: 0},
		{name: "map io", typ: "BLK_IO_ERROR", kdev: "dm-0", after: time.Millisecond, stamp: time.Millisecond},
		{name: "offline", daemon: "multipathd", typ: "MPATH_PATH_OFFLINE", kdev: "sdb", cond: "device:offline", after: 14 * time.Millisecond, stamp: 14 * time.Millisecond},
		{name: "checker", daemon: "multipathd", typ: "MPATH_PATH_DOWN", kdev: "8:16", cond: "path:failed", action: "fail_path", after: 15 * time.Millisecond, stamp: 14 * time.Millisecond},
		{name: "remaining", daemon: "multipathd", typ: "MPATH_ACTIVE_PATHS_CHANGED", kdev: "mpatha", cond: "map:active", after: 16 * time.Millisecond, stamp: 14 * time.Millisecond},
	}
	return []causeLaneCase{{
		name: "checker's lines after the kernel's", follows: true, lines: checker,
		want: []laneOut{{"offline", "offline"}, {"checker", "offline"}, {"failing", "offline"}, {"map io", "offline"}, {"remaining", "offline"}},
	}, {
		name: "kmsg: no daemon followed", follows: false, lines: checker,
		want: []laneOut{{"failing", "failing"}, {"map io", "failing"}, {"offline", "failing"}, {"checker", "failing"}, {"remaining", "failing"}},
	}, {
		name: "reinstated", follows: true,
		lines: []laneLine{
			{name: "failing", typ: "DM_MPATH_PATH_FAILED", kdev: "8:16", cond: "path:failed"},
			{name: "checker", daemon: "multipathd", typ: "MPATH_PATH_DOWN", kdev: "8:16", cond: "path:failed", action: "fail_path", after: 10 * time.Millisecond},
			{name: "reinstating", typ: "DM_MPATH_PATH_REINSTATED", kdev: "8:16", cond: "path:active", after: time.Second, stamp: time.Second},
			{name: "reinstated", daemon: "multipathd", typ: "MPATH_PATH_UP", kdev: "8:16", cond: "path:active", action: "reinstate_path",
				after: time.Second + 20*time.Millisecond, stamp: time.Second + 20*time.Millisecond},
		},
		// The second word of the clear finds the path well: its own root.
		want: []laneOut{{"checker", "checker"}, {"failing", "checker"}, {"reinstated", "checker"}, {"reinstating", "reinstating"}},
	}, {
		name: "multipathd follows the kernel", follows: true,
		lines: []laneLine{
			{name: "failing", typ: "DM_MPATH_PATH_FAILED", kdev: "8:16", cond: "path:failed"},
			{name: "marked", daemon: "multipathd", typ: "MPATH_PATH_DOWN", kdev: "8:16", cond: "path:failed", after: 20 * time.Millisecond, stamp: 20 * time.Millisecond},
			{name: "other path", typ: "DM_MPATH_PATH_FAILED", kdev: "8:32", cond: "path:failed", after: 30 * time.Millisecond, stamp: 30 * time.Millisecond},
		},
		want: []laneOut{{"failing", "failing"}, {"marked", "failing"}, {"other path", "other path"}},
	}, {
		name: "stopped while held", follows: true, lines: checker[:2], stop: 100 * time.Millisecond,
		want: []laneOut{{"failing", "failing"}, {"map io", "failing"}},
	}}
}

// runLane emits lines through a pipeline over mpatha, letting its time
// pass between them, closes it at stop (0: an hour on), and returns what
// it delivered, each with the name of its root cause.
func runLane(t *testing.T, follows bool, lines []laneLine, stop time.Duration) []laneOut {
	t.Helper()
	t0 := time.Now()
	now := t0
	p, sink, _ := testPipeline(t, mpathResolver{}, &now)
	p.followsDaemons = follows
	// run lets the pipeline's time pass to at, retrying what falls due
	// on the way.
	run := func(at time.Time) {
		for {
			due, ok := p.waits.due()
			if !ok || due.After(at) {
				break
			}
			now = due
			p.retry(false)
		}
		now = at
	}
	for _, l := range lines {
		run(t0.Add(l.after))
		ev := event.Event{EventType: l.typ, SubSystem: event.SubMultipath, Kdev: l.kdev, Severity: event.Warning,
			Timestamp: t0.Add(l.stamp), RawMsg: l.name, Msg: l.name}
		if l.typ == "BLK_IO_ERROR" {
			ev.SubSystem, ev.Severity = event.SubBlock, event.Error
		}
		for k, v := range map[string]string{"daemon": l.daemon, "condition": l.cond, "kernel_action": l.action} {
			if v != "" {
				ev.SetExt(k, v)
			}
		}
		p.emit(ev)
	}
	if stop == 0 {
		stop = time.Hour
	}
	run(t0.Add(stop))
	p.closeParser()
	if n := len(p.waits.held) + len(p.waits.lane.held); n > 0 {
		t.Errorf("%d events still held after closeParser", n)
	}
	close(sink.q)
	names := map[string]string{}
	var evs []event.Event
	for q := range sink.q {
		names[q.ev.EventID] = q.ev.RawMsg
		evs = append(evs, q.ev)
	}
	var got []laneOut
	for i, ev := range evs {
		got = append(got, laneOut{ev.RawMsg, names[ev.RootCauseEventID]})
		if ev.Seq != uint64(i+1) {
			t.Errorf("%s has seq %d, want %d", ev.RawMsg, ev.Seq, i+1)
		}
	}
	return got
}

// TestCauseLaneBound: a kernel event no daemon's line answers comes out
// causeWait after it came, and the kernel's later lines of other devices
// behind it; a daemon's line meanwhile waits behind it too.
func TestCauseLaneBound(t *testing.T) {
	t0 := time.Now()
	now := t0
	p, sink, _ := testPipeline(t, mpathResolver{}, &now)
	p.followsDaemons = true
	p.emit(event.Event{EventType: "DM_MPATH_PATH_FAILED", SubSystem: event.SubMultipath, Kdev: "8:16", Severity: event.Warning, Timestamp: t0, RawMsg: "failing"})
	now = t0.Add(time.Millisecond)
	p.emit(event.Event{EventType: "BLK_IO_ERROR", SubSystem: event.SubBlock, Kdev: "dm-0", Severity: event.Error, Timestamp: now, RawMsg: "map io"})
	if len(sink.q) != 0 {
		t.Fatalf("%d events delivered while the path failure waits for multipathd's line", len(sink.q))
	}
	at, ok := p.waits.due()
	if !ok || at.Sub(t0) != causeWait {
		t.Fatalf("due at %v (%v), want %v after the kernel's line", at.Sub(t0), ok, causeWait)
	}
	now = at.Add(-time.Nanosecond)
	p.retry(false)
	if len(sink.q) != 0 {
		t.Fatalf("%d events delivered before causeWait is over", len(sink.q))
	}
	now = at
	p.retry(false)
	if len(sink.q) != 2 || len(p.waits.lane.held) != 0 {
		t.Fatalf("%d delivered, %d held once causeWait is over: want both delivered", len(sink.q), len(p.waits.lane.held))
	}
}
