// Package logfmt decodes saved and live Linux kernel logs, with the lines
// of the storage daemons parsers.Daemons lists (journal and syslog
// formats; Record.Daemon says whose), into parsers.Record values: one /dev/kmsg record as read(2) returns it
// (DecodeKmsg), and streams in the formats a storage administrator has at
// hand (Reader): the text form of /dev/kmsg, dmesg (plain, -r, -x, -T),
// journalctl -o json, journalctl -o export, and syslog text (journalctl -o
// short*, /var/log/messages, kern.log), or any of them detected.
//
// A Reader streams: it holds at most one record (MaxRecordSize) whatever
// the size of its input. Input it cannot use is skipped and counted by
// reason (Reader.Skipped), never a panic. Records from a facility other
// than the kernel's (user messages written to /dev/kmsg, journald's own
// kernel-transport lines) are returned with their Facility; it is the rule
// engine that drops them. Formats without a level give parsers.LevelUnknown.
package logfmt
