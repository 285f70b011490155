package correlate

import (
	"testing"
	"time"
)

// The storage daemons' events beside the kernel's (issue 16): each daemon's
// lines as it logs them (../shared/userspace-formats.md), typed and
// conditioned as the parsers' daemon rules do, on the devices the resolver
// gives them. A kernel line is stamped when the kernel printed it, a
// daemon's when journald received it.

// mpathStack: the two-path map mpatha (dm-0) over sdb and sdc.
func mpathStack() *stack {
	return newStack("sdb=8:16", "sdc=8:32", "dm-0=254:0", "dm-0>sdb,sdc")
}

// checkerFails: multipathd's TUR checker fails sdb with no I/O running
// (multipathd logs `checker failed path 8:16 in map mpatha`, then asks
// dm-multipath to fail it, which prints `Failing path 8:16.`), counts the
// map's paths, and reinstates the path once it answers; dm-multipath
// reinstates it at its word.
func checkerFails(kernelFirst bool) []step {
	checker := step{id: "checker", at: 40.503, dev: "sdb", sub: "Multipath", typ: "MPATH_PATH_DOWN", sev: warn, cond: "path:failed", src: "multipathd"}
	failing := step{id: "failing", at: 40.501, dev: "sdb", sub: "Multipath", typ: "DM_MPATH_PATH_FAILED", sev: warn, cond: "path:failed"}
	first, second := checker, failing
	if kernelFirst {
		first, second = failing, checker
	}
	return []step{first, second,
		{id: "remaining", at: 40.504, dev: "dm-0", sub: "Multipath", typ: "MPATH_ACTIVE_PATHS_CHANGED", sev: note, cond: "map:active", src: "multipathd"},
		{id: "reinstated", at: 52.1, dev: "sdb", sub: "Multipath", typ: "MPATH_PATH_UP", sev: note, cond: "path:active", src: "multipathd"},
		{id: "reinstating", at: 52.099, dev: "sdb", sub: "Multipath", typ: "DM_MPATH_PATH_REINSTATED", sev: warn, cond: "path:active"},
	}
}

// TestMultipathdChecker: multipathd's checker failing a path and the
// kernel's `Failing path` are one incident whichever the log shows first,
// though the kernel's line is stamped before multipathd's: the checker's
// word is the cause when it comes first. The path reinstated closes it; the
// other source's word of the reinstatement then finds nothing open.
func TestMultipathdChecker(t *testing.T) {
	for _, kernelFirst := range []bool{false, true} {
		s := mpathStack()
		m := New(Config{})
		res := s.run(t, m, checkerFails(kernelFirst))
		root := "checker"
		if kernelFirst {
			root = "failing"
		}
		wantRoots(t, res, map[string]string{"checker": root, "failing": root, "remaining": root, "reinstated": root})
		id := sameIncident(t, res, "checker", "failing", "remaining", "reinstated")
		// The second word of the clear finds the path well already.
		if r := res["reinstating"]; r.Incident != "" || r.RootCause != "" {
			t.Errorf("kernel first %v: the kernel's reinstating, after multipathd's, is %+v", kernelFirst, r)
		}
		inc := mustIncident(t, m, id)
		if inc.State != StateClosed || inc.Counts["MPATH_PATH_DOWN"] != 1 || inc.Counts["DM_MPATH_PATH_FAILED"] != 1 {
			t.Errorf("kernel first %v: incident %s, counts %v; want closed, one of each failure", kernelFirst, inc.State, inc.Counts)
		}
	}
}

// TestSkewBounds: a fault another source logged is a cause of an event
// stamped up to Config.Skew before it, never more; the same source's
// never is (its own lines are in order).
func TestSkewBounds(t *testing.T) {
	for _, c := range []struct {
		name   string
		second step
		linked bool
	}{
		{"kernel within skew", step{id: "b", at: 11.9, dev: "sdb", sub: "Multipath", typ: "DM_MPATH_PATH_FAILED", sev: warn, cond: "path:failed"}, true},
		{"kernel past skew", step{id: "b", at: 7.9, dev: "sdb", sub: "Multipath", typ: "DM_MPATH_PATH_FAILED", sev: warn, cond: "path:failed"}, false},
		{"same daemon before", step{id: "b", at: 11.9, dev: "sdb", sub: "Multipath", typ: "MPATH_PATH_DOWN", sev: warn, cond: "path:failed", src: "multipathd"}, false},
	} {
		s := mpathStack()
		m := New(Config{Skew: 2 * time.Second})
		res := s.run(t, m, []step{
			{id: "a", at: 12, dev: "sdb", sub: "Multipath", typ: "MPATH_PATH_DOWN", sev: warn, cond: "path:failed", src: "multipathd"},
			c.second,
		})
		if got := rootOf("b", res["b"]) == "a"; got != c.linked {
			t.Errorf("%s: b follows from a: %v, want %v", c.name, got, c.linked)
		}
	}
}

