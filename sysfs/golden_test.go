package sysfs

import (
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/peripety/peripety/sysfs/sysfstest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./sysfs -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); go test ./sysfs -update rewrites it:\n%s", p, diff)
	}
}

// listTree renders a tree one entry a line: directories end in '/', links
// show their target, files their content.
func listTree(t *testing.T, root string) []byte {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "%s -> %s\n", rel, target)
		case d.IsDir():
			fmt.Fprintf(&b, "%s/\n", rel)
		default:
			c, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, "%s = %q\n", rel, string(c))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return []byte(b.String())
}

// TestFixtureTrees keeps a listing of every fixture tree under
// testdata/fixtures, so the layout can be read and reviewed.
func TestFixtureTrees(t *testing.T) {
	for _, name := range sysfstest.Names() {
		t.Run(name, func(t *testing.T) {
			golden(t, filepath.Join("fixtures", name+".tree"), listTree(t, sharedRoot(t, name)))
		})
	}
}

// TestListBlocksGolden lists every fixture's top-level devices.
func TestListBlocksGolden(t *testing.T) {
	for _, name := range sysfstest.Names() {
		t.Run(name, func(t *testing.T) {
			r := NewResolver(sharedRoot(t, name))
			got, err := r.ListBlocks()
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("list", name+".json"), append(b, '\n'))
		})
	}
}
