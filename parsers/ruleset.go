package parsers

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unsafe"
)

// RuleSet is the compiled set of built-in rules followed by the user rules,
// with the prefilter that picks the few rules worth trying on a line. A
// RuleSet is immutable and safe for concurrent use.
//
// The kernel's rules and each daemon's (daemons.go) have an index of
// their own: a record goes to its source's rules only (Record.Daemon), so
// no kernel rule runs on a daemon's line and no daemon's rule on the
// kernel's.
//
// The prefilter looks at three cheap things of a line before any regexp:
// its start (the literal prefix of a rule), its body (the text after the
// first ": ", past sd_printk's "[sdX] tag#N "), both looked up in a trie
// of literals, and its end (a literal suffix). Only the rules a
// line passes there have their needle (the longest literal of the regexp)
// looked for and then their regexp run.
type RuleSet struct {
	rules  []*rule
	kernel *ruleIndex
	// daemons are the indexes of the daemons' rules, by daemon name.
	daemons map[string]*ruleIndex
}

// ruleIndex is the prefilter over the rules of one source.
type ruleIndex struct {
	byStart  litTrie
	byBody   litTrie
	suffixes []bodyEntry
	// any are the rules of a daemon whose lines have no literal start,
	// body or end (the first word is a map's alias, say): tried on every
	// line of the daemon, after their needle. A daemon's rules are few.
	any []int32
	// user are the user rules, each with the literal (starts_with or the
	// regexp's anchored prefix) the line must start with, if any.
	user []int32
}

func newRuleIndex() *ruleIndex { return &ruleIndex{} }

// indexFor returns the index of the rules for records of daemon ("" for
// the kernel), nil when no rule takes them.
func (rs *RuleSet) indexFor(daemon string) *ruleIndex {
	if daemon == "" {
		return rs.kernel
	}
	return rs.daemons[daemon]
}

// litTrie files literals by their first bytes: a text walks down as far
// as its bytes lead, so that a text no literal starts with costs a few
// byte comparisons whatever the number of rules (a bucket per first two
// bytes made "request_sock_TCP: …" compare against every "re…" literal of
// the tables).
type litTrie struct {
	first [256]*litNode
	// Most lines start with no literal of the tables (and most bodies
	// likewise): without a walk, bits says that no literal of four bytes
	// or more starts with a text's first four for a line of that first
	// byte (a set bit: one may), and short that no shorter literal starts
	// with its first byte. A literal whose rule names the prefixes of its
	// line is filed under their first bytes, others under 0: "request_sock_TCP:
	// …" of "TCP: …" starts like a SCSI rule's body, "Started …" of
	// "systemd[1]: …" like an XFS one's, and only their lines tell them
	// apart.
	bits, short [1 << 16 / 64]uint64
}

// litHash hashes the first four bytes of s with the first byte of the
// line, lead, to an index of litTrie.bits.
func litHash(s string, lead byte) uint32 {
	h := uint64(lead) | uint64(s[0])<<8 | uint64(s[1])<<16 | uint64(s[2])<<24 | uint64(s[3])<<32
	return uint32(h * 0x9e3779b97f4a7c15 >> 48)
}

// shortIndex is the index of litTrie.short for a literal starting with c
// on a line starting with lead.
func shortIndex(c, lead byte) uint32 { return uint32(lead)<<8 | uint32(c) }

func hasBit(bits *[1 << 16 / 64]uint64, i uint32) bool { return bits[i/64]&(1<<(i%64)) != 0 }

func setBit(bits *[1 << 16 / 64]uint64, i uint32) { bits[i/64] |= 1 << (i % 64) }

// mayStart reports whether some literal may start text, a part of line
// (false: none does).
func (t *litTrie) mayStart(text, line string) bool {
	c, lead := text[0], line[0]
	switch {
	case len(text) < 4 || hasBit(&t.short, shortIndex(c, 0)) || hasBit(&t.short, shortIndex(c, lead)):
		return true
	}
	return hasBit(&t.bits, litHash(text, 0)) || hasBit(&t.bits, litHash(text, lead))
}

// litNode is a node of a litTrie, at the depth of the bytes that lead to
// it. here holds the literals that end at the node and, at depth
// trieDepth, those longer, whose rest is compared in full.
type litNode struct {
	next []byte // the byte leading to each of kids
	kids []*litNode
	here []bodyEntry
}

