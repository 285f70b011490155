//go:build !cgo

package sdjournal

import (
	"context"
	"errors"
	"testing"

	"github.com/peripety/peripety/event"
)

func TestNoCgo(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(Source{}); !errors.Is(err, ErrNoJournald) {
		t.Errorf("Open = %v, want ErrNoJournald", err)
	}
	st := NewStore(Source{})
	defer st.Close()
	if _, err := st.Query(ctx, event.Filter{}); !errors.Is(err, ErrNoJournald) {
		t.Errorf("Query = %v, want ErrNoJournald", err)
	}
	if err := st.Follow(ctx, event.Filter{}, func(event.Event) error { return nil }); !errors.Is(err, ErrNoJournald) {
		t.Errorf("Follow = %v, want ErrNoJournald", err)
	}
}
