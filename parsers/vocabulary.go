package parsers

import (
	"maps"
	"slices"
)

// EventTypes returns every event type the built-in parsers can give an
// event, sorted: those of the rules, and those an enricher refines a
// failed SCSI command to by its sense key or host byte (scsi.go). User
// rules add their own.
func EventTypes() ([]string, error) {
	rs, err := NewRuleSet(nil)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool)
	for _, r := range rs.Rules() {
		if r.EventType != "" {
			set[r.EventType] = true
		}
	}
	for _, m := range []map[string]string{senseKeyTypes, hostByteTypes} {
		for t := range maps.Values(m) {
			set[t] = true
		}
	}
	return slices.Sorted(maps.Keys(set)), nil
}
