package parsers

import (
	"slices"
	"strings"
)

// The user-space storage daemons whose log lines the parsers read beside
// the kernel's: multipathd decides that a path is down before the kernel
// fails it, iscsid says why a connection dropped, dmeventd warns of a thin
// pool filling long before the kernel switches it to out-of-data-space,
// mdadm --monitor reports a degraded array, smartd pending sectors before
// the first medium error.
//
// How a daemon's line reaches journald decides what its record carries
// (docs/architecture.md, "The daemons' lines"): through syslog(3) it keeps
// the daemon's level; written to a unit's stderr (multipathd -d -s,
// iscsid -f, nvme-cli, mdadm 4.3's copy of each alert) it is logged at
// priority 6 whatever it says, and may start with "<daemon>: ". So a
// daemon's rule gives its events the severity its line deserves, never
// the record's priority, and its rules see the line without that prefix.

// Daemon is one daemon whose lines have a rule table.
type Daemon struct {
	// Name is how records (Record.Daemon), rules (prpt rules list) and
	// the config (a user rule's daemon key) name the daemon.
	Name string
	// Identifiers are the SYSLOG_IDENTIFIER values (a syslog line's tag)
	// it logs under: lvm2 before 2.03.14 re-tags dmeventd's process
	// "lvm".
	Identifiers []string
	// Comms are the process names (_COMM) that are the daemon when the
	// identifier is another: udisksd's GLib logging may set none, and
	// nvmf-connect@.service runs nvme under /bin/sh, whose name the
	// stream's identifier takes.
	Comms []string
	// UnitPrefixes are units (_SYSTEMD_UNIT) whose lines are the
	// daemon's whatever process wrote them.
	UnitPrefixes []string
	// Prefix is what the daemon puts before its own line on stderr
	// ("iscsid: "), dropped before the rules see the line.
	Prefix string
	// Doc says what the daemon is, for prpt rules list and the docs.
	Doc string
}

// daemons is every daemon with a rule table (registry.go).
var daemons = []Daemon{
	{Name: "multipathd", Identifiers: []string{"multipathd"}, Comms: []string{"multipathd"},
		Doc: "multipath-tools' daemon: path checkers, failover, queueing of dm-multipath maps"},
	{Name: "iscsid", Identifiers: []string{"iscsid"}, Comms: []string{"iscsid"}, Prefix: "iscsid: ",
		Doc: "open-iscsi's daemon: iSCSI logins, connection errors and recovery"},
	{Name: "dmeventd", Identifiers: []string{"dmeventd", "lvm"}, Comms: []string{"dmeventd"},
		Doc: "device-mapper's event daemon with lvm2's plugins: thin pool and snapshot usage, RAID and mirror failures, autoextend"},
	{Name: "mdadm", Identifiers: []string{"mdadm"}, Comms: []string{"mdadm"}, Prefix: "mdadm: ",
		Doc: "mdadm --monitor --syslog: md array alerts"},
	{Name: "smartd", Identifiers: []string{"smartd"}, Comms: []string{"smartd"},
		Doc: "smartmontools' daemon: SMART health, pending sectors, self-test and error logs"},
	{Name: "udisksd", Identifiers: []string{"udisksd"}, Comms: []string{"udisksd"},
		Doc: "udisks2's daemon: mounts on behalf of users, devices gone while mounted"},
	{Name: "nvme", Identifiers: []string{"nvme"}, Comms: []string{"nvme"}, UnitPrefixes: []string{"nvmf-connect@", "nvmf-autoconnect."},
		Doc: "nvme-cli run by nvmf-autoconnect.service and nvmf-connect@.service: NVMe over Fabrics connections"},
}

// Daemons returns the daemons whose lines the rules read.
func Daemons() []Daemon {
	return slices.Clone(daemons)
}

// DaemonNames returns the daemons' names.
func DaemonNames() []string {
	out := make([]string, len(daemons))
	for i, d := range daemons {
		out[i] = d.Name
	}
	return out
}

// LookupDaemon returns the daemon named name or logging under the
// identifier name ("lvm" is dmeventd).
func LookupDaemon(name string) (Daemon, bool) {
	for _, d := range daemons {
		if d.Name == name || slices.Contains(d.Identifiers, name) {
			return d, true
		}
	}
	return Daemon{}, false
}

