package parsers

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
)

// stormRecords is a storm on one device over 2 s, a lighter one on another, with a rate-limit
// notice and SCSI lines that group, as a daemon would read it.
func stormRecords() []Record {
	var recs []Record
	at := t0
	for i := range 300 {
		at = at.Add(7 * time.Millisecond)
		dev := "sdb"
		if i%10 == 0 {
			dev = "sdc"
		}
		// Block-layer lines wait for what follows; buffer errors do not.
		if i%50 == 0 {
			recs = append(recs, record(blkLine(dev, 8*i), at))
		} else {
			recs = append(recs, record(fmt.Sprintf("<3>Buffer I/O error on dev %s, logical block %d, async page read", dev, i), at))
		}
		if i == 150 {
			recs = append(recs, record("<4>blk_print_req_error: 25 callbacks suppressed", at))
		}
	}
	return recs
}

// summary describes an event as a daemon's id would derive it, and its
// count.
func summarize(evs []event.Event) []string {
	var out []string
	for _, ev := range evs {
		s := fmt.Sprintf("%s %s %s count=%d raw=%q", ev.Timestamp.Format(time.StampMicro), ev.EventType, ev.Kdev, ev.Count, ev.RawMsg)
		if IsStormSummary(&ev) {
			s += " storm " + ev.Ext("first_sector") + "-" + ev.Ext("last_sector")
		}
		out = append(out, s)
	}
	return out
}

// TestResumeFoldsTheSame stops a parser at each point where it has a
// state to save, flushed as a live daemon flushes on a timer, and resumes a
// new one from the state over the records after that point, as a daemon
// restarted after a crash does: together they give exactly the events one
// parser gives over the whole replay, summaries and counts included.
func TestResumeFoldsTheSame(t *testing.T) {
	recs := stormRecords()
	var whole collector
	p := newTestParser(t, Options{})
	for _, r := range recs {
		p.Push(r, whole.emit)
	}
	p.Close(whole.emit)
	want := summarize(whole.events)
	if !strings.Contains(strings.Join(want, "\n"), "storm") {
		t.Fatal("the records make no storm summary")
	}

	cuts := 0
	for cut := 1; cut < len(recs); cut += 7 {
		var got collector
		live := newTestParser(t, Options{})
		var st State
		ok := false
		for i, r := range recs[:cut] {
			// A live daemon flushes when a deadline passes before
			// the next record comes.
			if d, due := live.NextDeadline(); due && i > 0 && d.Before(r.Time) && i%2 == 0 {
				live.Flush(d, got.emit)
			}
			live.Push(r, got.emit)
		}
		if st, ok = live.Snapshot(); !ok {
			continue
		}
		cuts++
		next := newTestParser(t, Options{})
		next.Resume(st)
		for _, r := range recs[cut:] {
			next.Push(r, got.emit)
		}
		next.Close(got.emit)
		if diff := cmp.Diff(want, summarize(got.events)); diff != "" {
			t.Fatalf("stopped after record %d and resumed (-one parser +two):\n%s", cut, diff)
		}
	}
	if cuts < 10 {
		t.Errorf("a state to save at %d points only", cuts)
	}
}

// TestSnapshotWithOpenGroup: no state while lines of one failure are
// grouped.
func TestSnapshotWithOpenGroup(t *testing.T) {
	p := newTestParser(t, Options{})
	var col collector
	p.Push(record(failedLine, t0), col.emit)
	if _, ok := p.Snapshot(); ok {
		t.Error("Snapshot with a group open: ok")
	}
	p.Close(col.emit)
	if _, ok := p.Snapshot(); !ok {
		t.Error("Snapshot with nothing open: not ok")
	}
}
