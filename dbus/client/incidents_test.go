package client

import (
	"context"
	"errors"
	"testing"
	"time"

	godbus "github.com/godbus/dbus/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/correlate"
	pdbus "github.com/peripety/peripety/dbus"
	"github.com/peripety/peripety/event"
)

func incident(id string, state correlate.State) correlate.Incident {
	return correlate.Incident{ID: id, State: state, Severity: event.Error, Counts: map[string]uint64{"BLK_IO_ERROR": 2},
		RootCause: correlate.RootEvent{EventID: "e1", EventType: "SCSI_MEDIUM_ERROR", Severity: event.Error, Layer: "device"},
		Devices:   []correlate.Affected{{DevInfo: correlate.DevInfo{Dev: correlate.Dev{Name: "sda", MajMin: "8:0"}}, Role: correlate.RoleRoot, Events: 2}},
		Events:    2, Lines: 2}
}

func TestIncidentMethods(t *testing.T) {
	_, b, c := serve(t)
	ctx := context.Background()
	b.PutIncident(incident("closed", correlate.StateClosed))
	b.PutIncident(incident("open", correlate.StateOpen))
	b.SetConditions([]correlate.DeviceConditions{{DevInfo: correlate.DevInfo{Dev: correlate.Dev{Name: "sda"}}, Present: true}})
	incs, err := c.ListIncidents(ctx, pdbus.IncidentFilter{Open: true})
	if err != nil || len(incs) != 1 || incs[0].ID != "open" {
		t.Fatalf("ListIncidents open: %+v, %v", incs, err)
	}
	want := incident("open", correlate.StateOpen)
	got, err := c.GetIncident(ctx, "open")
	if err != nil {
		t.Fatal(err)
	}
	got.Version = 0
	if diff := cmp.Diff(want, got, sameTime); diff != "" {
		t.Errorf("GetIncident (-want +got):\n%s", diff)
	}
	if _, err := c.GetIncident(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetIncident of an unknown id: %v, want ErrNotFound", err)
	}
	dcs, err := c.Conditions(ctx)
	if err != nil || len(dcs) != 1 || dcs[0].Name != "sda" || !dcs[0].Present {
		t.Errorf("Conditions: %+v, %v", dcs, err)
	}
}

// TestSubscribeIncidents: a subscription with Incidents hears
// IncidentChanged in order with the events.
func TestSubscribeIncidents(t *testing.T) {
	srv, _, c, conn := serveConn(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []string
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- c.subscribe(ctx, Subscription{Incidents: func(inc correlate.Incident) error {
			got = append(got, "incident "+inc.ID+" "+string(inc.State))
			if inc.State == correlate.StateClosed {
				return errStop
			}
			return nil
		}}, func(e event.Event) error {
			got = append(got, "event "+e.EventType)
			return nil
		}, func() { close(ready) })
	}()
	<-ready
	emit := func(inc correlate.Incident) {
		if err := conn.Emit(pdbus.ObjectPath, pdbus.IncidentSignalName, inc.ID, string(inc.State), pdbus.EncodeIncident(&inc)); err != nil {
			t.Fatal(err)
		}
	}
	emit(incident("i1", correlate.StateOpen))
	if err := srv.Emit(ctx, ev(1, "FS_IO_ERROR", event.Error)); err != nil {
		t.Fatal(err)
	}
	if err := conn.Emit(pdbus.ObjectPath, pdbus.IncidentSignalName, "bad", "open", map[string]godbus.Variant{"events": godbus.MakeVariant("x")}); err != nil {
		t.Fatal(err)
	}
	emit(incident("i1", correlate.StateClosed))
	if err := <-done; !errors.Is(err, errStop) {
		t.Fatalf("Subscribe: %v", err)
	}
	want := []string{"incident i1 open", "event FS_IO_ERROR", "incident i1 closed"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("heard (-want +got):\n%s", diff)
	}
}
