package parsers

import "regexp"

// UserRule is a rule from the config file ([[collector.regexs]]), compiled
// and validated by package config: Regexp has a named group "kdev", its
// other named groups become extension keys.
type UserRule struct {
	// StartsWith, when set, is a literal the message must start with
	// before the regexp is tried.
	StartsWith string
	Regexp     *regexp.Regexp
	// SubSystem is a canonical event.SubSystems name, or "" for none.
	SubSystem string
	// EventType is free-form; "" means the rule's matches are typed
	// "UNKNOWN" as the original did.
	EventType string
	// Daemon, when set, is the daemon whose lines the rule takes
	// (LookupDaemon: a name of Daemons or one of its identifiers), seen
	// as its built-in rules see them; "" takes the kernel's lines.
	Daemon string
	// Source says where the rule was defined: "FILE:LINE".
	Source string
}
