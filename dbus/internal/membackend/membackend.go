// Package membackend is a small real Backend of the D-Bus server for tests:
// events in memory, filtered with event.Filter as the journal store filters
// them, and block devices read from the live /sys/class/block (kernel name,
// /dev path or major:minor), enough for loop devices.
package membackend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/sysfs"
)

// Backend implements dbus.Backend. The zero value is ready.
type Backend struct {
	mu      sync.Mutex
	events  []event.Event
	reloads int
	// QueryErr, when set, is what Query fails with.
	QueryErr error
}

// Add stores events.
func (b *Backend) Add(evs ...event.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events = append(b.events, evs...)
}

// Query implements dbus.Backend.
func (b *Backend) Query(ctx context.Context, f event.Filter) ([]event.Event, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []event.Event
	for i := range b.events {
		if f.Match(&b.events[i]) {
			out = append(out, b.events[i])
		}
		if len(out) == f.EffectiveLimit() {
			break
		}
	}
	if b.QueryErr != nil {
		return nil, b.QueryErr
	}
	return out, ctx.Err()
}

// BlockInfo implements dbus.Backend.
func (b *Backend) BlockInfo(id string) (sysfs.BlockInfo, error) {
	name := id
	if strings.HasPrefix(id, "/dev/") {
		p, err := filepath.EvalSymlinks(id)
		if err != nil {
			return sysfs.BlockInfo{}, fmt.Errorf("%s: %w", id, sysfs.ErrNotFound)
		}
		name = filepath.Base(p)
	} else if strings.Contains(id, ":") {
		p, err := filepath.EvalSymlinks("/sys/dev/block/" + id)
		if err != nil {
			return sysfs.BlockInfo{}, fmt.Errorf("%s: %w", id, sysfs.ErrNotFound)
		}
		name = filepath.Base(p)
	}
	if name == "" || strings.ContainsAny(name, "/.") {
		return sysfs.BlockInfo{}, fmt.Errorf("%q: %w", id, sysfs.ErrNotFound)
	}
	dev, err := os.ReadFile(filepath.Join("/sys/class/block", name, "dev"))
	if errors.Is(err, os.ErrNotExist) {
		return sysfs.BlockInfo{}, fmt.Errorf("%q: %w", id, sysfs.ErrNotFound)
	} else if err != nil {
		return sysfs.BlockInfo{}, err
	}
	typ := sysfs.TypeOther
	if strings.HasPrefix(name, "loop") {
		typ = sysfs.TypeLoop
	}
	return sysfs.BlockInfo{BlkType: typ, BlkPath: "/dev/" + name, PreferredBlkPath: "/dev/" + name,
		KernelName: name, MajorMinor: strings.TrimSpace(string(dev))}, nil
}

// ListBlocks implements dbus.Backend.
func (b *Backend) ListBlocks() ([]sysfs.BlockInfo, error) {
	ents, err := os.ReadDir("/sys/block")
	if err != nil {
		return nil, err
	}
	var out []sysfs.BlockInfo
	for _, e := range ents {
		info, err := b.BlockInfo(e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// Reload implements dbus.Backend.
func (b *Backend) Reload() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reloads++
	return nil
}

// Reloads is how many times Reload was called.
func (b *Backend) Reloads() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reloads
}

// Sources implements dbus.Backend.
func (b *Backend) Sources() []string { return []string{"kmsg"} }
