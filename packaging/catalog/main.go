// Command catalog writes Peripety's journald message catalog,
// packaging/catalog/peripety.catalog (installed to
// /usr/lib/systemd/catalog/, where `journalctl --update-catalog` reads it),
// and the list of event types in packaging/man/peripety-events.7, from the
// text of each event type (entries.go) and its MESSAGE_ID
// (event.MessageID). Run from the top of the tree after changing either:
//
//	go run ./packaging/catalog
//
// `go test ./packaging/catalog` fails when the files are not what it
// would write, or when an event type the parsers give has no text.
package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
)

// The files written, from the top of the tree.
const (
	catalogFile = "packaging/catalog/peripety.catalog"
	manFile     = "packaging/man/peripety-events.7"
)

// The generated part of the manual page lies between these lines.
const (
	manBegin = `.\" BEGIN EVENT TYPES: written by go run ./packaging/catalog; do not edit.`
	manEnd   = `.\" END EVENT TYPES`
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "catalog: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	types, err := eventTypes()
	if err != nil {
		return err
	}
	if err := os.WriteFile(catalogFile, catalog(types), 0o644); err != nil {
		return err
	}
	page, err := os.ReadFile(manFile)
	if err != nil {
		return err
	}
	out, err := manPage(page, types)
	if err != nil {
		return fmt.Errorf("%s: %w", manFile, err)
	}
	return os.WriteFile(manFile, out, 0o644)
}

// typeInfo is one event type with the sub-systems whose events have it.
type typeInfo struct {
	name string
	subs []string
}

// daemonTypes are the types of the daemon's own events (service).
var daemonTypes = []string{"PERIPETY_BLK_INFO", "PERIPETY_DAEMON_STARTED", "PERIPETY_EVENTS_SHED", "PERIPETY_KMSG_OVERRUN"}

// eventTypes returns every event type Peripety gives, sorted, with its
// sub-systems: the built-in parsers' (their rules say the sub-systems; a
// type only an enricher gives is a refined SCSI command) and the daemon's.
func eventTypes() ([]typeInfo, error) {
	names, err := parsers.EventTypes()
	if err != nil {
		return nil, err
	}
	rs, err := parsers.NewRuleSet(nil)
	if err != nil {
		return nil, err
	}
	subs := map[string][]string{}
	for _, r := range rs.Rules() {
		if r.EventType != "" && !slices.Contains(subs[r.EventType], r.SubSystem) {
			subs[r.EventType] = append(subs[r.EventType], r.SubSystem)
		}
	}
	for _, t := range daemonTypes {
		names = append(names, t)
		subs[t] = []string{event.SubPeripety}
	}
	slices.Sort(names)
	var out []typeInfo
	for _, n := range names {
		s := subs[n]
		if len(s) == 0 {
			s = []string{event.SubSCSI}
		}
		slices.Sort(s)
		out = append(out, typeInfo{n, s})
	}
	return out, nil
}

// catalog renders the journald catalog (the format of systemd's own
// catalog files: "-- MESSAGE_ID", header lines, a blank line, the text).
// Only fields every stored event has are substituted (@EVENT_ID@): a
// missing field would show as its bare name.
func catalog(types []typeInfo) []byte {
	var b bytes.Buffer
	b.WriteString("# Peripety's journald message catalog: one entry per event type, keyed by\n" +
		"# the MESSAGE_ID peripetyd stores with each event. Installed to\n" +
		"# /usr/lib/systemd/catalog/; journalctl --update-catalog indexes it and\n" +
		"# journalctl -x shows the entry under each event.\n" +
		"# Written by go run ./packaging/catalog from packaging/catalog/entries.go;\n" +
		"# do not edit.\n")
	for _, t := range types {
		e := entries[t.name]
		fmt.Fprintf(&b, "\n-- %s\n", event.MessageID(t.name))
		fmt.Fprintf(&b, "Subject: %s (%s)\n", e.subject, t.name)
		b.WriteString("Defined-By: peripety\nSupport: man:peripety-events(7)\nDocumentation: man:prpt(1)\n\n")
		wrap(&b, e.what)
		b.WriteString("\n")
		wrap(&b, "What to do: "+e.todo)
		b.WriteString("\n")
		wrap(&b, "This event in full: prpt query --event-id @EVENT_ID@ -J, or journalctl EVENT_ID=@EVENT_ID@ -o verbose; "+
			"its fields are described in peripety-events(7).")
	}
	return b.Bytes()
}

// wrap writes text as lines of at most 76 columns.
func wrap(b *bytes.Buffer, text string) {
	line := 0
	for i, w := range strings.Fields(text) {
		if i > 0 && line+1+len(w) > 76 {
			b.WriteByte('\n')
			line = 0
		} else if i > 0 {
			b.WriteByte(' ')
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	b.WriteByte('\n')
}

// manPage returns page with the part between manBegin and manEnd replaced
// by the list of event types.
func manPage(page []byte, types []typeInfo) ([]byte, error) {
	s := string(page)
	i := strings.Index(s, manBegin+"\n")
	j := strings.Index(s, manEnd+"\n")
	if i < 0 || j < i {
		return nil, fmt.Errorf("no %q … %q lines", manBegin, manEnd)
	}
	var b strings.Builder
	b.WriteString(s[:i+len(manBegin)+1])
	for _, t := range types {
		e := entries[t.name]
		fmt.Fprintf(&b, ".TP\n.B %s\n", t.name)
		fmt.Fprintf(&b, "%s (%s; MESSAGE_ID %s).\n", roff(e.subject), roff(strings.Join(t.subs, ", ")), event.MessageID(t.name))
		fmt.Fprintf(&b, "%s\n", roff(e.what))
	}
	b.WriteString(s[j:])
	return []byte(b.String()), nil
}

// roff escapes text for a manual page: backslashes, hyphens (so they stay
// hyphens), and a leading dot or quote that would start a request.
func roff(s string) string {
	s = strings.NewReplacer(`\`, `\e`, "-", `\-`).Replace(s)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
