package parsers

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"strings"
)

// RuleSet is the compiled set of built-in rules followed by the user rules,
// with the prefilter that picks the few rules worth trying on a line. A
// RuleSet is immutable and safe for concurrent use.
type RuleSet struct {
	rules []*rule
	// byFirst indexes prefix literals by the first byte of the line
	// (leading spaces trimmed); afterName indexes "after" literals by the
	// first byte after the line's leading "name: ".
	byFirst   [256][]literal
	afterName [256][]literal
	suffixes  []literal
	// anywhere are rules with no anchored literal (user rules whose regexp
	// is not anchored); their needle, when they have one, gates them.
	anywhere []int32
}

// literal is one prefilter entry: the literal and the rule it admits.
type literal struct {
	text string
	rule int32
}

// maxCandidates bounds the rules tried on one line; the built-in tables
// stay far below it (a test checks the busiest prefixes).
const maxCandidates = 64

// NewRuleSet compiles the built-in rules and appends user, the rules of the
// configuration (already compiled and validated by package config), in
// their order. A line is given to the first rule that matches it, so user
// rules add to the built-in ones and never replace them.
func NewRuleSet(user []UserRule) (*RuleSet, error) {
	rs := &RuleSet{}
	for _, t := range builtinTables() {
		for i := range t.rules {
			r := t.rules[i]
			r.source = "built-in parsers/" + t.file
			if r.sub == "" {
				r.sub = t.sub
			}
			rs.rules = append(rs.rules, &r)
		}
	}
	for i, u := range user {
		if u.Regexp == nil {
			return nil, fmt.Errorf("user rule %d (%s): no regexp", i+1, u.Source)
		}
		if u.Regexp.SubexpIndex("kdev") < 0 {
			return nil, fmt.Errorf("user rule %d (%s): regexp %q has no named group kdev", i+1, u.Source, u.Regexp.String())
		}
		typ := u.EventType
		if typ == "" {
			typ = "UNKNOWN"
		}
		r := &rule{
			name:   fmt.Sprintf("user_%d", i+1),
			sub:    u.SubSystem,
			typ:    typ,
			re:     u.Regexp,
			role:   roleEvent,
			source: u.Source,
			user:   true,
		}
		if u.StartsWith != "" {
			r.prefixes = []string{u.StartsWith}
		}
		rs.rules = append(rs.rules, r)
	}
	for i, r := range rs.rules {
		if err := rs.index(int32(i), r); err != nil {
			return nil, fmt.Errorf("rule %s (%s): %w", r.name, r.source, err)
		}
	}
	return rs, nil
}

// index files rule r under its literals, deriving them from its regexp
// where the rule names none.
func (rs *RuleSet) index(i int32, r *rule) error {
	if r.re == nil {
		return errors.New("no regexp")
	}
	prefix, needle := regexpLiterals(r.re.String())
	if r.needle == "" {
		r.needle = needle
	}
	prefixes := r.prefixes
	if len(prefixes) == 0 && r.after == "" && r.suffix == "" && prefix != "" {
		prefixes = []string{prefix}
	}
	switch {
	case len(prefixes) > 0:
		for _, p := range prefixes {
			if p == "" {
				return errors.New("empty prefix")
			}
			rs.byFirst[p[0]] = append(rs.byFirst[p[0]], literal{p, i})
		}
	case r.after != "":
		rs.afterName[r.after[0]] = append(rs.afterName[r.after[0]], literal{r.after, i})
	case r.suffix != "":
		rs.suffixes = append(rs.suffixes, literal{r.suffix, i})
	case r.user:
		rs.anywhere = append(rs.anywhere, i)
	default:
		return errors.New("no literal for the prefilter: give prefixes, after or suffix")
	}
	return nil
}

