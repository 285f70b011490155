package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/parsers/kcover"
)

// RulesCmd is `prpt rules`.
type RulesCmd struct {
	List     RulesListCmd     `cmd:"" help:"List every built-in and configured rule."`
	Test     RulesTestCmd     `cmd:"" help:"Show which rule each line of a log hits, and the storage-looking lines no rule hits."`
	Coverage RulesCoverageCmd `cmd:"" help:"Show how much of the kernel's own storage messages the built-in rules take."`
}

// RulesCoverageCmd is `prpt rules coverage`.
type RulesCoverageCmd struct {
	JSON bool `short:"J" help:"Print one JSON object per kernel version and sub-system."`
}

// Run classifies the warning-or-worse printk formats of each kernel
// version's storage code against the built-in rules (see parsers/kcover)
// and prints the counts per version and sub-system.
func (c *RulesCoverageCmd) Run(env *Env) error {
	rs, err := parsers.NewRuleSet(nil)
	if err != nil {
		return err
	}
	cl, err := kcover.NewClassifier(rs)
	if err != nil {
		return err
	}
	ts, err := kcover.Load()
	if err != nil {
		return err
	}
	counts := cl.Measure(ts)
	out := bufio.NewWriter(env.Stdout)
	if c.JSON {
		enc := json.NewEncoder(out)
		for _, n := range counts {
			if err := enc.Encode(coverageJSON{n, math.Round(n.Percent()*10) / 10, math.Round(n.SpecificPercent()*10) / 10}); err != nil {
				return err
			}
		}
		return out.Flush()
	}
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "KERNEL\tSUB-SYSTEM\tFORMATS\tWARNING+\tSPECIFIC\tCATCH-ALL\tFOLDED\tIGNORED\tMISSING\tCOVERAGE\tBY SPECIFIC\t")
	for _, n := range counts {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f%%\t%.1f%%\t\n", n.Version, n.Sub, n.Formats, n.Serious,
			n.Specific, n.CatchAll, n.Folded, n.Ignored, n.Missing, n.Percent(), n.SpecificPercent())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out, "FORMATS: printk-family calls; WARNING+: those at warning level or worse, which the classes split:")
	fmt.Fprintln(out, "SPECIFIC: covered by a rule of their own form; CATCH-ALL: taken only by the catch-all of their prefix;")
	fmt.Fprintln(out, "FOLDED: context lines of another line's event. COVERAGE: covered and folded of the warning-or-worse")
	fmt.Fprintln(out, "formats not ignored; BY SPECIFIC: the share of those a specific rule covers or folds.")
	return out.Flush()
}

// coverageJSON is a line of `prpt rules coverage -J`.
type coverageJSON struct {
	kcover.Count
	Percent         float64 `json:"coverage_percent"`
	SpecificPercent float64 `json:"specific_percent"`
}

// RulesListCmd is `prpt rules list`.
type RulesListCmd struct {
	JSON   bool   `short:"J" help:"Print one JSON object per rule."`
	Config string `placeholder:"FILE" help:"Configuration whose user rules to list too (default: /etc/peripetyd.conf when it exists)."`
}

// Run prints the rules in the order they are tried.
func (c *RulesListCmd) Run(env *Env) error {
	rs, err := loadRuleSet(c.Config)
	if err != nil {
		return err
	}
	out := bufio.NewWriter(env.Stdout)
	if c.JSON {
		enc := json.NewEncoder(out)
		for _, r := range rs.Rules() {
			if err := enc.Encode(ruleJSON(r)); err != nil {
				return err
			}
		}
		return out.Flush()
	}
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSUB-SYSTEM\tEVENT TYPE\tKIND\tCONDITION\tLINES OF\tSOURCE")
	for _, r := range rs.Rules() {
		kind := r.Kind
		if r.CatchAll {
			kind += ",catch-all"
		}
		from := r.Daemon
		if from == "" {
			from = "kernel"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, dash(r.SubSystem), dash(r.EventType), kind, dash(r.Condition), from, r.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return out.Flush()
}

func ruleJSON(r parsers.RuleInfo) map[string]any {
	return map[string]any{"name": r.Name, "sub_system": r.SubSystem, "event_type": r.EventType, "kind": r.Kind, "source": r.Source,
		"condition": r.Condition, "catch_all": r.CatchAll, "daemon": r.Daemon}
}

// RulesTestCmd is `prpt rules test`.
type RulesTestCmd struct {
	Config string `placeholder:"FILE" help:"Configuration whose user rules apply too (default: /etc/peripetyd.conf when it exists)."`
	Format string `default:"auto" help:"Format of the log, as for parse."`
	All    bool   `help:"Also list the lines that hit no rule and do not look like storage lines."`
	File   string `arg:"" help:"The log; - reads standard input."`
}

// Run prints, for each kernel or storage daemon's record of the log, the
// rule that takes it ("hit"), or "MISS" for a storage-looking kernel record
// no rule takes, then a count of each. A daemon's line says whose it is.
func (c *RulesTestCmd) Run(env *Env) error {
	rs, r, name, closeIn, err := openLog(c.File, c.Format, c.Config, env.Stdin)
	if err != nil {
		return err
	}
	defer closeIn()
	out := bufio.NewWriterSize(env.Stdout, 64<<10)
	var hits, misses, others int
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if rec.Daemon == "" && rec.Facility != 0 {
			continue // not the kernel's; the parser drops them
		}
		first, _, _ := strings.Cut(rec.Message, "\n")
		first = printable(first)
		if rec.Daemon != "" {
			first = rec.Daemon + ": " + first
		}
		rule, ok := rs.MatchRule(rec)
		switch {
		case ok:
			hits++
			fmt.Fprintf(out, "%d: hit %s: %s\n", r.Line(), rule, first)
		case rec.Daemon == "" && parsers.LooksLikeStorage(rec.Message):
			misses++
			fmt.Fprintf(out, "%d: MISS (looks like storage): %s\n", r.Line(), first)
		default:
			others++
			if c.All {
				fmt.Fprintf(out, "%d: none: %s\n", r.Line(), first)
			}
		}
	}
	fmt.Fprintf(out, "%d records: %d hit a rule, %d storage-looking hit none, %d others\n", hits+misses+others, hits, misses, others)
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if s := skipSummary(r.Skipped()); s != "" {
		fmt.Fprintf(env.Stderr, "prpt: %s: %s\n", name, s)
	}
	return nil
}