// trieDepth bounds a litTrie: a deeper one costs memory for little.
const trieDepth = 8

// bodyEntry admits a rule when the line's body (or start) starts with text
// (or, for suffixes, the line ends with it) and the line starts with one
// of pre.
type bodyEntry struct {
	text string
	pre  []string
	rule int32
}

// maxCandidates bounds the rules tried on one line; the built-in tables
// stay far below it (TestCandidatesBounded checks the test lines).
const maxCandidates = 64

// NewRuleSet compiles the built-in rules and appends user, the rules of the
// configuration (already compiled and validated by package config), in
// their order. A line is given to the first rule that matches it, so user
// rules add to the built-in ones and never replace them.
func NewRuleSet(user []UserRule) (*RuleSet, error) {
	rs := &RuleSet{kernel: newRuleIndex(), daemons: make(map[string]*ruleIndex)}
	for _, t := range builtinTables() {
		for i := range t.rules {
			r := t.rules[i]
			r.source = "built-in parsers/" + t.file
			r.daemon = t.daemon
			if r.sub == "" {
				r.sub = t.sub
			}
			switch {
			case r.daemon != "" && r.sev == nil && r.role != roleNote && r.role != roleContext:
				// A daemon's PRIORITY is 6 for every line it writes to
				// stderr: the rule says what its line is worth.
				return nil, fmt.Errorf("rule %s (%s): a daemon's rule needs its severity (sev)", r.name, r.source)
			case r.daemon == "" && r.level == kernNone && !r.re.namesLevel():
				return nil, fmt.Errorf("rule %s (%s): no kernel level", r.name, r.source)
			}
			for _, c := range append([]string{r.cond}, r.conds...) {
				if _, ok := LookupCondition(c); c != "" && !ok {
					return nil, fmt.Errorf("rule %s (%s): condition %q is not in the vocabulary", r.name, r.source, c)
				}
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
		if _, ok := LookupDaemon(u.Daemon); u.Daemon != "" && !ok {
			return nil, fmt.Errorf("user rule %d (%s): unknown daemon %q: want one of %s", i+1, u.Source, u.Daemon, strings.Join(DaemonNames(), ", "))
		}
		typ := u.EventType
		if typ == "" {
			typ = "UNKNOWN"
		}
		r := &rule{
			name:   fmt.Sprintf("user_%d", i+1),
			sub:    u.SubSystem,
			typ:    typ,
			re:     compiledPattern(u.Regexp),
			role:   roleEvent,
			level:  kernInfo,
			source: u.Source,
			daemon: u.Daemon,
			user:   true,
		}
		if d, ok := LookupDaemon(u.Daemon); ok {
			r.daemon = d.Name
		}
		if u.StartsWith != "" {
			r.prefixes = []string{u.StartsWith}
		}
		rs.rules = append(rs.rules, r)
	}
	for i, r := range rs.rules {
		ix := rs.indexFor(r.daemon)
		if ix == nil {
			ix = newRuleIndex()
			rs.daemons[r.daemon] = ix
		}
		if err := ix.add(int32(i), r); err != nil {
			return nil, fmt.Errorf("rule %s (%s): %w", r.name, r.source, err)
		}
	}
	return rs, nil
}

// add files e under the first trieDepth bytes of its literal, which is
// not empty.
func (t *litTrie) add(e bodyEntry) {
	leads := []byte{0}
	if !slices.Contains(e.pre, "") && len(e.pre) > 0 {
		leads = leads[:0]
		for _, p := range e.pre {
			leads = append(leads, p[0])
		}
	}
	for _, lead := range leads {
		if len(e.text) < 4 {
			setBit(&t.short, shortIndex(e.text[0], lead))
		} else {
			setBit(&t.bits, litHash(e.text, lead))
		}
	}
	n := t.first[e.text[0]]
	if n == nil {
		n = &litNode{}
		t.first[e.text[0]] = n
	}
	for d := 1; d < len(e.text) && d < trieDepth; d++ {
		k := n.kid(e.text[d])
		if k < 0 {
			k = len(n.kids)
			n.next = append(n.next, e.text[d])
			n.kids = append(n.kids, &litNode{})
		}
		n = n.kids[k]
	}
	n.here = append(n.here, e)
}

// kid returns the index of the child that c leads to, or -1. A node has
// few children: a loop costs less than a call of bytes.IndexByte.
func (n *litNode) kid(c byte) int {
	for k, b := range n.next {
		if b == c {
			return k
		}
	}
	return -1
}

// add files rule r under its literals, deriving them from its regexp
// where the rule names none.
func (ix *ruleIndex) add(i int32, r *rule) error {
	if r.re == nil {
		return errors.New("no regexp")
	}
	// Parsed once for both: parsing is the most of NewRuleSet.
	subs, anchored := topLevel(r.re.String())
	prefix, needle := literalsOf(subs, anchored)
	if r.needle == "" {
		r.needle = needle
	}
	if len(r.prefixes) == 0 && prefix != "" {
		r.prefixes = []string{prefix}
	}
	if r.user {
		ix.user = append(ix.user, i)
		return nil
	}
	bodies := []string{r.body}
	switch {
	case len(r.bodies) > 0:
		bodies = r.bodies
	case r.body == "" && r.suffix == "":
		bodies = bodiesOf(subs, anchored)
	}
	switch {
	case len(bodies) > 0 && bodies[0] != "":
		for _, b := range bodies {
			ix.byBody.add(bodyEntry{b, r.prefixes, i})
		}
	case r.suffix != "":
		ix.suffixes = append(ix.suffixes, bodyEntry{r.suffix, r.prefixes, i})
	case len(r.prefixes) > 0:
		for _, p := range r.prefixes {
			if p == "" {
				return errors.New("empty prefix")
			}
			ix.byStart.add(bodyEntry{p, nil, i})
		}
	case r.daemon != "" && r.needle != "":
		ix.any = append(ix.any, i)
	default:
		return errors.New("no literal for the prefilter: give prefixes, body or suffix")
	}
	return nil
}

// regexpLiterals returns the literal an anchored pattern starts with and the
// longest other literal every match contains (both "" when there is none).
// Case-folded literals are not used.
func regexpLiterals(pattern string) (prefix, needle string) {
	return literalsOf(topLevel(pattern))
}

// literalsOf is regexpLiterals of a pattern's top-level parts (topLevel).
func literalsOf(subs []*syntax.Regexp, anchored bool) (prefix, needle string) {
	k := 0
	if anchored {
		k = 1
		if len(subs) > 1 {
			if prefix, _ = literalOf(subs[1]); prefix != "" {
				// The prefix is checked already; look for another.
				k = 2
			}
		}
	}
	for _, s := range subs[k:] {
		if l := longestRequired(s); len(l) > len(needle) {
			needle = l
		}
	}
	return prefix, needle
}

// longestRequired returns the longest literal every match of re contains,
// looking into groups that must match ("" when there is none).
func longestRequired(re *syntax.Regexp) string {
	if l, ok := literalOf(re); ok {
		return l
	}
	var subs []*syntax.Regexp
	switch re.Op {
	case syntax.OpConcat, syntax.OpCapture, syntax.OpPlus:
		subs = re.Sub
	case syntax.OpRepeat:
		if re.Min >= 1 {
			subs = re.Sub
		}
	}
	best := ""
	for _, s := range subs {
		if l := longestRequired(s); len(l) > len(best) {
			best = l
		}
	}
	return best
}

// bodiesOf returns the literals one of which starts the body (see
// lineBody) of every line an anchored pattern matches: the text after the
// pattern's first ": ", when nothing before it can hold a space (so that no
// earlier ": " can occur in the line), or, where the body is an alternation
// ("(?P<reason>Could not load journal inode|no journal found|…)"), the
// literal each branch starts with. It returns nil when it cannot tell.
//
// It takes the pattern's top-level parts, as topLevel gives them.
func bodiesOf(subs []*syntax.Regexp, anchored bool) []string {
	if !anchored {
		return nil
	}
	for k := 1; k < len(subs); k++ {
		l, ok := literalOf(subs[k])
		if !ok {
			if matchesRune(subs[k], ' ') {
				return nil
			}
			continue
		}
		if l[0] == ' ' && k > 1 && matchesRune(subs[k-1], ':') {
			return nil
		}
		j := strings.Index(l, ": ")
		if j < 0 {
			continue
		}
		bodies := []string{l[j+2:]}
		if bodies[0] == "" {
			if k+1 == len(subs) {
				return nil
			}
			bodies = leadingSeq(subs[k+1:])
		}
		for _, b := range bodies {
			// lineBody skips these: they cannot start a body.
			if b[0] == '[' || b[0] == ' ' || strings.HasPrefix(b, "tag#") {
				return nil
			}
		}
		return bodies
	}
	return nil
}

// maxLeading bounds the literals leadingSeq gives for one pattern.
const maxLeading = 256

// leadingLiterals returns literals one of which every match of re starts
// with, or nil.
func leadingLiterals(re *syntax.Regexp) []string {
	return leadingSeq([]*syntax.Regexp{re})
}

// leadingSeq returns literals one of which every match of the
// concatenation of subs starts with, or nil. It looks through groups,
// alternations (each branch with what follows it), optional parts (with
// and without them) and small character classes ("[Cc]ouldn't": both
// spellings), and extends a literal by what follows it while the number of
// literals stays small: the parser factors common prefixes out of
// alternations ("W(?:ide…|rite…)"), which would leave only "W".
func leadingSeq(subs []*syntax.Regexp) []string {
	if len(subs) == 0 {
		return nil
	}
	first, rest := subs[0], subs[1:]
	with := func(head ...*syntax.Regexp) []*syntax.Regexp {
		return append(append([]*syntax.Regexp(nil), head...), rest...)
	}
	switch first.Op {
	case syntax.OpConcat:
		return leadingSeq(with(first.Sub...))
	case syntax.OpCapture:
		return leadingSeq(with(first.Sub[0]))
	case syntax.OpQuest:
		in, out := leadingSeq(with(first.Sub[0])), leadingSeq(rest)
		if in == nil || out == nil || len(in)+len(out) > maxLeading {
			return nil
		}
		return append(in, out...)
	case syntax.OpAlternate:
		var out []string
		for _, b := range first.Sub {
			ls := leadingSeq(with(b))
			if ls == nil {
				return nil
			}
			out = append(out, ls...)
		}
		if len(out) <= maxLeading {
			return out
		}
		// Too many with what follows: the branches alone.
		out = out[:0]
		for _, b := range first.Sub {
			out = append(out, leadingLiterals(b)...)
		}
		if len(out) > maxLeading {
			return nil
		}
		return out
	case syntax.OpPlus:
		return firstLiterals(first.Sub[0])
	}
	heads := firstLiterals(first)
	if heads == nil {
		return nil
	}
	more := leadingSeq(rest)
	if more == nil || len(more) > 8 || len(heads)*len(more) > maxLeading {
		return heads
	}
	out := make([]string, 0, len(heads)*len(more))
	for _, h := range heads {
		for _, m := range more {
			out = append(out, h+m)
		}
	}
	return out
}

// firstLiterals returns the texts re matches when it is a literal, a
// case-folded letter or a class of at most ten ASCII characters, else nil.
func firstLiterals(re *syntax.Regexp) []string {
	if l, ok := literalOf(re); ok {
		return []string{l}
	}
	// "[Cc]" parses as a case-folded "C".
	if re.Op == syntax.OpLiteral && re.Flags&syntax.FoldCase != 0 && len(re.Rune) == 1 {
		if c := re.Rune[0]; c < 0x80 && unicode.IsLetter(c) {
			return []string{string(unicode.ToUpper(c)), string(unicode.ToLower(c))}
		}
	}
	if re.Op != syntax.OpCharClass || re.Flags&syntax.FoldCase != 0 {
		return nil
	}
	var out []string
	for k := 0; k+1 < len(re.Rune); k += 2 {
		for c := re.Rune[k]; c <= re.Rune[k+1]; c++ {
			if c >= 0x80 || len(out) == 10 {
				return nil
			}
			out = append(out, string(c))
		}
	}
	return out
}

// topLevel parses pattern and returns the parts of its top-level
// concatenation, and whether the first is a start-of-text anchor.
func topLevel(pattern string) ([]*syntax.Regexp, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, false
	}
	re = re.Simplify()
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	anchored := len(subs) > 0 && (subs[0].Op == syntax.OpBeginText || subs[0].Op == syntax.OpBeginLine && re.Flags&syntax.OneLine != 0)
	return subs, anchored
}

func literalOf(s *syntax.Regexp) (string, bool) {
	if s.Op != syntax.OpLiteral || s.Flags&syntax.FoldCase != 0 || len(s.Rune) == 0 {
		return "", false
	}
	return string(s.Rune), true
}

// matchesRune reports whether re can match some text containing c.
func matchesRune(re *syntax.Regexp, c rune) bool {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if r == c || re.Flags&syntax.FoldCase != 0 && unicode.SimpleFold(r) == c {
				return true
			}
		}
		return false
	case syntax.OpCharClass:
		for k := 0; k+1 < len(re.Rune); k += 2 {
			if re.Rune[k] <= c && c <= re.Rune[k+1] {
				return true
			}
		}
		return false
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return true
	}
	for _, s := range re.Sub {
		if matchesRune(s, c) {
			return true
		}
	}
	return false
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
// several lines, the first line any rule takes). Kernel records of a
// facility other than the kernel's match nothing, as the parser drops them.
func (rs *RuleSet) MatchRule(rec Record) (name string, ok bool) {
	if rec.Daemon == "" && rec.Facility != 0 {
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
		if ri, _ := rs.match(rec.Daemon, daemonLine(rec.Daemon, line), rec.Level, false); ri >= 0 {
			return rs.rules[ri].name, true
		}
	}
	return "", false
}

