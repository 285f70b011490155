package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/peripety/peripety/config"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/metrics"
)

// The Prometheus metrics of the daemon (docs/design.md, "Metrics"): the
// events delivered, counted by the "metrics" sink, and the health of the
// run, read when a scrape asks. They are served on a unix socket, on TCP
// when [metrics] listen is set, and written as a node_exporter textfile
// when textfile_directory is, as the config says at start.

// otherDevice is the wwid label of the events on devices past max_devices.
const otherDevice = "other"

// typeKey and deviceKey are the label values of the event counters.
type typeKey struct{ eventType, severity, subSystem string }

type deviceLabels struct{ wwid, devPath, mountPoint string }

type deviceKey struct {
	dev                 deviceLabels
	eventType, severity string
}

// eventCounts are the counts of the events delivered, by type and by
// device. The devices counted one by one are at most maxDevices label
// sets (wwid, dev_path, mount_point); events on the others are counted
// under wwid="other". Types are bounded by the rules.
type eventCounts struct {
	mu         sync.Mutex
	maxDevices int
	events     map[typeKey]uint64
	lines      map[typeKey]uint64
	byDevice   map[deviceKey]uint64
	devices    map[deviceLabels]bool
	// kmsgOverruns and kmsgLost count the overruns of the /dev/kmsg ring
	// and the records they lost (PERIPETY_KMSG_OVERRUN events).
	kmsgOverruns, kmsgLost uint64
}

func newEventCounts(maxDevices int) *eventCounts {
	return &eventCounts{maxDevices: maxDevices, events: map[typeKey]uint64{}, lines: map[typeKey]uint64{},
		byDevice: map[deviceKey]uint64{}, devices: map[deviceLabels]bool{}}
}

// add counts ev.
func (c *eventCounts) add(ev *event.Event) {
	sev := ev.Severity.String()
	tk := typeKey{ev.EventType, sev, ev.SubSystem}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events[tk]++
	c.lines[tk] += uint64(max(ev.Count, 1))
	if ev.EventType == EventKmsgOverrun {
		c.kmsgOverruns++
		if n, err := strconv.ParseUint(ev.Ext("lost"), 10, 64); err == nil {
			c.kmsgLost += n
		}
	}
	dev := deviceLabels{wwid: ev.DevWWID, devPath: ev.DevPath, mountPoint: ev.Ext("mount_point")}
	if dev.devPath == "" {
		dev.devPath = ev.Kdev // unresolved: the kernel's name is all there is
	}
	if dev == (deviceLabels{}) {
		return // not about a device (the daemon's own events)
	}
	if !c.devices[dev] {
		if len(c.devices) >= c.maxDevices {
			dev = deviceLabels{wwid: otherDevice}
		} else {
			c.devices[dev] = true
		}
	}
	c.byDevice[deviceKey{dev, ev.EventType, sev}]++
}

// families are the counts as metric families, in a stable order.
func (c *eventCounts) families() []metrics.Family {
	events := metrics.Family{Name: "peripety_events_total", Kind: metrics.Counter,
		Help:   "Storage events delivered, by type, severity and sub-system.",
		Labels: []string{"event_type", "severity", "sub_system"}}
	lines := metrics.Family{Name: "peripety_event_lines_total", Kind: metrics.Counter,
		Help:   "Kernel log lines the events delivered stand for (a folded storm counts each line), by type, severity and sub-system.",
		Labels: []string{"event_type", "severity", "sub_system"}}
	devs := metrics.Family{Name: "peripety_device_events_total", Kind: metrics.Counter,
		Help:   "Storage events delivered, by device (WWID, preferred path, mount point; at most [metrics] max_devices, the rest under wwid=\"other\"), type and severity.",
		Labels: []string{"wwid", "dev_path", "mount_point", "event_type", "severity"}}
	overruns := metrics.Family{Name: "peripety_kmsg_overruns_total", Kind: metrics.Counter,
		Help: "Times the kernel's /dev/kmsg ring overran before the daemon read it."}
	lost := metrics.Family{Name: "peripety_kmsg_lost_records_total", Kind: metrics.Counter,
		Help: "Kernel log records lost to /dev/kmsg overruns."}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range sortedKeys(c.events, cmpTypeKey) {
		events.Add(float64(c.events[k]), k.eventType, k.severity, k.subSystem)
		lines.Add(float64(c.lines[k]), k.eventType, k.severity, k.subSystem)
	}
	for _, k := range sortedKeys(c.byDevice, cmpDeviceKey) {
		devs.Add(float64(c.byDevice[k]), k.dev.wwid, k.dev.devPath, k.dev.mountPoint, k.eventType, k.severity)
	}
	overruns.Add(float64(c.kmsgOverruns))
	lost.Add(float64(c.kmsgLost))
	return []metrics.Family{events, lines, devs, overruns, lost}
}

