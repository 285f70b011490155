package dbus

import (
	"fmt"
	"time"

	godbus "github.com/godbus/dbus/v5"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/sysfs"
)

// EncodeEvent returns the a{sv} form of ev carried by the StorageEvent signal
// and returned by Query: every key of the event model, extension as a{ss},
// owners as as, count as u, seq as t, and timestamp_usec (t, microseconds
// since the epoch, 0 when unknown) beside the RFC 3339 text timestamp.
func EncodeEvent(ev *event.Event) map[string]godbus.Variant {
	owWWIDs, owPaths, ext := validTexts(ev.OwnersWWIDs), validTexts(ev.OwnersPaths), validMap(ev.Extension)
	if owWWIDs == nil {
		owWWIDs = []string{}
	}
	if owPaths == nil {
		owPaths = []string{}
	}
	if ext == nil {
		ext = map[string]string{}
	}
	var ts string
	var usec uint64
	if !ev.Timestamp.IsZero() {
		ts = ev.Timestamp.Format(event.TimeLayout)
		usec = usecOf(ev.Timestamp)
	}
	// Every text is made UTF-8, as D-Bus strings must be: a kernel line
	// need not be (the journal keeps its bytes).
	return map[string]godbus.Variant{
		"event_id":            godbus.MakeVariant(ev.EventID),
		"event_type":          godbus.MakeVariant(validText(ev.EventType)),
		"severity":            godbus.MakeVariant(ev.Severity.String()),
		"sub_system":          godbus.MakeVariant(validText(ev.SubSystem)),
		"timestamp":           godbus.MakeVariant(ts),
		"timestamp_usec":      godbus.MakeVariant(usec),
		"hostname":            godbus.MakeVariant(validText(ev.Hostname)),
		"kdev":                godbus.MakeVariant(validText(ev.Kdev)),
		"dev_wwid":            godbus.MakeVariant(validText(ev.DevWWID)),
		"dev_path":            godbus.MakeVariant(validText(ev.DevPath)),
		"owners_wwids":        godbus.MakeVariant(owWWIDs),
		"owners_paths":        godbus.MakeVariant(owPaths),
		"msg":                 godbus.MakeVariant(validText(ev.Msg)),
		"raw_msg":             godbus.MakeVariant(validText(ev.RawMsg)),
		"extension":           godbus.MakeVariant(ext),
		"root_cause_event_id": godbus.MakeVariant(ev.RootCauseEventID),
		"incident_id":         godbus.MakeVariant(ev.IncidentID),
		"count":               godbus.MakeVariant(ev.Count),
		"seq":                 godbus.MakeVariant(ev.Seq),
	}
}

// DecodeEvent reads an event from its a{sv} form. A known key of the wrong
// type is an error; unknown keys are ignored, so that a client keeps working
// when the daemon adds keys. timestamp_usec wins over the text timestamp.
func DecodeEvent(m map[string]godbus.Variant) (event.Event, error) {
	var ev event.Event
	d := decoder{m: m}
	d.str("event_id", &ev.EventID)
	d.str("event_type", &ev.EventType)
	d.str("sub_system", &ev.SubSystem)
	d.str("hostname", &ev.Hostname)
	d.str("kdev", &ev.Kdev)
	d.str("dev_wwid", &ev.DevWWID)
	d.str("dev_path", &ev.DevPath)
	d.str("msg", &ev.Msg)
	d.str("raw_msg", &ev.RawMsg)
	d.str("root_cause_event_id", &ev.RootCauseEventID)
	d.str("incident_id", &ev.IncidentID)
	d.strs("owners_wwids", &ev.OwnersWWIDs)
	d.strs("owners_paths", &ev.OwnersPaths)
	d.strMap("extension", &ev.Extension)
	get(&d, "count", &ev.Count)
	get(&d, "seq", &ev.Seq)
	var sev, ts string
	var usec uint64
	d.str("severity", &sev)
	d.str("timestamp", &ts)
	get(&d, "timestamp_usec", &usec)
	if d.err != nil {
		return event.Event{}, d.err
	}
	if sev != "" {
		s, err := event.ParseSeverity(sev)
		if err != nil {
			return event.Event{}, fmt.Errorf("event key severity: %w", err)
		}
		ev.Severity = s
	}
	switch {
	case usec > 0:
		ev.Timestamp = time.UnixMicro(int64(usec))
	case ts != "":
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return event.Event{}, fmt.Errorf("event key timestamp %q: %w", ts, err)
		}
		ev.Timestamp = t
	}
	if ev.Count == 0 {
		ev.Count = 1
	}
	return ev, nil
}

