package parsers

import (
	"regexp"

	"github.com/peripety/peripety/event"
)

// device-mapper lines (drivers/md): "device-mapper: <target>: …" (DM_FMT).
// Devices are named major:minor. Multipath (dm-mpath.c), the dirty region
// log (dm-log.c) and the raid1 mirror target (dm-raid1.c) live here; thin
// provisioning has its own file.

var dmRules = []rule{{
	// 6.x / late 5.x: "device-mapper: multipath: 253:3: Failing path 8:112."
	// 4.x: "device-mapper: multipath: Failing path 8:32."
	name:  "dm_mpath_failing_path",
	level: kernWarning,
	sub:   event.SubMultipath,
	typ:   "DM_MPATH_PATH_FAILED",
	re:    regexp.MustCompile(`^device-mapper: multipath: (?:(?P<map>\d+:\d+): )?Failing path (?P<kdev>\d+:\d+)\.?$`),
	msg:   "Multipath[ map {map}]: path {kdev} failed",
}, {
	name:  "dm_mpath_reinstating_path",
	level: kernWarning,
	sub:   event.SubMultipath,
	typ:   "DM_MPATH_PATH_REINSTATED",
	re:    regexp.MustCompile(`^device-mapper: multipath: (?:(?P<map>\d+:\d+): )?Reinstating path (?P<kdev>\d+:\d+)\.?$`),
	msg:   "Multipath[ map {map}]: path {kdev} reinstated",
}, {
	name:  "dm_mpath_queue_timeout",
	level: kernWarning,
	sub:   event.SubMultipath,
	typ:   "DM_MPATH_QUEUE_TIMEOUT",
	re:    regexp.MustCompile(`^device-mapper: multipath: queue_if_no_path timeout on (?P<kdev>\d+:\d+), failing queued IO`),
	sev:   sevOf(event.Error),
	msg:   "Multipath map {kdev}: no path came back within queue_if_no_path timeout, queued I/O failed",
}, {
	name:  "dm_mpath_failover_failed",
	level: kernErr,
	sub:   event.SubMultipath,
	typ:   "DM_MPATH_FAILOVER_FAILED",
	re:    regexp.MustCompile(`^device-mapper: multipath: (?:(?P<map>\d+:\d+): )?Could not failover device\. Error (?P<errno>-?\d+)\.?`),
	msg:   "Multipath[ map {map}]: could not fail over (error {errno})",
}, {
	name:  "dm_dirty_log_read_failed",
	level: kernWarning,
	sub:   event.SubDirtyLog,
	typ:   "DM_DIRTY_LOG_READ_FAILED",
	re:    regexp.MustCompile(`^device-mapper: dirty region log: (?:(?P<kdev>\d+:\d+): )?Failed to read header on dirty region log device`),
	msg:   "Dirty region log[ {kdev}]: failed to read the log header",
}, {
	name:  "dm_dirty_log_write_failed",
	level: kernWarning,
	sub:   event.SubDirtyLog,
	typ:   "DM_DIRTY_LOG_WRITE_FAILED",
	re:    regexp.MustCompile(`^device-mapper: dirty region log: (?:(?P<kdev>\d+:\d+): )?Failed to write header on dirty region log device`),
	msg:   "Dirty region log[ {kdev}]: failed to write the log header",
}, {
	name:  "dm_mirror_read_failed",
	level: kernErr,
	typ:   "DM_MIRROR_READ_FAILED",
	re:    regexp.MustCompile(`^device-mapper: raid1: Mirror read failed from (?P<kdev>\d+:\d+)\. Trying alternative device`),
	msg:   "Mirror read failed on {kdev}, trying another mirror",
}, {
	name:  "dm_mirror_read_failure_io",
	level: kernErr,
	typ:   "DM_MIRROR_READ_FAILED",
	re:    regexp.MustCompile(`^device-mapper: raid1: Read failure on mirror device (?P<kdev>\d+:\d+)\.\s+Failing I/O`),
	sev:   sevOf(event.Error),
	msg:   "Mirror read failed on {kdev} and no other mirror could serve it: I/O failed",
}, {
	name:  "dm_mirror_all_failed",
	level: kernErr,
	typ:   "DM_MIRROR_FAILED",
	re:    regexp.MustCompile(`^device-mapper: raid1: All sides of mirror have failed\.`),
	msg:   "All sides of a device-mapper mirror have failed (the line names no device)",
}, {
	name:  "dm_mirror_primary_failed",
	level: kernWarning,
	typ:   "DM_MIRROR_PRIMARY_FAILED",
	re:    regexp.MustCompile(`^device-mapper: raid1: Primary mirror \((?P<kdev>\d+:\d+)\) failed while out-of-sync: Reads may fail\.`),
	msg:   "Primary mirror {kdev} failed while out of sync: reads may fail",
}, {
	name:  "dm_mirror_write_error",
	level: kernErr,
	typ:   "DM_MIRROR_WRITE_FAILED",
	re:    regexp.MustCompile(`^device-mapper: raid1: (?:Write error during recovery \(error = (?P<error>0x[0-9a-f]+)\)|Unable to read primary mirror during recovery)`),
	msg:   "Mirror recovery failed[ (error {error})]",
}}
