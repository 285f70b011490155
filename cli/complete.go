package cli

import (
	"slices"
	"strings"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
)

// CompletionWords returns the words the shell completions offer for a
// value tagged completes:"NAME" on prpt's command line, sorted: severity
// names as journalctl -p spells them, and the event types and sub-systems
// of the built-in rules (those `prpt rules list` shows without a
// configuration). It returns nil for a name whose values the shell lists
// itself at completion time ("blk": the block devices present then).
func CompletionWords(name string) []string {
	switch name {
	case "severity":
		return []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}
	case "event-type", "sub-system":
		rs, err := parsers.NewRuleSet(nil)
		if err != nil {
			return nil // the built-in rules always compile: a test says so
		}
		var words []string
		for _, r := range rs.Rules() {
			w := r.EventType
			if name == "sub-system" {
				w = r.SubSystem
			}
			if w != "" {
				words = append(words, w)
			}
		}
		if name == "sub-system" {
			words = append(words, event.SubSystems...)
		}
		slices.SortFunc(words, func(a, b string) int { return strings.Compare(a, b) })
		return slices.Compact(words)
	}
	return nil
}
