package golden

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// recorder is a testing.TB that keeps what failed instead of failing; a
// fatal failure ends the goroutine, as it does a test's.
type recorder struct {
	testing.TB
	failed, fatal bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.fatal = true; runtime.Goexit() }
func (r *recorder) Fatal(...any)          { r.fatal = true; runtime.Goexit() }

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a", "b.golden")
	tests := []struct {
		name          string
		update        bool
		got           string
		failed, fatal bool
	}{
		{name: "missing file", got: "x", fatal: true},
		{name: "update writes", update: true, got: "one\n"},
		{name: "same", got: "one\n"},
		{name: "differs", got: "two\n", failed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			*update = tt.update
			defer func() { *update = false }()
			r := &recorder{TB: t}
			done := make(chan struct{})
			go func() { defer close(done); Check(r, p, []byte(tt.got)) }()
			<-done
			if r.failed != tt.failed || r.fatal != tt.fatal {
				t.Errorf("failed %v, fatal %v; want %v, %v", r.failed, r.fatal, tt.failed, tt.fatal)
			}
		})
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "one\n" {
		t.Errorf("golden file = %q, %v; want the content -update wrote", b, err)
	}
}
