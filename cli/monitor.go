package cli

import "errors"

// MonitorCmd is `prpt monitor`.
type MonitorCmd struct{}

// Run is not written yet: the issue that builds this command replaces it.
func (c *MonitorCmd) Run(env *Env) error {
	return errors.New("monitor: not implemented yet")
}
