//go:build cgo

package journal

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestKmsgHint(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("/dev/kmsg is read and written by root only")
	}
	h, err := openKmsgHint("/dev/kmsg")
	if err != nil {
		t.Skipf("no /dev/kmsg: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.run(ctx) }()
	defer func() { cancel(); <-done }()

	// A user-space record (facility user) is a record like any other. (Other
	// tests on the machine may print too; any record is a hint.)
	if err := os.WriteFile("/dev/kmsg", []byte("<14>peripety-test: kmsg hint\n"), 0); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.C:
	case <-time.After(10 * time.Second):
		t.Fatal("no hint within 10s of a record written to /dev/kmsg")
	}
}

func TestKmsgHintMissing(t *testing.T) {
	if _, err := openKmsgHint("/nonexistent/kmsg"); err == nil {
		t.Fatal("openKmsgHint of a missing file: no error")
	}
}
