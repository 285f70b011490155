package kcover

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// pack stores the calls of ts (without their classes) as gzip-compressed
// JSON lines, one a call alike in several versions, sorted by file: about
// a seventeenth of the tables' size.
func pack(ts []Table) ([]byte, error) {
	var order []string
	byKey := map[string]*packed{}
	for _, t := range ts {
		for _, c := range t.Calls {
			p := packed{Sub: c.Sub, Level: c.Level, Call: c.Call, Dev: c.Dev, Func: c.Func, Fmt: c.Fmt, Args: c.Args}
			kb, err := json.Marshal(p)
			if err != nil {
				return nil, fmt.Errorf("kcover: pack %s: %w", c.At, err)
			}
			k := string(kb)
			if byKey[k] == nil {
				byKey[k] = &p
				order = append(order, k)
			}
			byKey[k].At = append(byKey[k].At, t.Version+":"+c.At)
		}
	}
	recs := make([]*packed, 0, len(order))
	for _, k := range order {
		p := byKey[k]
		file, _, _ := cutLast(p.At[0][strings.IndexByte(p.At[0], ':')+1:], ":")
		same := true
		for _, a := range p.At {
			if f, _, _ := cutLast(a[strings.IndexByte(a, ':')+1:], ":"); f != file {
				same = false
			}
		}
		if same {
			p.File = file
			for i, a := range p.At {
				v, _, _ := strings.Cut(a, ":")
				_, line, _ := cutLast(a, ":")
				p.At[i] = v + ":" + line
			}
		}
		recs = append(recs, p)
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].File < recs[j].File })
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("kcover: pack: %w", err)
	}
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	for _, p := range recs {
		if err := enc.Encode(p); err != nil {
			return nil, fmt.Errorf("kcover: pack: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("kcover: pack: %w", err)
	}
	return buf.Bytes(), nil
}

// parseTable reads a version's table as tools/kformats writes it: a Call
// as JSON a line.
func parseTable(version string, b []byte) (Table, error) {
	t := Table{Version: version}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var c Call
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return t, fmt.Errorf("kcover: kformats/%s.jsonl:%d: %w", version, n, err)
		}
		t.Calls = append(t.Calls, c)
	}
	return t, sc.Err()
}