// regexpLiterals returns the literal an anchored pattern starts with and the
// longest literal every match contains (both "" when there is none). Case-
// folded literals are not used.
func regexpLiterals(pattern string) (prefix, needle string) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", ""
	}
	re = re.Simplify()
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	lit := func(s *syntax.Regexp) (string, bool) {
		if s.Op != syntax.OpLiteral || s.Flags&syntax.FoldCase != 0 {
			return "", false
		}
		return string(s.Rune), true
	}
	k := 0
	if len(subs) > 0 && (subs[0].Op == syntax.OpBeginText || subs[0].Op == syntax.OpBeginLine && re.Flags&syntax.OneLine != 0) {
		k = 1
		if len(subs) > 1 {
			prefix, _ = lit(subs[1])
		}
	}
	for _, s := range subs[k:] {
		if l, ok := lit(s); ok && len(l) > len(needle) {
			needle = l
		}
	}
	return prefix, needle
}

// Rules lists every rule in the order they are tried: the built-in ones,
// then the user rules.
func (rs *RuleSet) Rules() []RuleInfo {
	out := make([]RuleInfo, len(rs.rules))
	for i, r := range rs.rules {
		out[i] = r.info()
	}
	return out
}

// MatchRule returns the name of the rule that takes rec (for a record of
// several lines, the first line any rule takes). Records of a facility other
// than the kernel's match nothing, as the parser drops them.
func (rs *RuleSet) MatchRule(rec Record) (name string, ok bool) {
	if rec.Facility != 0 {
		return "", false
	}
	msg := rec.Message
	for msg != "" {
		line := msg
		if j := strings.IndexByte(msg, '\n'); j >= 0 {
			line, msg = msg[:j], msg[j+1:]
		} else {
			msg = ""
		}
		if ri, _ := rs.match(line, false); ri >= 0 {
			return rs.rules[ri].name, true
		}
	}
	return "", false
}

// match returns the index of the first rule (in rule order) that matches
// line, and with capture its submatch indices into the line as the rule
// sees it (built-in rules: without leading spaces). It allocates only the
// submatch indices of a match.
func (rs *RuleSet) match(line string, capture bool) (int, []int) {
	trimmed := strings.TrimLeft(line, " ")
	var buf [maxCandidates]int32
	cand := buf[:0]
	add := func(i int32) {
		if len(cand) < len(buf) {
			cand = append(cand, i)
		}
	}
	if trimmed != "" {
		for _, l := range rs.byFirst[trimmed[0]] {
			text := trimmed
			if rs.rules[l.rule].user {
				text = line
			}
			if strings.HasPrefix(text, l.text) {
				add(l.rule)
			}
		}
		if c := strings.IndexByte(trimmed[:min(len(trimmed), 48)], ':'); c > 0 && c+2 < len(trimmed) && trimmed[c+1] == ' ' {
			rest := trimmed[c+2:]
			for _, l := range rs.afterName[rest[0]] {
				if strings.HasPrefix(rest, l.text) {
					add(l.rule)
				}
			}
		}
		for _, l := range rs.suffixes {
			if strings.HasSuffix(trimmed, l.text) {
				add(l.rule)
			}
		}
	}
	for _, i := range rs.anywhere {
		add(i)
	}
	// Candidates come from several indexes; try them in rule order.
	for i := 1; i < len(cand); i++ {
		for j := i; j > 0 && cand[j] < cand[j-1]; j-- {
			cand[j], cand[j-1] = cand[j-1], cand[j]
		}
	}
	for k, i := range cand {
		if k > 0 && i == cand[k-1] {
			continue
		}
		r := rs.rules[i]
		text := trimmed
		if r.user {
			text = line
		}
		if r.needle != "" && !strings.Contains(text, r.needle) {
			continue
		}
		if !capture {
			if r.re.MatchString(text) {
				return int(i), nil
			}
			continue
		}
		if loc := r.re.FindStringSubmatchIndex(text); loc != nil {
			return int(i), loc
		}
	}
	return -1, nil
}
