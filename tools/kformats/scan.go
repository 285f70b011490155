package main

import "strings"

// stripComments replaces C comments with spaces, keeping newlines (so line
// numbers stay) and string and character literals as they are.
func stripComments(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '"' || b[i] == '\'':
			q := b[i]
			for i++; i < len(b) && b[i] != q && b[i] != '\n'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '/':
			for ; i < len(b) && b[i] != '\n'; i++ {
				b[i] = ' '
			}
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '*':
			for ; i < len(b) && !(b[i] == '*' && i+1 < len(b) && b[i+1] == '/'); i++ {
				if b[i] != '\n' {
					b[i] = ' '
				}
			}
			if i+1 < len(b) {
				b[i], b[i+1] = ' ', ' '
				i++
			}
		}
	}
	return string(b)
}

// collectMacros adds the string macros of text to m: #define NAME followed
// by string literals and known string macros, and pr_fmt(fmt) as
// "pr_fmt()" with "\x00" where the format goes.
func collectMacros(text string, m map[string]string, path string) {
	if _, ok := m["pr_fmt()"]; !ok && path != "" {
		m["pr_fmt()"] = "\x00"
	}
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		for strings.HasSuffix(l, "\\") && i+1 < len(lines) {
			i++
			l = strings.TrimSuffix(l, "\\") + " " + strings.TrimSpace(lines[i])
		}
		if !strings.HasPrefix(l, "#") {
			continue
		}
		l = strings.TrimSpace(l[1:])
		if !strings.HasPrefix(l, "define") {
			continue
		}
		l = strings.TrimSpace(l[len("define"):])
		if rest, ok := strings.CutPrefix(l, "pr_fmt(fmt)"); ok {
			m["fmt"] = "\x00"
			if v, ok := joinLiteral(strings.TrimSpace(rest), m); ok && path != "" {
				m["pr_fmt()"] = v
			}
			delete(m, "fmt")
			continue
		}
		j := 0
		for j < len(l) && isIdent(l[j]) {
			j++
		}
		if j == 0 || j < len(l) && l[j] == '(' {
			continue
		}
		name, rest := l[:j], strings.TrimSpace(l[j:])
		if v, ok := joinLiteral(rest, m); ok {
			m[name] = v
		}
	}
}

// scanner walks the identifiers of C text that are followed by "(",
// skipping string and character literals.
type scanner struct {
	text  string
	pos   int
	ident string
}

// next moves to the next identifier followed by "("; s.pos is then at the
// "(".
func (s *scanner) next() bool {
	t := s.text
	for s.pos < len(t) {
		c := t[s.pos]
		switch {
		case c == '"' || c == '\'':
			s.pos = skipLiteral(t, s.pos)
		case isIdentStart(c):
			j := s.pos
			for j < len(t) && isIdent(t[j]) {
				j++
			}
			id := t[s.pos:j]
			k := j
			for k < len(t) && (t[k] == ' ' || t[k] == '\t' || t[k] == '\n') {
				k++
			}
			s.pos = j
			if k < len(t) && t[k] == '(' && (s.pos-len(id) == 0 || !isIdent(t[s.pos-len(id)-1])) {
				s.ident, s.pos = id, k
				return true
			}
		default:
			s.pos++
		}
	}
	return false
}

// skipLiteral returns the index after the literal starting at i.
func skipLiteral(t string, i int) int {
	q := t[i]
	for i++; i < len(t) && t[i] != q; i++ {
		if t[i] == '\\' {
			i++
		}
	}
	return i + 1
}

// inDefine reports whether position i is inside a #define (a macro body,
// where the format is the macro's parameter).
func (s *scanner) inDefine(i int) bool {
	start := strings.LastIndexByte(s.text[:i], '\n') + 1
	for start > 0 {
		l := strings.TrimSpace(s.text[start:i])
		if strings.HasPrefix(l, "#") {
			return true
		}
		// A continued line: look at the line before.
		prev := strings.LastIndexByte(s.text[:start-1], '\n') + 1
		if !strings.HasSuffix(strings.TrimRight(s.text[prev:start-1], " \t"), "\\") {
			return false
		}
		i, start = start-1, prev
	}
	return strings.HasPrefix(strings.TrimSpace(s.text[:i]), "#")
}

// splitArgs splits the argument list whose "(" is at open; end is the index
// after the ")".
func splitArgs(t string, open int) (args []string, end int, ok bool) {
	depth, start := 0, open+1
	for i := open; i < len(t); i++ {
		switch t[i] {
		case '"', '\'':
			i = skipLiteral(t, i) - 1
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth == 0 {
				if a := t[start:i]; strings.TrimSpace(a) != "" || len(args) > 0 {
					args = append(args, a)
				}
				return args, i + 1, true
			}
		case ',':
			if depth == 1 {
				args = append(args, t[start:i])
				start = i + 1
			}
		}
	}
	return nil, len(t), false
}

// enclosingFunc returns the name of the function whose body holds position
// i: the identifier before the "(" of the last top-level "{" opened
// before i and not yet closed.
func enclosingFunc(t string, i int) string {
	depth := 0
	for j := i - 1; j >= 0; j-- {
		switch t[j] {
		case '}':
			depth++
		case '{':
			if depth > 0 {
				depth--
				continue
			}
			if name := funcBefore(t, j); name != "" && atTop(t, j) {
				return name
			}
		case '"':
			// Literals rarely hold braces in this code; a quote is
			// skipped as is.
		}
	}
	return ""
}

// atTop reports whether the "{" at j starts a line's top-level block: the
// function body brace of kernel style, on a line of its own or after ")".
func atTop(t string, j int) bool {
	ls := strings.LastIndexByte(t[:j], '\n') + 1
	return j == ls || strings.TrimSpace(t[ls:j]) == "" || strings.HasSuffix(strings.TrimSpace(t[ls:j]), ")")
}

// funcBefore returns the identifier before the parameter list that ends
// just before the "{" at j, or "".
func funcBefore(t string, j int) string {
	k := j - 1
	for k >= 0 && strings.IndexByte(" \t\n", t[k]) >= 0 {
		k--
	}
	if k < 0 || t[k] != ')' {
		return ""
	}
	depth := 0
	for ; k >= 0; k-- {
		if t[k] == ')' {
			depth++
		} else if t[k] == '(' {
			depth--
			if depth == 0 {
				break
			}
		}
	}
	e := k
	for e > 0 && strings.IndexByte(" \t\n", t[e-1]) >= 0 {
		e--
	}
	b := e
	for b > 0 && isIdent(t[b-1]) {
		b--
	}
	name := t[b:e]
	switch name {
	case "if", "for", "while", "switch", "":
		return ""
	case "__releases", "__acquires", "__must_hold":
		// A lock annotation after the parameter list: the function's
		// name is before the list before it.
		return funcBefore(t[:b]+"{", b)
	}
	// The body of a function starts at column 0 in kernel style; a
	// statement block inside one does not.
	ls := strings.LastIndexByte(t[:j], '\n') + 1
	if j != ls {
		return ""
	}
	return name
}
