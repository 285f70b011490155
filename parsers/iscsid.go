package parsers

import (
	"strings"

	"github.com/peripety/peripety/event"
)

// iscsid's lines (open-iscsi: usr/initiator.c, usr/io.c; 2.0.874 to
// 2.1.11). Debian runs it as a daemon logging through syslog, with its
// levels; the upstream unit runs `iscsid -f`, whose warnings and errors
// reach the journal at priority 6 as "iscsid: <line>" (the prefix is
// dropped, daemons.go).
//
// A connection is named as the kernel names it, "connection1:0" (session
// 1, connection 0), and a session "session1": the resolver finds the disks
// behind it.
var iscsidRules = []rule{{
	// session_conn_error: the kernel's conn error (1020), as iscsid hears
	// it; since 2.0.874 with the error's name and words, which may hold
	// parentheses ("R2T (Ready to Transfer)").
	name:   "iscsid_conn_error",
	typ:    "ISCSI_CONN_ERROR",
	re:     pat(`^Kernel reported iSCSI connection (?P<session_id>\d+):(?P<conn_id>\d+) error \((?P<error_code>\d+)(?: - (?P<error_detail>.*))?\) state \((?P<conn_state>\d+)\)$`),
	sev:    sevOf(event.Error),
	cond:   "link:down",
	finish: finishISCSIDConnError,
	msg:    "iSCSI {kdev}: connection error {error_code} ({error_name}[: {error_text}]), connection {conn_state_name}",
}, {
	name:   "iscsid_conn_recovered",
	typ:    "ISCSI_CONN_RECOVERED",
	re:     pat(`^connection(?P<session_id>\d+):(?P<conn_id>\d+) is operational after recovery \((?P<attempts>\d+) attempts\)$`),
	sev:    sevOf(event.Notice),
	cond:   "link:up",
	finish: finishISCSIDConn,
	msg:    "iSCSI {kdev}: connection recovered after {attempts} attempts",
}, {
	name: "iscsid_session_login",
	typ:  "ISCSI_SESSION_LOGIN",
	re: pat(`^Connection(?P<session_id>\d+):(?P<conn_id>\d+) to \[target: (?P<target>[^,\]]+), portal: (?P<portal>.+),(?P<port>\d+)\] ` +
		`through \[iface: (?P<iface>[^\]]+)\] is operational now$`),
	sev:    sevOf(event.Info),
	cond:   "link:up",
	finish: finishISCSIDConn,
	msg:    "iSCSI {kdev}: logged in to {target} at {portal}:{port} through iface {iface}",
}, {
	name: "iscsid_session_logout",
	typ:  "ISCSI_SESSION_LOGOUT",
	re: pat(`^Connection(?P<session_id>\d+):(?P<conn_id>\d+) to \[target: (?P<target>[^,\]]+), portal: (?P<portal>.+),(?P<port>\d+)\] ` +
		`through \[iface: (?P<iface>[^\]]+)\] is shutdown\.$`),
	sev:    sevOf(event.Notice),
	finish: finishISCSIDConn,
	msg:    "iSCSI {kdev}: logged out of {target} at {portal}:{port}",
}, {
	// usr/io.c: the portal refuses or does not answer (the line names no
	// session; it repeats while iscsid reconnects).
	name: "iscsid_connect_failed",
	typ:  "ISCSI_CONNECT_FAILED",
	re:   pat(`^connect to (?P<portal>.+):(?P<port>\d+) failed \((?P<error>.*)\)$`),
	sev:  sevOf(event.Warning),
	msg:  "iSCSI: connecting to portal {portal}:{port} failed: {error}",
}, {
	name:   "iscsid_nop_timeout",
	typ:    "ISCSI_PING_TIMEOUT",
	re:     pat(`^Nop-out timedout after (?P<timeout>\d+) seconds on connection (?P<session_id>\d+):(?P<conn_id>\d+) state \((?P<conn_state>\d+)\)\. Dropping session\.$`),
	sev:    sevOf(event.Error),
	cond:   "link:down",
	finish: finishISCSIDConn,
	msg:    "iSCSI {kdev}: no answer to a NOP-Out within {timeout}s, session dropped",
}, {
	name:   "iscsid_logout_request",
	typ:    "ISCSI_TARGET_LOGOUT_REQUEST",
	re:     pat(`^connection(?P<session_id>\d+):(?P<conn_id>\d+) Target requests logout within (?P<timeout>\d+) seconds$`),
	sev:    sevOf(event.Warning),
	finish: finishISCSIDConn,
	msg:    "iSCSI {kdev}: the target asks for a logout within {timeout}s",
}, {
	name: "iscsid_target_dropping",
	typ:  "ISCSI_TARGET_LOGOUT_REQUEST",
	re:   pat(`^Target dropping all connections, reconnect min (?P<reconnect_min>\d+) max (?P<reconnect_max>\d+)$`),
	sev:  sevOf(event.Warning),
	msg:  "iSCSI: a target drops all its connections (reconnect in {reconnect_min}-{reconnect_max}s)",
}, {
	name:   "iscsid_login_rejected",
	typ:    "ISCSI_LOGIN_FAILED",
	re:     pat(`^(?:session (?P<session_id>\d+)|connection(?P<session_id>\d+):(?P<conn_id>\d+)|conn (?P<conn_id>\d+)) login rejected: (?P<reason>.+)$`),
	sev:    sevOf(event.Error),
	finish: finishISCSIDConn,
	msg:    "iSCSI[ {kdev}]: login rejected: {reason}",
}, {
	// No iSCSI transport in the kernel: iscsid can do nothing.
	name: "iscsid_no_netlink",
	typ:  "ISCSI_DAEMON_FAILED",
	re:   pat(`^can not create NETLINK_ISCSI socket \[(?P<error>.*)\]$`),
	sev:  sevOf(event.Error),
	msg:  "iSCSI: iscsid cannot reach the kernel's iSCSI transport ({error}): is scsi_transport_iscsi loaded?",
}}

// finishISCSIDConnError names the error: from the line ("ISCSI_ERR_…:
// words"), else as the kernel's table does.
func finishISCSIDConnError(pe *pending) {
	finishISCSIDConn(pe)
	ev := &pe.ev
	detail := ev.Ext("error_detail")
	delete(ev.Extension, "error_detail")
	name, text, _ := strings.Cut(detail, ": ")
	if !strings.HasPrefix(name, "ISCSI_ERR_") {
		name, text = iscsiErrors[ev.Ext("error_code")], detail
	}
	if name == "" {
		name = "error " + ev.Ext("error_code")
	}
	ev.SetExt("error_name", name)
	ev.SetExt("error_text", text)
}

// iscsiConnStates names iscsid's connection states (enum iscsi_conn_state,
// include/iscsi_if.h).
var iscsiConnStates = map[string]string{
	"0": "free", "1": "transport wait", "2": "in login", "3": "logged in", "4": "in logout", "5": "logout requested", "6": "cleanup wait",
}

// finishISCSIDConn names the device as the kernel does: connection<S>:<C>
// when the line gives both numbers, session<S> when only the session's.
func finishISCSIDConn(pe *pending) {
	ev := &pe.ev
	sid, cid := ev.Ext("session_id"), ev.Ext("conn_id")
	switch {
	case sid != "" && cid != "":
		ev.Kdev = "connection" + sid + ":" + cid
	case sid != "":
		ev.Kdev = "session" + sid
	}
	if st, ok := iscsiConnStates[ev.Ext("conn_state")]; ok {
		ev.SetExt("conn_state_name", st)
	}
}
