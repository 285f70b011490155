// Package config reads peripetyd's configuration: /etc/peripetyd.conf
// (TOML, https://toml.io/en/v1.0.0) and the drop-ins
// /etc/peripetyd.conf.d/*.conf after it, in name order. The original
// peripety's file loads unchanged, including its (?x) verbose patterns.
//
//	[main]
//	notify_stdout = false          # print every event on stdout
//	save_to_journald = true        # record events in journald
//	dump_blk_info_at_start = true  # a PERIPETY_BLK_INFO event per block at start
//
//	[[collector.regexs]]           # a user rule; repeat the section
//	starts_with = "EXT4-fs "       # optional literal prefix, tried first
//	regex = '(?P<kdev>…)…'         # named group kdev required
//	sub_system = "ext4"            # optional, a known sub-system
//	event_type = "FS_MOUNTED"      # optional, free form
//	daemon = "multipathd"          # optional: the rule takes this daemon's
//	                               # lines (parsers.Daemons), not the kernel's
//
//	[metrics]                      # Prometheus metrics (metrics.go)
//	socket = "/run/peripetyd/metrics.sock"
//	listen = ""                    # "127.0.0.1:9750": also over TCP
//	textfile_directory = ""        # node_exporter's textfile directory
//
//	[hooks]                        # hooks.d and the defaults of hooks (hooks.go)
//	directory = "/etc/peripetyd/hooks.d"
//	severity = "warning"
//
//	[[hook]]                       # a command run for the events it selects
//	name = "page"
//	command = ["/usr/local/bin/page", "--team", "storage"]
//
// A drop-in sets the [main], [metrics] and [hooks] keys it names over the
// files before it and adds its rules and hooks after theirs. Every error names the file, the line and the key.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
)

// DefaultPath is where peripetyd reads its configuration.
const DefaultPath = "/etc/peripetyd.conf"

// Config is the daemon's configuration.
type Config struct {
	Main Main
	// Rules are the user rules of every file, in the order read.
	Rules []parsers.UserRule
	// Metrics is the [metrics] section.
	Metrics Metrics
	// Hooks is the [hooks] section; Hook the [[hook]] entries of every
	// file, in the order read.
	Hooks Hooks
	Hook  []Hook
}

// Main is the [main] section.
type Main struct {
	// NotifyStdout prints every event on standard output (debugging).
	NotifyStdout bool
	// SaveToJournald records events in journald (default true).
	SaveToJournald bool
	// DumpBlkInfoAtStart emits a PERIPETY_BLK_INFO event for each block
	// device at start (default true; a reload does not apply it).
	DumpBlkInfoAtStart bool
}

// Default returns the configuration used when there is no file.
func Default() *Config {
	return &Config{Main: Main{SaveToJournald: true, DumpBlkInfoAtStart: true},
		Metrics: defaultMetrics(), Hooks: defaultHooks()}
}

// Load reads the file at path and then path+".d/*.conf" in name order.
// A missing file at path is an error when mustExist is set (a file named
// on the command line); otherwise it means the defaults (the default path).
func Load(path string, mustExist bool) (*Config, error) {
	c := Default()
	// The [[hook]] entries read, finished once every file is read.
	var hooks []pendingHook
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if hooks, err = c.add(path, data, hooks); err != nil {
			return nil, err
		}
	case errors.Is(err, fs.ErrNotExist) && !mustExist:
	default:
		return nil, fmt.Errorf("read config: %w", err)
	}

	dir := path + ".d"
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read config directory: %w", err)
	}
	for _, e := range entries { // os.ReadDir sorts by name
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".conf") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		if hooks, err = c.add(p, data, hooks); err != nil {
			return nil, err
		}
	}
	if err := c.finishHooks(hooks); err != nil {
		return nil, err
	}
	return c, nil
}

// fileConfig is the TOML shape of one file; pointers tell a key that is
// absent from one set to false.
type fileConfig struct {
	Main struct {
		NotifyStdout       *bool `toml:"notify_stdout"`
		SaveToJournald     *bool `toml:"save_to_journald"`
		DumpBlkInfoAtStart *bool `toml:"dump_blk_info_at_start"`
	} `toml:"main"`
	Collector struct {
		Regexs []fileRule `toml:"regexs"`
	} `toml:"collector"`
	Metrics fileMetrics `toml:"metrics"`
	Hooks   fileHooks   `toml:"hooks"`
	Hook    []fileHook  `toml:"hook"`
}

type fileRule struct {
	StartsWith *string `toml:"starts_with"`
	Regex      *string `toml:"regex"`
	SubSystem  *string `toml:"sub_system"`
	EventType  *string `toml:"event_type"`
	Daemon     *string `toml:"daemon"`
}

