package service

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/peripety/peripety/event"
)

// StdoutSink writes each event as one JSON line (notify_stdout).
type StdoutSink struct {
	mu  sync.Mutex
	w   *bufio.Writer
	buf []byte
}

// NewStdoutSink writes to w.
func NewStdoutSink(w io.Writer) *StdoutSink { return &StdoutSink{w: bufio.NewWriter(w)} }

func openStdoutSink(d *Daemon) (Sink, error) { return NewStdoutSink(d.opts.Stdout), nil }

// Name implements Sink.
func (s *StdoutSink) Name() string { return "stdout" }

// Emit implements Sink: the line is flushed before Emit returns, so that
// what is delivered is written.
func (s *StdoutSink) Emit(ctx context.Context, ev event.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if s.buf, err = ev.AppendJSON(s.buf[:0]); err != nil {
		return fmt.Errorf("encode event %s: %w", ev.EventID, err)
	}
	s.w.Write(s.buf)
	s.w.WriteByte('\n')
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("write event to stdout: %w", err)
	}
	return nil
}

// Close implements Sink. Every line is flushed as it is written, and the
// writer is the caller's (os.Stdout): nothing is left to do.
func (s *StdoutSink) Close() error { return nil }
