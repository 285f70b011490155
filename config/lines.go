package config

import (
	"fmt"
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
	inRules := false
	for p.NextExpression() {
		expr := p.Expression()
		switch expr.Kind {
		case unstable.ArrayTable, unstable.Table:
			inRules = expr.Kind == unstable.ArrayTable && keyIs(expr.Key(), "collector", "regexs")
			if inRules {
				tables = append(tables, ruleTable{header: lineOf(&p, expr), keys: map[string]int{}})
			}
		case unstable.KeyValue:
			if !inRules {
				continue
			}
			it := expr.Key()
			if it.Next() {
				tables[len(tables)-1].keys[string(it.Node().Data)] = lineOf(&p, expr.Value())
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

// lineOf returns the line a node starts on. Key and value nodes carry their
// position in Raw; a table header's is its first key's.
func lineOf(p *unstable.Parser, n *unstable.Node) int {
	if n.Raw.Length == 0 && n.Kind != unstable.KeyValue {
		if c := n.Child(); c != nil {
			return lineOf(p, c)
		}
	}
	return p.Shape(n.Raw).Start.Line
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
