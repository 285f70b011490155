package service

import (
	"errors"
	"fmt"
	"os"

	"github.com/peripety/peripety/parsers"
)

// Config is what the daemon takes from /etc/peripetyd.conf.
type Config struct {
	NotifyStdout       bool
	SaveToJournald     bool
	DumpBlkInfoAtStart bool
	Rules              []parsers.UserRule
}

// DefaultConfig is the config without a file (DESIGN.md).
func DefaultConfig() Config {
	return Config{SaveToJournald: true, DumpBlkInfoAtStart: true}
}

func configName(path string) string {
	if path == "" {
		return DefaultConfigPath
	}
	return path
}

// loadConfig reads the config at path; "" is the default file, whose
// absence means the defaults.
func loadConfig(path string) (Config, error) {
	p := configName(path)
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) && path == "" {
		return DefaultConfig(), nil
	}
	return Config{}, fmt.Errorf("config %s: reading config files needs package config (branch logfmt)", p)
}