func sortedKeys[K comparable, V any](m map[K]V, cmpKeys func(a, b K) int) []K {
	return slices.SortedFunc(maps.Keys(m), cmpKeys)
}

func cmpTypeKey(a, b typeKey) int {
	return cmp.Or(cmp.Compare(a.eventType, b.eventType), cmp.Compare(a.severity, b.severity), cmp.Compare(a.subSystem, b.subSystem))
}

func cmpDeviceKey(a, b deviceKey) int {
	return cmp.Or(cmp.Compare(a.dev.wwid, b.dev.wwid), cmp.Compare(a.dev.devPath, b.dev.devPath),
		cmp.Compare(a.dev.mountPoint, b.dev.mountPoint), cmp.Compare(a.eventType, b.eventType), cmp.Compare(a.severity, b.severity))
}

// metricsSink counts the events delivered into the daemon's eventCounts.
type metricsSink struct{ c *eventCounts }

func openMetricsSink(d *Daemon) (Sink, error) { return metricsSink{d.counts}, nil }

// Name implements Sink.
func (metricsSink) Name() string { return "metrics" }

// Emit implements Sink.
func (s metricsSink) Emit(_ context.Context, ev event.Event) error {
	s.c.add(&ev)
	return nil
}

// Close implements Sink: the counts stay for the last scrape.
func (metricsSink) Close() error { return nil }

// gatherMetrics is what a scrape returns: the event counts, and the
// run's health read now.
func (r *run) gatherMetrics() []metrics.Family {
	fams := r.d.counts.families()
	read := metrics.Family{Name: "peripety_records_read_total", Kind: metrics.Counter,
		Help: "Kernel log records read from the source.", Labels: []string{"source"}}
	read.Add(float64(r.pl.read.Load()), r.d.src.Name())
	emitted := metrics.Family{Name: "peripety_events_emitted_total", Kind: metrics.Counter,
		Help: "Events the pipeline delivered to its sinks (the D-Bus EventsEmitted property)."}
	emitted.Add(float64(r.pl.emitted.Load()))
	srcQueue := metrics.Family{Name: "peripety_source_queue_length", Kind: metrics.Gauge,
		Help: "Records read and waiting for the pipeline."}
	srcQueue.Add(float64(len(r.src.items)))
	queue := metrics.Family{Name: "peripety_sink_queue_length", Kind: metrics.Gauge,
		Help: "Events waiting for a sink.", Labels: []string{"sink"}}
	capacity := metrics.Family{Name: "peripety_sink_queue_capacity", Kind: metrics.Gauge,
		Help: "Events a sink's queue holds before the sink sheds.", Labels: []string{"sink"}}
	failed := metrics.Family{Name: "peripety_sink_errors_total", Kind: metrics.Counter,
		Help: "Events a sink failed to deliver (journald: write errors).", Labels: []string{"sink"}}
	shed := metrics.Family{Name: "peripety_sink_shed_events_total", Kind: metrics.Counter,
		Help: "Events a sink shed because its queue stayed full.", Labels: []string{"sink"}}
	for _, s := range r.sinks {
		if s.sink == nil {
			continue
		}
		queue.Add(float64(len(s.q)), s.name)
		capacity.Add(float64(cap(s.q)), s.name)
		failed.Add(float64(s.failed.Load()), s.name)
		shed.Add(float64(s.shedCount.Load()), s.name)
	}
	start := metrics.Family{Name: "peripety_start_time_seconds", Kind: metrics.Gauge,
		Help: "When the daemon started, in seconds since the epoch."}
	start.Add(float64(r.at.UnixMilli()) / 1000)
	info := metrics.Family{Name: "peripety_build_info", Kind: metrics.Gauge,
		Help: "The daemon's version, as the value of a label; always 1.", Labels: []string{"version"}}
	info.Add(1, r.d.opts.Version)
	fams = append(fams, read, emitted, srcQueue, queue, capacity, failed, shed)
	fams = append(fams, r.d.hookStats.families()...)
	fams = append(fams, incidentFamilies(r.pl.corr, r.cfg.Metrics.MaxDevices)...)
	return append(fams, start, info)
}

