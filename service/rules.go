package service

import (
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/peripety/peripety/parsers"
)

// newRuleParser is the built-in rule engine with the config's user rules.
// The parser's own ids only need to be unique within the run: the pipeline
// replaces them with reproducible ones (eventID), so a counter spares the
// cost of a random UUID per event.
func newRuleParser(user []parsers.UserRule) (Parser, error) {
	rs, err := parsers.NewRuleSet(user)
	if err != nil {
		return nil, fmt.Errorf("compile rules: %w", err)
	}
	var n atomic.Uint64
	return parsers.NewParser(rs, parsers.Options{
		NewID: func() string { return "parser-" + strconv.FormatUint(n.Add(1), 10) },
	}), nil
}
