package service

import (
	"log/slog"
	"os"
	"testing"
	"time"
)

func TestKmsgPos(t *testing.T) {
	for _, tt := range []struct {
		in   string
		boot string
		seq  uint64
		ok   bool
	}{
		{"a467f711-7467-4c69-8d0a-0d1455c4f51b 1008", "a467f711-7467-4c69-8d0a-0d1455c4f51b", 1008, true},
		{"b 0", "b", 0, true},
		{"", "", 0, false},
		{"b", "", 0, false},
		{" 12", "", 0, false},
		{"b x", "b", 0, false},
	} {
		boot, seq, ok := parseKmsgPos(tt.in)
		if ok != tt.ok || (ok && (boot != tt.boot || seq != tt.seq)) {
			t.Errorf("parseKmsgPos(%q) = %q, %d, %v; want %q, %d, %v", tt.in, boot, seq, ok, tt.boot, tt.seq, tt.ok)
		}
	}
	if got := kmsgPos("b", 7); got != "b 7" {
		t.Errorf("kmsgPos = %q", got)
	}
}

func TestOverrunEvent(t *testing.T) {
	ev := overrunEvent(100, 150, time.Unix(1, 0), "h")
	if ev.Ext("lost") != "50" || ev.Ext("first_lost_seq") != "100" || ev.Ext("last_lost_seq") != "149" || ev.EventType != EventKmsgOverrun {
		t.Errorf("overrunEvent(100, 150) = %+v", ev)
	}
}

// TestKmsgSourceResumes reads the real /dev/kmsg: the kernel's records in
// order, and from a saved position only those after it, with a boot time
// that is the same across runs.
func TestKmsgSourceResumes(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("reading /dev/kmsg needs root (CAP_SYSLOG under kernel.dmesg_restrict)")
	}
	st := NewStateDirMust(t, t.TempDir())
	src := &KmsgSource{env: SourceEnv{Root: "/", State: st, Log: slog.New(slog.DiscardHandler)}}
	ch, cancel := collect(t, src, "")
	var items []Item
	for len(items) < 5 {
		select {
		case it := <-ch:
			items = append(items, it)
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d kernel records in the ring within 5s", len(items))
		}
	}
	cancel()
	for i := 1; i < len(items); i++ {
		if items[i].Record.Seq <= items[i-1].Record.Seq || items[i].Record.Time.Before(items[i-1].Record.Time) {
			t.Errorf("records out of order: %+v then %+v", items[i-1].Record, items[i].Record)
		}
		if items[i].Record.Facility != 0 {
			t.Errorf("user record delivered: %+v", items[i].Record)
		}
	}

	ch, _ = collect(t, src, items[1].Pos)
	select {
	case it := <-ch:
		if it.Record.Seq != items[2].Record.Seq && it.Own == nil {
			t.Errorf("resumed after %q at seq %d, want %d", items[1].Pos, it.Record.Seq, items[2].Record.Seq)
		}
		if !it.Record.Time.Equal(items[2].Record.Time) {
			t.Errorf("record time differs between runs: %v, then %v", items[2].Record.Time, it.Record.Time)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing after resuming")
	}
}
