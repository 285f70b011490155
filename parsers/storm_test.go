package parsers

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func ext4Mounted(dev string) string {
	return "<6>EXT4-fs (" + dev + "): mounted filesystem 1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6 r/w with ordered data mode. Quota mode: none."
}

// TestStormLifecycle: mounts are each a change someone made. A dozen
// within one window (a boot, or a journal read back, whose backlog shares
// one reception time) all go out as themselves; only a mount loop far past
// any boot's rate folds.
func TestStormLifecycle(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n      int
		events int
	}{
		{"a dozen at one time", 12, 12},
		{"as many as ten bursts", 10 * 10, 100},
		{"a mount loop gone wild", 150, 101},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestParser(t, Options{})
			var col collector
			for i := 0; i < tc.n; i++ {
				p.Push(record(ext4Mounted("loop0"), t0.Add(time.Duration(i)*time.Millisecond)), col.emit)
			}
			p.Close(col.emit)
			if len(col.events) != tc.events {
				t.Fatalf("%d mount events in %d ms gave %d events, want %d", tc.n, tc.n, len(col.events), tc.events)
			}
			total := 0
			for _, ev := range col.events {
				total += int(ev.Count)
			}
			if total != tc.n {
				t.Errorf("counts add up to %d, want %d", total, tc.n)
			}
			if last := col.events[len(col.events)-1]; tc.events < tc.n {
				want := fmt.Sprintf("Storm on loop0: %d further FS_MOUNTED events in %dms, folded into this one after the first 100", tc.n-100, tc.n-101)
				if last.Msg != want {
					t.Errorf("summary %q, want %q", last.Msg, want)
				}
			} else if strings.HasPrefix(last.Msg, "Storm") {
				t.Errorf("no storm, yet %q", last.Msg)
			}
		})
	}
}

// TestStormSummarySaysSuppressed: lines the kernel's rate limit kept back
// are counted in the summary, and its message says how many.
func TestStormSummarySaysSuppressed(t *testing.T) {
	p := newTestParser(t, Options{})
	var col collector
	for i := 0; i < 12; i++ {
		p.Push(record(blkLine("loop4", 8*i), t0.Add(time.Duration(i)*time.Millisecond)), col.emit)
	}
	p.Push(record("<4>blk_print_req_error: 5 callbacks suppressed", t0.Add(20*time.Millisecond)), col.emit)
	p.Close(col.emit)
	sum := col.events[len(col.events)-1]
	want := "Storm on loop4: 7 further BLK_IO_ERROR events in 1ms, sector 80 to 88, folded into this one after the first 10 (5 of them not printed by the kernel's rate limit)"
	if sum.Count != 7 || sum.Msg != want {
		t.Errorf("summary count %d, msg %q; want 7, %q", sum.Count, sum.Msg, want)
	}
}
