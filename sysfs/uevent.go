package sysfs

import "strings"

// parseUevent parses KEY=VALUE records, one a line as in a sysfs uevent file
// ("MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\nDISKSEQ=9\n") or separated
// by NUL as in a kernel uevent netlink message, whose first record
// ("add@/devices/…") is the action and path and has no '='. Records without
// '=' are skipped; a later key replaces an earlier one.
func parseUevent(s string) map[string]string {
	m := make(map[string]string)
	for _, rec := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == 0 }) {
		k, v, ok := strings.Cut(rec, "=")
		if !ok || k == "" {
			continue
		}
		m[k] = v
	}
	return m
}
