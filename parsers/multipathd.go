package parsers

import (
	"github.com/peripety/peripety/event"
)

// multipathd's lines (multipath-tools: multipathd/main.c,
// libmultipath/structs_vec.c, io_err_stat.c; 0.8 to 0.14). Under systemd
// it runs as `multipathd -d -s`: every line goes to stderr and reaches the
// journal at priority 6, so each rule says what its line is worth.
//
// multipathd names a map by its alias (mpatha, or the WWID when
// user_friendly_names is off) and a path by its kernel name (sdc) or its
// major:minor (8:32), the name the kernel's "Failing path 8:32." gives
// too. A path's line has the path as its device and the map in `map`; a
// map's line has the map (the resolver reads the alias from sysfs).
var multipathdRules = []rule{{
	// LOG_MSG on a path's state change: "mpatha: sdc - tur checker
	// reports path is down" (0.7 printed the same words from its own
	// format).
	name:   "mpathd_checker_down",
	typ:    "MPATH_CHECKER_PATH_DOWN",
	re:     pat(`^(?P<map>\S+): (?P<kdev>\S+) - (?P<checker>\w+) checker (?P<checker_msg>reports path is down.*|timed out|failed to initialize|has no usable fd|is not available)$`),
	needle: " checker ",
	sev:    sevOf(event.Warning),
	msg:    "Multipath map {map}: path {kdev}: {checker} checker {checker_msg}",
}, {
	name:   "mpathd_checker_up",
	typ:    "MPATH_CHECKER_PATH_UP",
	re:     pat(`^(?P<map>\S+): (?P<kdev>\S+) - (?P<checker>\w+) checker (?P<checker_msg>reports path is (?:up|ghost))$`),
	needle: " checker reports path is ",
	sev:    sevOf(event.Info),
	msg:    "Multipath map {map}: path {kdev}: {checker} checker {checker_msg}",
}, {
	// The other checker messages: still running, waiting on aio,
	// transitioning, disabled, unsupported.
	name:   "mpathd_checker_message",
	typ:    "MPATH_CHECKER_MESSAGE",
	re:     pat(`^(?P<map>\S+): (?P<kdev>\S+) - (?P<checker>\w+) checker ?(?P<checker_msg>.*)$`),
	needle: " checker",
	sev:    sevOf(event.Notice),
	msg:    "Multipath map {map}: path {kdev}: {checker} checker[ {checker_msg}]",
}, {
	name:   "mpathd_path_offline",
	typ:    "MPATH_PATH_OFFLINE",
	re:     pat(`^(?P<map>\S+): (?P<kdev>\S+) - path offline$`),
	suffix: " - path offline",
	sev:    sevOf(event.Warning),
	cond:   "device:offline",
	msg:    "Multipath map {map}: path {kdev} is offline (its SCSI device is not running)",
}, {
	// fail_path: multipathd tells the kernel to fail the path, which then
	// prints "Failing path 8:32.".
	name:   "mpathd_checker_failed_path",
	typ:    "MPATH_PATH_DOWN",
	re:     pat(`^checker failed path (?P<kdev>\d+:\d+) in map (?P<map>\S+)$`),
	sev:    sevOf(event.Warning),
	cond:   "path:failed",
	msg:    "Multipath map {map}: multipathd's checker failed path {kdev}",
	finish: kernelAction("fail_path"),
}, {
	// update_multipath: the kernel failed the path first (an I/O error);
	// multipathd follows.
	name:   "mpathd_mark_failed",
	typ:    "MPATH_PATH_DOWN",
	re:     pat(`^(?P<kdev>\S+): mark as failed$`),
	suffix: ": mark as failed",
	sev:    sevOf(event.Warning),
	cond:   "path:failed",
	msg:    "Multipath: path {kdev} marked failed after the kernel failed it",
}, {
	// marginal_path_*: the path's I/O error rate is too high.
	name: "mpathd_io_err_stat_failed",
	typ:  "MPATH_PATH_DOWN",
	re:   pat(`^io error statistic: (?P<kdev>\S+): mark as failed$`),
	sev:  sevOf(event.Warning),
	cond: "path:failed",
	msg:  "Multipath: path {kdev} failed for its I/O error rate (marginal path detection)",
}, {
	name: "mpathd_reinstated",
	typ:  "MPATH_PATH_UP",
	// reinstate_path: logged once the kernel reinstated the path
	// ("Reinstating path 8:32.").
	re:     pat(`^(?P<kdev>\d+:\d+): reinstated$`),
	suffix: ": reinstated",
	sev:    sevOf(event.Notice),
	cond:   "path:active",
	msg:    "Multipath: path {kdev} reinstated",
	finish: kernelAction("reinstate_path"),
}, {
	name:   "mpathd_reinstate_failed",
	typ:    "MPATH_PATH_REINSTATE_FAILED",
	re:     pat(`^(?P<kdev>\d+:\d+): reinstate failed$`),
	suffix: ": reinstate failed",
	sev:    sevOf(event.Error),
	msg:    "Multipath: path {kdev} came back but could not be reinstated",
}, {
	name: "mpathd_no_paths",
	typ:  "MPATH_MAP_NO_PATHS",
	re:   pat(`^(?P<kdev>\S+): remaining active paths: (?P<active_paths>0)$`),
	sev:  sevOf(event.Critical),
	cond: "map:no_paths",
	msg:  "Multipath map {kdev} has no active path left",
}, {
	name: "mpathd_active_paths",
	typ:  "MPATH_ACTIVE_PATHS_CHANGED",
	re:   pat(`^(?P<kdev>\S+): remaining active paths: (?P<active_paths>[1-9]\d*)$`),
	sev:  sevOf(event.Notice),
	cond: "map:active",
	msg:  "Multipath map {kdev}: {active_paths} active paths",
}, {
	// no_path_retry N: I/O queues for N checker intervals.
	name: "mpathd_recovery_mode",
	typ:  "MPATH_QUEUEING_STARTED",
	re:   pat(`^(?P<kdev>\S+): Entering recovery mode: max_retries=(?P<max_retries>\d+)$`),
	sev:  sevOf(event.Warning),
	msg:  "Multipath map {kdev}: no path, I/O queues for {max_retries} checker intervals",
}, {
	name: "mpathd_disable_queueing",
	typ:  "MPATH_QUEUEING_STOPPED",
	re:   pat(`^(?P<kdev>\S+): Disable queueing$`),
	sev:  sevOf(event.Error),
	msg:  "Multipath map {kdev}: no path came back within no_path_retry, its I/O fails",
}, {
	// flush_map_nopaths: no colon after the alias.
	name:   "mpathd_last_path_deleted",
	typ:    "MPATH_QUEUEING_STOPPED",
	re:     pat(`^(?P<kdev>\S+) Last path deleted, disabling queueing$`),
	suffix: " Last path deleted, disabling queueing",
	sev:    sevOf(event.Warning),
	msg:    "Multipath map {kdev}: its last path was deleted, queueing disabled",
}, {
	name: "mpathd_recovered",
	typ:  "MPATH_MAP_RECOVERED",
	re:   pat(`^(?P<kdev>\S+): Recovered to normal mode$`),
	sev:  sevOf(event.Notice),
	cond: "map:active",
	msg:  "Multipath map {kdev} recovered: a path is back",
}, {
	name: "mpathd_path_added",
	typ:  "MPATH_PATH_ADDED",
	re:   pat(`^(?P<path>\S+) \[(?P<kdev>\d+:\d+)\]: path added to devmap (?P<map>\S+)$`),
	sev:  sevOf(event.Info),
	msg:  "Multipath map {map}: path {path} ({kdev}) added",
}, {
	// 0.9+ names the path by major:minor; 0.8 by both names.
	name: "mpathd_path_removed",
	typ:  "MPATH_PATH_REMOVED",
	re:   pat(`^(?:(?P<path>\S+) \[(?P<kdev>\d+:\d+)\]|(?P<kdev>\d+:\d+)): path removed from map (?P<map>\S+)$`),
	sev:  sevOf(event.Notice),
	msg:  "Multipath map {map}: path {kdev} removed",
}, {
	name: "mpathd_map_removed",
	typ:  "MPATH_MAP_REMOVED",
	re:   pat(`^(?P<kdev>\S+): (?P<action>map flushed after removing all paths|map flushed|devmap deferred remove)$`),
	sev:  sevOf(event.Notice),
	msg:  "Multipath map {kdev} removed ({action})",
}, {
	name: "mpathd_switch_group",
	typ:  "MPATH_PATH_GROUP_SWITCHED",
	re:   pat(`^(?P<kdev>\S+): switch to path group #(?P<path_group>\d+)$`),
	sev:  sevOf(event.Notice),
	msg:  "Multipath map {kdev} switched to path group {path_group}",
}, {
	// san_path_err_*: a flapping path is kept failed for a while.
	name:   "mpathd_error_threshold",
	typ:    "MPATH_PATH_REINSTATE_DELAYED",
	re:     pat(`^(?P<kdev>\S+) : hit error threshold\. Delaying path reinstatement$`),
	suffix: " : hit error threshold. Delaying path reinstatement",
	sev:    sevOf(event.Warning),
	msg:    "Multipath: path {kdev} failed too often, its reinstatement is delayed",
}, {
	name:   "mpathd_error_recovery_time",
	typ:    "MPATH_PATH_REINSTATE_RESUMED",
	re:     pat(`^(?P<kdev>\S+) : reinstate the path after err recovery time$`),
	suffix: " : reinstate the path after err recovery time",
	sev:    sevOf(event.Notice),
	msg:    "Multipath: path {kdev} may be reinstated again (error recovery time passed)",
}, {
	name: "mpathd_marginal",
	typ:  "MPATH_PATH_MARGINAL",
	re:   pat(`^(?P<kdev>\S+): path is now marginal$`),
	sev:  sevOf(event.Warning),
	msg:  "Multipath: path {kdev} is marginal (used only when no other path is)",
}, {
	name: "mpathd_not_marginal",
	typ:  "MPATH_PATH_NOT_MARGINAL",
	re:   pat(`^(?P<kdev>\S+): path is no longer marginal$`),
	sev:  sevOf(event.Notice),
	msg:  "Multipath: path {kdev} is no longer marginal",
}, {
	// The LUN behind the path is another one now: data may go to the
	// wrong LUN.
	name: "mpathd_wwid_changed",
	typ:  "MPATH_PATH_WWID_CHANGED",
	re:   pat(`^(?P<kdev>\S+): path wwid changed from '(?P<old_wwid>[^']*)' to '(?P<new_wwid>[^']*)'$`),
	sev:  sevOf(event.Error),
	msg:  "Multipath: path {kdev} now leads to another LUN (WWID {old_wwid} became {new_wwid})",
}}

// kernelAction names what the line's event told the kernel to do, as the
// extension key "kernel_action" (correlate.Actions): the kernel's event of
// it follows from the daemon's.
func kernelAction(action string) func(*pending) {
	return func(pe *pending) { pe.ev.SetExt("kernel_action", action) }
}
