// Package hooks runs the administrator's programs when storage events
// happen, as smartd runs its -M exec scripts (smartd.conf(5)): the
// executables of a directory (/etc/peripetyd/hooks.d) and the [[hook]]
// entries of the config (peripetyd.conf(5), "HOOKS").
//
// A hook gets the event as one JSON line on its standard input and as
// PERIPETY_* environment variables (Env). Each run is bounded by a timeout,
// after which its process group is stopped; the Dispatcher bounds how many
// run at once, runs a hook once per incident within its dedup window, and
// at most its rate limit in any interval. The package runs and reports; it
// does not log.
package hooks

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/peripety/peripety/config"
	"github.com/peripety/peripety/event"
)

// Hook is one program run for events.
type Hook struct {
	// Name names it in logs and metrics: the file name for a script of
	// the directory, the entry's name for a [[hook]].
	Name string
	// Argv is the program and its arguments.
	Argv []string
	// Source is where it comes from: the directory, or file:line.
	Source string
	config.HookSettings
	// devices are Devices expanded into every identifier of each (kernel
	// name, major:minor, /dev paths, WWID, FS UUID), as Expand found them.
	devices []string
}

// Expand returns every identifier of the device blk names (a
// sysfs.Resolver's Identifiers); an error of ErrNotFound kind is taken to
// mean a device not present now, matched by the name as given.
type Expand func(blk string) ([]string, error)

// Set is the hooks the config names: the scripts of its directory, then
// its [[hook]] entries.
type Set struct {
	Hooks []Hook
	// Skipped says why files of the directory are not hooks (not
	// executable by its owner, writable by others…), by path.
	Skipped map[string]string
}

// Load builds the hooks of cfg. A missing directory has no hooks; one that
// cannot be read is an error. expand, when not nil, expands each hook's
// devices.
func Load(cfg *config.Config, expand Expand) (Set, error) {
	s := Set{Skipped: map[string]string{}}
	if dir := cfg.Hooks.Directory; dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return s, fmt.Errorf("read hooks directory: %w", err)
		}
		for _, e := range entries { // sorted by name
			p := filepath.Join(dir, e.Name())
			if !hookName(e.Name()) {
				continue
			}
			if why := unfit(p); why != "" {
				s.Skipped[p] = why
				continue
			}
			s.Hooks = append(s.Hooks, Hook{Name: e.Name(), Argv: []string{p}, Source: dir, HookSettings: cfg.Hooks.Defaults})
		}
	}
	for _, h := range cfg.Hook {
		s.Hooks = append(s.Hooks, Hook{Name: h.Name, Argv: h.Command, Source: h.Source, HookSettings: h.HookSettings})
	}
	for i := range s.Hooks {
		h := &s.Hooks[i]
		for _, d := range h.Devices {
			h.devices = append(h.devices, d)
			if expand == nil {
				continue
			}
			if ids, err := expand(d); err == nil {
				h.devices = append(h.devices, ids...)
			}
		}
	}
	return s, nil
}

// hookName says whether a file of the directory is meant as a hook, as
// run-parts(8) says: not hidden, not a backup or a package manager's copy.
func hookName(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") {
		return false
	}
	for _, s := range []string{".dpkg-old", ".dpkg-new", ".dpkg-dist", ".dpkg-tmp", ".ucf-old", ".ucf-new", ".ucf-dist", ".rpmsave", ".rpmnew", ".disabled"} {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

// unfit says why the file at p may not be run as a hook, "" when it may:
// a regular file (or a link to one) its owner may execute, owned by root
// or by the user the daemon runs as, and writable by no one else. The
// daemon runs as root: a hook anyone could change would give them root.
func unfit(p string) string {
	st, err := os.Stat(p)
	if err != nil {
		return err.Error()
	}
	switch sys, _ := st.Sys().(*syscall.Stat_t); {
	case !st.Mode().IsRegular():
		return "not a regular file"
	case st.Mode().Perm()&0o100 == 0:
		return "not executable (chmod u+x)"
	case st.Mode().Perm()&0o022 != 0:
		return "writable by group or others (chmod go-w)"
	case sys != nil && sys.Uid != 0 && int(sys.Uid) != os.Geteuid():
		return fmt.Sprintf("owned by uid %d, not root", sys.Uid)
	}
	return ""
}

// Selects says whether the hook runs for ev: its severity is at least the
// hook's, and it is of one of its types, sub-systems and devices when the
// hook names any. A device matches the event's device or any device below
// it (owners), or its mount point.
func (h *Hook) Selects(ev *event.Event) bool {
	switch {
	case !ev.Severity.AtLeast(h.Severity),
		len(h.EventTypes) > 0 && !slices.Contains(h.EventTypes, ev.EventType),
		len(h.SubSystems) > 0 && !slices.ContainsFunc(h.SubSystems, func(s string) bool { return strings.EqualFold(s, ev.SubSystem) }):
		return false
	case len(h.devices) == 0:
		return true
	}
	f := event.Filter{Blk: h.devices}
	return f.Match(ev) || ev.Ext("mount_point") != "" && slices.Contains(h.devices, ev.Ext("mount_point"))
}

// String names the hook and where it comes from.
func (h *Hook) String() string { return h.Name + " (" + h.Source + ")" }

// Describe says what a hook runs for, as `prpt hooks list` shows it.
func (h *Hook) Describe() string {
	parts := []string{"severity " + strings.ToLower(h.Severity.String()) + " or worse"}
	for _, l := range []struct {
		name string
		vals []string
	}{{"types", h.EventTypes}, {"sub-systems", h.SubSystems}, {"devices", h.Devices}} {
		if len(l.vals) > 0 {
			parts = append(parts, l.name+" "+strings.Join(l.vals, ", "))
		}
	}
	parts = append(parts, "timeout "+durationText(h.Timeout))
	if h.Dedup > 0 {
		parts = append(parts, "once per incident in "+durationText(h.Dedup))
	}
	if h.RateLimit > 0 {
		parts = append(parts, fmt.Sprintf("at most %d runs in %s", h.RateLimit, durationText(h.RateInterval)))
	}
	return strings.Join(parts, "; ")
}

// durationText writes d as config files do, without the zero units
// time.Duration.String adds: "1h", "1m30s".
func durationText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// dedupKey is the incident an event belongs to, for dedup: its incident
// (docs/correlation.md), else the event it follows from, else itself.
func dedupKey(ev *event.Event) string {
	switch {
	case ev.IncidentID != "":
		return ev.IncidentID
	case ev.RootCauseEventID != "":
		return ev.RootCauseEventID
	}
	return ev.EventID
}

// outputLimit bounds what is kept of a run's output.
const outputLimit = 4096

// killGrace is how long a hook stopped at its timeout has between SIGTERM
// and SIGKILL.
const killGrace = 2 * time.Second
