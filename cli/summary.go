package cli

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peripety/peripety/event"
)

// SummaryCmd is `prpt summary`: the stored events counted per host,
// device, type and severity, as `ras-mc-ctl --summary` counts memory
// errors.
type SummaryCmd struct {
	JSON  bool     `short:"J" name:"json" help:"Print the counts as one JSON object."`
	Since string   `placeholder:"S" help:"Only events at or after S (forms as query's --since)."`
	Until string   `placeholder:"S" help:"Only events at or before S (forms as --since)."`
	Boot  BootFlag `short:"b" placeholder:"[ID][±N]" help:"Only events of one boot (as query's --boot)."`
	FilterFlags
	JournalFlags
}

// summaryLimit bounds the events a summary reads: the counts of a larger
// store cover its latest summaryLimit events, and the summary says so.
const summaryLimit = 200_000

// Run prints the counts of the stored events the filters select.
func (c *SummaryCmd) Run(env *Env) error {
	src, direct, err := c.source()
	if err != nil {
		return err
	}
	f, err := c.filter(direct)
	if err != nil {
		return err
	}
	if err := timeRange(&f, c.Since, c.Until, c.Boot, direct, src); err != nil {
		return err
	}
	f.Limit = summaryLimit
	ctx, stop := env.context()
	defer stop()
	var evs []event.Event
	if !direct {
		if evs, err = busQuery(ctx, busFilter(f, c.Blk)); err != nil {
			return err
		}
	} else if err := localJournalAccess(src); err != nil {
		return err
	} else if evs, err = queryJournal(ctx, src, f); err != nil {
		return fmt.Errorf("summary of %s: %w", src, err)
	}
	s := summarize(evs, f)
	if len(evs) >= summaryLimit {
		s.Truncated = true
		fmt.Fprintf(env.Stderr, "prpt: the counts cover the latest %d events only; narrow them with --since\n", summaryLimit)
	}
	w := bufio.NewWriter(env.Stdout)
	if c.JSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return err
		}
	} else {
		s.writeText(w)
	}
	return w.Flush()
}

// Summary is what `prpt summary -J` prints (docs/design.md, "CLI prpt").
type Summary struct {
	// Since and Until are the range asked for ("" for open).
	Since string `json:"since"`
	Until string `json:"until"`
	// First and Last are the times of the first and last event counted.
	First string `json:"first"`
	Last  string `json:"last"`
	// Events counts events; Lines the kernel lines they stand for (a
	// folded storm is one event of many lines).
	Events     uint64          `json:"events"`
	Lines      uint64          `json:"lines"`
	Hosts      []HostCount     `json:"hosts"`
	Devices    []DeviceCount   `json:"devices"`
	EventTypes []TypeCount     `json:"event_types"`
	Severities []SeverityCount `json:"severities"`
	// Truncated says the store held more events than a summary reads.
	Truncated bool `json:"truncated"`
}

// Counts are the counts every row of a summary has.
type Counts struct {
	Events uint64 `json:"events"`
	Lines  uint64 `json:"lines"`
	First  string `json:"first"`
	Last   string `json:"last"`
	// first and last as times, for merging.
	first, last time.Time
}

// Worst is the most severe severity of a host's or a device's events.
type Worst struct {
	Worst event.Severity `json:"worst_severity"`
}

func (w *Worst) add(c *Counts, ev *event.Event) {
	if c.Events == 0 || ev.Severity < w.Worst {
		w.Worst = ev.Severity
	}
	c.add(ev)
}

// HostCount is one host's events.
type HostCount struct {
	Hostname string `json:"hostname"`
	Worst
	Counts
}

// DeviceCount is one device's events, on one host: a device is its WWID,
// else its path, else the kernel's name for it; its path, kernel name and
// mount point are the last its events gave.
type DeviceCount struct {
	Hostname   string            `json:"hostname"`
	DevWWID    string            `json:"dev_wwid"`
	DevPath    string            `json:"dev_path"`
	Kdev       string            `json:"kdev"`
	MountPoint string            `json:"mount_point"`
	EventTypes map[string]uint64 `json:"event_types"`
	Worst
	Counts
}

// TypeCount is the events of one type and severity.
type TypeCount struct {
	EventType string         `json:"event_type"`
	SubSystem string         `json:"sub_system"`
	Severity  event.Severity `json:"severity"`
	Counts
}

// SeverityCount is the events of one severity.
type SeverityCount struct {
	Severity event.Severity `json:"severity"`
	Counts
}

func (c *Counts) add(ev *event.Event) {
	c.Events++
	c.Lines += uint64(max(ev.Count, 1))
	if c.first.IsZero() || ev.Timestamp.Before(c.first) {
		c.first = ev.Timestamp
	}
	if ev.Timestamp.After(c.last) {
		c.last = ev.Timestamp
	}
	c.First, c.Last = formatTime(c.first), formatTime(c.last)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(event.TimeLayout)
}

