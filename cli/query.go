package cli

import "errors"

// QueryCmd is `prpt query`.
type QueryCmd struct{}

// Run is not written yet: the issue that builds this command replaces it.
func (c *QueryCmd) Run(env *Env) error {
	return errors.New("query: not implemented yet")
}
