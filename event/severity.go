package event

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Severity is an RFC 5424 severity; lower is more severe, as in syslog.
type Severity uint8

// The RFC 5424 severities, in the numeric order of syslog priorities.
const (
	Emergency Severity = iota
	Alert
	Critical
	Error
	Warning
	Notice
	Info
	Debug
)

var severityNames = [...]string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Info", "Debug"}

// String returns the RFC 5424 name (`Error`, `Warning`, …).
func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "Severity(" + strconv.Itoa(int(s)) + ")"
}

// Valid reports whether s is one of the eight severities.
func (s Severity) Valid() bool { return int(s) < len(severityNames) }

// AtLeast reports whether s is as severe as min or more.
func (s Severity) AtLeast(min Severity) bool { return s <= min }

// ParseSeverity accepts a name in any case (`error`, `Warning`), the syslog
// short forms (`err`, `warn`, `crit`, `emerg`), or a priority digit 0-7.
func ParseSeverity(text string) (Severity, error) {
	t := strings.ToLower(strings.TrimSpace(text))
	switch t {
	case "emerg", "panic":
		return Emergency, nil
	case "crit":
		return Critical, nil
	case "err":
		return Error, nil
	case "warn":
		return Warning, nil
	}
	for i, n := range severityNames {
		if t == strings.ToLower(n) || t == strconv.Itoa(i) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q: want one of %s, or 0-7", text, strings.Join(severityNames[:], ", "))
}

// MarshalJSON encodes the severity by name.
func (s Severity) MarshalJSON() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("invalid severity %d", s)
	}
	return json.Marshal(s.String())
}

// UnmarshalJSON accepts what ParseSeverity accepts.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var text string
	if err := json.Unmarshal(b, &text); err != nil {
		return fmt.Errorf("severity: %w", err)
	}
	v, err := ParseSeverity(text)
	if err != nil {
		return err
	}
	*s = v
	return nil
}
