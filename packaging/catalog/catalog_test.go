package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
)

// top is the top of the tree, where run writes its files from.
const top = "../.."

func TestEveryTypeHasText(t *testing.T) {
	types, err := eventTypes()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ty := range types {
		names = append(names, ty.name)
		e, ok := entries[ty.name]
		if !ok {
			t.Errorf("event type %s has no entry in entries.go: write what it means and what to do", ty.name)
			continue
		}
		if e.subject == "" || e.what == "" || e.todo == "" || strings.Contains(e.subject, "\n") {
			t.Errorf("entry %s: want a one-line subject, what happened and what to do: %+v", ty.name, e)
		}
	}
	for name := range entries {
		if !slices.Contains(names, name) {
			t.Errorf("entries.go has %s, a type no parser gives: remove it", name)
		}
	}
}

// TestFilesUpToDate: the checked-in catalog and manual page are what
// go run ./packaging/catalog writes.
func TestFilesUpToDate(t *testing.T) {
	types, err := eventTypes()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(top, catalogFile))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(catalog(types)), string(got)); diff != "" {
		t.Errorf("%s is out of date (run go run ./packaging/catalog) (-want +got):\n%s", catalogFile, diff)
	}
	page, err := os.ReadFile(filepath.Join(top, manFile))
	if err != nil {
		t.Fatal(err)
	}
	want, err := manPage(page, types)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(page)); diff != "" {
		t.Errorf("%s is out of date (run go run ./packaging/catalog) (-want +got):\n%s", manFile, diff)
	}
}

// TestJournalctlReadsCatalog indexes the catalog as its installation does
// (journalctl --update-catalog, in a root of the test's own) and lists it
// back: every event type's MESSAGE_ID is there with its subject.
func TestJournalctlReadsCatalog(t *testing.T) {
	journalctl, err := exec.LookPath("journalctl")
	if err != nil {
		t.Skipf("no journalctl (Debian package systemd): %v", err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "usr/lib/systemd/catalog")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(top, catalogFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "peripety.catalog"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(journalctl, "--root="+root, "--update-catalog").CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("journalctl --update-catalog: %v: %s", err, out)
	}
	out, err := exec.Command(journalctl, "--root="+root, "--list-catalog").Output()
	if err != nil {
		t.Fatalf("journalctl --list-catalog: %v", err)
	}
	listed := map[string]string{}
	line := regexp.MustCompile(`^([0-9a-f]{32}) peripety: (.+)$`)
	for _, l := range strings.Split(string(out), "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			listed[m[1]] = m[2]
		}
	}
	types, err := eventTypes()
	if err != nil {
		t.Fatal(err)
	}
	for _, ty := range types {
		id := event.MessageID(ty.name)
		if want := entries[ty.name].subject + " (" + ty.name + ")"; listed[id] != want {
			t.Errorf("journalctl lists %s as %q, want %q", id, listed[id], want)
		}
	}
	if len(listed) != len(types) {
		t.Errorf("journalctl lists %d entries, want %d", len(listed), len(types))
	}
}
