// Package logfmt decodes saved and live Linux kernel logs into
// parsers.Record values, starting with one /dev/kmsg record as read(2)
// returns it (DecodeKmsg).
package logfmt
