package sysfs

import (
	"strings"
)

// normalizeSCSIWWID turns the content of a SCSI device/wwid attribute into
// the WWID the resolver prints: blanks trimmed, each run of blanks one '-',
// NUL bytes gone. "t10.ATA     SAMSUNG SSD 860         S3Z9NB0K\x00" gives
// "t10.ATA-SAMSUNG-SSD-860-S3Z9NB0K".
func normalizeSCSIWWID(s string) string {
	s = strings.ReplaceAll(s, "\x00", " ")
	return strings.Join(strings.Fields(s), "-")
}

// mdUUID turns the kernel's md/uuid attribute (%pU: 8-4-4-4-12 hex) into the
// form mdadm prints (8:8:8:8); anything else is returned unchanged.
func mdUUID(s string) string {
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 || strings.Count(s, "-") != 4 {
		return s
	}
	for i := 0; i < len(h); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(h[i])) {
			return s
		}
	}
	return h[0:8] + ":" + h[8:16] + ":" + h[16:24] + ":" + h[24:32]
}
