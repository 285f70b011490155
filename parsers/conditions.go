package parsers

import "strings"

// Device conditions: the state of a device that a kernel or daemon line
// opens or clears, given to its event as the extension key "condition" ("path:failed",
// "array:clean", …) so that the correlation of events can follow faults
// and their recoveries without a table of its own. The vocabulary, and what
// clears what, is docs/conditions.md.

// ConditionKind says what a condition does to the faults open on the
// object it names.
type ConditionKind uint8

const (
	// CondFault opens a fault: the object lost redundancy or access.
	CondFault ConditionKind = iota + 1
	// CondRecovering: the object is being repaired; its fault stays open.
	CondRecovering
	// CondClear: the object is healthy again; it closes the faults open
	// on the same object.
	CondClear
)

var condKindNames = [...]string{CondFault: "fault", CondRecovering: "recovering", CondClear: "clear"}

func (k ConditionKind) String() string {
	if int(k) < len(condKindNames) && condKindNames[k] != "" {
		return condKindNames[k]
	}
	return "unknown"
}

// Condition is one word of the vocabulary: "<object>:<state>".
type Condition struct {
	// Name is the condition as events carry it: "path:failed".
	Name string
	// Object is what the event's device (kdev) is: path, map, device,
	// health, link, ctrl, member, array, pool or fs.
	Object string
	Kind   ConditionKind
	// Doc says what the condition means, for docs/conditions.md.
	Doc string
}

// State is the part of the name after the object: "failed".
func (c Condition) State() string {
	_, s, _ := strings.Cut(c.Name, ":")
	return s
}

// conditions is the vocabulary, by object. Every rule's cond is one of
// these (TestRuleConditionsKnown).
var conditions = []Condition{
	{"path:failed", "path", CondFault, "dm-multipath failed a path of a map (the map is in `map`): one less way to the LUN"},
	{"path:active", "path", CondClear, "dm-multipath reinstated the path"},
	{"map:no_paths", "map", CondFault, "the multipath map has no active path left: its I/O queues or fails (multipathd)"},
	{"map:active", "map", CondClear, "the multipath map has an active path again (multipathd)"},
	{"device:offline", "device", CondFault, "the kernel took the device offline or rejects I/O to it (SCSI offline, libata disabled the device)"},
	{"device:removed", "device", CondFault, "the device is gone: the kernel deletes it or rejects I/O to it as dead"},
	{"device:running", "device", CondClear, "the device takes I/O again"},
	{"link:down", "link", CondFault, "the link to the device is down: SATA link, FC remote port, iSCSI connection or session"},
	{"link:resetting", "link", CondFault, "error handling resets the link (libata hard or soft reset): its I/O waits"},
	{"link:up", "link", CondClear, "the link is up again"},
	{"ctrl:resetting", "ctrl", CondFault, "the controller is being reset or reconnected (NVMe), its I/O waits"},
	{"ctrl:dead", "ctrl", CondFault, "the controller failed to come back and is disabled or removed"},
	{"ctrl:removed", "ctrl", CondFault, "the controller was deleted: nvme disconnect, or its transport gave up reconnecting"},
	{"ctrl:live", "ctrl", CondClear, "the controller is live: its I/O queues are set up again or it reconnected"},
	{"member:failed", "member", CondFault, "md failed a member device of an array (the array is in `array`); array:clean of that array closes it"},
	{"array:degraded", "array", CondFault, "the md array runs without full redundancy"},
	{"array:failed", "array", CondFault, "the md array lost more members than it can bear and fails I/O"},
	{"array:recovering", "array", CondRecovering, "md rebuilds the array (recovery, resync or reshape)"},
	{"array:clean", "array", CondClear, "the array's rebuild finished: full redundancy again"},
	{"pool:out_of_data", "pool", CondFault, "the dm-thin pool has no free data space (writes queue or fail)"},
	{"pool:out_of_metadata", "pool", CondFault, "the dm-thin pool has no free metadata space"},
	{"pool:read_only", "pool", CondFault, "the dm-thin pool switched to read-only mode (metadata trouble or no metadata space)"},
	{"pool:failed", "pool", CondFault, "the dm-thin pool switched to fail mode: all I/O fails"},
	{"pool:ok", "pool", CondClear, "the dm-thin pool is back in write mode"},
	{"pool:data_high", "pool", CondFault, "the thin pool's data usage passed dmeventd's warning threshold (80%): it runs out unless extended"},
	{"pool:metadata_high", "pool", CondFault, "the thin pool's metadata usage passed dmeventd's warning threshold (80%)"},
	{"pool:resized", "pool", CondClear, "the thin pool was extended (lvextend, dmeventd's autoextend)"},
	{"health:failing", "health", CondFault, "SMART says the disk is failing: pending or uncorrectable sectors, a failed self-assessment or self-test, an NVMe critical warning (smartd)"},
	{"fs:ro", "fs", CondFault, "the filesystem went read-only after an error (ext4 errors=remount-ro, btrfs forced read-only, a jbd2 journal abort)"},
	{"fs:shutdown", "fs", CondFault, "the filesystem shut down: every further access fails until it is unmounted"},
	{"fs:rw", "fs", CondClear, "the filesystem was remounted read-write"},
	{"fs:mounted", "fs", CondClear, "the filesystem was mounted (afresh)"},
	{"fs:unmounted", "fs", CondClear, "the filesystem was unmounted"},
}

// Conditions returns the vocabulary of conditions.
func Conditions() []Condition {
	return append([]Condition(nil), conditions...)
}

// LookupCondition returns the condition named name ("path:failed").
func LookupCondition(name string) (Condition, bool) {
	for _, c := range conditions {
		if c.Name == name {
			return c, true
		}
	}
	return Condition{}, false
}