// Wants reports whether a rule could take some line of text, the message
// of a record of daemon ("" for the kernel). It runs the prefilter and the
// candidates' needles but no regexp, and does not keep text. When it says
// no, no rule takes any line of the record, and the record may go to a
// Parser with an empty Message (which no rule takes either): its clock and
// count go on as before, without the cost of a Message string (see
// logfmt.Reader.SetFilter).
func (rs *RuleSet) Wants(daemon string, text []byte) bool {
	ix := rs.indexFor(daemon)
	if ix == nil {
		return false
	}
	// A view of text, not a copy: it lives only during the call.
	msg := unsafe.String(unsafe.SliceData(text), len(text))
	var buf [maxCandidates]int32
	for first := true; first || msg != ""; first = false {
		line := msg
		if j := strings.IndexByte(msg, '\n'); j >= 0 {
			line, msg = msg[:j], msg[j+1:]
		} else {
			msg = ""
		}
		line = daemonLine(daemon, line)
		trimmed := strings.TrimLeft(line, " ")
		if rs.anyNeedle(ix.candidates(rs.rules, line, trimmed, buf[:0]), line, trimmed) {
			return true
		}
	}
	return false
}

// anyNeedle reports whether line (trimmed: without its leading spaces)
// holds the needle of one of the candidates cand.
func (rs *RuleSet) anyNeedle(cand []int32, line, trimmed string) bool {
	for _, i := range cand {
		r := rs.rules[i]
		t := trimmed
		if r.user {
			t = line
		}
		if r.needle == "" || strings.Contains(t, r.needle) {
			return true
		}
	}
	return false
}

