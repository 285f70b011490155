package service

import (
	"github.com/peripety/peripety/correlate"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
)

// conditionKinds maps the kinds of the parsers' vocabulary of conditions
// (docs/conditions.md) to the model's.
var conditionKinds = map[parsers.ConditionKind]correlate.Kind{
	parsers.CondFault:      correlate.Fault,
	parsers.CondRecovering: correlate.Recovering,
	parsers.CondClear:      correlate.Clear,
}

// vocabulary is the parsers' vocabulary by name, as the model takes it.
var vocabulary = func() map[string]correlate.Condition {
	m := map[string]correlate.Condition{}
	for _, c := range parsers.Conditions() {
		m[c.Name] = correlate.Condition{Object: c.Object, State: c.State(), Kind: conditionKinds[c.Kind]}
	}
	return m
}()

// condition returns the condition named name ("path:failed") with what it
// does; a name not in the vocabulary (a state only sysfs shows, as a SCSI
// device "blocked") is a condition that does nothing.
func condition(name string) correlate.Condition {
	if c, ok := vocabulary[name]; ok {
		return c
	}
	c, err := correlate.ParseCondition(name, correlate.NoCondition)
	if err != nil {
		return correlate.Condition{}
	}
	return c
}

// conditionOf returns the condition ev states: its extension key
// "condition", which the rules of faults and recoveries set.
func conditionOf(ev *event.Event) correlate.Condition {
	if name := ev.Ext("condition"); name != "" {
		return condition(name)
	}
	return correlate.Condition{}
}
