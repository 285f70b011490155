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

var blockRules = []rule{{
	name:     "blk_io_error",
	level:    kernErr,
	typ:      "BLK_IO_ERROR",
	prefixes: blkStatusWords,
	re: regexp.MustCompile(`^(?:(?:blk_update_request|print_req_error|end_request): )?(?P<status>[a-zA-Z<>/ ]+?) error, dev (?P<kdev>[^\s,]+), sector (?P<sector>\d+)` +
		`(?: op 0x[0-9a-f]+:\((?P<op>\w+)\))?(?: flags (?:0x)?(?P<flags>[0-9a-f]+))?`),
	// The block layer's line ends the SCSI or NVMe failure printed just
	// before it for the same disk.
	role: roleTail,
	key:  "disk",
	msg:  "{status} error on {kdev} at sector {sector}[ ({op})]",
}, {
	name:     "buffer_io_error",
	level:    kernErr,
	typ:      "BUFFER_IO_ERROR",
	prefixes: []string{"Buffer I/O error on dev"},
	re:       regexp.MustCompile(`^Buffer I/O error on dev(?:ice)? (?P<kdev>[^\s,]+), logical block (?P<block>\d+)(?:, (?P<detail>.+))?$`),
	msg:      "Buffer I/O error on {kdev} at logical block {block}[ ({detail})]",
}, {
	name:  "blk_capacity_change",
	level: kernInfo,
	typ:   "BLK_CAPACITY_CHANGE",
	re:    regexp.MustCompile(`^(?P<kdev>[^\s:]+): detected capacity change from (?P<old_sectors>\d+) to (?P<new_sectors>\d+)`),
	msg:   "Capacity of {kdev} changed from {old_sectors} to {new_sectors} sectors",
}, {
	name:   "ratelimit_suppressed",
	level:  kernWarning,
	suffix: " callbacks suppressed",
	// Most such notices are not storage's (kauditd_printk_skb, net_ratelimit).
	prefixes: suppressorNames(),
	re:       regexp.MustCompile(`^(?P<func>` + suppressorPattern() + `): (?P<count>\d+) callbacks suppressed$`),
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
