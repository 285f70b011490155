package cli

import (
	"slices"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
)

// CompletionWords returns the words the shell completions offer for a
// value tagged completes:"NAME" on prpt's command line, sorted: severity
// names as journalctl -p spells them, the event types the built-in parsers
// give (parsers.EventTypes) and the sub-systems of the event model and the
// built-in rules. It returns nil for a name whose values the shell lists
// itself at completion time ("blk": the block devices present then).
func CompletionWords(name string) []string {
	switch name {
	case "severity":
		return []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}
	case "event-type":
		types, err := parsers.EventTypes()
		if err != nil {
			return nil // the built-in rules always compile: a test says so
		}
		return types
	case "sub-system":
		rs, err := parsers.NewRuleSet(nil)
		if err != nil {
			return nil
		}
		words := slices.Clone(event.SubSystems)
		for _, r := range rs.Rules() {
			if r.SubSystem != "" {
				words = append(words, r.SubSystem)
			}
		}
		slices.Sort(words)
		return slices.Compact(words)
	}
	return nil
}
