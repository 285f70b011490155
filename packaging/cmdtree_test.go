package packaging

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/peripety/peripety/cli"
)

// command is one prpt command (or the root) as the completions and the man
// page see it, read from the kong model that prpt itself parses with.
type command struct {
	path       string // "" for prpt itself, "rules list" for a subcommand
	help       string
	children   []*command
	flags      []flagSpec // its own flags; a command also takes its ancestors'
	positional []argSpec
	parent     *command
}

// valueKind says what a flag's or an argument's value completes to.
type valueKind int

const (
	valueNone valueKind = iota // a boolean flag: no value
	valueFree                  // any word: nothing to offer
	valueEnum                  // one of enum
	valueFile                  // a file name
	valueDir                   // a directory name
)

type flagSpec struct {
	long  string // without "--"
	short string // without "-", or ""
	help  string
	kind  valueKind
	enum  []string
	// repeat is set for slice flags, which may be given more than once.
	repeat bool
}

type argSpec struct {
	name     string
	help     string
	kind     valueKind
	enum     []string
	optional bool
}

// commandTree builds prpt's kong model the way cli.Main does and converts it.
func commandTree(t *testing.T) *command {
	t.Helper()
	k, err := kong.New(&cli.CLI{}, kong.Name("prpt"), kong.Vars{"version": cli.Version})
	if err != nil {
		t.Fatalf("build prpt's command tree: %v", err)
	}
	return convertNode(k.Model.Node, nil, "")
}

func convertNode(n *kong.Node, parent *command, path string) *command {
	c := &command{path: path, help: n.Help, parent: parent}
	for _, f := range n.Flags {
		if f.Hidden {
			continue
		}
		fs := flagSpec{long: f.Name, help: f.Help, repeat: f.IsSlice()}
		if f.Short != 0 {
			fs.short = string(f.Short)
		}
		if !f.IsBool() && !f.IsCounter() {
			fs.kind, fs.enum = valueOf(f.Value, f.FormatPlaceHolder())
		}
		c.flags = append(c.flags, fs)
		if f.Negated {
			c.flags = append(c.flags, flagSpec{long: "no-" + f.Name, help: f.Help})
		}
	}
	for _, p := range n.Positional {
		kind, enum := valueOf(p, strings.ToUpper(p.Name))
		c.positional = append(c.positional, argSpec{name: p.Name, help: p.Help, kind: kind, enum: enum, optional: !p.Required})
	}
	for _, child := range n.Children {
		if child.Hidden || child.Type != kong.CommandNode {
			continue
		}
		c.children = append(c.children, convertNode(child, c, strings.TrimSpace(path+" "+child.Name)))
	}
	return c
}

// valueOf says what a value completes to: its enum, a file or directory by
// its kong type (path, existingfile, existingdir, …) or its placeholder
// (FILE, DIR, as the help shows it), else anything.
func valueOf(v *kong.Value, placeholder string) (valueKind, []string) {
	if v.Enum != "" {
		var enum []string
		for _, e := range strings.Split(v.Enum, ",") {
			enum = append(enum, strings.TrimSpace(e))
		}
		return valueEnum, enum
	}
	typ := ""
	if v.Tag != nil {
		typ = v.Tag.Type
	}
	switch {
	case typ == "existingdir", strings.TrimSuffix(placeholder, "...") == "DIR":
		return valueDir, nil
	case typ == "path", typ == "existingfile", typ == "filecontent",
		v.Target.IsValid() && v.Target.Type() == reflect.TypeFor[*kong.FileContentFlag](),
		strings.Contains(placeholder, "FILE"):
		return valueFile, nil
	}
	return valueFree, nil
}

// walk calls fn for c and every command below it, parents first.
func (c *command) walk(fn func(*command)) {
	fn(c)
	for _, child := range c.children {
		child.walk(fn)
	}
}

// allFlags returns the flags c takes: its own and its ancestors'.
func (c *command) allFlags() []flagSpec {
	var fs []flagSpec
	for n := c; n != nil; n = n.parent {
		fs = append(fs, n.flags...)
	}
	return fs
}

// flagWords returns every spelling of the flags c takes, sorted.
func (c *command) flagWords() []string {
	var w []string
	for _, f := range c.allFlags() {
		w = append(w, "--"+f.long)
		if f.short != "" {
			w = append(w, "-"+f.short)
		}
	}
	sort.Strings(w)
	return w
}

func (c *command) childNames() []string {
	var names []string
	for _, child := range c.children {
		names = append(names, child.name())
	}
	return names
}

// name is the last word of the command's path.
func (c *command) name() string {
	if i := strings.LastIndexByte(c.path, ' '); i >= 0 {
		return c.path[i+1:]
	}
	return c.path
}

func TestCommandTree(t *testing.T) {
	root := commandTree(t)
	if len(root.children) == 0 {
		t.Fatal("prpt has no commands")
	}
	if !slices.Contains(root.flagWords(), "--help") {
		t.Errorf("prpt has no --help; flags %q", root.flagWords())
	}
}
