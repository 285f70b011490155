package cli

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/peripety/peripety/correlate"
	"github.com/peripety/peripety/event"
)

// TestMonitorNotifyIncidents: prpt monitor --notify shows an incident
// once, leaves the notification be while more of its events come, and
// updates it in place when the incident closes; an event outside
// incidents is a notification of its own.
func TestMonitorNotifyIncidents(t *testing.T) {
	srv, b := serveDaemon(t)
	notes := startNotificationServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go srv.Run(ctx) // announces IncidentChanged
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Main([]string{"monitor", "--notify", "-J"}, Env{Context: ctx, Stdout: &stdout, Stderr: &stderr})
	}()
	const id = "5a7404f8-5b70-5617-8d4f-fbfda1a07d79"
	inIncident := func(seq uint64, sev event.Severity) event.Event {
		ev := storageEvent(seq, sev)
		ev.IncidentID, ev.RootCauseEventID = id, storageEvent(1, sev).EventID
		return ev
	}
	// Emit until the monitor is subscribed: the first notification says so.
	for subscribed := false; !subscribed; {
		if err := srv.Emit(ctx, inIncident(1, event.Error)); err != nil {
			t.Fatal(err)
		}
		select {
		case <-notes.got:
			subscribed = true
		case code := <-done:
			t.Fatalf("prpt monitor --notify ended: exit %d: %s", code, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	for seq := uint64(2); seq < 6; seq++ {
		if err := srv.Emit(ctx, inIncident(seq, event.Critical)); err != nil {
			t.Fatal(err)
		}
	}
	b.PutIncident(correlate.Incident{ID: id, State: correlate.StateClosed, Severity: event.Critical, Events: 5,
		RootCause: correlate.RootEvent{EventID: storageEvent(1, event.Error).EventID, EventType: "SCSI_DEVICE_OFFLINE", SubSystem: event.SubSCSI,
			Severity: event.Error, Msg: "sd 3:0:0:0: rejecting I/O to offline device",
			Dev: correlate.DevInfo{Dev: correlate.Dev{Name: "sdb"}, Path: "/dev/disk/by-id/wwn-0x6001"}}})
	wait := func(what string) notification {
		t.Helper()
		select {
		case <-notes.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("no notification %s", what)
		}
		notes.mu.Lock()
		defer notes.mu.Unlock()
		return notes.shown[len(notes.shown)-1]
	}
	closed := wait("for the incident closed")
	for closed.Replaces == 0 {
		closed = wait("for the incident closed") // repeats of the first event, sent before the monitor was ready
	}
	if err := srv.Emit(ctx, storageEvent(9, event.Warning)); err != nil {
		t.Fatal(err)
	}
	lone := wait("for the event outside incidents")
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
	// How many events it counts depends on the repeats sent while the
	// monitor subscribed.
	// In plain language: the root cause's device and what happened to
	// it, the kernel's line last.
	body := regexp.MustCompile(`^[0-9]+ events so far; the latest: The filesystem on /dev/loop4 has errors\n` +
		`incident 5a7404f8 · 2026-11-25 16:03:04 · host1\nKernel: sd 3:0:0:0: rejecting I/O to offline device$`)
	if closed.Summary != "Disk /dev/sdb was taken offline (cleared)" || closed.Replaces != 1 || closed.Urgency != 2 ||
		!body.MatchString(closed.Body) {
		t.Errorf("the incident's notification once closed: %+v", closed)
	}
	notes.mu.Lock()
	first := notes.shown[0]
	notes.mu.Unlock()
	if first.Replaces != 0 || first.Summary != "The filesystem on /dev/loop4 has errors" {
		t.Errorf("first notification %+v", first)
	}
	if lone.Replaces != 0 || lone.Summary != "The filesystem on /dev/loop4 has errors" || lone.Urgency != 1 {
		t.Errorf("event outside incidents: %+v", lone)
	}
}
