package journal

import (
	"fmt"
	"strconv"
	"time"

	"github.com/peripety/peripety/parsers"
)

// The journal fields of a kernel entry (systemd.journal-fields(7)) that
// make a parsers.Record.
const (
	fieldTransport       = "_TRANSPORT"
	fieldFacility        = "SYSLOG_FACILITY"
	fieldHostname        = "_HOSTNAME"
	fieldSourceMonotonic = "_SOURCE_MONOTONIC_TIMESTAMP"
	fieldKernelSubsystem = "_KERNEL_SUBSYSTEM"
	fieldKernelDevice    = "_KERNEL_DEVICE"
	fieldBootID          = "_BOOT_ID"
)

// kernelMatches select the kernel's own lines: journald reads them from
// /dev/kmsg with _TRANSPORT=kernel, but lines a process writes to
// /dev/kmsg (journald itself logs there when it runs without systemd)
// arrive the same way with facility 1 (user) or more; only the kernel
// logs with facility 0. Kernel entries never carry IS_PERIPETY.
var kernelMatches = []string{fieldTransport + "=kernel", fieldFacility + "=0"}

// kernelFields are read from each kernel entry.
var kernelFields = []string{FieldMessage, FieldPriority, fieldFacility, fieldHostname,
	fieldSourceMonotonic, fieldKernelSubsystem, fieldKernelDevice}

// kernelRecord makes a Record of a kernel entry's fields (values without
// the FIELD= prefix) and its __REALTIME_TIMESTAMP in µs. A field that does
// not parse is an error; a missing one leaves its part of Record zero.
func kernelRecord(fields map[string][]byte, realtime uint64) (parsers.Record, error) {
	rec := parsers.Record{
		Message:   string(fields[FieldMessage]),
		Hostname:  string(fields[fieldHostname]),
		Subsystem: string(fields[fieldKernelSubsystem]),
		Device:    string(fields[fieldKernelDevice]),
	}
	if realtime > 0 {
		rec.Time = time.UnixMicro(int64(realtime))
	}
	num := func(field string, max uint64) (uint64, error) {
		v, ok := fields[field]
		if !ok {
			return 0, nil
		}
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil || n > max {
			return 0, fmt.Errorf("kernel entry: bad %s %q", field, v)
		}
		return n, nil
	}
	level, err := num(FieldPriority, 7)
	if err != nil {
		return rec, err
	}
	facility, err := num(fieldFacility, 23)
	if err != nil {
		return rec, err
	}
	mono, err := num(fieldSourceMonotonic, 1<<62/1000)
	if err != nil {
		return rec, err
	}
	rec.Level, rec.Facility = int(level), int(facility)
	rec.Monotonic = time.Duration(mono) * time.Microsecond
	return rec, nil
}
