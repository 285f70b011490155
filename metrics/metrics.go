// Package metrics writes Prometheus's text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/), serves it
// over HTTP, and writes it as a node_exporter textfile (a *.prom file in the
// directory node_exporter's --collector.textfile.directory names, replaced
// atomically).
//
// The daemon exposes a few dozen series of counters and gauges whose values
// it already keeps; this package is only their text form. It keeps no
// state: a scrape calls the caller's gather function, which snapshots the
// values into Families.
package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// ContentType is the media type of the text format, version 0.0.4.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Kind is a metric type as the # TYPE line names it.
type Kind string

// The metric types the daemon uses.
const (
	Counter Kind = "counter"
	Gauge   Kind = "gauge"
)

// Family is the samples of one metric name: its HELP and TYPE lines, then
// one line per sample.
type Family struct {
	Name string
	Help string
	Kind Kind
	// Labels are the label names every sample of the family has, in the
	// order of their values in Sample.Values.
	Labels  []string
	Samples []Sample
}

// Sample is one series of a family: its label values (in the order of
// Family.Labels) and its value.
type Sample struct {
	Values []string
	Value  float64
}

// Add appends a sample with the label values given in the order of
// f.Labels.
func (f *Family) Add(value float64, labelValues ...string) {
	f.Samples = append(f.Samples, Sample{Values: labelValues, Value: value})
}

// nameRe is a valid metric name; labelRe a valid label name (names starting
// with "__" are reserved for Prometheus).
var (
	nameRe  = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelRe = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// Write writes the families in the order given. A family with no samples
// is left out. A name or label that the format cannot carry, a sample whose
// label values do not match its family's labels, or a name given twice is an
// error naming it, and nothing after it is written.
func Write(w io.Writer, fams []Family) error {
	bw := bufio.NewWriter(w)
	seen := make(map[string]bool, len(fams))
	for i := range fams {
		f := &fams[i]
		if err := f.check(seen); err != nil {
			return err
		}
		if len(f.Samples) == 0 {
			continue
		}
		bw.WriteString("# HELP ")
		bw.WriteString(f.Name)
		bw.WriteByte(' ')
		helpEscaper.WriteString(bw, f.Help)
		bw.WriteString("\n# TYPE ")
		bw.WriteString(f.Name)
		bw.WriteByte(' ')
		bw.WriteString(string(f.Kind))
		bw.WriteByte('\n')
		for _, s := range f.Samples {
			if len(s.Values) != len(f.Labels) {
				return fmt.Errorf("metric %s: a sample has %d label values for %d labels %v", f.Name, len(s.Values), len(f.Labels), f.Labels)
			}
			bw.WriteString(f.Name)
			if len(f.Labels) > 0 {
				bw.WriteByte('{')
				for j, l := range f.Labels {
					if j > 0 {
						bw.WriteByte(',')
					}
					bw.WriteString(l)
					bw.WriteString(`="`)
					valueEscaper.WriteString(bw, s.Values[j])
					bw.WriteByte('"')
				}
				bw.WriteByte('}')
			}
			bw.WriteByte(' ')
			bw.WriteString(formatValue(s.Value))
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

// check says what makes f unwritable, if anything; seen collects the
// names written so far.
func (f *Family) check(seen map[string]bool) error {
	switch {
	case !nameRe.MatchString(f.Name):
		return fmt.Errorf("metric name %q: not [a-zA-Z_:][a-zA-Z0-9_:]*", f.Name)
	case seen[f.Name]:
		return fmt.Errorf("metric %s: written twice", f.Name)
	case f.Kind != Counter && f.Kind != Gauge:
		return fmt.Errorf("metric %s: type %q: want counter or gauge", f.Name, f.Kind)
	}
	seen[f.Name] = true
	for _, l := range f.Labels {
		if !labelRe.MatchString(l) || strings.HasPrefix(l, "__") {
			return fmt.Errorf("metric %s: label name %q: not [a-zA-Z_][a-zA-Z0-9_]* or reserved", f.Name, l)
		}
	}
	return nil
}

// The format escapes backslash and newline in HELP text, and also the
// double quote in label values.
var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	valueEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

// formatValue writes a value as Go's ParseFloat reads it back, which is
// how Prometheus reads it: integers without an exponent up to 2^53, the
// special values as the format spells them.
func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	case v == math.Trunc(v) && math.Abs(v) < 1<<53:
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
