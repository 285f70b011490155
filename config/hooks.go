package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/peripety/peripety/event"
)

// Defaults of the [hooks] section (peripetyd.conf(5), "SECTION [hooks]").
const (
	DefaultHookDirectory    = "/etc/peripetyd/hooks.d"
	DefaultHookTimeout      = 30 * time.Second
	DefaultHookMaxRunning   = 4
	DefaultHookDedup        = time.Hour
	DefaultHookRateLimit    = 10
	DefaultHookRateInterval = time.Hour
)

// Hooks is the [hooks] section: where the hook scripts are, how many run
// at once, and the settings of every hook that does not set its own.
type Hooks struct {
	// Directory holds executables run for the events Defaults selects
	// ("" for none).
	Directory string
	// MaxRunning bounds the hooks running at once, all hooks together.
	MaxRunning int
	// Defaults are the filter and bounds of the directory's scripts, and
	// of each [[hook]] for the keys it leaves out.
	Defaults HookSettings
}

// HookSettings say which events run a hook and how its runs are bounded.
type HookSettings struct {
	// Severity selects events this severe or more.
	Severity event.Severity
	// EventTypes and SubSystems, when not empty, select events of any of
	// the values.
	EventTypes []string
	SubSystems []string
	// Devices, when not empty, select events on any of these devices or
	// on a device built on one: kernel names, /dev paths, WWIDs, FS UUIDs,
	// mount points.
	Devices []string
	// Timeout is how long a run may take before it is stopped.
	Timeout time.Duration
	// Dedup is how long after a run for an incident further events of the
	// same incident do not run the hook again (0: every event runs it).
	Dedup time.Duration
	// RateLimit runs at most, in any RateInterval (RateLimit 0: no limit).
	RateLimit    int
	RateInterval time.Duration
}

// Hook is one [[hook]] entry: a command of the administrator's choice.
type Hook struct {
	// Name names the hook in logs and metrics.
	Name string
	// Command is the program (an absolute path) and its arguments; no
	// shell reads them.
	Command []string
	// Source is where the entry is: file and line.
	Source string
	HookSettings
}

// defaultHooks is the [hooks] section when no file sets a key.
func defaultHooks() Hooks {
	return Hooks{
		Directory:  DefaultHookDirectory,
		MaxRunning: DefaultHookMaxRunning,
		Defaults: HookSettings{
			Severity:     event.Warning,
			Timeout:      DefaultHookTimeout,
			Dedup:        DefaultHookDedup,
			RateLimit:    DefaultHookRateLimit,
			RateInterval: DefaultHookRateInterval,
		},
	}
}

// fileHookSettings are the keys [hooks] and [[hook]] share, as one file
// writes them: nil when absent.
type fileHookSettings struct {
	Severity     *string   `toml:"severity"`
	EventTypes   *[]string `toml:"event_types"`
	SubSystems   *[]string `toml:"sub_systems"`
	Devices      *[]string `toml:"devices"`
	Timeout      *string   `toml:"timeout"`
	Dedup        *string   `toml:"dedup"`
	RateLimit    *int      `toml:"rate_limit"`
	RateInterval *string   `toml:"rate_interval"`
}

type fileHooks struct {
	Directory  *string `toml:"directory"`
	MaxRunning *int    `toml:"max_running"`
	fileHookSettings
}

type fileHook struct {
	Name    *string `toml:"name"`
	Command any     `toml:"command"`
	fileHookSettings
}

// pendingHook is a [[hook]] entry read, whose unset keys take the [hooks]
// defaults once every file is read (a drop-in may set them after it).
type pendingHook struct {
	hook Hook
	set  fileHookSettings
	// where names the entry's keys in errors: file and path.
	where func(key string) string
}

// addHooks decodes the [hooks] keys of one file over c.Hooks.
func (c *Config) addHooks(fh *fileHooks, where func(key string) string) error {
	if fh.Directory != nil {
		d := *fh.Directory
		if d != "" && !filepath.IsAbs(d) {
			return fmt.Errorf("%s: want an absolute path, or \"\" for none", where("directory"))
		}
		c.Hooks.Directory = d
	}
	if fh.MaxRunning != nil {
		if *fh.MaxRunning < 1 {
			return fmt.Errorf("%s: %d: want at least 1", where("max_running"), *fh.MaxRunning)
		}
		c.Hooks.MaxRunning = *fh.MaxRunning
	}
	return fh.fileHookSettings.apply(&c.Hooks.Defaults, where)
}

