package sysfs

import "sort"

// sortNames sorts kernel names in natural order, runs of digits compared as
// numbers: sda, sdb, sdb2, sdb10, dm-2, dm-10.
func sortNames(names []string) {
	sort.Slice(names, func(i, j int) bool { return lessName(names[i], names[j]) })
}

// lessName compares a and b in natural order.
func lessName(a, b string) bool {
	for a != "" && b != "" {
		if isDigit(a[0]) && isDigit(b[0]) {
			da, ra := digitRun(a)
			db, rb := digitRun(b)
			// Compare by length once leading zeros are gone, then by text.
			ta, tb := trimZeros(da), trimZeros(db)
			if len(ta) != len(tb) {
				return len(ta) < len(tb)
			}
			if ta != tb {
				return ta < tb
			}
			if len(da) != len(db) {
				return len(da) < len(db)
			}
			a, b = ra, rb
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func digitRun(s string) (run, rest string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}
