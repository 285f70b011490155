package cli

import "errors"

// ListCmd is `prpt list`.
type ListCmd struct{}

// Run is not written yet: the issue that builds this command replaces it.
func (c *ListCmd) Run(env *Env) error {
	return errors.New("list: not implemented yet")
}
