package service

import (
	"fmt"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/sysfs"
)

// EventBlkInfo is the type of the events dump_blk_info_at_start emits.
const EventBlkInfo = "PERIPETY_BLK_INFO"

// blkInfoEvent describes one top-level device at start.
func blkInfoEvent(b sysfs.BlockInfo, at time.Time) event.Event {
	ev := event.Event{
		EventType: EventBlkInfo,
		Severity:  event.Info,
		SubSystem: event.SubPeripety,
		Timestamp: at,
		Kdev:      b.KernelName,
		Msg:       fmt.Sprintf("block device %s: %s, WWID %q", b.DevPath(), b.BlkType, b.WWID),
		Count:     1,
	}
	ev.SetExt("blk_type", b.BlkType)
	ev.SetExt("major_minor", b.MajorMinor)
	ev.SetExt("uuid", b.UUID)
	return ev
}
