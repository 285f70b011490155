package dbus

import (
	"strings"
	"testing"
	"time"

	godbus "github.com/godbus/dbus/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/correlate"
	"github.com/peripety/peripety/event"
)

// pathIncident is the incident of a multipath path lost under ext4 on LVM.
func pathIncident(id string, state correlate.State, last time.Time) correlate.Incident {
	sdb := correlate.DevInfo{Dev: correlate.Dev{Name: "sdb", MajMin: "8:16", Seq: "7"}, Path: "/dev/disk/by-id/wwn-0x6001", WWID: "naa.6001"}
	inc := correlate.Incident{
		ID: id, State: state, Severity: event.Critical,
		RootCause: correlate.RootEvent{EventID: "e1", EventType: "SCSI_DEVICE_OFFLINE", SubSystem: "SCSI", Severity: event.Error,
			Time: last.Add(-time.Second), Dev: sdb, Msg: "sd 3:0:0:0: rejecting I/O to offline device", Layer: "device",
			Condition: "device:offline"},
		FirstSeen: last.Add(-time.Second), LastSeen: last, Events: 12, Lines: 14,
		Counts: map[string]uint64{"SCSI_DEVICE_OFFLINE": 1, "BLK_IO_ERROR": 6, "FS_ERROR": 5},
		Devices: []correlate.Affected{
			{DevInfo: sdb, Role: correlate.RoleRoot, Events: 2, Conditions: []string{"device:offline", "path:failed"}},
			{DevInfo: correlate.DevInfo{Dev: correlate.Dev{Name: "dm-1", MajMin: "254:1"}, Path: "/dev/mapper/vg-lv", Mount: "/srv"},
				Role: correlate.RoleEvent, Events: 10, Conditions: []string{"fs:ro"}},
		},
		OpenFaults: 3, Related: []string{"other"},
	}
	if state == correlate.StateClosed {
		inc.Closed, inc.OpenFaults = last.Add(time.Minute), 0
	}
	return inc
}

func TestIncidentRoundTrip(t *testing.T) {
	last := time.UnixMicro(1764085000000001)
	for _, inc := range []correlate.Incident{pathIncident("i1", correlate.StateOpen, last), pathIncident("i2", correlate.StateClosed, last),
		{ID: "bare", State: correlate.StateOpen, Counts: map[string]uint64{}}} {
		got, err := DecodeIncident(EncodeIncident(&inc))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(inc, got, sameTime); diff != "" {
			t.Errorf("incident %s (-sent +decoded):\n%s", inc.ID, diff)
		}
	}
	m := EncodeIncident(&correlate.Incident{ID: "x"})
	m["events"] = godbus.MakeVariant("many")
	if _, err := DecodeIncident(m); err == nil || !strings.Contains(err.Error(), "events") {
		t.Errorf("a wrong type decodes: %v", err)
	}
}

func TestConditionsRoundTrip(t *testing.T) {
	dc := correlate.DeviceConditions{
		DevInfo: correlate.DevInfo{Dev: correlate.Dev{Name: "md0", MajMin: "9:0"}, Path: "/dev/md0"}, Present: true,
		Conditions: []correlate.CondState{
			{Condition: correlate.Condition{Object: "array", State: "degraded", Kind: correlate.Fault}, Since: time.UnixMicro(1764085000000001), EventID: "e9"},
			{Condition: correlate.Condition{Object: "fs", State: "rw", Kind: correlate.Clear}},
		},
	}
	m := EncodeConditions(&dc)
	got, err := DecodeConditions(m)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(dc, got, sameTime); diff != "" {
		t.Errorf("(-sent +decoded):\n%s", diff)
	}
	if src := m["conditions"].Value().([]map[string]godbus.Variant)[1]["source"].Value(); src != "sysfs" {
		t.Errorf("a state read from sysfs has source %v", src)
	}
}

func TestDecodeIncidentFilter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.Local)
	v := godbus.MakeVariant
	f, err := DecodeIncidentFilter(map[string]godbus.Variant{"open": v(true), "since": v("today"), "blk": v("sdb"), "limit": v(uint32(3))}, now)
	want := IncidentFilter{Open: true, Since: time.Date(2026, 11, 25, 0, 0, 0, 0, time.Local), Blk: "sdb", Limit: 3}
	if err != nil || !cmp.Equal(want, f, sameTime) {
		t.Errorf("DecodeIncidentFilter = %+v, %v; want %+v", f, err, want)
	}
	back, err := DecodeIncidentFilter(EncodeIncidentFilter(f), now)
	if err != nil || !cmp.Equal(f, back, sameTime) {
		t.Errorf("EncodeIncidentFilter does not round trip: %+v, %v", back, err)
	}
	for _, bad := range []map[string]godbus.Variant{{"state": v("open")}, {"open": v("yes")}, {"blk": v(" ")}, {"limit": v(int32(3))}} {
		if _, err := DecodeIncidentFilter(bad, now); err == nil {
			t.Errorf("filter %v decodes", bad)
		}
	}
}

