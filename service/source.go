package service

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/service/sdjournal"
)

// Source delivers log records in order, each with the position just after
// it, so that a restarted daemon resumes where the stored events end. The
// implementations are one per file: kmsg.go (the kernel's lines only),
// journal.go (the kernel's and the storage daemons'), file.go (whatever
// the saved log holds).
type Source interface {
	// Name is how the source is shown (logs, the D-Bus Sources property):
	// "kmsg", "journal", "file:/var/log/kern.log".
	Name() string
	// Key names the source's checkpoint in the state directory.
	Key() string
	// Run opens the source, calls opened once it is open, then calls fn
	// with each item after pos ("" for a first start) until ctx ends or a
	// read fails. It returns ctx.Err() when stopped, and fn's error as is.
	Run(ctx context.Context, pos string, opened func(), fn func(Item) error) error
}

// Item is one thing a source delivers: a kernel record, or an event of the
// daemon's own about the source (records lost to a ring overrun).
type Item struct {
	Record parsers.Record
	// Own, when set, is delivered instead of Record.
	Own *event.Event
	// Pos is the source position just after this item.
	Pos string
}

// SourceSpec is a parsed --source value.
type SourceSpec struct {
	// Kind is "auto", "journal", "kmsg" or "file".
	Kind string
	// Path is the file of a "file" source.
	Path string
}

// ParseSourceSpec reads --source: auto, journal, kmsg or file:PATH.
func ParseSourceSpec(s string) (SourceSpec, error) {
	switch {
	case s == "auto" || s == "journal" || s == "kmsg":
		return SourceSpec{Kind: s}, nil
	case strings.HasPrefix(s, "file:") && len(s) > len("file:"):
		p, err := filepath.Abs(strings.TrimPrefix(s, "file:"))
		if err != nil {
			return SourceSpec{}, fmt.Errorf("source %q: %w", s, err)
		}
		return SourceSpec{Kind: "file", Path: p}, nil
	}
	return SourceSpec{}, fmt.Errorf("source %q: want auto, journal, kmsg or file:PATH", s)
}

// SourceEnv is what the sources read besides their own input, under the
// root given by --root.
type SourceEnv struct {
	// Root is where /dev/kmsg, /proc and /run are found ("/" normally).
	Root string
	// State keeps the kmsg boot time across restarts.
	State *StateDir
	// Hostname is set on records that carry none.
	Hostname string
	// Log takes what a source skips and why (undecodable records).
	Log *slog.Logger
	// Journal is the journal the journal source reads; the zero value is
	// the local system journal (a directory of journal files in tests and
	// benchmarks).
	Journal sdjournal.Source
}

func (e SourceEnv) path(p string) string { return filepath.Join(e.Root, p) }

// journaldSocket is the socket whose presence makes "auto" choose journald.
const journaldSocket = "/run/systemd/journal/socket"

// NewSource builds the source spec asks for. "auto" is journald when its
// socket exists under env.Root, else /dev/kmsg.
func NewSource(spec SourceSpec, env SourceEnv) (Source, error) {
	if env.Log == nil {
		env.Log = slog.New(slog.DiscardHandler)
	}
	kind := spec.Kind
	if kind == "auto" {
		kind = "kmsg"
		if _, err := os.Stat(env.path(journaldSocket)); err == nil {
			kind = "journal"
		}
	}
	switch kind {
	case "kmsg":
		return &KmsgSource{env: env}, nil
	case "journal":
		return newJournalSource(env)
	case "file":
		return &FileSource{path: spec.Path, env: env}, nil
	}
	return nil, fmt.Errorf("unknown source kind %q", spec.Kind)
}
