package parsers

import (
	"regexp"
	"sort"
	"strings"

	"github.com/peripety/peripety/event"
)

// Block layer lines (block/blk-mq.c blk_print_req_error, fs/buffer.c,
// block/genhd.c) and the kernel's rate-limit notices for storage printks.

// blkStatusWords are the texts of blk_errors[] (block/blk-core.c) that begin
// "<status> error, dev X, sector N", in every kernel's wording, and the
// function names older kernels put before them (end_request ≤3.x,
// blk_update_request 3.x-4.12 and 5.3-5.x, print_req_error 4.13-5.2).
var blkStatusWords = []string{
	"blk_update_request: ", "print_req_error: ", "end_request: ",
	"I/O error", "critical medium error", "critical target error",
	"recoverable transport error", "operation not supported error",
	"timeout error", "critical space allocation error",
	"reservation conflict error", "critical nexus error", "protection error",
	"kernel resource error", "device resource error", "nonblocking retry error",
	"device offline error", "dm internal retry error", "open zones exceeded error",
	"active zones exceeded error", "duration limit exceeded error", "invalid error",
	"<null> error",
}

// blkStatus is what the block layer's status word of a failed request
// means: its blk_status_t name (include/linux/blk_types.h) and the
// severity of the failure when it is not the line's own KERN_ERR.
type blkStatus struct {
	name string
	// sev, when set, replaces the line's severity: a request the caller
	// retries or answers otherwise is no failed I/O.
	sev  *event.Severity
	cond string
}

// blkStatuses maps the status word of blk_print_req_error's line
// (blk_errors[] in block/blk-core.c, 4.19-6.12) to its status. The line's
// event stays BLK_IO_ERROR for every status (the shared corpus expects that
// type of the medium, nexus and not-supported lines); the status goes to
// the extension as blk_status.
var blkStatuses = map[string]blkStatus{
	// mkfs and the page cache probe WRITE ZEROES and DISCARD and fall
	// back when the device lacks them.
	"operation not supported":   {name: "BLK_STS_NOTSUPP", sev: sevOf(event.Info)},
	"timeout":                   {name: "BLK_STS_TIMEOUT"},
	"critical space allocation": {name: "BLK_STS_NOSPC"},
	"recoverable transport":     {name: "BLK_STS_TRANSPORT"},
	"critical target":           {name: "BLK_STS_TARGET"},
	// Renamed "reservation conflict" (BLK_STS_RESV_CONFLICT) in 6.5.
	"critical nexus":       {name: "BLK_STS_NEXUS"},
	"reservation conflict": {name: "BLK_STS_RESV_CONFLICT"},
	"critical medium":      {name: "BLK_STS_MEDIUM"},
	"protection":           {name: "BLK_STS_PROTECTION"},
	// Resource shortages are retried by the block layer.
	"kernel resource": {name: "BLK_STS_RESOURCE", sev: sevOf(event.Warning)},
	"device resource": {name: "BLK_STS_DEV_RESOURCE", sev: sevOf(event.Warning)},
	// RWF_NOWAIT I/O that would block: the caller retries.
	"nonblocking retry": {name: "BLK_STS_AGAIN", sev: sevOf(event.Info)},
	"device offline":    {name: "BLK_STS_OFFLINE", cond: "device:offline"},
	// dm requeues the request on another path.
	"dm internal retry":       {name: "BLK_STS_DM_REQUEUE", sev: sevOf(event.Info)},
	"open zones exceeded":     {name: "BLK_STS_ZONE_OPEN_RESOURCE"},
	"active zones exceeded":   {name: "BLK_STS_ZONE_ACTIVE_RESOURCE"},
	"duration limit exceeded": {name: "BLK_STS_DURATION_LIMIT"},
	"invalid":                 {name: "BLK_STS_INVAL"},
	"I/O":                     {name: "BLK_STS_IOERR"},
}

// finishBlkIOError names the status of a failed request and levels its
// event by it.
func finishBlkIOError(pe *pending) {
	ev := &pe.ev
	st, ok := blkStatuses[ev.Ext("status")]
	if !ok {
		return
	}
	ev.SetExt("blk_status", st.name)
	if st.sev != nil {
		ev.Severity = *st.sev
	}
	if st.cond != "" {
		ev.SetExt("condition", st.cond)
	}
	if st.name == "BLK_STS_NOTSUPP" {
		p := appendExpanded(nil, "{kdev} does not support[ {op}] (sector {sector}): the caller falls back, no I/O failed", ev.Kdev, ev.Extension)
		ev.Msg = string(p)
	}
}