// TestMultipathdAllPaths: multipathd's checker fails both paths of the
// map, the kernel fails them, multipathd says the map has none left and
// the map's I/O fails: all of it follows from the first path's failure
// (the second path's failure is related).
func TestMultipathdAllPaths(t *testing.T) {
	s := mpathStack()
	m := New(Config{})
	res := s.run(t, m, []step{
		{id: "checker1", at: 30.2, dev: "sdb", sub: "Multipath", typ: "MPATH_PATH_DOWN", sev: warn, cond: "path:failed", src: "multipathd"},
		{id: "failing1", at: 30.1995, dev: "sdb", sub: "Multipath", typ: "DM_MPATH_PATH_FAILED", sev: warn, cond: "path:failed"},
		{id: "remaining1", at: 30.201, dev: "dm-0", sub: "Multipath", typ: "MPATH_ACTIVE_PATHS_CHANGED", sev: note, cond: "map:active", src: "multipathd"},
		{id: "checker2", at: 30.21, dev: "sdc", sub: "Multipath", typ: "MPATH_PATH_DOWN", sev: warn, cond: "path:failed", src: "multipathd"},
		{id: "failing2", at: 30.209, dev: "sdc", sub: "Multipath", typ: "DM_MPATH_PATH_FAILED", sev: warn, cond: "path:failed"},
		{id: "nopaths", at: 30.211, dev: "dm-0", sub: "Multipath", typ: "MPATH_MAP_NO_PATHS", sev: crit, cond: "map:no_paths", src: "multipathd"},
		{id: "mapio", at: 30.5, dev: "dm-0", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
	})
	wantRoots(t, res, map[string]string{"failing1": "checker1", "remaining1": "checker1", "checker2": "checker2",
		"failing2": "checker2", "nopaths": "checker1", "mapio": "checker1"})
	id := sameIncident(t, res, "checker1", "failing1", "nopaths", "mapio")
	if other := res["checker2"].Incident; other == "" || other == id || !contains(mustIncident(t, m, id).Related, other) {
		t.Errorf("the second path's incident %q is not related to the first's %q", other, id)
	}
}

// TestSmartdBeforeMediumError: smartd's pending sectors on sda open a
// fault that stays open (no line clears a disk's health), so the medium
// errors the kernel reports on that disk half an hour later follow from
// it; another disk's do not.
func TestSmartdBeforeMediumError(t *testing.T) {
	s := newStack("sda=8:0", "sdb=8:16")
	m := New(Config{})
	res := s.run(t, m, []step{
		{id: "pending", at: 0, dev: "sda", sub: "SMART", typ: "SMART_PENDING_SECTORS", sev: errS, cond: "health:failing", src: "smartd"},
		{id: "medium", at: 1800, dev: "sda", sub: "SCSI", typ: "SCSI_MEDIUM_ERROR", sev: errS},
		{id: "critical", at: 1800.001, dev: "sda", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
		{id: "pending2", at: 3600, dev: "sda", sub: "SMART", typ: "SMART_PENDING_SECTORS", sev: errS, cond: "health:failing", src: "smartd"},
		{id: "elsewhere", at: 1800.5, dev: "sdb", sub: "SCSI", typ: "SCSI_MEDIUM_ERROR", sev: errS},
	})
	wantRoots(t, res, map[string]string{"medium": "pending", "critical": "pending", "pending2": "pending", "elsewhere": "elsewhere"})
	sameIncident(t, res, "pending", "medium", "critical", "pending2")
	if res["elsewhere"].Incident == res["pending"].Incident {
		t.Errorf("another disk's medium error joined sda's incident")
	}
}

// TestMdadmBesideKernel: the kernel fails the member, mdadm --monitor
// reports the Fail a second later (it reads /proc/mdstat), the rebuild
// onto a spare and its end: one incident, whose root is the kernel's line,
// closed by the rebuild's end whichever reports it.
func TestMdadmBesideKernel(t *testing.T) {
	s := mdStack()
	m := New(Config{})
	res := s.run(t, m, []step{
		{id: "member", at: 205.769589, dev: "dm-0", sub: "MD", typ: "MD_DISK_FAILURE", sev: crit, cond: "member:failed", scope: "md0"},
		{id: "degraded", at: 205.769589, dev: "md0", sub: "MD", typ: "MD_DEGRADED", sev: crit, cond: "array:degraded"},
		{id: "fail", at: 206.8, dev: "dm-0", sub: "MD", typ: "MD_FAIL", sev: crit, cond: "member:failed", scope: "md0", src: "mdadm"},
	})
	wantRoots(t, res, map[string]string{"member": "member", "degraded": "member", "fail": "member"})
	id := sameIncident(t, res, "member", "degraded", "fail")
	s.below["md0"] = []string{"dm-1", "loop1", "dm-2", "loop2"}
	res = s.run(t, m, []step{
		{id: "sync", at: 208.05677, dev: "md0", sub: "MD", typ: "MD_SYNC_STARTED", sev: info, cond: "array:recovering"},
		{id: "rebuild", at: 208.9, dev: "md0", sub: "MD", typ: "MD_REBUILD_STARTED", sev: warn, cond: "array:recovering", src: "mdadm"},
		{id: "synced", at: 209.958278, dev: "md0", sub: "MD", typ: "MD_SYNC_DONE", sev: info, cond: "array:clean"},
		{id: "finished", at: 210.9, dev: "md0", sub: "MD", typ: "MD_REBUILD_FINISHED", sev: note, cond: "array:clean", src: "mdadm"},
	})
	for _, st := range []string{"sync", "rebuild", "synced"} {
		if res[st].Incident != id {
			t.Errorf("%s: incident %q, want %q", st, res[st].Incident, id)
		}
	}
	if inc := mustIncident(t, m, id); inc.State != StateClosed || inc.Counts["MD_FAIL"] != 1 {
		t.Errorf("incident %s, counts %v: want closed, with mdadm's Fail", inc.State, inc.Counts)
	}
}

// TestDmeventdBeforeThinFull: dmeventd warns as the pool's data passes
// 80%, 85%, 90% and 95% (autoextend off); the kernel then switches the pool
// to out-of-data-space and the thin volume's writes fail: all of it follows
// from the first warning. Extended (lvextend, or autoextend on), the pool
// is well; its next filling is a new incident.
func TestDmeventdBeforeThinFull(t *testing.T) {
	s := thinStack()
	m := New(Config{})
	res := s.run(t, m, []step{
		{id: "w80", at: 100, dev: "dm-1", sub: "LVM-ThinProvisioning", typ: "LVM_THIN_POOL_DATA_USAGE", sev: warn, cond: "pool:data_high", src: "dmeventd"},
		{id: "w85", at: 110, dev: "dm-1", sub: "LVM-ThinProvisioning", typ: "LVM_THIN_POOL_DATA_USAGE", sev: warn, cond: "pool:data_high", src: "dmeventd"},
		{id: "low", at: 112, dev: "dm-1", sub: "LVM-ThinProvisioning", typ: "DM_THIN_LOW_WATER_MARK", sev: warn},
		{id: "w95", at: 120, dev: "dm-1", sub: "LVM-ThinProvisioning", typ: "LVM_THIN_POOL_DATA_USAGE", sev: warn, cond: "pool:data_high", src: "dmeventd"},
		{id: "full", at: 121, dev: "dm-1", sub: "LVM-ThinProvisioning", typ: "DM_THIN_POOL_FULL", sev: errS, cond: "pool:out_of_data"},
		{id: "thinio", at: 121.5, dev: "dm-2", sub: "Block", typ: "BLK_IO_ERROR", sev: errS},
	})
	wantRoots(t, res, map[string]string{"w85": "w80", "low": "w80", "w95": "w80", "full": "w80", "thinio": "w80"})
	id := sameIncident(t, res, "w80", "w85", "low", "w95", "full", "thinio")
	res = s.run(t, m, []step{
		{id: "resized", at: 200, dev: "dm-1", sub: "LVM", typ: "LVM_LV_RESIZED", sev: info, cond: "pool:resized", src: "dmeventd"},
		{id: "ok", at: 200.1, dev: "dm-1", sub: "LVM-ThinProvisioning", typ: "DM_THIN_POOL_MODE_CHANGED", sev: info, cond: "pool:ok"},
		{id: "again", at: 300, dev: "dm-1", sub: "LVM-ThinProvisioning", typ: "LVM_THIN_POOL_DATA_USAGE", sev: warn, cond: "pool:data_high", src: "dmeventd"},
	})
	if res["resized"].Incident != id || mustIncident(t, m, id).State != StateClosed {
		t.Errorf("pool extended: %+v, incident %s", res["resized"], mustIncident(t, m, id).State)
	}
	if rootOf("again", res["again"]) != "again" || res["again"].Incident == id {
		t.Errorf("the pool filling again joined the old incident: %+v", res["again"])
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
