package service

import "errors"

func newJournalSource(env SourceEnv) (Source, error) {
	return nil, errors.New("journal source not merged yet (branch journal)")
}
