package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
)

// TestIncidentsJournal rebuilds incidents from the events of a journal
// directory, as on the collector of several hosts: a medium error and the
// filesystem error it caused on h1, a mount on h2 that is no incident.
func TestIncidentsJournal(t *testing.T) {
	evs := sample()
	const inc = "394b2a23-8a41-5c1e-9f3e-0d2b6c7a1e55"
	for i := range evs {
		if evs[i].EventID == "e1" || evs[i].EventID == "e2" {
			evs[i].IncidentID, evs[i].RootCauseEventID = inc, "e1"
		}
	}
	p, _ := store(t, evs...)
	code, out, stderr := prpt(t, "incidents", "--directory", p.Dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := "h1 2026-11-25 09:02:00 394b2a23 unknown    Critical 2 events: sdc SCSI_MEDIUM_ERROR: medium error at sector 2048 → dm-3\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("incidents (-want +got):\n%s", diff)
	}
	code, out, _ = prpt(t, "incidents", "-J", "--directory", p.Dir, "--hostname", "h1", "--blk", "/dev/mapper/vg-lv")
	var got struct {
		Hostname string            `json:"hostname"`
		ID       string            `json:"incident_id"`
		Events   uint64            `json:"events"`
		Severity event.Severity    `json:"severity"`
		Counts   map[string]uint64 `json:"counts"`
	}
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("exit %d, %v: %q", code, err, out)
	}
	if got.Hostname != "h1" || got.ID != inc || got.Events != 2 || got.Severity != event.Critical || got.Counts["FS_IO_ERROR"] != 1 {
		t.Errorf("incident %+v", got)
	}
	if _, out, _ := prpt(t, "incidents", "--directory", p.Dir, "--hostname", "h2"); out != "" {
		t.Errorf("h2 has no incident, got %q", out)
	}
	if code, _, stderr := prpt(t, "incidents", "--directory", p.Dir, "--open"); code != 1 || !strings.Contains(stderr, "--open needs the daemon") {
		t.Errorf("--open with a journal: exit %d, %q", code, stderr)
	}
}
