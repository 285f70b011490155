// Package correlate is Peripety's causal model: it follows faults up the
// block stack, gives each storage event its root cause, and groups the
// events of one root cause into an incident (docs/correlation.md says it
// in prose; docs/design.md fixes what the daemon shows of it).
//
// The model is pure: no I/O, no clock of its own (every call carries the
// time), one goroutine. The daemon feeds it each event as an Input: the
// device the event is about (a kernel name with its major:minor and
// diskseq), every device below that one as the resolver saw the stack, the
// layer the event speaks for and the device condition it states (the
// parsers' extension key "condition": "path:failed", "array:clean", …).
//
// The rules:
//
//   - A fault opens on a device with an event that states a fault
//     condition (a path failed, a device offline, a member failed, a pool
//     out of space, a link down, a controller resetting: warnings that mean
//     lost redundancy or access count, not only errors), or with an error
//     that states none (a medium error, an I/O error), which stays open for
//     the window of its layer after its last occurrence (Config.Windows).
//   - A condition fault closes when its condition clears on the same device
//     (the path reinstated, the device running, the array clean, the pool
//     writable, the link up; see clears), or when sysfs shows it cleared
//     (Recover).
//   - An event's root cause is the root cause of the earliest fault still
//     open, no later than the event, on the same device at the same or a
//     lower layer (or a higher one within Config.Burst: the layers of one
//     failed request print in no fixed order), or on any device below it.
//     Devices are told apart by kernel name, major:minor and diskseq and
//     related only through the stack: two disks that share a WWID are
//     unrelated. A closed fault is never a cause. A storage daemon's
//     fault and the kernel's may be stamped out of order by up to
//     Config.Skew (Input.Source).
//   - The events of one root cause form an incident, opened by the first
//     event of warning severity or worse that is, or follows from, a fault.
//     An incident is open while its faults are, recovering once some of its
//     conditions cleared or a rebuild runs, closed when none is left open.
//
// Memory is bounded: at most Config.MaxFaults open faults (the oldest is
// evicted and counted when a new one would pass the bound, after the
// expired ones go), Config.MaxDevices devices remembered and
// Config.MaxClosed closed incidents kept.
package correlate
