package service

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/peripety/peripety/sysfs"
)

const identityFile = "identities.json"

// Identity is what the resolver said of one device instance while it was
// present: the instance is the kernel name, major:minor and diskseq of its
// BlockInfo.
type Identity struct {
	Info sysfs.BlockInfo `json:"info"`
	// Ext holds the extension keys the resolver gave for events on it.
	Ext map[string]string `json:"ext,omitempty"`
	// Seen is when the resolver last answered for this instance.
	Seen time.Time `json:"seen"`
}

// IdentityStore remembers the last identity of every device seen, so that
// an event read after its device vanished still carries it. It is kept in
// the state directory and is safe for concurrent use.
type IdentityStore struct {
	st *StateDir

	mu     sync.Mutex
	byName map[string]*Identity
	byDev  map[string]string // major:minor → kernel name
	dirty  bool
}

// OpenIdentityStore loads the identities saved in st; a missing file is an
// empty store.
func OpenIdentityStore(st *StateDir) (*IdentityStore, error) {
	s := &IdentityStore{st: st, byName: map[string]*Identity{}, byDev: map[string]string{}}
	var saved []*Identity
	if err := st.load(identityFile, &saved); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("load identities: %w", err)
	}
	for _, id := range saved {
		if id.Info.KernelName != "" {
			s.put(id)
		}
	}
	s.dirty = false
	return s, nil
}

func (s *IdentityStore) put(id *Identity) {
	if old, ok := s.byName[id.Info.KernelName]; ok && old.Info.MajorMinor != id.Info.MajorMinor {
		delete(s.byDev, old.Info.MajorMinor)
	}
	s.byName[id.Info.KernelName] = id
	if id.Info.MajorMinor != "" {
		s.byDev[id.Info.MajorMinor] = id.Info.KernelName
	}
	s.dirty = true
}

// Record keeps info (and each of its owners) as the identity of its
// instance; ext is what the resolver added for events on it. A device whose
// identity did not change is only marked seen.
func (s *IdentityStore) Record(info sysfs.BlockInfo, ext map[string]string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(info, ext, now)
	for _, o := range info.Owners {
		s.record(o, nil, now)
	}
}

func (s *IdentityStore) record(info sysfs.BlockInfo, ext map[string]string, now time.Time) {
	if info.KernelName == "" {
		return
	}
	if old, ok := s.byName[info.KernelName]; ok && reflect.DeepEqual(old.Info, info) {
		if ext != nil && !reflect.DeepEqual(old.Ext, ext) {
			old.Ext = ext
			s.dirty = true
		}
		old.Seen = now
		return
	}
	s.put(&Identity{Info: info, Ext: ext, Seen: now})
}

// Lookup returns the identity last recorded for kdev, a kernel name or
// major:minor.
func (s *IdentityStore) Lookup(kdev string) (Identity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byName[kdev]
	if !ok {
		if name, found := s.byDev[kdev]; found {
			id, ok = s.byName[name]
		}
	}
	if !ok {
		return Identity{}, false
	}
	return *id, true
}

// Save writes the store to the state directory when it changed.
func (s *IdentityStore) Save() error {
	s.mu.Lock()
	if !s.dirty {
		s.mu.Unlock()
		return nil
	}
	all := make([]*Identity, 0, len(s.byName))
	for _, id := range s.byName {
		c := *id
		all = append(all, &c)
	}
	slices.SortFunc(all, func(a, b *Identity) int { return strings.Compare(a.Info.KernelName, b.Info.KernelName) })
	s.dirty = false
	s.mu.Unlock()
	if err := s.st.save(identityFile, all); err != nil {
		s.mu.Lock()
		s.dirty = true
		s.mu.Unlock()
		return fmt.Errorf("save identities: %w", err)
	}
	return nil
}
