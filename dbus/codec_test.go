package dbus

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	godbus "github.com/godbus/dbus/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/sysfs"
)

// sampleEvent is the original peripety's example event
// (ext4_mount_lv_mpath_scsi.json), with the keys it lacked filled in.
func sampleEvent() event.Event {
	return event.Event{
		EventID: "5b8ef7a8-52bd-4a49-9f57-52b2c9e3a1c4", EventType: "FS_MOUNTED", Severity: event.Info,
		SubSystem: event.SubExt4, Timestamp: time.UnixMicro(1526476997012691), Hostname: "Gris-Laptop",
		Kdev: "dm-1", DevWWID: "47841ee5-047d-4f73-8951-5a3d7a4c770e", DevPath: "/dev/mapper/vg-lv",
		OwnersWWIDs: []string{"LVM-jM0Tz8T6xqZjS5NF1SQB2A35zYk80ayyNqp0YXhWtL4uJD7Ou9HKT4wcHRXwVLIj",
			"mpath-333333330000007d0", "t10.Linux-scsi_debug-2000"},
		OwnersPaths:      []string{"/dev/mapper/vg-lv", "/dev/mapper/mpatha", "/dev/sdf", "/dev/sdd"},
		Msg:              "EXT4-fs (dm-1): mounted filesystem with ordered data mode. Opts: (null)",
		RawMsg:           "EXT4-fs (dm-1): mounted filesystem with ordered data mode. Opts: (null)",
		Extension:        map[string]string{"mount_point": "/tmp/tmp.MYo8MCHF35"},
		RootCauseEventID: "5b8ef7a8-52bd-4a49-9f57-52b2c9e3a1c4", IncidentID: "3d2e1f0a-9b8c-5d7e-a6f5-e4d3c2b1a098", Count: 1, Seq: 7,
	}
}

var sameTime = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func TestEventRoundTrip(t *testing.T) {
	for _, ev := range []event.Event{sampleEvent(), {EventType: "BLK_IO_ERROR", Severity: event.Error, Count: 1,
		OwnersWWIDs: []string{}, OwnersPaths: []string{}, Extension: map[string]string{}}} {
		m := EncodeEvent(&ev)
		// Through the wire format, as a receiver sees it.
		msg := &godbus.Message{Type: godbus.TypeSignal, Headers: map[godbus.HeaderField]godbus.Variant{
			godbus.FieldPath: godbus.MakeVariant(ObjectPath), godbus.FieldInterface: godbus.MakeVariant(Interface),
			godbus.FieldMember: godbus.MakeVariant(Signal), godbus.FieldSignature: godbus.MakeVariant(godbus.SignatureOf(m)),
		}, Body: []any{m}}
		got, err := DecodeEvent(wire(t, msg).Body[0].(map[string]godbus.Variant))
		if err != nil {
			t.Fatalf("DecodeEvent: %v", err)
		}
		if diff := cmp.Diff(ev, got, sameTime); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	}
}

// wire encodes msg and decodes it again.
func wire(t *testing.T, msg *godbus.Message) *godbus.Message {
	t.Helper()
	msg.Flags = 0
	var b bytes.Buffer
	if err := msg.EncodeTo(&b, binary.LittleEndian); err != nil {
		t.Fatalf("encode: %v", err)
	}
	out, err := godbus.DecodeMessage(&b)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return out
}

func TestEncodeEventKeys(t *testing.T) {
	ev := sampleEvent()
	m := EncodeEvent(&ev)
	want := map[string]string{
		"event_id": "s", "event_type": "s", "severity": "s", "sub_system": "s", "timestamp": "s",
		"timestamp_usec": "t", "hostname": "s", "kdev": "s", "dev_wwid": "s", "dev_path": "s",
		"owners_wwids": "as", "owners_paths": "as", "msg": "s", "raw_msg": "s", "extension": "a{ss}",
		"root_cause_event_id": "s", "incident_id": "s", "count": "u", "seq": "t",
	}
	got := map[string]string{}
	for k, v := range m {
		got[k] = v.Signature().String()
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keys and signatures (-want +got):\n%s", diff)
	}
	if got := m["timestamp"].Value(); got != ev.Timestamp.Format(event.TimeLayout) {
		t.Errorf("timestamp = %v", got)
	}
}