// match returns the index of the first rule (in rule order) of daemon's
// ("" the kernel's) that matches line of a record of level (LevelUnknown
// when the log does not say), and with capture its submatch indices into
// the line as the rule sees it (built-in rules: without leading spaces).
// It allocates only the submatch indices of a match.
func (rs *RuleSet) match(daemon, line string, level int, capture bool) (int, []int) {
	ix := rs.indexFor(daemon)
	if ix == nil {
		return -1, nil
	}
	trimmed := strings.TrimLeft(line, " ")
	var buf [maxCandidates]int32
	return rs.matchAmong(ix.candidates(rs.rules, line, trimmed, buf[:0]), line, trimmed, level, capture)
}

// matchAmong is match among the candidates cand of line, which the
// prefilter gave.
func (rs *RuleSet) matchAmong(cand []int32, line, trimmed string, level int, capture bool) (int, []int) {
	for _, i := range cand {
		r := rs.rules[i]
		text := trimmed
		if r.user {
			text = line
		}
		if r.needle != "" && !strings.Contains(text, r.needle) {
			continue
		}
		if r.atMost != kernNone && (level < 0 || level > int(r.atMost)-1) {
			continue
		}
		if !capture {
			if r.re.get().MatchString(text) {
				return int(i), nil
			}
			continue
		}
		if loc := r.re.find(text); loc != nil {
			return int(i), loc
		}
	}
	return -1, nil
}

