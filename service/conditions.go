package service

import (
	"github.com/peripety/peripety/correlate"
	"github.com/peripety/peripety/event"
)

// conditionKinds is the vocabulary of device conditions (docs/conditions.md)
// with what each does to the faults of its device.
var conditionKinds = map[string]correlate.Kind{
	"path:failed": correlate.Fault, "path:active": correlate.Clear,
	"device:offline": correlate.Fault, "device:removed": correlate.Fault, "device:running": correlate.Clear,
	"link:down": correlate.Fault, "link:resetting": correlate.Fault, "link:up": correlate.Clear,
	"ctrl:resetting": correlate.Fault, "ctrl:dead": correlate.Fault, "ctrl:removed": correlate.Fault, "ctrl:live": correlate.Clear,
	"member:failed":  correlate.Fault,
	"array:degraded": correlate.Fault, "array:failed": correlate.Fault, "array:recovering": correlate.Recovering,
	"array:clean":      correlate.Clear,
	"pool:out_of_data": correlate.Fault, "pool:out_of_metadata": correlate.Fault, "pool:read_only": correlate.Fault,
	"pool:failed": correlate.Fault, "pool:ok": correlate.Clear,
	"fs:ro": correlate.Fault, "fs:shutdown": correlate.Fault, "fs:rw": correlate.Clear, "fs:mounted": correlate.Clear,
	"fs:unmounted": correlate.Clear,
}

// conditionByType names the condition events of a type state, for rules
// that do not name one in the extension key "condition".
var conditionByType = map[string]string{
	"DM_MPATH_PATH_FAILED": "path:failed", "DM_MPATH_PATH_REINSTATED": "path:active",
	"SCSI_DEVICE_OFFLINE": "device:offline",
	"MD_DISK_FAILURE":     "member:failed", "MD_DEGRADED": "array:degraded", "MD_ARRAY_FAILED": "array:failed",
	"MD_SYNC_STARTED": "array:recovering", "MD_SYNC_DONE": "array:clean",
	"DM_THIN_POOL_FULL": "pool:out_of_data", "DM_THIN_METADATA_FULL": "pool:out_of_metadata",
	"FS_REMOUNT_READ_ONLY": "fs:ro", "FS_JOURNAL_ABORTED": "fs:ro", "FS_SHUTDOWN": "fs:shutdown",
	"FS_MOUNTED": "fs:mounted", "FS_UNMOUNTED": "fs:unmounted",
	"ISCSI_CONN_ERROR": "link:down", "ISCSI_SESSION_RECOVERY_TIMEOUT": "link:down",
}

// condition returns the condition named name ("path:failed") with what it
// does; a name not in the vocabulary is a condition that does nothing.
func condition(name string) correlate.Condition {
	c, err := correlate.ParseCondition(name, conditionKinds[name])
	if err != nil {
		return correlate.Condition{}
	}
	return c
}

// conditionOf returns the condition ev states: its extension key
// "condition", or its type's.
func conditionOf(ev *event.Event) correlate.Condition {
	name := ev.Ext("condition")
	if name == "" {
		name = conditionByType[ev.EventType]
	}
	if name == "" {
		return correlate.Condition{}
	}
	return condition(name)
}
