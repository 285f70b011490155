package service

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/peripety/peripety/correlate"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/sysfs"
)

const (
	// incidentsFile keeps the causal model (its open faults, device
	// conditions and incidents) across restarts of the daemon.
	incidentsFile = "incidents.json"
	// conditionPoll is how often the devices with a fault condition open
	// are read in sysfs, to see them recover when the kernel says nothing
	// (a SCSI device set running again prints no line).
	conditionPoll = 10 * time.Second
	// incidentsSave is how often the model is saved while it changes.
	incidentsSave = 10 * time.Second
	// maxBelowCache bounds the stacks kept converted for the model.
	maxBelowCache = 1024
)

// StateReader is a Resolver that reads the state of devices from sysfs
// (*sysfs.Resolver): the daemon sees faults clear by it.
type StateReader interface {
	State(name string) (sysfs.DeviceState, error)
}

// correlation is the stage of the pipeline between resolution and
// delivery (docs/architecture.md): it gives each event its root cause and
// incident from the causal model (package correlate, docs/correlation.md),
// keeps the model in the state directory, lets the log's time pass for it,
// and reads sysfs to see faults clear. link, tick and poll run on the
// pipeline goroutine; the D-Bus face reads under the lock.
type correlation struct {
	st  *StateDir
	res Resolver
	log *slog.Logger

	mu    sync.Mutex
	m     *correlate.Model
	dirty bool

	// below holds the stacks converted for the model, by the resolver's
	// shared slice of owners: an event storm converts its stack once.
	below    map[*sysfs.BlockInfo][]correlate.DevInfo
	lastPoll time.Time
	evicted  uint64
}

// openCorrelation restores the model saved in st; a missing or unreadable
// file starts an empty one (the latter said in the log).
func openCorrelation(st *StateDir, res Resolver, log *slog.Logger) *correlation {
	c := &correlation{st: st, res: res, log: log, below: map[*sysfs.BlockInfo][]correlate.DevInfo{}}
	var saved correlate.Saved
	err := st.load(incidentsFile, &saved)
	if err == nil {
		c.m, err = correlate.Restore(correlate.DefaultConfig(), saved)
	}
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			log.Warn("saved incidents unusable, starting without them", "err", err)
		}
		c.m = correlate.New(correlate.DefaultConfig())
	}
	c.evicted = c.m.Stats().EvictedFaults
	return c
}

// link sets ev's root cause and incident. info is the identity the
// resolution used for it, with the devices below (zero when none).
func (c *correlation) link(ev *event.Event, info sysfs.BlockInfo) {
	if ev.SubSystem == event.SubPeripety {
		return
	}
	in := c.input(ev, info)
	c.mu.Lock()
	if in.Dev.Dev != (correlate.Dev{Name: info.KernelName, MajMin: info.MajorMinor, Seq: info.DiskSeq}) && info.KernelName != "" {
		// A path's event: the map it resolved to is built on it.
		c.m.Learn(devInfo(&info, info.MountPoint), c.belowOf(info.Owners), ev.Timestamp)
	}
	r := c.m.Observe(in)
	c.dirty = true
	c.mu.Unlock()
	ev.RootCauseEventID = ev.EventID
	if r.RootCause != "" {
		ev.RootCauseEventID = r.RootCause
	}
	ev.IncidentID = r.Incident
}

// input is ev as the model takes it.
func (c *correlation) input(ev *event.Event, info sysfs.BlockInfo) correlate.Input {
	cond := conditionOf(ev)
	msg := ev.Msg
	if msg == "" {
		msg = ev.RawMsg
	}
	in := correlate.Input{EventID: ev.EventID, Type: ev.EventType, SubSystem: ev.SubSystem, Severity: ev.Severity,
		Time: ev.Timestamp, Count: ev.Count, Msg: msg, Layer: correlate.LayerOf(ev.SubSystem, ev.EventType, cond), Cond: cond,
		Source: ev.Ext("daemon")}
	if cond.Object == "member" {
		in.Scope = ev.Ext("array")
	}
	in.Dev, in.Below = c.subject(ev, info)
	for _, key := range []string{"disks", "namespaces"} {
		list := ev.Ext(key)
		if list == "" {
			continue
		}
		for _, name := range strings.Split(list, ",") {
			if name == "" || name == in.Dev.Name {
				continue
			}
			if i, ext, err := c.res.ForEvent(name); err == nil {
				d, _ := c.subjectOf(i, ext["blk_major_minor"], "")
				in.Also = append(in.Also, d)
			}
		}
	}
	return in
}

// subject is the device ev is about and the devices below it: the device
// resolved, or the multipath path (or NVMe path) the line named when the
// resolver answered with its map; for a device never resolved, the name
// the line gave.
func (c *correlation) subject(ev *event.Event, info sysfs.BlockInfo) (correlate.DevInfo, []correlate.DevInfo) {
	if info.KernelName == "" && info.MajorMinor == "" {
		kdev := ev.Kdev
		if kdev == "" {
			kdev = ev.Ext("pool")
		}
		if kdev == "" {
			return correlate.DevInfo{}, nil
		}
		if maj, min, ok := strings.Cut(kdev, ":"); ok && maj != "" && min != "" && !strings.Contains(min, ":") {
			return correlate.DevInfo{Dev: correlate.Dev{MajMin: kdev}}, nil
		}
		return correlate.DevInfo{Dev: correlate.Dev{Name: kdev}}, nil
	}
	return c.subjectOf(info, ev.Ext("blk_major_minor"), ev.Ext("mount_point"))
}

