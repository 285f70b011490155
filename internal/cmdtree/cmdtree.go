// Package cmdtree describes a kong command line the way shell completions
// and manual pages need it: the commands, their flags and arguments, and
// what each value completes to. It reads kong's model
// (github.com/alecthomas/kong), the same one the program parses with, so
// what it describes cannot differ from what the program accepts.
package cmdtree

import (
	"reflect"
	"sort"
	"strings"

	"github.com/alecthomas/kong"
)

// Command is one command of the tree, or its root.
type Command struct {
	// Path is "" for the program itself, "rules list" for a subcommand.
	Path     string
	Help     string
	Parent   *Command
	Children []*Command
	// Flags are the command's own; it also takes its ancestors'.
	Flags []Flag
	Args  []Arg
}

// Kind says what a flag's or an argument's value completes to.
type Kind int

const (
	None  Kind = iota // a boolean flag: no value
	Free              // any word: nothing to offer
	Enum              // one of the listed values
	File              // a file name
	Dir               // a directory name
	Named             // the words of a named vocabulary (Vocabulary)
	Blk               // a block device present when completing
)

// Flag is one flag of a command.
type Flag struct {
	Long  string // without "--"
	Short string // without "-", or ""
	Help  string
	Kind  Kind
	Enum  []string
	// Vocabulary names the words of a Named value: its completes tag.
	Vocabulary string
	// Repeat is set for flags that may be given more than once.
	Repeat bool
}

// Arg is one positional argument of a command.
type Arg struct {
	Name       string
	Help       string
	Kind       Kind
	Enum       []string
	Vocabulary string
	Optional   bool
}

// FromKong converts the kong model's root node (kong.Kong's Model.Node),
// leaving out hidden commands and flags.
func FromKong(root *kong.Node) *Command {
	return convert(root, nil, "")
}

func convert(n *kong.Node, parent *Command, path string) *Command {
	c := &Command{Path: path, Help: n.Help, Parent: parent}
	for _, f := range n.Flags {
		if f.Hidden {
			continue
		}
		fl := Flag{Long: f.Name, Help: f.Help, Repeat: f.IsSlice()}
		if f.Short != 0 {
			fl.Short = string(f.Short)
		}
		if !f.IsBool() && !f.IsCounter() {
			fl.Kind, fl.Enum, fl.Vocabulary = valueOf(f.Value, f.FormatPlaceHolder())
		}
		c.Flags = append(c.Flags, fl)
		// negatable:"" gives --no-NAME; negatable:"OTHER" gives --OTHER.
		switch neg := f.Tag.Negatable; neg {
		case "":
		case "_":
			c.Flags = append(c.Flags, Flag{Long: "no-" + f.Name, Help: f.Help})
		default:
			c.Flags = append(c.Flags, Flag{Long: neg, Help: f.Help})
		}
	}
	for _, p := range n.Positional {
		kind, enum, vocab := valueOf(p, strings.ToUpper(p.Name))
		c.Args = append(c.Args, Arg{Name: p.Name, Help: p.Help, Kind: kind, Enum: enum, Vocabulary: vocab, Optional: !p.Required})
	}
	for _, child := range n.Children {
		if child.Hidden || child.Type != kong.CommandNode {
			continue
		}
		c.Children = append(c.Children, convert(child, c, strings.TrimSpace(path+" "+child.Name)))
	}
	return c
}

// valueOf says what a value completes to: its enum; the vocabulary its
// completes tag names (completes:"blk" a block device, any other name
// words the completion's generator looks up); a file or a directory by its
// kong type (path, existingfile, existingdir, filecontent) or by its
// placeholder as --help shows it (FILE, DIR); else anything.
func valueOf(v *kong.Value, placeholder string) (Kind, []string, string) {
	if v.Enum != "" {
		var enum []string
		for _, e := range strings.Split(v.Enum, ",") {
			enum = append(enum, strings.TrimSpace(e))
		}
		return Enum, enum, ""
	}
	typ := ""
	if v.Tag != nil {
		typ = v.Tag.Type
		switch vocab := v.Tag.Get("completes"); vocab {
		case "":
		case "blk":
			return Blk, nil, vocab
		default:
			return Named, nil, vocab
		}
	}
	switch {
	case typ == "existingdir", strings.TrimSuffix(placeholder, "...") == "DIR":
		return Dir, nil, ""
	case typ == "path", typ == "existingfile", typ == "filecontent",
		v.Target.IsValid() && v.Target.Type() == reflect.TypeFor[kong.FileContentFlag](),
		strings.Contains(placeholder, "FILE"):
		return File, nil, ""
	}
	return Free, nil, ""
}

// Resolve gives every Named value below c the words words returns for its
// vocabulary, as an Enum; a vocabulary words knows nothing of (nil) is
// left Free.
func (c *Command) Resolve(words func(vocabulary string) []string) {
	c.Walk(func(d *Command) {
		for i := range d.Flags {
			f := &d.Flags[i]
			if f.Kind == Named {
				f.Kind, f.Enum = resolved(words(f.Vocabulary))
			}
		}
		for i := range d.Args {
			a := &d.Args[i]
			if a.Kind == Named {
				a.Kind, a.Enum = resolved(words(a.Vocabulary))
			}
		}
	})
}

func resolved(words []string) (Kind, []string) {
	if words == nil {
		return Free, nil
	}
	return Enum, words
}

// Walk calls fn for c and every command below it, parents first.
func (c *Command) Walk(fn func(*Command)) {
	fn(c)
	for _, child := range c.Children {
		child.Walk(fn)
	}
}

// AllFlags returns the flags c takes: its own, then its ancestors'.
func (c *Command) AllFlags() []Flag {
	var fs []Flag
	for n := c; n != nil; n = n.Parent {
		fs = append(fs, n.Flags...)
	}
	return fs
}

// FlagWords returns every spelling (--long, -s) of the flags c takes,
// sorted.
func (c *Command) FlagWords() []string {
	var w []string
	for _, f := range c.AllFlags() {
		w = append(w, "--"+f.Long)
		if f.Short != "" {
			w = append(w, "-"+f.Short)
		}
	}
	sort.Strings(w)
	return w
}

// ChildNames returns the names of c's subcommands, in order.
func (c *Command) ChildNames() []string {
	var names []string
	for _, child := range c.Children {
		names = append(names, child.Name())
	}
	return names
}

// Name is the last word of the command's path.
func (c *Command) Name() string {
	if i := strings.LastIndexByte(c.Path, ' '); i >= 0 {
		return c.Path[i+1:]
	}
	return c.Path
}
