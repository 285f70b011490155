package config

import (
	"fmt"
	"slices"
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
	ls := newLineStarts(data)
	table := ""
	for p.NextExpression() {
		expr := p.Expression()
		switch expr.Kind {
		case unstable.Table:
			table = joinKey(expr.Key())
			pos.lines[table] = ls.lineOf(expr)
		case unstable.ArrayTable:
			k := joinKey(expr.Key())
			line := ls.lineOf(expr)
			table = fmt.Sprintf("%s[%d]", k, len(pos.arrays[k]))
			pos.arrays[k] = append(pos.arrays[k], line)
			pos.lines[table] = line
		case unstable.KeyValue:
			k := joinKey(expr.Key())
			if table != "" {
				k = table + "." + k
			}
			pos.lines[k] = ls.lineOf(expr.Value())
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
