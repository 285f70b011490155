//go:build cgo

package sdjournal

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/internal/testenv"
)

// TestFields reads an entry's fields in one pass as Data reads them one
// by one: a field the entry lacks left out, the first of a field given
// twice, a value larger than Fields' first buffer, an empty value; and a
// second entry read into the same map after it.
func TestFields(t *testing.T) {
	long := strings.Repeat("x", 10_000)
	var export strings.Builder
	entries := [][]string{
		{"MESSAGE=" + long, "PRIORITY=3", "TWICE=first", "TWICE=second", "EMPTY=", "OTHER=not asked for"},
		{"MESSAGE=short", "PRIORITY=6"},
	}
	for i, e := range entries {
		head := []string{"__REALTIME_TIMESTAMP=" + []string{"1700000000000000", "1700000000000001"}[i],
			"__MONOTONIC_TIMESTAMP=1000", "_BOOT_ID=" + testenv.BootID(t)}
		if err := testenv.ExportEntry(&export, append(head, e...)...); err != nil {
			t.Fatal(err)
		}
	}
	j, err := Open(Source{Directory: testenv.ExportJournal(t, strings.NewReader(export.String()))})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	names := []string{"MESSAGE", "PRIORITY", "TWICE", "EMPTY", "MISSING"}
	want := []map[string]string{
		{"MESSAGE": long, "PRIORITY": "3", "TWICE": "first", "EMPTY": ""},
		{"MESSAGE": "short", "PRIORITY": "6"},
	}
	fields := map[string][]byte{}
	for i := range entries {
		if ok, err := j.Next(); !ok || err != nil {
			t.Fatalf("entry %d: next: %v, %v", i, ok, err)
		}
		clear(fields)
		if err := j.Fields(fields, names); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for k, v := range fields {
			got[k] = string(v)
		}
		if diff := cmp.Diff(want[i], got); diff != "" {
			t.Errorf("entry %d: Fields (-want +got):\n%s", i, diff)
		}
		for _, name := range names {
			v, ok, err := j.Data(name)
			if err != nil {
				t.Fatal(err)
			}
			if w, wok := want[i][name]; ok != wok || string(v) != w {
				t.Errorf("entry %d: Data(%s) = %.20q, %v; Fields gave %.20q, %v", i, name, v, ok, w, wok)
			}
		}
	}
}