// candidates appends to cand, in rule order and once each, the rules the
// prefilter admits for line (trimmed: without its leading spaces); rules
// are the RuleSet's.
func (ix *ruleIndex) candidates(rules []*rule, line, trimmed string, cand []int32) []int32 {
	if trimmed != "" {
		cand = ix.byStart.appendCandidates(cand, trimmed, trimmed)
		if body := lineBody(trimmed); body != "" {
			cand = ix.byBody.appendCandidates(cand, body, trimmed)
		}
		for _, e := range ix.suffixes {
			if strings.HasSuffix(trimmed, e.text) && hasAnyPrefix(trimmed, e.pre) {
				cand = appendCandidates(cand, e.rule)
			}
		}
		cand = appendCandidates(cand, ix.any...)
	}
	for _, i := range ix.user {
		if hasAnyPrefix(line, rules[i].prefixes) {
			cand = appendCandidates(cand, i)
		}
	}
	if len(cand) < 2 {
		return cand
	}
	// They come from several indexes; sort them into rule order.
	for i := 1; i < len(cand); i++ {
		for j := i; j > 0 && cand[j] < cand[j-1]; j-- {
			cand[j], cand[j-1] = cand[j-1], cand[j]
		}
	}
	out := cand[:0]
	for k, i := range cand {
		if k == 0 || i != cand[k-1] {
			out = append(out, i)
		}
	}
	return out
}