func TestDecodeEventErrors(t *testing.T) {
	for name, m := range map[string]map[string]godbus.Variant{
		"count as string":  {"count": godbus.MakeVariant("1")},
		"owners as string": {"owners_wwids": godbus.MakeVariant("a")},
		"bad severity":     {"severity": godbus.MakeVariant("Loud")},
		"bad timestamp":    {"timestamp": godbus.MakeVariant("yesterday")},
		"seq as u":         {"seq": godbus.MakeVariant(uint32(1))},
	} {
		if _, err := DecodeEvent(m); err == nil {
			t.Errorf("%s: DecodeEvent = nil error, want one", name)
		}
	}
	// Keys a newer daemon may add are no error.
	if _, err := DecodeEvent(map[string]godbus.Variant{"new_key": godbus.MakeVariant(3)}); err != nil {
		t.Errorf("unknown key: %v", err)
	}
}

func TestBlockInfoRoundTrip(t *testing.T) {
	info := sysfs.BlockInfo{
		WWID: "LVM-jM0Tz8T6", BlkType: sysfs.TypeLVM, BlkPath: "/dev/dm-1", PreferredBlkPath: "/dev/mapper/vg-lv",
		UUID: "47841ee5-047d-4f73-8951-5a3d7a4c770e", MountPoint: "/mnt", KernelName: "dm-1", MajorMinor: "253:1",
		Owners: []sysfs.BlockInfo{
			{WWID: "mpath-333333330000007d0", BlkType: sysfs.TypeMultipath, BlkPath: "/dev/dm-0", KernelName: "dm-0"},
			{WWID: "naa.5000", BlkType: sysfs.TypeSCSI, BlkPath: "/dev/sdb", TransportID: "fc",
				Transport: map[string]string{"transport": "FC", "host_wwpn": "0x10000090fa1b2c3d"}},
		},
	}
	got, err := DecodeBlockInfo(EncodeBlockInfo(&info))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(info, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if _, err := DecodeBlockInfo(map[string]godbus.Variant{"owners": godbus.MakeVariant([]string{"sda"})}); err == nil {
		t.Error("owners as as: want error")
	}
}

// FuzzDecodeEvent decodes arbitrary messages as a StorageEvent receiver
// does: DecodeEvent and DecodeBlockInfo never panic, whatever the a{sv}
// holds.
func FuzzDecodeEvent(f *testing.F) {
	ev := sampleEvent()
	info := sysfs.BlockInfo{BlkType: sysfs.TypeLoop, Owners: []sysfs.BlockInfo{{KernelName: "sda"}}}
	for _, m := range []map[string]godbus.Variant{EncodeEvent(&ev), EncodeBlockInfo(&info),
		{"count": godbus.MakeVariant("x"), "owners": godbus.MakeVariant([]map[string]godbus.Variant{{"wwid": godbus.MakeVariant(uint32(1))}})}} {
		msg := &godbus.Message{Type: godbus.TypeSignal, Headers: map[godbus.HeaderField]godbus.Variant{
			godbus.FieldPath: godbus.MakeVariant(ObjectPath), godbus.FieldInterface: godbus.MakeVariant(Interface),
			godbus.FieldMember: godbus.MakeVariant(Signal), godbus.FieldSignature: godbus.MakeVariant(godbus.SignatureOf(m)),
		}, Body: []any{m}}
		var b bytes.Buffer
		if err := msg.EncodeTo(&b, binary.LittleEndian); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := godbus.DecodeMessage(bytes.NewReader(data))
		if err != nil || len(msg.Body) == 0 {
			return
		}
		m, ok := msg.Body[0].(map[string]godbus.Variant)
		if !ok {
			return
		}
		DecodeEvent(m)
		DecodeBlockInfo(m)
	})
}
