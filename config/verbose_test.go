package config

import (
	"regexp"
	"strings"
	"testing"
)

func TestTranslateVerbose(t *testing.T) {
	tests := []struct{ in, want string }{
		{`plain (?P<kdev>sd[a-z]+) # not verbose`, `plain (?P<kdev>sd[a-z]+) # not verbose`},
		{"(?x) a b  c\n\t d", `abcd`},
		{"(?x)a # comment ( [ \\\n b", `ab`},
		{`(?x) \  \# a`, ` #a`},
		{`(?x) [ a#] b`, `[ a#]b`},
		{`(?x) []  ] [^] x] [\] ] [[:alpha:] ] z`, `[]  ][^] x][\] ][[:alpha:] ]z`},
		{`(?x) \Q a b \E c`, `\Q a b \Ec`},
		{`(?x) \d + \s`, `\d+\s`},
		{`(?xi) a b`, `(?i)ab`},
		{`(?ix) a b`, `(?i)ab`},
		{`a b (?x: c d ) e f`, `a b (?:cd) e f`},
		{`a b (?ix: c d ) e f`, `a b (?i:cd) e f`},
		{`(?x) a (?-x: b c ) d`, `a(?: b c )d`},
		{`(?x) a (?i-x) b c`, `a(?i) b c`},
		{`( (?x) a b ) c d`, `( ab) c d`},
		{`(?P<kdev> a ) (?x) (?P<x> b ) c`, `(?P<kdev> a ) (?P<x>b)c`},
		{`a(?# comment )b`, `ab`},
		{`(?x) a (?# b c ) d`, `ad`},
		{`(?i) a b`, `(?i) a b`},
		{`(?:a b)`, `(?:a b)`},
		{`(?x)[unterminated a b`, `[unterminated a b`},
		{`(?x) a\`, `a\`},
		{`(?x) (?# open`, `(?# open`},
		{`(?x) \Q open a`, `\Q open a`},
	}
	for _, tt := range tests {
		if got := translateVerbose(tt.in); got != tt.want {
			t.Errorf("translateVerbose(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestTranslatedMatches checks the translated patterns against lines, the
// way a user rule is used.
func TestTranslatedMatches(t *testing.T) {
	re := regexp.MustCompile(translateVerbose(`(?x)
		^EXT4-fs\ error\ \(device\ (?P<kdev>[^)]+)\):   # device
		\ (?P<function>[a-z_0-9]+):(?P<line>\d+):        # where
		[ ]comm\ (?P<comm>\S+)`))
	m := re.FindStringSubmatch("EXT4-fs error (device loop0): ext4_journal_check_start:87: comm touch: Detected aborted journal")
	if m == nil {
		t.Fatalf("%s does not match", re)
	}
	if got := strings.Join(m[1:], ","); got != "loop0,ext4_journal_check_start,87,touch:" {
		t.Errorf("groups = %s", got)
	}
}

func FuzzTranslateVerbose(f *testing.F) {
	for _, s := range []string{
		"(?x)\n        ^sd\\ \\d+:\\d+:\\d+:\\d+:\\s\n        \\[(?P<kdev>sd[a-z]+)\\]\\s\n        tag\\#\\d+\\ Sense\\ Key\\ :\\ (?P<sense_key>[^\\[\\]]+)\\s\n",
		`a b (?x: c d ) e`, `(?x) [ a#] b # c`, `(?x) \Q a \E b`, `(?#c)`, `(?i-x)`, `[[:alpha:] ]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		out := translateVerbose(p)
		if !strings.Contains(p, "(?") && out != p {
			t.Errorf("translateVerbose(%q) = %q: a pattern without flags must come back unchanged", p, out)
		}
		if len(out) > len(p) {
			t.Errorf("translateVerbose(%q) = %q grew", p, out)
		}
	})
}
