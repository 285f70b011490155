package cmdtree

import (
	"testing"

	"github.com/alecthomas/kong"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// app is a command line with one of each kind of flag and argument.
type app struct {
	Verbose bool `short:"v" help:"Talk."`

	Get struct {
		JSON   bool     `short:"J" help:"JSON."`
		Format string   `enum:"a,b, c" default:"a" help:"Format."`
		Config string   `placeholder:"FILE" help:"Config."`
		Root   string   `placeholder:"DIR" help:"Root."`
		Tag    []string `help:"Tags."`
		Limit  int      `help:"Limit."`
		Color  bool     `negatable:"" help:"Color."`
		Secret bool     `hidden:""`
		Path   string   `arg:"" optional:"" type:"path" help:"The path."`
	} `cmd:"" help:"Get one."`

	Rules struct {
		List struct{} `cmd:"" help:"List them."`
		Test struct {
			File string `arg:"" type:"existingfile" help:"A log."`
		} `cmd:"" help:"Test them."`
	} `cmd:"" help:"Rules."`

	Debug struct{} `cmd:"" hidden:""`
}

func TestFromKong(t *testing.T) {
	k, err := kong.New(&app{}, kong.Name("app"))
	if err != nil {
		t.Fatal(err)
	}
	root := FromKong(k.Model.Node)

	type summary struct {
		Path  string
		Help  string
		Flags []Flag
		Args  []Arg
	}
	var got []summary
	root.Walk(func(c *Command) { got = append(got, summary{c.Path, c.Help, c.Flags, c.Args}) })
	want := []summary{
		{"", "", []Flag{
			{Long: "help", Short: "h", Help: "Show context-sensitive help."},
			{Long: "verbose", Short: "v", Help: "Talk."},
		}, nil},
		{"get", "Get one.", []Flag{
			{Long: "json", Short: "J", Help: "JSON."},
			{Long: "format", Help: "Format.", Kind: Enum, Enum: []string{"a", "b", "c"}},
			{Long: "config", Help: "Config.", Kind: File},
			{Long: "root", Help: "Root.", Kind: Dir},
			{Long: "tag", Help: "Tags.", Kind: Free, Repeat: true},
			{Long: "limit", Help: "Limit.", Kind: Free},
			{Long: "color", Help: "Color."},
			{Long: "no-color", Help: "Color."},
		}, []Arg{{Name: "path", Help: "The path.", Kind: File, Optional: true}}},
		{"rules", "Rules.", nil, nil},
		{"rules list", "List them.", nil, nil},
		{"rules test", "Test them.", nil, []Arg{{Name: "file", Help: "A log.", Kind: File}}},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("FromKong (-want +got):\n%s", diff)
	}

	test := root.Children[1].Children[1]
	if got, want := test.Name(), "test"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	if diff := cmp.Diff([]string{"--help", "--verbose", "-h", "-v"}, test.FlagWords()); diff != "" {
		t.Errorf("FlagWords of rules test, the root's flags (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"list", "test"}, root.Children[1].ChildNames()); diff != "" {
		t.Errorf("ChildNames of rules (-want +got):\n%s", diff)
	}
}

// TestNamedValues: a completes tag names a vocabulary; "blk" is a block
// device; Resolve turns the others into enums, or free words when the
// vocabulary is unknown.
func TestNamedValues(t *testing.T) {
	var cli struct {
		Level string `completes:"level" help:"Level."`
		Kind  string `completes:"unknown" help:"Kind."`
		Dev   string `arg:"" completes:"blk" help:"Device."`
	}
	k, err := kong.New(&cli, kong.Name("app"))
	if err != nil {
		t.Fatal(err)
	}
	root := FromKong(k.Model.Node)
	if f := root.Flags[1]; f.Kind != Named || f.Vocabulary != "level" {
		t.Errorf("--level: kind %d, vocabulary %q; want Named, level", f.Kind, f.Vocabulary)
	}
	root.Resolve(func(v string) []string {
		if v == "level" {
			return []string{"low", "high"}
		}
		return nil
	})
	if f := root.Flags[1]; f.Kind != Enum || !cmp.Equal(f.Enum, []string{"low", "high"}) {
		t.Errorf("--level resolved: kind %d, enum %q; want Enum low high", f.Kind, f.Enum)
	}
	if f := root.Flags[2]; f.Kind != Free {
		t.Errorf("--kind of an unknown vocabulary: kind %d, want Free", f.Kind)
	}
	if a := root.Args[0]; a.Kind != Blk {
		t.Errorf("DEV: kind %d, want Blk", a.Kind)
	}
}
