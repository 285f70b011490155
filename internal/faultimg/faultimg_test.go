package faultimg

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCommand(t *testing.T) {
	start := []Range{{Op: OpRead, Offset: 0, Length: 512}}
	tests := []struct {
		line    string
		want    []Range
		wantErr bool
	}{
		{line: "fail read 4096 512", want: append(start, Range{OpRead, 4096, 512})},
		{line: "fail write 0 1", want: append(start, Range{OpWrite, 0, 1})},
		{line: "  fail rw 10 20 ", want: append(start, Range{OpRW, 10, 20})},
		{line: "clear", want: nil},
		{line: "fail erase 0 1", wantErr: true},
		{line: "fail read -1 1", wantErr: true},
		{line: "fail read 0 0", wantErr: true},
		{line: "fail read x 1", wantErr: true},
		{line: "fail read 1", wantErr: true},
		{line: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := ParseCommand(start, tt.line)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseCommand(%q) error = %v, want error %v", tt.line, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseCommand(%q) (-want +got):\n%s", tt.line, diff)
			}
		})
	}
	if len(start) != 1 {
		t.Errorf("ParseCommand changed the ranges it was given: %v", start)
	}
}

func TestRangeHits(t *testing.T) {
	r := Range{Op: OpRead, Offset: 4096, Length: 4096}
	tests := []struct {
		op     Op
		off, n int64
		want   bool
	}{
		{OpRead, 0, 4096, false},
		{OpRead, 0, 4097, true},
		{OpRead, 8191, 1, true},
		{OpRead, 8192, 512, false},
		{OpWrite, 4096, 512, false},
	}
	for _, tt := range tests {
		if got := r.hits(tt.op, tt.off, tt.n); got != tt.want {
			t.Errorf("%v.hits(%v, %d, %d) = %v, want %v", r, tt.op, tt.off, tt.n, got, tt.want)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"fail read 0 512", "clear", "fail rw 1 2", "fail write 9223372036854775807 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		got, err := ParseCommand(nil, line)
		if err == nil {
			for _, r := range got {
				if r.Offset < 0 || r.Length <= 0 {
					t.Errorf("ParseCommand(%q) accepted %v", line, r)
				}
			}
		}
	})
}