var blockRules = []rule{{
	name:     "blk_io_error",
	level:    kernErr,
	typ:      "BLK_IO_ERROR",
	prefixes: blkStatusWords,
	re: pat(`^(?:(?:blk_update_request|print_req_error|end_request): )?(?P<status>[a-zA-Z<>/ ]+?) error, dev (?P<kdev>[^\s,]+), sector (?P<sector>\d+)` +
		`(?: op 0x[0-9a-f]+:\((?P<op>\w+)\))?(?: flags (?:0x)?(?P<flags>[0-9a-f]+))?`),
	// The block layer's line ends the SCSI or NVMe failure printed just
	// before it for the same disk.
	role:   roleTail,
	key:    "disk",
	msg:    "{status} error on {kdev} at sector {sector}[ ({op})]",
	finish: finishBlkIOError,
	conds:  []string{"device:offline"},
}, {
	// bio_check_eod (block/blk-core.c): I/O to sectors past the end of
	// the device, failed before it is issued; its second line names the
	// device. limit=0: the device has no capacity any more (an NVMe
	// namespace or SCSI disk gone under a mounted filesystem, the lab's
	// nvme-remove and scsi-remove); otherwise a filesystem larger than
	// its device. 6.1+: "<comm>: attempt to access beyond end of
	// device\n<dev>: rw=…, sector=…, nr_sectors = … limit=…"; 5.10 and
	// 4.19 (two printks): "attempt to access beyond end of device" then
	// "<dev>: rw=…, want=…, limit=…".
	name:  "blk_access_beyond_end",
	level: kernInfo,
	typ:   "BLK_IO_ERROR",
	re: pat(`^(?P<kdev>[^\s:]+): rw=(?P<rw>\d+), (?:want=(?P<want>\d+),|sector=(?P<sector>\d+), nr_sectors = (?P<nr_sectors>\d+)) ` +
		`limit=(?P<limit>\d+)$`),
	sev: sevOf(event.Error),
	msg: "I/O beyond the end of {kdev} failed[ at sector {sector}][ up to sector {want}]: the device has {limit} sectors",
}, {
	name:     "buffer_io_error",
	level:    kernErr,
	typ:      "BUFFER_IO_ERROR",
	prefixes: []string{"Buffer I/O error on dev"},
	re:       pat(`^Buffer I/O error on dev(?:ice)? (?P<kdev>[^\s,]+), logical block (?P<block>\d+)(?:, (?P<detail>.+))?$`),
	msg:      "Buffer I/O error on {kdev} at logical block {block}[ ({detail})]",
}, {
	// A capacity of 0: the namespace was detached, the medium removed,
	// the loop device cleared.
	name:  "blk_capacity_zero",
	level: kernInfo,
	typ:   "BLK_CAPACITY_CHANGE",
	re:    pat(`^(?P<kdev>[^\s:]+): detected capacity change from (?P<old_sectors>\d+) to (?P<new_sectors>0)$`),
	cond:  "device:removed",
	msg:   "Capacity of {kdev} changed from {old_sectors} sectors to 0: the device or its medium is gone",
}, {
	name:  "blk_capacity_change",
	level: kernInfo,
	typ:   "BLK_CAPACITY_CHANGE",
	re:    pat(`^(?P<kdev>[^\s:]+): detected capacity change from (?P<old_sectors>\d+) to (?P<new_sectors>\d+)`),
	msg:   "Capacity of {kdev} changed from {old_sectors} to {new_sectors} sectors",
}, {
	// T10 protection information checks (block/t10-pi.c).
	name:  "blk_integrity_error",
	level: kernErr,
	typ:   "BLK_INTEGRITY_ERROR",
	re:    pat(`^(?P<kdev>[^\s:]+): (?P<pi_tag>guard|ref|app) tag error at (?:sector|location) (?P<sector>\d+)`),
	msg:   "Protection information ({pi_tag} tag) check failed on {kdev} at {sector}",
}, {
	name:     "blk_write_read_only",
	level:    kernWarning,
	prefixes: []string{"Trying to write to read-only", "generic_make_request: Trying"},
	typ:      "BLK_WRITE_READ_ONLY",
	re:       pat(`^(?:generic_make_request: )?Trying to write to read-only block-device (?P<kdev>[^\s(]+)(?: \(partno (?P<partno>\d+)\))?`),
	msg:      "Write to read-only block device {kdev}",
}, {
	name:  "blk_bdev_writeback_failed",
	level: kernWarning,
	typ:   "BLK_WRITEBACK_ERROR",
	re:    pat(`^VFS: Dirty inode writeback failed for block device (?P<kdev>\S+) \(err=(?P<errno>-?\d+)\)`),
	msg:   "Writeback of block device {kdev} failed (error {errno})",
}, {
	name:  "blk_media_changed_busy",
	level: kernWarning,
	typ:   "BLK_MEDIA_CHANGED",
	re:    pat(`^VFS: busy inodes on changed media(?: or resized disk)? (?P<kdev>\S+)`),
	msg:   "Media of {kdev} changed or resized while in use",
}, {
	// block/partitions/core.c: a partition table that does not fit the
	// disk (a LUN shrunk, a truncated image).
	name:   "blk_partition_beyond_eod",
	level:  kernWarning,
	typ:    "BLK_PARTITION_INVALID",
	needle: " beyond EOD",
	re:     pat(`^(?P<kdev>[^\s:]+): (?P<detail>p(?P<partno>\d+) (?:size \d+ extends|start \d+ is) beyond EOD|partition table (?:partially )?beyond EOD)`),
	msg:    "Partition table of {kdev} does not fit the disk: {detail}",
}, {
	name:  "blk_partition_add_failed",
	level: kernErr,
	typ:   "BLK_PARTITION_INVALID",
	re:    pat(`^(?P<kdev>[^\s:]+): p(?P<partno>\d+) could not be added: (?P<errno>-?\d+)`),
	msg:   "Partition {partno} of {kdev} could not be added (error {errno})",
}, {
	// Zoned devices: zone revalidation at scan (block/blk-zoned.c) and
	// zone write plugging errors (6.10+).
	name:  "blk_zone_error",
	level: kernWarning,
	typ:   "BLK_ZONE_ERROR",
	// Every form names a zone ("zone", "Zone", "zones", "zoned").
	needle: "one",
	re: pat(`^(?P<kdev>[^\s:]+): (?P<detail>zone \d+: (?:Aborting plugged BIOs|Invalid mix of zone append and regular writes)|` +
		`Invalid [^:]*zone.*|No zones reported|Missing zones from sector \d+|Zone gap at sectors [\d.]+|failed to revalidate zones|` +
		`p\d+ start \d+\+\d+ is not zone aligned)$`),
	msg: "Zoned device {kdev}: {detail}",
}, {
	// A request-based dm (multipath) clone the path's queue limits turn
	// down: the I/O fails.
	name:  "blk_cloned_request_rejected",
	level: kernErr,
	typ:   "BLK_CLONED_REQUEST_REJECTED",
	re:    pat(`^(?P<function>blk_cloned_rq_check_limits|blk_insert_cloned_request): over max (?P<limit>size|segments|integrity segments) limit`),
	msg:   "A multipath request exceeds the path's {limit} limit and fails (the line names no device)",
}, {
	name:  "loop_io_error",
	level: kernErr,
	typ:   "BLK_IO_ERROR",
	re:    pat(`^loop: (?P<op>Write|Transfer) error at byte offset (?P<offset>\d+), length (?P<length>\d+)\.`),
	msg:   "Loop device {op} error at byte offset {offset} ({length} bytes; the line names no device)",
}, {
	// virtio_blk.c: a virtual disk whose configuration the driver refuses
	// (it does not appear), and zoned virtual disks.
	name:     "virtio_blk_probe_error",
	level:    kernErr,
	typ:      "BLK_VIRTIO_PROBE_ERROR",
	prefixes: []string{"virtio_blk "},
	re: pat(`^virtio_blk (?P<virtio>virtio\d+): (?P<detail>virtblk_probe failure: .*|(?:virtio_blk: )?(?:invalid block size: 0x[0-9a-f]+|` +
		`max_secure_erase_s\w+ can't be 0|secure_erase_sector_alignment can't be 0|zoned devices are not supported)|` +
		`MQ advertised but zero queues reported|unsupported zone model -?\d+)$`),
	msg: "virtio-blk {virtio} was not set up: {detail}",
}, {
	name:     "virtio_blk_capacity",
	level:    kernWarning,
	typ:      "BLK_VIRTIO_PROBE_ERROR",
	prefixes: []string{"virtio_blk "},
	re:       pat(`^virtio_blk (?P<virtio>virtio\d+): (?P<detail>Capacity \d+ too large: truncating)$`),
	msg:      "virtio-blk {virtio}: {detail}",
}, {
	name:     "virtio_blk_zone_error",
	level:    kernErr,
	typ:      "BLK_ZONE_ERROR",
	prefixes: []string{"virtio_blk "},
	re: pat(`^virtio_blk (?P<virtio>virtio\d+): (?P<detail>zone \d+: invalid (?:condition|type) 0x[0-9a-f]+|` +
		`zoned device with non power of two zone size \d+|write granularity \d+ exceeds max_append_sectors \d+ limit)$`),
	msg: "Zoned virtio-blk {virtio}: {detail}",
}, {
	name:     "virtio_blk_zone_warning",
	level:    kernWarning,
	typ:      "BLK_ZONE_ERROR",
	prefixes: []string{"virtio_blk "},
	re:       pat(`^virtio_blk (?P<virtio>virtio\d+): (?P<detail>zero (?:max_append_sectors|write granularity) reported|ignoring negotiated F_DISCARD for zoned device)$`),
	msg:      "Zoned virtio-blk {virtio}: {detail}",
}, {
	name:   "ratelimit_suppressed",
	level:  kernWarning,
	suffix: " callbacks suppressed",
	// Most such notices are not storage's (kauditd_printk_skb, net_ratelimit).
	prefixes: suppressorNames(),
	re:       pat(`^(?P<func>` + suppressorPattern() + `): (?P<count>\d+) callbacks suppressed$`),
	role:     roleSuppressed,
	sev:      sevOf(event.Warning),
}}

// suppressorNames lists the functions in suppressors, sorted.
func suppressorNames() []string {
	names := make([]string, 0, len(suppressors))
	for n := range suppressors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// suppressorPattern is the alternation of the functions in suppressors.
func suppressorPattern() string {
	names := suppressorNames()
	for i, n := range names {
		names[i] = regexp.QuoteMeta(n)
	}
	return strings.Join(names, "|")
}
