package cli

import "errors"

// InfoCmd is `prpt info`.
type InfoCmd struct{}

// Run is not written yet: the issue that builds this command replaces it.
func (c *InfoCmd) Run(env *Env) error {
	return errors.New("info: not implemented yet")
}
