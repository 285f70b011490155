package introspection

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"testing"

	"github.com/godbus/dbus/v5/introspect"
)

// The shipped copy under packaging/ must be the embedded file, byte for byte.
func TestShippedCopy(t *testing.T) {
	p := filepath.Join("..", "packaging", "dbus-1", "interfaces", FileName)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read shipped interface file: %v", err)
	}
	if string(b) != XML {
		t.Errorf("%s differs from introspection/%s: copy it (cp introspection/%s %s)", p, FileName, FileName, p)
	}
}

func TestParses(t *testing.T) {
	var n introspect.Node
	if err := xml.Unmarshal([]byte(XML), &n); err != nil {
		t.Fatalf("parse %s: %v", FileName, err)
	}
	var names []string
	for _, i := range n.Interfaces {
		names = append(names, i.Name)
	}
	for _, want := range []string{"org.storage.Peripety1", "org.freedesktop.DBus.Introspectable",
		"org.freedesktop.DBus.Properties", "org.freedesktop.DBus.Peer"} {
		found := false
		for _, got := range names {
			found = found || got == want
		}
		if !found {
			t.Errorf("interface %s missing; have %v", want, names)
		}
	}
}