// add decodes one file over c. Its [[hook]] entries are added to hooks,
// to be finished once every file is read (finishHooks).
func (c *Config) add(name string, data []byte, hooks []pendingHook) ([]pendingHook, error) {
	var fc fileConfig
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return nil, decodeError(name, data, err)
	}
	setBool(&c.Main.NotifyStdout, fc.Main.NotifyStdout)
	setBool(&c.Main.SaveToJournald, fc.Main.SaveToJournald)
	setBool(&c.Main.DumpBlkInfoAtStart, fc.Main.DumpBlkInfoAtStart)

	pos := filePositions(data)
	for i, fr := range fc.Collector.Regexs {
		rule, err := compileRule(fr)
		if err != nil {
			var ke *keyError
			if !errors.As(err, &ke) {
				return nil, err
			}
			path := fmt.Sprintf("collector.regexs[%d].%s", i, ke.key)
			return nil, fmt.Errorf("%s:%d: %s: %s", name, pos.line(path), path, ke.msg)
		}
		rule.Source = fmt.Sprintf("%s:%d", name, pos.line(fmt.Sprintf("collector.regexs[%d]", i)))
		c.Rules = append(c.Rules, rule)
	}
	// where names a key of the file as errors do: file, line, path.
	where := func(table string) func(key string) string {
		return func(key string) string {
			path := table + "." + key
			return fmt.Sprintf("%s:%d: %s", name, pos.line(path), path)
		}
	}
	if err := c.addMetrics(&fc.Metrics, where("metrics")); err != nil {
		return nil, err
	}
	if err := c.addHooks(&fc.Hooks, where("hooks")); err != nil {
		return nil, err
	}
	for i := range fc.Hook {
		table := fmt.Sprintf("hook[%d]", i)
		h, err := readHook(&fc.Hook[i], fmt.Sprintf("%s:%d", name, pos.line(table)), where(table), hooks)
		if err != nil {
			return nil, err
		}
		hooks = append(hooks, h)
	}
	return hooks, nil
}

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

// keyError is a problem with one key of a rule.
type keyError struct{ key, msg string }

func (e *keyError) Error() string { return e.key + ": " + e.msg }

// compileRule validates one [[collector.regexs]] table.
func compileRule(fr fileRule) (parsers.UserRule, error) {
	var rule parsers.UserRule
	if fr.Regex == nil || *fr.Regex == "" {
		return rule, &keyError{"regex", "missing: every rule needs a regex with a (?P<kdev>…) group"}
	}
	re, err := regexp.Compile(translateVerbose(*fr.Regex))
	if err != nil {
		return rule, &keyError{"regex", fmt.Sprintf("invalid regular expression: %v", unwrapSyntax(err))}
	}
	if re.SubexpIndex("kdev") < 0 {
		return rule, &keyError{"regex", "no named group kdev: add (?P<kdev>…) around the device name"}
	}
	rule.Regexp = re
	if fr.StartsWith != nil {
		rule.StartsWith = *fr.StartsWith
	}
	if fr.SubSystem != nil && *fr.SubSystem != "" {
		s, ok := event.CanonicalSubSystem(*fr.SubSystem)
		if !ok {
			return rule, &keyError{"sub_system", fmt.Sprintf("unknown sub-system %q: want one of %s", *fr.SubSystem, strings.Join(event.SubSystems, ", "))}
		}
		rule.SubSystem = s
	}
	if fr.EventType != nil {
		rule.EventType = *fr.EventType
	}
	if fr.Daemon != nil && *fr.Daemon != "" {
		d, ok := parsers.LookupDaemon(*fr.Daemon)
		if !ok {
			return rule, &keyError{"daemon", fmt.Sprintf("unknown daemon %q: want one of %s", *fr.Daemon, strings.Join(parsers.DaemonNames(), ", "))}
		}
		rule.Daemon = d.Name
	}
	return rule, nil
}

// unwrapSyntax drops the "error parsing regexp: " that regexp.Compile puts
// before what is wrong.
func unwrapSyntax(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

// decodeError names the file, line and key of a TOML error.
func decodeError(name string, data []byte, err error) error {
	var sm *toml.StrictMissingError
	if errors.As(err, &sm) {
		tables := filePositions(data)
		var errs []error
		for i := range sm.Errors {
			e := &sm.Errors[i]
			row, _ := e.Position()
			errs = append(errs, fmt.Errorf("%s:%d: %s: unknown key", name, row, tables.keyAt(e.Key(), row)))
		}
		return errors.Join(errs...)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		msg := typeMessage(strings.TrimPrefix(de.Error(), "toml: "))
		if k := de.Key(); len(k) > 0 {
			return fmt.Errorf("%s:%d: %s: %s", name, row, filePositions(data).keyAt(k, row), msg)
		}
		return fmt.Errorf("%s:%d: %s", name, row, msg)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// typeMessage rewrites go-toml's "cannot decode TOML string into struct
// field … of type bool" as "want a bool, not a TOML string".
func typeMessage(msg string) string {
	rest, ok := strings.CutPrefix(msg, "cannot decode TOML ")
	if !ok {
		return msg
	}
	kind, _, _ := strings.Cut(rest, " ")
	i := strings.LastIndex(rest, " of type ")
	if i < 0 {
		return msg
	}
	want := strings.TrimLeft(rest[i+len(" of type "):], "*")
	if want == "bool" {
		want = "boolean (true or false)"
	}
	return fmt.Sprintf("wrong type: want a %s, not a TOML %s", want, kind)
}
