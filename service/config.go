package service

import (
	"github.com/peripety/peripety/config"
)

func configName(path string) string {
	if path == "" {
		return config.DefaultPath
	}
	return path
}

// loadConfig reads the config at path; "" is the default file, whose
// absence means the defaults, while a named file must exist.
func loadConfig(path string) (*config.Config, error) {
	return config.Load(configName(path), path != "")
}
