//go:build !cgo

package journal

import (
	"context"
	"errors"
	"testing"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
)

func TestNoCgo(t *testing.T) {
	ctx := context.Background()
	if _, err := Query(ctx, Source{}, event.Filter{}); !errors.Is(err, ErrNoJournald) {
		t.Errorf("Query = %v, want ErrNoJournald", err)
	}
	if err := Follow(ctx, Source{}, event.Filter{}, func(event.Event) error { return nil }); !errors.Is(err, ErrNoJournald) {
		t.Errorf("Follow = %v, want ErrNoJournald", err)
	}
	if err := ReadKernel(ctx, "", func(parsers.Record, string) error { return nil }); !errors.Is(err, ErrNoJournald) {
		t.Errorf("ReadKernel = %v, want ErrNoJournald", err)
	}
}