// appendCandidates appends the rules of the trie's literals that text
// starts with and whose prefixes line starts with.
func (t *litTrie) appendCandidates(cand []int32, text, line string) []int32 {
	if !t.mayStart(text, line) {
		return cand
	}
	n := t.first[text[0]]
	for d := 1; n != nil; d++ {
		for k := range n.here {
			e := &n.here[k] // not a copy of the entry for every literal
			// Up to the node's depth, the walk compared the literal.
			if (len(e.text) == d || strings.HasPrefix(text[d:], e.text[d:])) && hasAnyPrefix(line, e.pre) {
				cand = appendCandidates(cand, e.rule)
			}
		}
		if d == len(text) || d == trieDepth {
			break
		}
		k := n.kid(text[d])
		if k < 0 {
			break
		}
		n = n.kids[k]
	}
	return cand
}

func appendCandidates(cand []int32, rules ...int32) []int32 {
	for _, r := range rules {
		if len(cand) == cap(cand) {
			break
		}
		cand = append(cand, r)
	}
	return cand
}

// hasAnyPrefix reports whether s starts with one of prefixes, or prefixes
// is empty.
func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return len(prefixes) == 0
}

// bodyScan bounds the search for the ": " that ends a line's prefix.
const bodyScan = 64

// lineBody returns the text after the first ": " of a kernel line (within
// its first bodyScan bytes), past the "[sdX] " and "tag#N " that sd_printk
// and scmd_printk put there and the "state X): " of btrfs 6.1: "Failing path 8:32." of "device-mapper:
// multipath: Failing path 8:32." is "multipath: Failing path 8:32.". It
// returns "" when there is no such ": ".
func lineBody(s string) string {
	i := strings.Index(s[:min(len(s), bodyScan)], ": ")
	if i < 0 {
		return ""
	}
	b := s[i+2:]
	if len(b) > 0 && b[0] == '[' {
		if j := strings.IndexByte(b, ']'); j > 0 && j+1 < len(b) && b[j+1] == ' ' {
			b = strings.TrimLeft(b[j+1:], " ")
		}
	}
	if strings.HasPrefix(b, "tag#") {
		if j := strings.IndexByte(b, ' '); j > 0 {
			b = b[j+1:]
		}
	}
	// btrfs 6.1: "BTRFS error (device sdb1: state EA): …".
	if strings.HasPrefix(b, "state ") {
		if j := strings.Index(b[:min(len(b), 24)], "): "); j > 0 {
			b = b[j+3:]
		}
	}
	return b
}
