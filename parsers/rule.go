package parsers

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"

	"github.com/peripety/peripety/event"
)

// role says what a matched line does to the events being built.
type role uint8

const (
	// roleEvent: the line starts an event of its own. An event still open
	// under the same key is completed first.
	roleEvent role = iota
	// roleJoin: the line joins the open event of its key (a Sense Key line
	// joins its command's FAILED Result); with none open it starts an event
	// of the rule's own type.
	roleJoin
	// roleTail: as roleJoin, and the line completes the event it joins (the
	// block layer's error line ends a SCSI or NVMe command failure).
	roleTail
	// roleContext: the line only adds to the open event of its key (hex
	// dumps, "Please unmount the filesystem…"); with none open it gives
	// nothing.
	roleContext
	// roleSuppressed: a "<func>: N callbacks suppressed" rate-limit notice,
	// counted towards the event type its function prints (see storm.go).
	roleSuppressed
	// roleNote: a daemon's line that tells what a device is (smartd's
	// identity line: model, serial, WWN) and no event. Its extension keys
	// are remembered for the device and given to the daemon's later
	// events of it (Parser.memo).
	roleNote
	// roleNotice: a line a storage sub-system prints at warning level or
	// worse that tells of no device's event (how the kernel was built, say):
	// the rule takes it so that no catch-all makes an event of it, and
	// gives nothing. Its msg says why.
	roleNotice
)

var roleNames = [...]string{"event", "join", "tail", "context", "rate-limit", "note", "notice"}

// rule is one built-in or user rule. Built-in rules are data in the
// per-subsystem tables (scsi.go, ext4.go, …); the registry (registry.go)
// lists the tables.
type rule struct {
	name string
	sub  string
	// typ is the event type of an event the rule starts.
	typ string
	// prefixes are literals a line must start with (after leading spaces)
	// before re is tried. Empty: derived from re's anchored literal prefix.
	prefixes []string
	// body is a literal the line's body (see lineBody: the text after its
	// first ": ") starts with. Empty: derived from re where it can be.
	body string
	// bodies, when set, are literals one of which the body starts with.
	bodies []string
	// suffix is a literal the line ends with.
	suffix string
	// needle is a literal the line must contain before re is tried;
	// derived from re when empty.
	needle string
	// re is matched against the line without its leading spaces (user
	// rules: against the line as logged), compiled on first use. The named group "kdev" is the
	// device; groups named "_…" only key the grouping; every other named
	// group goes to the extension.
	re *pattern
	// kdevAlt names the group that stands for the device when "kdev" did
	// not match (the SCSI address of a line without a disk name).
	kdevAlt string
	role    role
	// key is the grouping class: lines whose rules share a class and whose
	// keyBy group (default: the device) is equal fold into one event.
	key   string
	keyBy string
	// open: the event this rule starts takes further lines of its key.
	open bool
	// sev, when set, is the severity of the rule's lines instead of the
	// record's kernel level.
	sev *event.Severity
	// level is the printk level the kernel prints the line at, the
	// severity of its events when the log does not carry the level
	// (syslog text, plain dmesg). A rule whose line names its own level
	// (btrfs's "BTRFS error (device …)", the group "_level") may leave it
	// unset; NewRuleSet rejects a built-in rule with neither.
	level printkLevel
	// atMost, when set, restricts the rule to records whose level is
	// known and at most this severe a level number (kernWarning: warning,
	// error, …): the catch-all rules of a prefix whose lines do not name
	// their level (XFS, ext4_msg, DMERR) take only the serious ones, and
	// nothing from a log without levels.
	atMost printkLevel
	// msg is the summary template (see appendExpanded); finish may replace
	// it.
	msg string
	// finish completes an event this rule started: type refinement and
	// summaries that depend on every folded line.
	finish func(*pending)
	// cond is the device condition the line opens or clears
	// ("path:failed", "array:clean", …; docs/conditions.md), given to its
	// event as the extension key "condition".
	cond string
	// conds are the conditions finish chooses among (it sets the
	// extension key itself), for rules whose line says which.
	conds []string
	// catchAll marks the rules of generic.go, which take any serious line
	// of a prefix no specific rule takes.
	catchAll bool
	// source is "built-in parsers/<file>.go" or the user rule's FILE:LINE.
	source string
	user   bool
	// daemon is the daemon whose lines the rule takes (daemons.go), ""
	// for the kernel's. Set from the rule's table.
	daemon string
}

