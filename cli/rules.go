package cli

import "errors"

// RulesCmd is `prpt rules`.
type RulesCmd struct{}

// Run is not written yet: the issue that builds this command replaces it.
func (c *RulesCmd) Run(env *Env) error {
	return errors.New("rules: not implemented yet")
}