// summarize counts evs; f gives the range asked for.
func summarize(evs []event.Event, f event.Filter) Summary {
	s := Summary{Since: formatTime(f.Since), Until: formatTime(f.Until)}
	var total Counts
	hosts := map[string]*HostCount{}
	devices := map[[2]string]*DeviceCount{}
	types := map[[3]string]*TypeCount{}
	sevs := map[event.Severity]*SeverityCount{}
	for i := range evs {
		ev := &evs[i]
		total.add(ev)
		h := get(hosts, ev.Hostname, func() *HostCount { return &HostCount{Hostname: ev.Hostname} })
		h.Worst.add(&h.Counts, ev)
		tk := [3]string{ev.EventType, ev.SubSystem, ev.Severity.String()}
		get(types, tk, func() *TypeCount {
			return &TypeCount{EventType: ev.EventType, SubSystem: ev.SubSystem, Severity: ev.Severity}
		}).add(ev)
		get(sevs, ev.Severity, func() *SeverityCount { return &SeverityCount{Severity: ev.Severity} }).add(ev)
		if id := cmp.Or(ev.DevWWID, ev.DevPath, ev.Kdev); id != "" {
			d := get(devices, [2]string{ev.Hostname, id}, func() *DeviceCount {
				return &DeviceCount{Hostname: ev.Hostname, DevWWID: ev.DevWWID, EventTypes: map[string]uint64{}}
			})
			d.Worst.add(&d.Counts, ev)
			d.EventTypes[ev.EventType]++
			d.DevPath = cmp.Or(ev.DevPath, d.DevPath)
			d.Kdev = cmp.Or(ev.Kdev, d.Kdev)
			d.MountPoint = cmp.Or(ev.Ext("mount_point"), d.MountPoint)
		}
	}
	s.Events, s.Lines, s.First, s.Last = total.Events, total.Lines, total.First, total.Last
	s.Hosts = sortedValues(hosts, func(a, b *HostCount) int { return cmp.Compare(a.Hostname, b.Hostname) })
	s.Devices = sortedValues(devices, func(a, b *DeviceCount) int {
		return cmp.Or(cmp.Compare(a.Worst.Worst, b.Worst.Worst), cmp.Compare(b.Events, a.Events), cmp.Compare(a.Hostname, b.Hostname),
			cmp.Compare(a.DevPath, b.DevPath), cmp.Compare(a.DevWWID, b.DevWWID))
	})
	s.EventTypes = sortedValues(types, func(a, b *TypeCount) int {
		return cmp.Or(cmp.Compare(a.Severity, b.Severity), cmp.Compare(b.Events, a.Events), cmp.Compare(a.EventType, b.EventType),
			cmp.Compare(a.SubSystem, b.SubSystem))
	})
	s.Severities = sortedValues(sevs, func(a, b *SeverityCount) int { return cmp.Compare(a.Severity, b.Severity) })
	return s
}

// get returns m[k], made by mk when absent.
func get[K comparable, V any](m map[K]*V, k K, mk func() *V) *V {
	v, ok := m[k]
	if !ok {
		v = mk()
		m[k] = v
	}
	return v
}

func sortedValues[K comparable, V any](m map[K]*V, cmpV func(a, b *V) int) []V {
	ptrs := slices.SortedFunc(maps.Values(m), cmpV)
	out := make([]V, len(ptrs))
	for i, p := range ptrs {
		out[i] = *p
	}
	return out
}

// writeText prints the summary as tables, worst first.
func (s *Summary) writeText(w io.Writer) {
	if s.Events == 0 {
		fmt.Fprintln(w, "No storage events"+s.rangeText()+".")
		return
	}
	fmt.Fprintf(w, "Storage events%s: %s (%s) on %s, from %s to %s.\n", s.rangeText(), plural(int(s.Events), "event"),
		plural(int(s.Lines), "kernel line"), plural(len(s.Hosts), "host"), shortTime(s.First), shortTime(s.Last))
	table := func(title, header string, rows func(tw io.Writer)) {
		fmt.Fprintf(w, "\n%s:\n", title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  "+header)
		rows(tw)
		tw.Flush()
	}
	table("Hosts", "HOST\tEVENTS\tLINES\tWORST\tLAST", func(tw io.Writer) {
		for _, h := range s.Hosts {
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t%s\n", dash(h.Hostname), h.Events, h.Lines, h.Worst.Worst, shortTime(h.Last))
		}
	})
	if len(s.Devices) > 0 {
		table("Devices", "HOST\tDEVICE\tWWID\tMOUNT POINT\tEVENTS\tLINES\tWORST\tLAST\tTYPES", func(tw io.Writer) {
			for _, d := range s.Devices {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", dash(d.Hostname), dash(cmp.Or(d.DevPath, d.Kdev)),
					dash(d.DevWWID), dash(d.MountPoint), d.Events, d.Lines, d.Worst.Worst, shortTime(d.Last), typeList(d.EventTypes))
			}
		})
	}
	table("Event types", "TYPE\tSUB-SYSTEM\tSEVERITY\tEVENTS\tLINES\tLAST", func(tw io.Writer) {
		for _, t := range s.EventTypes {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%d\t%s\n", dash(t.EventType), dash(t.SubSystem), t.Severity, t.Events, t.Lines, shortTime(t.Last))
		}
	})
	table("Severities", "SEVERITY\tEVENTS\tLINES", func(tw io.Writer) {
		for _, sv := range s.Severities {
			fmt.Fprintf(tw, "  %s\t%d\t%d\n", sv.Severity, sv.Events, sv.Lines)
		}
	})
}

func (s *Summary) rangeText() string {
	switch {
	case s.Since != "" && s.Until != "":
		return " from " + shortTime(s.Since) + " to " + shortTime(s.Until)
	case s.Since != "":
		return " since " + shortTime(s.Since)
	case s.Until != "":
		return " until " + shortTime(s.Until)
	}
	return ""
}

// shortTime is a summary's time as a person reads it: to the second.
func shortTime(ts string) string {
	t, err := time.Parse(event.TimeLayout, ts)
	if err != nil {
		return dash(ts)
	}
	return t.Format("2006-01-02 15:04:05")
}

// typeList is a device's event types, most frequent first: "FS_IO_ERROR×3,
// SCSI_MEDIUM_ERROR".
func typeList(m map[string]uint64) string {
	types := slices.SortedFunc(maps.Keys(m), func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = t
		if m[t] > 1 {
			parts[i] += "×" + strconv.FormatUint(m[t], 10)
		}
	}
	return strings.Join(parts, ", ")
}