// TestIncidents serves incidents and conditions: ListIncidents filters,
// GetIncident finds one or says it is not there, GetConditions lists the
// devices, and IncidentChanged announces each incident changed.
func TestIncidents(t *testing.T) {
	f := startServer(t)
	conn := f.bus.Conn(t)
	if err := conn.AddMatchSignal(godbus.WithMatchInterface(Interface), godbus.WithMatchMember(IncidentSignal)); err != nil {
		t.Fatal(err)
	}
	sigs := make(chan *godbus.Signal, 16)
	conn.Signal(sigs)
	now := time.Now().Truncate(time.Microsecond)
	f.backend.PutIncident(pathIncident("old", correlate.StateClosed, now.Add(-48*time.Hour)))
	f.backend.PutIncident(pathIncident("new", correlate.StateOpen, now))
	f.backend.SetConditions([]correlate.DeviceConditions{{DevInfo: correlate.DevInfo{Dev: correlate.Dev{Name: "sdb"}}, Present: true,
		Conditions: []correlate.CondState{{Condition: correlate.Condition{Object: "device", State: "offline", Kind: correlate.Fault}, EventID: "e1"}}}})

	got := map[string]string{}
	for len(got) < 2 {
		select {
		case sig := <-sigs:
			if sig.Name == IncidentSignalName && len(sig.Body) == 3 {
				got[sig.Body[0].(string)] = sig.Body[1].(string)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("IncidentChanged signals: %v, want both incidents", got)
		}
	}
	if got["old"] != "closed" || got["new"] != "open" {
		t.Errorf("IncidentChanged states %v", got)
	}

	obj := conn.Object(BusName, ObjectPath)
	list := func(f IncidentFilter) []string {
		t.Helper()
		var ms []map[string]godbus.Variant
		if err := obj.Call(Interface+".ListIncidents", 0, EncodeIncidentFilter(f)).Store(&ms); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range ms {
			inc, err := DecodeIncident(m)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, inc.ID)
		}
		return ids
	}
	for _, tt := range []struct {
		f    IncidentFilter
		want []string
	}{
		{IncidentFilter{}, []string{"new", "old"}},
		{IncidentFilter{Open: true}, []string{"new"}},
		{IncidentFilter{Since: now.Add(-time.Hour)}, []string{"new"}},
		{IncidentFilter{Blk: "/srv"}, []string{"new", "old"}},
		{IncidentFilter{Blk: "sdz"}, nil},
		{IncidentFilter{Limit: 1}, []string{"new"}},
	} {
		if diff := cmp.Diff(tt.want, list(tt.f)); diff != "" {
			t.Errorf("ListIncidents %+v (-want +got):\n%s", tt.f, diff)
		}
	}

	var m map[string]godbus.Variant
	if err := obj.Call(Interface+".GetIncident", 0, "new").Store(&m); err != nil {
		t.Fatal(err)
	}
	if inc, err := DecodeIncident(m); err != nil || inc.RootCause.EventType != "SCSI_DEVICE_OFFLINE" {
		t.Errorf("GetIncident: %+v, %v", inc, err)
	}
	err := obj.Call(Interface+".GetIncident", 0, "gone").Store(&m)
	if derr, ok := err.(godbus.Error); !ok || derr.Name != ErrNotFound {
		t.Errorf("GetIncident of an unknown id: %v, want %s", err, ErrNotFound)
	}
	var devs []map[string]godbus.Variant
	if err := obj.Call(Interface+".GetConditions", 0).Store(&devs); err != nil {
		t.Fatal(err)
	}
	if dc, err := DecodeConditions(devs[0]); err != nil || len(devs) != 1 || dc.Conditions[0].Name() != "device:offline" {
		t.Errorf("GetConditions: %v, %v", devs, err)
	}
	out, err := gdbusCall(t, Interface+".ListIncidents", "{'open': <'yes'>}")
	if err == nil || !strings.Contains(out, ErrInvalidArgument) {
		t.Errorf("ListIncidents with a bad filter: %v: %s", err, out)
	}
}
