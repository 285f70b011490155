package parsers

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
)

// FuzzDaemons feeds arbitrary records of the storage daemons, and the
// kernel's, through a parser: data is split into records at NUL bytes,
// each record's daemon is picked by a byte of whose (none: the kernel),
// prios gives its priority. Every event must be well formed and say the
// daemon of its line; a line a rule takes must pass the reader's filter.
func FuzzDaemons(f *testing.F) {
	seed := func(lines ...string) []byte { return []byte(strings.Join(lines, "\x00")) }
	f.Add(seed("mpatha: sdc - tur checker reports path is down", "checker failed path 8:32 in map mpatha",
		"device-mapper: multipath: 253:0: Failing path 8:32.", "mpatha: remaining active paths: 0"), []byte{1, 1, 0, 1}, uint64(0x4666))
	f.Add(seed("Fail event detected on md device /dev/md0, component device /dev/sdb1",
		"mdadm: Fail event detected on md device /dev/md0, component device /dev/sdb1",
		"RebuildFinished event detected on md device /dev/md/data, component device  mismatches found: 64 (on raid level 1)"), []byte{4, 4, 4}, uint64(0x626))
	f.Add(seed("Device: /dev/sda [SAT], WDC WD30EFRX-68EUZN0, S/N:WD-WCC4N1234567, WWN:5-0014ee-2b5e1a2c3, FW:82.00A82, 3.00 TB",
		"Device: /dev/sda [SAT], 8 Currently unreadable (pending) sectors",
		"Device: /dev/sda [SAT], SMART Usage Attribute: 197 Current_Pending_Sector changed from 200 [Raw 0] to 200 [Raw 8"), []byte{5, 5, 5}, uint64(0x226))
	f.Add(seed("iscsid: Kernel reported iSCSI connection 1:0 error (1020 - ISCSI_ERR_TCP_CONN_CLOSE: TCP (x) closed) state (3)",
		"Connection1:0 to [target: iqn.x, portal: fe80::1,3260] through [iface: default] is operational now",
		"connect to fe80::1:3260 failed (No route to host)"), []byte{2, 2, 2}, uint64(0x444))
	f.Add(seed("WARNING: Thin pool my--vg-thin--pool-tpool data is now 96.39% full.",
		"Size of logical volume vg/pool_tdata changed from 60.00 MiB (15 extents) to 72.00 MiB (18 extents).",
		"Logical volume vg/pool successfully resized.", "WARNING: Thin pool - data is now 1% full."), []byte{3, 3, 3, 3}, uint64(0x4444))
	f.Add(seed("Cleaning up mount point /media/a b (device 8:17 no longer exists)", "failed to add controller, error \xff"), []byte{6, 7}, uint64(0x55))
	rs := mustRuleSet(f)
	names := append([]string{""}, DaemonNames()...)
	f.Fuzz(func(t *testing.T, data, whose []byte, prios uint64) {
		p := NewParser(rs, Options{})
		var current string
		emit := func(e event.Event) {
			checkEvent(t, e)
			if d := e.Ext("daemon"); d != "" {
				if _, ok := LookupDaemon(d); !ok {
					t.Errorf("event %s of unknown daemon %q", e.EventType, d)
				}
			}
		}
		for i, msg := range bytes.Split(data, []byte{0}) {
			if len(whose) > 0 {
				current = names[int(whose[i%len(whose)])%len(names)]
			}
			prio := int(prios>>(4*(i%16))) & 7
			rec := Record{Time: t0.Add(time.Duration(i) * time.Millisecond), Message: string(msg), Level: prio, Facility: 3, Hostname: "h", Daemon: current}
			if current == "" {
				rec.Facility = 0
			}
			p.Push(rec, emit)
			if name, ok := rs.MatchRule(rec); ok && !rs.Wants(current, msg) {
				t.Errorf("rule %s takes %s's %q, which Wants turns down", name, current, msg)
			}
		}
		p.Close(emit)
	})
}