// DaemonOf returns the name of the daemon that logged an entry with the
// journal fields SYSLOG_IDENTIFIER, _COMM and _SYSTEMD_UNIT (any may be
// ""), or "" when it is none of them.
func DaemonOf(identifier, comm, unit string) string {
	if identifier != "" {
		for _, d := range daemons {
			if slices.Contains(d.Identifiers, identifier) {
				return d.Name
			}
		}
	}
	if comm != "" {
		for _, d := range daemons {
			if slices.Contains(d.Comms, comm) {
				return d.Name
			}
		}
	}
	if unit != "" {
		for _, d := range daemons {
			for _, p := range d.UnitPrefixes {
				if strings.HasPrefix(unit, p) {
					return d.Name
				}
			}
		}
	}
	return ""
}

// JournalMatches returns the journal matches (sd_journal_add_match(3),
// "FIELD=value") that select every entry DaemonOf gives a daemon for by
// its identifier or process name: groups of matches of one field each
// (the journal ORs the values of one field), to be joined by disjunctions
// and OR-ed with the kernel's own. Units are matched by prefix, which the
// journal cannot do; their lines come from processes named as above.
func JournalMatches() [][]string {
	var ids, comms []string
	for _, d := range daemons {
		for _, id := range d.Identifiers {
			ids = append(ids, "SYSLOG_IDENTIFIER="+id)
		}
		for _, c := range d.Comms {
			comms = append(comms, "_COMM="+c)
		}
	}
	return [][]string{ids, comms}
}

// daemonLine returns line of daemon's record as its rules see it: without
// the "<daemon>: " the daemon writes before its line on stderr.
func daemonLine(daemon, line string) string {
	if daemon == "" {
		return line
	}
	for i := range daemons {
		if d := &daemons[i]; d.Name == daemon {
			if d.Prefix != "" {
				return strings.TrimPrefix(line, d.Prefix)
			}
			return line
		}
	}
	return line
}

// daemonKdev is the device name a daemon's line gives as an event's kdev:
// a node directly under /dev ("/dev/sdb1", "/dev/md0", "/dev/nvme0") by
// its kernel name, as the kernel's lines name it; other paths
// ("/dev/md/data", "/dev/disk/by-id/…") as they are, for the resolver to
// follow.
func daemonKdev(name string) string {
	if rest, ok := strings.CutPrefix(name, "/dev/"); ok && rest != "" && !strings.Contains(rest, "/") {
		return rest
	}
	return name
}

// maxMemo bounds the devices a Parser remembers notes of.
const maxMemo = 1024

// memo remembers what daemons' note lines (roleNote) told of their devices
// (smartd names a disk by the path it opened, once with its model, serial
// and WWN), to give the daemon's later events of the device. It holds at
// most maxMemo devices; the one noted first goes first.
type memo struct {
	m     map[string]map[string]string
	order []string
}

func memoKey(daemon, kdev string) string { return daemon + "\x00" + kdev }

// note remembers caps for daemon's device kdev, over what it held.
func (m *memo) note(daemon, kdev string, caps map[string]string) {
	if kdev == "" || len(caps) == 0 {
		return
	}
	k := memoKey(daemon, kdev)
	if m.m == nil {
		m.m = make(map[string]map[string]string)
	}
	if _, ok := m.m[k]; !ok {
		if len(m.order) == maxMemo {
			delete(m.m, m.order[0])
			m.order = m.order[1:]
		}
		m.order = append(m.order, k)
	}
	kept := make(map[string]string, len(caps))
	for name, v := range caps {
		if name[0] != '_' {
			kept[name] = v
		}
	}
	m.m[k] = kept
}

// recall adds to caps what was noted of daemon's device kdev, where caps
// has no value of its own.
func (m *memo) recall(daemon, kdev string, caps map[string]string) {
	if kdev == "" || m.m == nil {
		return
	}
	for name, v := range m.m[memoKey(daemon, kdev)] {
		if _, ok := caps[name]; !ok {
			caps[name] = v
		}
	}
}
