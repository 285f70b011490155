package parsers

import "testing"

func TestLooksLikeStorage(t *testing.T) {
	for _, c := range []struct {
		line string
		want bool
	}{
		{"sd 0:0:0:0: [sda] Attached SCSI disk", true},
		{"EXT4-fs (sda1): something new", true},
		{"ata2.00: something unheard of", true},
		{"e1000e 0000:00:1f.6 eno1: NIC Link is Up 1000 Mbps Full Duplex", false},
		{"Out of memory: Killed process 4242 (java)", false},
	} {
		if got := LooksLikeStorage(c.line); got != c.want {
			t.Errorf("LooksLikeStorage(%q) = %v, want %v", c.line, got, c.want)
		}
	}
}
