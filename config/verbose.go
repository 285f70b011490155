package config

import "strings"

// translateVerbose rewrites a pattern that uses the verbose flag x (Perl,
// PCRE, Python, Rust's regex crate, which the original peripety used) into
// one Go's regexp accepts. Where x is in force it drops unescaped white
// space and "#" comments to the end of the line, outside character
// classes; "\ " and "\#" stay a literal space and "#". The flag may be set
// for the rest of a group, as "(?x)" (alone or among other flags, "(?xi)"),
// or for a group of its own, "(?x:…)"; "(?-x)" clears it. "(?#…)" comment
// groups are dropped in any mode. A pattern without these comes back
// unchanged. Malformed input is copied as it is for regexp.Compile to
// report.
func translateVerbose(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	verbose := false
	var stack []bool // verbose outside each open group
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\\':
			if i+1 >= len(p) {
				b.WriteByte(c) // regexp.Compile reports it
				i++
				continue
			}
			n := p[i+1]
			switch {
			case verbose && n == ' ':
				b.WriteByte(' ')
				i += 2
			case verbose && n == '#':
				b.WriteByte('#')
				i += 2
			case n == 'Q':
				end := strings.Index(p[i+2:], `\E`)
				if end < 0 {
					b.WriteString(p[i:])
					return b.String()
				}
				b.WriteString(p[i : i+2+end+2])
				i += 2 + end + 2
			default:
				b.WriteString(p[i : i+2])
				i += 2
			}
		case c == '[':
			end := classEnd(p, i)
			b.WriteString(p[i:end])
			i = end
		case verbose && isVerboseSpace(c):
			i++
		case verbose && c == '#':
			for i < len(p) && p[i] != '\n' {
				i++
			}
		case c == '(' && strings.HasPrefix(p[i:], "(?#"):
			end := strings.IndexByte(p[i:], ')')
			if end < 0 {
				b.WriteString(p[i:]) // regexp.Compile reports it
				return b.String()
			}
			i += end + 1
		case c == '(':
			flags, n, scoped, ok := flagGroup(p[i:])
			if !ok {
				stack = append(stack, verbose)
				b.WriteByte(c)
				i++
				continue
			}
			on, rest := setFlag(flags, verbose)
			if scoped {
				stack = append(stack, verbose)
				b.WriteString("(?" + rest + ":")
			} else if rest != "" {
				b.WriteString("(?" + rest + ")")
			}
			verbose = on
			i += n
		case c == ')':
			if len(stack) > 0 {
				verbose = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
			b.WriteByte(c)
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

// isVerboseSpace reports the white space that x mode ignores.
func isVerboseSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// flagGroup recognises "(?flags)" and "(?flags:" at the start of s, flags
// being letters of imsUx with at most one '-', and returns the flags, the
// length of the opening and whether it opens a group of its own.
func flagGroup(s string) (flags string, n int, scoped, ok bool) {
	if !strings.HasPrefix(s, "(?") {
		return "", 0, false, false
	}
	for j := 2; j < len(s); j++ {
		switch c := s[j]; {
		case c == ')' || c == ':':
			if j == 2 {
				return "", 0, false, false // "(?:" or "(?)": not a flag group
			}
			return s[2:j], j + 1, c == ':', true
		case strings.IndexByte("imsUx-", c) < 0:
			return "", 0, false, false
		}
	}
	return "", 0, false, false
}

// setFlag applies the x in flags to verbose and returns the flags without
// it, for Go's regexp.
func setFlag(flags string, verbose bool) (bool, string) {
	var rest strings.Builder
	negated := false
	for i := 0; i < len(flags); i++ {
		c := flags[i]
		switch c {
		case '-':
			negated = true
			rest.WriteByte(c)
		case 'x':
			verbose = !negated
		default:
			rest.WriteByte(c)
		}
	}
	// "(?i-x)" leaves "i-".
	return verbose, strings.TrimSuffix(rest.String(), "-")
}

// classEnd returns the offset just past the character class that starts at
// p[i] == '[', or len(p) if it does not end. A ']' first in the class
// (after an optional '^') is a literal, as are escaped characters;
// "[:alpha:]" names nest.
func classEnd(p string, i int) int {
	j := i + 1
	if j < len(p) && p[j] == '^' {
		j++
	}
	if j < len(p) && p[j] == ']' {
		j++
	}
	for j < len(p) {
		switch {
		case p[j] == '\\':
			j += 2
		case strings.HasPrefix(p[j:], "[:"):
			if end := strings.Index(p[j+2:], ":]"); end >= 0 {
				j += 2 + end + 2
			} else {
				j++
			}
		case p[j] == ']':
			return j + 1
		default:
			j++
		}
	}
	return len(p)
}
