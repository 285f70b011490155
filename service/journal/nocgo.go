//go:build !cgo

package journal

import (
	"context"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
)

// CanRead says whether this build can read the journal: not without cgo.
const CanRead = false

// Query needs sd-journal: without cgo it returns ErrNoJournald.
func Query(ctx context.Context, src Source, f event.Filter) ([]event.Event, error) {
	return nil, ErrNoJournald
}

// Follow needs sd-journal: without cgo it returns ErrNoJournald.
func Follow(ctx context.Context, src Source, f event.Filter, fn func(event.Event) error) error {
	return ErrNoJournald
}

// ReadKernel needs sd-journal: without cgo it returns ErrNoJournald.
func ReadKernel(ctx context.Context, cursor string, fn func(rec parsers.Record, cursor string) error) error {
	return ErrNoJournald
}