// pattern is a rule's regexp, compiled on its first use and then shared:
// most rules never see a line their prefilter admits (a system has few of
// the devices and filesystems the tables know), and compiled they would
// hold megabytes. A built-in pattern that does not compile panics at its
// first use (TestPatternsCompile compiles them all).
type pattern struct {
	src  string
	once sync.Once
	re   *regexp.Regexp
	// head, when set, is re without its last group, which takes the rest
	// of the line: "(?P<detail>.+)$" (tailMin 1) or ".*$" (tailMin 0).
	// The regexp engines walk such a tail a character at a time, for
	// nothing: the group is whatever follows head's match (see find).
	head    *regexp.Regexp
	tailMin int
}

// pat makes the pattern of a built-in rule.
func pat(src string) *pattern { return &pattern{src: src} }

// compiledPattern wraps a regexp compiled already (a user rule's).
func compiledPattern(re *regexp.Regexp) *pattern {
	return &pattern{src: re.String(), re: re}
}

// get returns the compiled regexp.
func (p *pattern) get() *regexp.Regexp {
	p.once.Do(p.compile)
	return p.re
}

func (p *pattern) compile() {
	if p.re == nil {
		p.re = regexp.MustCompile(p.src)
	}
	p.head, p.tailMin = splitTail(p.re)
}

// find is p's FindStringSubmatchIndex. With a head, it matches the head
// and gives the tail group the rest of text: the same match, as long as
// the rest is one the tail takes (a leftmost-first match of the whole is
// the first way through head, in the engines' order of preference, that
// leaves a rest the tail takes, and the tail takes every rest of at least
// tailMin bytes without a newline). When the rest is not, the whole
// pattern decides.
func (p *pattern) find(text string) []int {
	re := p.get()
	if p.head == nil {
		return re.FindStringSubmatchIndex(text)
	}
	h := p.head.FindStringSubmatchIndex(text)
	if h == nil {
		return nil
	}
	end := h[1]
	if len(text)-end < p.tailMin || strings.IndexByte(text[end:], '\n') >= 0 {
		return re.FindStringSubmatchIndex(text)
	}
	loc := make([]int, len(h)+2)
	copy(loc, h)
	loc[1], loc[len(h)], loc[len(h)+1] = len(text), end, len(text)
	return loc
}

// splitTail returns re without its last group when the group ends the
// pattern and takes the rest of the line, "(?P<x>.+)$" or "(?P<x>.*)$",
// and the least length of that rest; nil when re ends otherwise.
func splitTail(re *regexp.Regexp) (*regexp.Regexp, int) {
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil || tree.Op != syntax.OpConcat || len(tree.Sub) < 3 {
		return nil, 0
	}
	subs := tree.Sub
	last, group := subs[len(subs)-1], subs[len(subs)-2]
	if last.Op != syntax.OpEndText || group.Op != syntax.OpCapture || group.Cap != re.NumSubexp() {
		return nil, 0
	}
	rest := group.Sub[0]
	if rest.Op != syntax.OpPlus && rest.Op != syntax.OpStar || rest.Flags&syntax.NonGreedy != 0 ||
		rest.Sub[0].Op != syntax.OpAnyCharNotNL {
		return nil, 0
	}
	// The head's source is the pattern's own text without the tail:
	// printing the tree would cost more than compiling it.
	quant := "*"
	if rest.Op == syntax.OpPlus {
		quant = "+"
	}
	src, tail := re.String(), "(?P<"+group.Name+">."+quant+")$"
	if group.Name == "" || !strings.HasSuffix(src, tail) {
		return nil, 0
	}
	head, err := regexp.Compile(src[:len(src)-len(tail)])
	if err != nil || head.NumSubexp() != re.NumSubexp()-1 {
		return nil, 0
	}
	if rest.Op == syntax.OpPlus {
		return head, 1
	}
	return head, 0
}

