package sysfs

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/peripety/peripety/internal/golden"
	"github.com/peripety/peripety/sysfs/sysfstest"
)

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
			golden.Check(t, filepath.Join("testdata", "fixtures", name+".tree"), listTree(t, sharedRoot(t, name)))
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
			golden.Check(t, filepath.Join("testdata", "list", name+".json"), append(b, '\n'))
		})
	}
}
