package parsers

import (
	"strings"

	"github.com/peripety/peripety/event"
)

// mdadm --monitor's alerts (mdadm: Monitor.c alert() in 4.2, mdmonitor.c
// sprint_event_message in 4.3+), logged with --syslog (or PROGRAM):
// "<Event> event detected on md device <md>[, component device <member>]"
// or "…: <description>". mdadm 4.3+ also writes each alert to stderr,
// which the journal keeps at priority 6 as "mdadm: <alert>": the two
// copies fold into one event (the rules group by the whole alert).
//
// The array is named as mdadm.conf or /dev names it (/dev/md0 gives md0,
// /dev/md/data stays a path the resolver follows); the member as a path
// (/dev/sdb1 gives sdb1) or, once its node is gone, major:minor. A
// member's alert has the member as its device and the array in `array`,
// as the kernel's md lines do.

// mdadmAlert is the pattern of an alert of event word ev: the array
// (`array`), the member (`kdev`) and what follows.
func mdadmAlert(ev string) string {
	return `^(?P<_alert>` + ev + ` event detected on md device (?P<array>[^\s,:]+)` +
		`(?:, component device +(?P<component>.+)|: +(?P<description>.+))?)$`
}

// mdadmRule is the rule of one alert word (a pattern; its literal start
// is prefix); member says the alert names a member.
func mdadmRule(name, ev, prefix, typ string, sev event.Severity, cond string, member bool, msg string) rule {
	r := rule{name: name, typ: typ, re: pat(mdadmAlert(ev)), prefixes: []string{prefix}, sev: sevOf(sev), cond: cond, msg: msg,
		role: roleJoin, key: "mdadm", keyBy: "_alert", open: true, finish: finishMdadmArray}
	if member {
		r.finish = finishMdadmMember
	}
	return r
}

var mdadmRules = []rule{
	mdadmRule("mdadm_fail", "Fail", "Fail event ", "MD_FAIL", event.Critical, "member:failed", true, "MD array {array}: member {kdev} failed"),
	mdadmRule("mdadm_fail_spare", "FailSpare", "FailSpare event ", "MD_FAIL_SPARE", event.Critical, "member:failed", true,
		"MD array {array}: spare {kdev} failed while being rebuilt"),
	mdadmRule("mdadm_degraded", "DegradedArray", "DegradedArray event ", "MD_DEGRADED_ARRAY", event.Critical, "array:degraded", false,
		"MD array {kdev} is degraded"),
	func() rule {
		r := mdadmRule("mdadm_device_disappeared", "DeviceDisappeared", "DeviceDisappeared event ", "MD_DEVICE_DISAPPEARED", event.Critical, "", false,
			"MD array {kdev} disappeared[: {description}]")
		r.finish, r.conds = finishMdadmDisappeared, []string{"device:removed"}
		return r
	}(),
	mdadmRule("mdadm_rebuild_started", "RebuildStarted", "RebuildStarted event ", "MD_REBUILD_STARTED", event.Warning, "array:recovering", false,
		"MD array {kdev}: rebuild started"),
	mdadmRule("mdadm_rebuild_progress", `Rebuild(?P<percent>\d\d)`, "Rebuild", "MD_REBUILD_PROGRESS", event.Info, "array:recovering", false,
		"MD array {kdev}: rebuild {percent}% done"),
	withFinish(mdadmRule("mdadm_rebuild_finished", "RebuildFinished", "RebuildFinished event ", "MD_REBUILD_FINISHED", event.Notice, "array:clean", false,
		"MD array {kdev}: rebuild finished[, {mismatches} mismatches found]"), finishMdadmRebuilt),
	mdadmRule("mdadm_spares_missing", "SparesMissing", "SparesMissing event ", "MD_SPARES_MISSING", event.Warning, "", false,
		"MD array {kdev} has fewer spares than mdadm.conf says"),
	mdadmRule("mdadm_spare_active", "SpareActive", "SpareActive event ", "MD_SPARE_ACTIVE", event.Info, "", true,
		"MD array {array}: {kdev} rebuilt and active"),
	mdadmRule("mdadm_move_spare", "MoveSpare", "MoveSpare event ", "MD_MOVE_SPARE", event.Notice, "", true,
		"MD array {array}: spare {kdev} moved to it"),
	mdadmRule("mdadm_new_array", "NewArray", "NewArray event ", "MD_NEW_ARRAY", event.Info, "", false,
		"MD array {kdev} appeared"),
}

// finishMdadmArray gives an array's alert the array as its device.
func finishMdadmArray(pe *pending) {
	ev := &pe.ev
	ev.SetExt("array", daemonKdev(ev.Ext("array")))
	if ev.Kdev == "" {
		ev.Kdev = ev.Ext("array")
	}
}

// finishMdadmMember gives a member's alert the member as its device.
func finishMdadmMember(pe *pending) {
	ev := &pe.ev
	ev.SetExt("array", daemonKdev(ev.Ext("array")))
	if c := ev.Ext("component"); c != "" {
		ev.Kdev = daemonKdev(c)
	}
}

// finishMdadmDisappeared: the array is gone (stopped, or its members
// are), unless mdadm says why it is not the array it knew (Wrong-Level).
func finishMdadmDisappeared(pe *pending) {
	finishMdadmArray(pe)
	if pe.ev.Ext("description") == "" {
		pe.ev.SetExt("condition", "device:removed")
	}
}

// finishMdadmRebuilt notes the mismatches a check or resync found (4.2
// says them as the description, 4.3+ as the component).
func finishMdadmRebuilt(pe *pending) {
	finishMdadmArray(pe)
	ev := &pe.ev
	for _, k := range []string{"description", "component"} {
		rest, ok := strings.CutPrefix(ev.Ext(k), "mismatches found: ")
		if !ok {
			continue
		}
		n, _, _ := strings.Cut(rest, " ")
		ev.SetExt("mismatches", n)
		if n != "0" {
			ev.Severity = event.Warning
		}
	}
}