// EncodeBlockInfo returns the a{sv} form of info returned by BlockInfo and
// ListBlocks: the keys of docs/design.md, "D-Bus API" (wwid, blk_type,
// blk_path, preferred_blk_path, uuid, mount_point, transport_id, owners as aa{sv}),
// plus kernel_name, major_minor, diskseq and transport (a{ss}).
func EncodeBlockInfo(info *sysfs.BlockInfo) map[string]godbus.Variant {
	owners := make([]map[string]godbus.Variant, len(info.Owners))
	for i := range info.Owners {
		owners[i] = EncodeBlockInfo(&info.Owners[i])
	}
	transport := validMap(info.Transport)
	if transport == nil {
		transport = map[string]string{}
	}
	return map[string]godbus.Variant{
		"wwid":               godbus.MakeVariant(validText(info.WWID)),
		"blk_type":           godbus.MakeVariant(validText(info.BlkType)),
		"blk_path":           godbus.MakeVariant(validText(info.BlkPath)),
		"preferred_blk_path": godbus.MakeVariant(validText(info.PreferredBlkPath)),
		"uuid":               godbus.MakeVariant(validText(info.UUID)),
		"mount_point":        godbus.MakeVariant(validText(info.MountPoint)),
		"transport_id":       godbus.MakeVariant(validText(info.TransportID)),
		"kernel_name":        godbus.MakeVariant(validText(info.KernelName)),
		"major_minor":        godbus.MakeVariant(validText(info.MajorMinor)),
		"diskseq":            godbus.MakeVariant(validText(info.DiskSeq)),
		"transport":          godbus.MakeVariant(transport),
		"owners":             godbus.MakeVariant(owners),
	}
}

// DecodeBlockInfo reads block information from its a{sv} form, with the
// rules of DecodeEvent.
func DecodeBlockInfo(m map[string]godbus.Variant) (sysfs.BlockInfo, error) {
	var info sysfs.BlockInfo
	d := decoder{m: m}
	d.str("wwid", &info.WWID)
	d.str("blk_type", &info.BlkType)
	d.str("blk_path", &info.BlkPath)
	d.str("preferred_blk_path", &info.PreferredBlkPath)
	d.str("uuid", &info.UUID)
	d.str("mount_point", &info.MountPoint)
	d.str("transport_id", &info.TransportID)
	d.str("kernel_name", &info.KernelName)
	d.str("major_minor", &info.MajorMinor)
	d.str("diskseq", &info.DiskSeq)
	d.strMap("transport", &info.Transport)
	if len(info.Transport) == 0 {
		info.Transport = nil
	}
	var owners []map[string]godbus.Variant
	get(&d, "owners", &owners)
	if d.err != nil {
		return sysfs.BlockInfo{}, d.err
	}
	for i, o := range owners {
		oi, err := DecodeBlockInfo(o)
		if err != nil {
			return sysfs.BlockInfo{}, fmt.Errorf("owner %d: %w", i, err)
		}
		info.Owners = append(info.Owners, oi)
	}
	return info, nil
}

// decoder reads typed values out of an a{sv}, keeping the first error.
type decoder struct {
	m   map[string]godbus.Variant
	err error
}

// get stores m[key] into *dst when present; a value of another type than
// *dst is an error naming the key and both signatures.
func get[T any](d *decoder, key string, dst *T) {
	v, ok := d.m[key]
	if !ok || d.err != nil {
		return
	}
	x, ok := v.Value().(T)
	if !ok {
		d.err = fmt.Errorf("key %q has type %s, want %s", key, v.Signature(), godbus.SignatureOf(*dst))
		return
	}
	*dst = x
}

func (d *decoder) str(key string, dst *string)               { get(d, key, dst) }
func (d *decoder) strs(key string, dst *[]string)            { get(d, key, dst) }
func (d *decoder) strMap(key string, dst *map[string]string) { get(d, key, dst) }