// String is the pattern's source, as regexp.Regexp's String.
func (p *pattern) String() string { return p.src }

// namesLevel reports whether the pattern has the group "_level", without
// compiling it.
func (p *pattern) namesLevel() bool { return strings.Contains(p.src, "(?P<_level>") }

// printkLevel is the level of a printk call (include/linux/kern_levels.h:
// pr_err and DMERR print at KERN_ERR, pr_warn and DMWARN at KERN_WARNING,
// …), one more than the KERN_ number so that the zero value says "not
// given".
type printkLevel uint8

const (
	kernNone printkLevel = iota
	kernEmerg
	kernAlert
	kernCrit
	kernErr
	kernWarning
	kernNotice
	kernInfo
	kernDebug
)

// severity is the event severity of the level; kernNone counts as Info.
func (l printkLevel) severity() event.Severity {
	if l == kernNone {
		return event.Info
	}
	return event.Severity(l - 1)
}

// withCond returns r with the condition its line opens or clears.
func withCond(r rule, cond string) rule {
	r.cond = cond
	return r
}

// withNeedle returns r with a literal every line it takes contains.
func withNeedle(r rule, needle string) rule {
	r.needle = needle
	return r
}

// withFinish returns r with its finishing.
func withFinish(r rule, finish func(*pending)) rule {
	r.finish = finish
	return r
}

// sevOf returns a pointer to a fixed severity for a rule table.
func sevOf(s event.Severity) *event.Severity { return &s }

// RuleInfo describes one rule for `prpt rules list`.
type RuleInfo struct {
	Name      string
	SubSystem string
	// EventType is the type of the events the rule starts; for a context
	// rule, the empty string.
	EventType string
	// Kind is "event", "join", "tail", "context", "rate-limit" (see the
	// package documentation of grouping), "note" (a daemon's line that
	// tells what a device is) or "notice" (a line that tells of no
	// device's event).
	Kind string
	// Source is "built-in parsers/scsi.go" or the user rule's "FILE:LINE".
	Source string
	// Condition is the device condition the rule's line opens or clears
	// (docs/conditions.md), "" for none; "a|b" when the line says which.
	Condition string
	// CatchAll: the rule takes any serious line of its prefix that no
	// specific rule takes (parsers/generic.go).
	CatchAll bool
	// Daemon is the daemon whose lines the rule takes ("multipathd"), ""
	// for the kernel's.
	Daemon string
}

func (r *rule) info() RuleInfo {
	typ := r.typ
	if r.role == roleContext || r.role == roleNote || r.role == roleNotice {
		typ = ""
	}
	cond := r.cond
	if cond == "" {
		cond = strings.Join(r.conds, "|")
	}
	return RuleInfo{Name: r.name, SubSystem: r.sub, EventType: typ, Kind: roleNames[r.role], Source: r.source,
		Condition: cond, CatchAll: r.catchAll, Daemon: r.daemon}
}

// appendExpanded appends to dst the filled summary template tmpl: {name} is replaced by the value of the
// extension key name ("kdev" for the device); a bracketed part "[…]" is kept
// only when every key it names has a value.
func appendExpanded(dst []byte, tmpl, kdev string, ext map[string]string) []byte {
	seg := -1 // where the bracketed part being expanded starts in dst
	segOK := true
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch {
		case c == '[' && seg < 0:
			seg, segOK = len(dst), true
		case c == ']' && seg >= 0:
			if !segOK {
				dst = dst[:seg]
			}
			seg = -1
		case c == '{':
			j := strings.IndexByte(tmpl[i:], '}')
			if j < 0 {
				dst = append(dst, tmpl[i:]...)
				i = len(tmpl)
				continue
			}
			name := tmpl[i+1 : i+j]
			v := ext[name]
			if name == "kdev" {
				v = kdev
			}
			if v == "" {
				segOK = false
				v = "?"
			}
			dst = append(dst, v...)
			i += j
		default:
			dst = append(dst, c)
		}
	}
	if seg >= 0 {
		// An unclosed bracket: what it held is dropped, as before.
		dst = dst[:seg]
	}
	return dst
}
