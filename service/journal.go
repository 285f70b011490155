package service

import (
	"context"

	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/service/journal"
)

// JournalSource reads the kernel's entries from the local journal
// (journal.ReadKernel: sd-journal, so a build without cgo has none). Its
// position is the journal cursor of the last entry: a restarted daemon
// resumes after it, a first start reads the current boot from its start.
type JournalSource struct {
	env SourceEnv
}

func newJournalSource(env SourceEnv) (Source, error) {
	return &JournalSource{env: env}, nil
}

// Name implements Source.
func (s *JournalSource) Name() string { return "journal" }

// Key implements Source.
func (s *JournalSource) Key() string { return "journal" }

// Run implements Source. The journal is open once ReadKernel reads, and
// an error opening it ends Run, so opened is called before.
func (s *JournalSource) Run(ctx context.Context, pos string, opened func(), fn func(Item) error) error {
	opened()
	return journal.ReadKernel(ctx, pos, func(rec parsers.Record, cursor string) error {
		if rec.Hostname == "" {
			rec.Hostname = s.env.Hostname
		}
		return fn(Item{Record: rec, Pos: cursor})
	})
}