// readHook reads one [[hook]] entry, read after those of before; its
// settings are finished by finishHooks.
func readHook(fh *fileHook, source string, where func(key string) string, before []pendingHook) (pendingHook, error) {
	h := Hook{Source: source}
	if fh.Name == nil || *fh.Name == "" {
		return pendingHook{}, fmt.Errorf("%s: missing: every hook needs a name (it names the hook in logs and metrics)", where("name"))
	}
	h.Name = *fh.Name
	for _, o := range before {
		if o.hook.Name == h.Name {
			return pendingHook{}, fmt.Errorf("%s: %q: %s has the same name", where("name"), h.Name, o.hook.Source)
		}
	}
	switch v := fh.Command.(type) {
	case nil:
		return pendingHook{}, fmt.Errorf("%s: missing: every hook needs a command", where("command"))
	case string:
		h.Command = []string{v}
	case []any:
		for _, a := range v {
			s, ok := a.(string)
			if !ok {
				return pendingHook{}, fmt.Errorf("%s: want a string or an array of strings", where("command"))
			}
			h.Command = append(h.Command, s)
		}
	default:
		return pendingHook{}, fmt.Errorf("%s: want a string or an array of strings", where("command"))
	}
	if len(h.Command) == 0 || !filepath.IsAbs(h.Command[0]) {
		return pendingHook{}, fmt.Errorf("%s: want the program's absolute path first (no shell or PATH look-up runs it)", where("command"))
	}
	// Checked now, so the error names the line; applied in finish.
	var probe HookSettings
	if err := fh.fileHookSettings.apply(&probe, where); err != nil {
		return pendingHook{}, err
	}
	return pendingHook{hook: h, set: fh.fileHookSettings, where: where}, nil
}

// finishHooks gives each [[hook]] the [hooks] defaults for the keys it
// left out.
func (c *Config) finishHooks(hooks []pendingHook) error {
	c.Hook = nil
	for _, p := range hooks {
		h := p.hook
		h.HookSettings = c.Hooks.Defaults
		if err := p.set.apply(&h.HookSettings, p.where); err != nil {
			return err
		}
		c.Hook = append(c.Hook, h)
	}
	return nil
}

// apply sets the keys present in f over s.
func (f *fileHookSettings) apply(s *HookSettings, where func(key string) string) error {
	if f.Severity != nil {
		sev, err := event.ParseSeverity(*f.Severity)
		if err != nil {
			return fmt.Errorf("%s: %w", where("severity"), err)
		}
		s.Severity = sev
	}
	if f.EventTypes != nil {
		s.EventTypes = *f.EventTypes
	}
	if f.SubSystems != nil {
		s.SubSystems = nil
		for _, name := range *f.SubSystems {
			c, ok := event.CanonicalSubSystem(name)
			if !ok {
				return fmt.Errorf("%s: unknown sub-system %q: want one of %s", where("sub_systems"), name, strings.Join(event.SubSystems, ", "))
			}
			s.SubSystems = append(s.SubSystems, c)
		}
	}
	if f.Devices != nil {
		s.Devices = *f.Devices
	}
	for _, d := range []struct {
		key string
		src *string
		dst *time.Duration
		min time.Duration
	}{{"timeout", f.Timeout, &s.Timeout, time.Millisecond}, {"dedup", f.Dedup, &s.Dedup, 0}, {"rate_interval", f.RateInterval, &s.RateInterval, time.Second}} {
		if d.src == nil {
			continue
		}
		v, err := parseDuration(*d.src)
		if err != nil || v < d.min {
			return fmt.Errorf("%s: %q: want a duration of at least %v such as \"30s\", \"10m\" or \"1h\"", where(d.key), *d.src, d.min)
		}
		*d.dst = v
	}
	if f.RateLimit != nil {
		if *f.RateLimit < 0 {
			return fmt.Errorf("%s: %d: want 0 (no limit) or more", where("rate_limit"), *f.RateLimit)
		}
		s.RateLimit = *f.RateLimit
	}
	return nil
}

// parseDuration reads a duration as Go writes it ("30s", "1h30m"), and "0".
func parseDuration(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	return time.ParseDuration(s)
}