// subjectOf is subject for a device resolved as info, with path the
// major:minor of the path the line named ("" for none) and mount where
// the event says its filesystem is. A path is a whole disk: nothing is
// below it.
func (c *correlation) subjectOf(info sysfs.BlockInfo, path, mount string) (correlate.DevInfo, []correlate.DevInfo) {
	if path != "" && path != info.MajorMinor {
		for _, o := range info.Owners {
			if o.MajorMinor == path {
				return devInfo(&o, ""), nil
			}
		}
		return correlate.DevInfo{Dev: correlate.Dev{MajMin: path}}, nil
	}
	if info.MountPoint != "" {
		mount = info.MountPoint
	}
	return devInfo(&info, mount), c.belowOf(info.Owners)
}

// belowOf converts a stack's owners, once per shared slice.
func (c *correlation) belowOf(owners []sysfs.BlockInfo) []correlate.DevInfo {
	if len(owners) == 0 {
		return nil
	}
	if b, ok := c.below[&owners[0]]; ok && len(b) == len(owners) {
		return b
	}
	if len(c.below) >= maxBelowCache {
		clear(c.below)
	}
	b := make([]correlate.DevInfo, len(owners))
	for i := range owners {
		b[i] = devInfo(&owners[i], owners[i].MountPoint)
	}
	c.below[&owners[0]] = b
	return b
}

func devInfo(b *sysfs.BlockInfo, mount string) correlate.DevInfo {
	return correlate.DevInfo{Dev: correlate.Dev{Name: b.KernelName, MajMin: b.MajorMinor, Seq: b.DiskSeq},
		Path: b.DevPath(), WWID: b.WWID, Mount: mount}
}

// learn gives the model the stacks of the devices present at start.
func (c *correlation) learn(tops []sysfs.BlockInfo, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range tops {
		c.m.Learn(devInfo(&tops[i], tops[i].MountPoint), c.belowOf(tops[i].Owners), at)
	}
}

// tick lets the log's time pass for the model (now is the time of the
// log, as the pipeline reckons it), and every conditionPoll reads sysfs
// for the devices whose faults may have cleared unsaid.
func (c *correlation) tick(now time.Time) {
	c.mu.Lock()
	c.m.Tick(now)
	st := c.m.Stats()
	c.mu.Unlock()
	if st.EvictedFaults > c.evicted {
		c.log.Warn("open faults forgotten at the bound; events that follow from them are their own root causes",
			"evicted", st.EvictedFaults-c.evicted, "open_faults", st.OpenFaults)
		c.evicted = st.EvictedFaults
	}
	if now.Sub(c.lastPoll) >= conditionPoll || now.Before(c.lastPoll) {
		c.lastPoll = now
		c.poll(now)
	}
}

// poll reads in sysfs the state of each device with a fault condition
// open, and gives the model the states that clear it or tell of its
// repair.
func (c *correlation) poll(now time.Time) {
	sr, ok := c.res.(StateReader)
	if !ok {
		return
	}
	c.mu.Lock()
	devs := c.m.Conditions()
	c.mu.Unlock()
	for _, dc := range devs {
		if dc.Name == "" || !standing(dc.Conditions) {
			continue
		}
		st, err := sr.State(dc.Name)
		if err != nil || st.MajorMinor != dc.MajMin {
			continue // gone, or the name is another device's now
		}
		if dc.Seq != "" && st.DiskSeq != dc.Seq {
			// Another instance: a device removed has appeared again.
			if cs, ok := deviceCond(dc.Conditions); ok && cs.State == "removed" {
				c.recover(dc.Dev, condition("device:running"), now)
			}
			continue
		}
		for _, cs := range dc.Conditions {
			state, ok := st.States[cs.Object]
			if !ok || state == cs.State || cs.Kind == correlate.Clear {
				continue
			}
			if cond := condition(cs.Object + ":" + state); cond.Kind == correlate.Clear || cond.Kind == correlate.Recovering {
				c.recover(dc.Dev, cond, now)
			}
		}
	}
}

// recover gives the model a condition sysfs showed.
func (c *correlation) recover(dev correlate.Dev, cond correlate.Condition, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m.Recover(dev, cond, now)
	c.dirty = true
}

// deviceCond returns the device condition of conds.
func deviceCond(conds []correlate.CondState) (correlate.CondState, bool) {
	for _, cs := range conds {
		if cs.Object == "device" {
			return cs, true
		}
	}
	return correlate.CondState{}, false
}

// standing reports whether conds hold a fault or a repair under way.
func standing(conds []correlate.CondState) bool {
	for _, cs := range conds {
		if cs.Kind == correlate.Fault || cs.Kind == correlate.Recovering {
			return true
		}
	}
	return false
}

// save writes the model to the state directory when it changed.
func (c *correlation) save() error {
	c.mu.Lock()
	if !c.dirty {
		c.mu.Unlock()
		return nil
	}
	saved := c.m.Save()
	c.dirty = false
	c.mu.Unlock()
	if err := c.st.save(incidentsFile, saved); err != nil {
		c.mu.Lock()
		c.dirty = true
		c.mu.Unlock()
		return err
	}
	return nil
}

// saveEvery saves the model every interval while it changes, until ctx
// ends.
func (c *correlation) saveEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.save(); err != nil {
				c.log.Error("save incidents", "err", err)
			}
		}
	}
}

// incidents returns every incident the model holds, most recently seen
// first.
func (c *correlation) incidents() []correlate.Incident {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m.Incidents()
}

// incident returns one incident.
func (c *correlation) incident(id string) (correlate.Incident, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m.Incident(id)
}

// changed returns the incidents changed after version since.
func (c *correlation) changed(since uint64) ([]correlate.Incident, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m.Changed(since)
}

// conditions returns the conditions the model knows of each device.
func (c *correlation) conditions() []correlate.DeviceConditions {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m.Conditions()
}
