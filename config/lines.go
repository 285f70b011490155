package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// ruleTables records where each [[collector.regexs]] table of a file starts
// and on which line each of its keys is, for error messages: decoding into
// structs keeps no positions.
type ruleTables []ruleTable

type ruleTable struct {
	header int            // line of the [[collector.regexs]] header
	keys   map[string]int // line of each key
}

// ruleLines walks the TOML document (already known to parse) for its
// [[collector.regexs]] tables.
func ruleLines(data []byte) ruleTables {
	var tables ruleTables
	var p unstable.Parser
	p.Reset(data)
	ls := newLineStarts(data)
	lineOf := func(n *unstable.Node) int { return ls.lineOf(n) }
	inRules := false
	for p.NextExpression() {
		expr := p.Expression()
		switch expr.Kind {
		case unstable.ArrayTable, unstable.Table:
			inRules = expr.Kind == unstable.ArrayTable && keyIs(expr.Key(), "collector", "regexs")
			if inRules {
				tables = append(tables, ruleTable{header: lineOf(expr), keys: map[string]int{}})
			}
		case unstable.KeyValue:
			if !inRules {
				continue
			}
			it := expr.Key()
			if it.Next() {
				tables[len(tables)-1].keys[string(it.Node().Data)] = lineOf(expr.Value())
			}
		}
	}
	return tables
}

// line returns the line of key in the i-th table, or of the table's header
// when key is "" or not in it; 0 when unknown (a rule not written as a
// [[collector.regexs]] table).
func (t ruleTables) line(i int, key string) int {
	if i >= len(t) {
		return 0
	}
	if n, ok := t[i].keys[key]; ok {
		return n
	}
	return t[i].header
}

func keyIs(it unstable.Iterator, parts ...string) bool {
	for _, want := range parts {
		if !it.Next() || string(it.Node().Data) != want {
			return false
		}
	}
	return !it.Next()
}

// lineStarts are the offsets at which the lines of a document begin, to
// find a node's line in log time: the parser's own Shape counts the lines
// from the start each time, which made a file of many rules load in
// quadratic time.
type lineStarts []int

func newLineStarts(data []byte) lineStarts {
	ls := lineStarts{0}
	for i, c := range data {
		if c == '\n' {
			ls = append(ls, i+1)
		}
	}
	return ls
}

// lineOf returns the line (from 1) a node starts on. Key and value nodes
// carry their position in Raw; a table header's is its first key's.
func (ls lineStarts) lineOf(n *unstable.Node) int {
	if n.Raw.Length == 0 && n.Kind != unstable.KeyValue {
		if c := n.Child(); c != nil {
			return ls.lineOf(c)
		}
	}
	line, found := slices.BinarySearch(ls, int(n.Raw.Offset))
	if !found {
		line-- // within the line before
	}
	return line + 1
}

// keyAt names key as errors do, with the index of the rule table that
// holds line row: collector.regexs[1].foo.
func (t ruleTables) keyAt(key toml.Key, row int) string {
	s := strings.Join(key, ".")
	rest, ok := strings.CutPrefix(s, "collector.regexs")
	if !ok {
		return s
	}
	for i := len(t) - 1; i >= 0; i-- {
		if t[i].header <= row {
			return fmt.Sprintf("collector.regexs[%d]%s", i, rest)
		}
	}
	return s
}
