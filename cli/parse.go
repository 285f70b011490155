package cli

import "errors"

// ParseCmd is `prpt parse`.
type ParseCmd struct{}

// Run is not written yet: the issue that builds this command replaces it.
func (c *ParseCmd) Run(env *Env) error {
	return errors.New("parse: not implemented yet")
}
