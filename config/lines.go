package config

import (
	"fmt"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// positions records on which line each table and key of a file is, for
// error messages: decoding into structs keeps no positions. Paths are
// dotted, with the index of an array table: "main.notify_stdout",
// "collector.regexs[1]", "hook[0].command".
type positions struct {
	lines map[string]int
	// arrays holds the header line of each table of an array of tables
	// ("collector.regexs", "hook"), in order.
	arrays map[string][]int
}

// filePositions walks the TOML document (already known to parse).
func filePositions(data []byte) positions {
	pos := positions{lines: map[string]int{}, arrays: map[string][]int{}}
	var p unstable.Parser
	p.Reset(data)
	table := ""
	for p.NextExpression() {
		expr := p.Expression()
		switch expr.Kind {
		case unstable.Table:
			table = joinKey(expr.Key())
			pos.lines[table] = lineOf(&p, expr)
		case unstable.ArrayTable:
			k := joinKey(expr.Key())
			line := lineOf(&p, expr)
			table = fmt.Sprintf("%s[%d]", k, len(pos.arrays[k]))
			pos.arrays[k] = append(pos.arrays[k], line)
			pos.lines[table] = line
		case unstable.KeyValue:
			k := joinKey(expr.Key())
			if table != "" {
				k = table + "." + k
			}
			pos.lines[k] = lineOf(&p, expr.Value())
		}
	}
	return pos
}

func joinKey(it unstable.Iterator) string {
	var parts []string
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return strings.Join(parts, ".")
}

// line returns the line of path, or of the table that holds it when the
// key is not in the file; 0 when neither is.
func (p positions) line(path string) int {
	for {
		if n, ok := p.lines[path]; ok {
			return n
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			return 0
		}
		path = path[:i]
	}
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

// keyAt names key as errors do, with the index of the array table that
// holds line row: collector.regexs[1].foo, hook[0].bar.
func (p positions) keyAt(key toml.Key, row int) string {
	s := strings.Join(key, ".")
	for name, headers := range p.arrays {
		rest, ok := strings.CutPrefix(s, name)
		if !ok || rest != "" && rest[0] != '.' {
			continue
		}
		for i := len(headers) - 1; i >= 0; i-- {
			if headers[i] <= row {
				return fmt.Sprintf("%s[%d]%s", name, i, rest)
			}
		}
	}
	return s
}
