//go:build !cgo

package service

import (
	"context"
	"errors"
	"testing"

	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/service/sdjournal"
)

func TestReadKernelNoCgo(t *testing.T) {
	err := readLog(context.Background(), sdjournal.Source{}, "", func(parsers.Record, string) error { return nil })
	if !errors.Is(err, sdjournal.ErrNoJournald) {
		t.Errorf("readLog = %v, want sdjournal.ErrNoJournald", err)
	}
}