// startMetrics opens the endpoints [metrics] names, each in a goroutine
// of r.metrics. An endpoint that cannot open is logged and left off: the
// daemon's work is its events.
func (r *run) startMetrics(ctx context.Context) {
	m := r.cfg.Metrics
	// Not the run's context: a clean stop serves and writes the counts
	// of the events drained after it.
	r.metrics = newGroup(context.WithoutCancel(ctx))
	for _, ep := range []struct {
		addr   string
		listen func(string) (net.Listener, error)
	}{{m.Socket, listenUnix}, {m.Listen, func(a string) (net.Listener, error) { return net.Listen("tcp", a) }}} {
		if ep.addr == "" {
			continue
		}
		ln, err := ep.listen(ep.addr)
		if err != nil {
			r.log.Warn("metrics endpoint unavailable", "address", ep.addr, "err", err)
			continue
		}
		r.log.Info("serving metrics", "address", ln.Addr().String())
		r.metrics.start(func(ctx context.Context) {
			if err := metrics.Serve(ctx, ln, r.gatherMetrics); err != nil {
				r.log.Error("metrics endpoint stopped", "address", ep.addr, "err", err)
			}
		})
	}
	if m.TextfileDirectory != "" {
		r.metrics.start(func(ctx context.Context) { r.writeTextfiles(ctx, m.TextfileDirectory, m.TextfileInterval) })
	}
}

// writeTextfiles writes the metrics into dir every interval, and once more
// as ctx ends. A failure is logged when it first happens and when it
// ends, not at every interval.
func (r *run) writeTextfiles(ctx context.Context, dir string, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var failing string
	write := func() {
		err := metrics.WriteTextfile(dir, metrics.TextfileName, r.gatherMetrics())
		switch {
		case err != nil && err.Error() != failing:
			failing = err.Error()
			r.log.Warn("metrics textfile not written", "err", err)
		case err == nil && failing != "":
			failing = ""
			r.log.Info("metrics textfile written again", "path", filepath.Join(dir, metrics.TextfileName))
		}
	}
	write()
	for {
		select {
		case <-ctx.Done():
			write()
			return
		case <-t.C:
			write()
		}
	}
}

// listenUnix listens on the unix socket at path, creating its directory.
// A socket file left by a daemon that died is replaced; one a live
// process answers on is not. The socket is root's alone (mode 0600):
// connect(2) needs write permission on it.
func listenUnix(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("metrics socket directory: %w", err)
	}
	if st, err := os.Lstat(path); err == nil {
		if st.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("metrics socket %q: exists and is not a socket", path)
		}
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return nil, fmt.Errorf("metrics socket %q: another process serves on it", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("remove stale metrics socket: %w", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("metrics socket: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("metrics socket: %w", err)
	}
	return ln, nil
}

// metricsConfigChanged says whether a reload changed [metrics], which
// applies at start only.
func metricsConfigChanged(old, cur *config.Config) bool { return old.Metrics != cur.Metrics }
