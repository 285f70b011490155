package parsers

import (
	"regexp"
	"slices"
	"testing"
)

// TestWants checks the reader's filter: it wants every line a rule takes
// (built-in or user, with or without a starts_with, a line of a several-line
// record), and turns down the chatter of a quiet system.
func TestWants(t *testing.T) {
	rs, err := NewRuleSet([]UserRule{{
		StartsWith: "mydrv ",
		Regexp:     regexp.MustCompile(`^mydrv (?P<kdev>sd[a-z]+): cache battery (?P<state>\w+)`),
		Source:     "a.conf:1",
	}, {
		Regexp: regexp.MustCompile(`(?P<kdev>dm-\d+) got lost`),
		Source: "a.conf:2",
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text string
		want bool
	}{
		{"I/O error, dev loop4, sector 2048 op 0x0:(READ) flags 0x80700 phys_seg 2 prio class 2", true},
		{"  session3: session recovery timed out after 5 secs", true},
		{"md/raid1:md0: Disk failure on sdb1, disabling device.\nmd/raid1:md0: Operation continuing on 1 devices.", true},
		{"ata3.00: cmd 60/08:98:00:1c:42/00:00:1d:00:00/40 tag 19 ncq dma 4096 in\n         res 41/40:00:00:1c:42/00:00:1d:00:00/40 Emask 0x409 (media error) <F>", true},
		{"mydrv sdb: cache battery failed", true},
		{"something: dm-3 got lost", true},
		{"usb 1-1.2: new high-speed USB device number 5 using xhci_hcd\nmydrv sdc: cache battery low", true},
		{"usb 1-1.2: new high-speed USB device number 5 using xhci_hcd", false},
		{"[UFW BLOCK] IN=eth0 OUT= MAC=00:16:3e:00:00:01 SRC=192.0.2.10 DST=192.0.2.20 LEN=60", false},
		{"mydrv: loaded", false},
		{"", false},
	} {
		if got := rs.Wants("", []byte(c.text)); got != c.want {
			t.Errorf("Wants(%q) = %v, want %v", c.text, got, c.want)
		}
	}
	for _, line := range append(storageLines, quietLines...) {
		if name, ok := rs.MatchRule(Record{Message: line}); ok && !rs.Wants("", []byte(line)) {
			t.Errorf("rule %s takes %q, which Wants turns down", name, line)
		}
	}
}

// TestPrefilterFound checks what a Prefilter hands over: the candidates of
// the one-line kernel text it said yes to last, for a record of that text
// only, and that they stay as they were while it goes on.
func TestPrefilterFound(t *testing.T) {
	rs := mustRuleSet(t)
	f := rs.NewPrefilter()
	wanted := "I/O error, dev loop4, sector 2048 op 0x0:(READ) flags 0x80700 phys_seg 2 prio class 2"
	if !f.Wants("", []byte(wanted)) {
		t.Fatalf("Wants(%q) = false", wanted)
	}
	buf, pf := f.Found(&Record{Message: wanted}, nil)
	want := rs.kernel.candidates(rs.rules, wanted, wanted, make([]int32, 0, maxCandidates))
	if !pf.found || !slices.Equal(pf.cand, want) || len(buf) != len(want) {
		t.Fatalf("Found = %v, %v; want the candidates %v", pf.found, pf.cand, want)
	}
	kept := slices.Clone(pf.cand)
	for _, rec := range []Record{
		{Message: "random: crng init done\n" + wanted},                                                       // several lines
		{Message: wanted, Daemon: "multipathd"},                                                              // a daemon's
		{Message: "BTRFS error (device loop3): bdev /dev/loop3 errs: wr 0, rd 0, flush 0, corrupt 1, gen 0"}, // another text
	} {
		if _, got := f.Found(&rec, buf); got.found {
			t.Errorf("Found of %q (daemon %q) after Wants of %q: %v", rec.Message, rec.Daemon, wanted, got.cand)
		}
	}
	// Turned down, though the prefilter admits rules for it: nothing is
	// kept.
	if f.Wants("", []byte("BTRFS info (device loop3): using crc32c (crc32c-lib) checksum algorithm")) {
		t.Fatal("Wants of chatter = true")
	}
	if _, got := f.Found(&Record{Message: wanted}, buf); got.found {
		t.Errorf("Found after a text turned down: %v", got.cand)
	}
	other := "BTRFS error (device loop3): bdev /dev/loop3 errs: wr 0, rd 0, flush 0, corrupt 1, gen 0"
	if !f.Wants("", []byte(other)) {
		t.Fatalf("Wants(%q) = false", other)
	}
	f.Found(&Record{Message: other}, buf)
	if !slices.Equal(pf.cand, kept) {
		t.Errorf("candidates handed over changed from %v to %v", kept, pf.cand)
	}
}
