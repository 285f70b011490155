package parsers

import (
	"github.com/peripety/peripety/event"
)

// iSCSI lines (drivers/scsi/scsi_transport_iscsi.c, libiscsi.c). The
// connection and session devices have no driver, bus or class, so the
// dev_printk prefix is " connection1:0: " / " session1: " with a leading
// space (rules see the line without it).

// iscsiErrors names the ISCSI_ERR_* codes (ISCSI_ERR_BASE 1000 + n, enum
// iscsi_err in include/scsi/iscsi_if.h) that conn error lines carry.
var iscsiErrors = map[string]string{
	"1001": "ISCSI_ERR_DATASN",
	"1002": "ISCSI_ERR_DATA_OFFSET",
	"1003": "ISCSI_ERR_MAX_CMDSN",
	"1004": "ISCSI_ERR_EXP_CMDSN",
	"1005": "ISCSI_ERR_BAD_OPCODE",
	"1006": "ISCSI_ERR_DATALEN",
	"1007": "ISCSI_ERR_AHSLEN",
	"1008": "ISCSI_ERR_PROTO",
	"1009": "ISCSI_ERR_LUN",
	"1010": "ISCSI_ERR_BAD_ITT",
	"1011": "ISCSI_ERR_CONN_FAILED",
	"1012": "ISCSI_ERR_R2TSN",
	"1013": "ISCSI_ERR_SESSION_FAILED",
	"1014": "ISCSI_ERR_HDR_DGST",
	"1015": "ISCSI_ERR_DATA_DGST",
	"1016": "ISCSI_ERR_PARAMETER",
	"1017": "ISCSI_ERR_NO_SCSI_CMD",
	"1018": "ISCSI_ERR_INVALID_HOST",
	"1019": "ISCSI_ERR_XMIT_FAILED",
	"1020": "ISCSI_ERR_TCP_CONN_CLOSE",
	"1021": "ISCSI_ERR_SCSI_EH_SESSION_RST",
	"1022": "ISCSI_ERR_NOP_TIMEDOUT",
}

var iscsiRules = []rule{{
	name:     "iscsi_conn_error",
	level:    kernInfo,
	typ:      "ISCSI_CONN_ERROR",
	prefixes: []string{"connection"},
	re:       pat(`^(?P<kdev>connection\d+:\d+): detected conn error \((?P<error_code>\d+)\)`),
	sev:      sevOf(event.Error),
	cond:     "link:down",
	finish:   finishISCSIConnError,
}, {
	name:     "iscsi_ping_timeout",
	level:    kernErr,
	typ:      "ISCSI_PING_TIMEOUT",
	prefixes: []string{"connection"},
	re: pat(`^(?P<kdev>connection\d+:\d+): ping timeout of (?P<ping_timeout>\d+) secs expired, recv timeout (?P<recv_timeout>\d+), ` +
		`last rx (?P<last_rx>\d+), last ping (?P<last_ping>\d+), now (?P<now>\d+)`),
	msg: "iSCSI {kdev}: no answer to a ping within {ping_timeout}s",
}, {
	name:     "iscsi_session_recovery_timeout",
	level:    kernInfo,
	typ:      "ISCSI_SESSION_RECOVERY_TIMEOUT",
	prefixes: []string{"session"},
	re:       pat(`^(?P<kdev>session\d+): session recovery timed out after (?P<recovery_timeout>\d+) secs`),
	sev:      sevOf(event.Error),
	cond:     "link:down",
	msg:      "iSCSI {kdev}: not recovered within {recovery_timeout}s, its devices go offline",
}, {
	// libiscsi, iscsi_tcp: the target broke the protocol or the
	// connection lost track of its tasks; a conn error follows.
	name:     "iscsi_protocol_error",
	level:    kernErr,
	typ:      "ISCSI_PROTOCOL_ERROR",
	prefixes: []string{"connection", "session"},
	re: pat(`^(?P<kdev>connection\d+:\d+|session\d+): (?P<detail>pdu \(op 0x[0-9a-f]+ itt 0x[0-9a-f]+\) rejected.*|` +
		`received invalid itt index \d+ .*|received itt [0-9a-f]+ expected session age .*|invalid R2[Tt] .*|` +
		`Could not allocate R2T\. .*|iscsi_tcp: (?:datalen \d+ > \d+|received buffer of len \d+ .*)|Cannot handle rejected pdu\. .*|` +
		`Invalid pdu reject\. .*|Got CHECK_CONDITION but invalid data buffer size of \d+|task's session age \d+, expected \d+)$`),
	msg: "iSCSI {kdev}: protocol error: {detail}",
}, {
	name:     "iscsi_send_failed",
	level:    kernErr,
	typ:      "ISCSI_SEND_FAILED",
	prefixes: []string{"connection"},
	re:       pat(`^(?P<kdev>connection\d+:\d+): (?P<detail>Could not send (?:nopout|TMF\.)|Can not send data buffer of len \d+ for op 0x[0-9a-f]+)$`),
	msg:      "iSCSI {kdev}: {detail}",
}, {
	name:     "iscsi_conn_setup_error",
	level:    kernErr,
	typ:      "ISCSI_CONN_SETUP_ERROR",
	prefixes: []string{"connection", "session"},
	re: pat(`^(?P<kdev>connection\d+:\d+|session\d+): (?P<detail>Transport not bound to socket!|can't start unbound connection|` +
		`sockfd_lookup failed -?\d+|Could not set ep conn binding|couldn't create a new connection\.|Failure in Target ID Allocation|` +
		`Could not create connection due to crc32c loading error\..*)$`),
	msg: "iSCSI {kdev}: {detail}",
}, {
	// The kernel could not tell iscsid of a session event: recovery
	// waits for a daemon that does not hear.
	name:     "iscsi_daemon_unreachable",
	level:    kernErr,
	typ:      "ISCSI_DAEMON_UNREACHABLE",
	prefixes: []string{"session"},
	re:       pat(`^(?P<kdev>session\d+): Cannot notify userspace of session event (?P<session_event>\d+)`),
	msg:      "iSCSI {kdev}: iscsid could not be told of session event {session_event}; is iscsid running?",
}, {
	// iscsid logged the connection in again (iscsi_conn_login_event).
	name:     "iscsi_conn_login",
	level:    kernInfo,
	typ:      "ISCSI_CONN_LOGIN",
	prefixes: []string{"connection"},
	re:       pat(`^(?P<kdev>connection\d+:\d+): detected conn login \((?P<state>\d+)\)`),
	cond:     "link:up",
	msg:      "iSCSI {kdev}: connection logged in",
}}

// finishISCSIConnError names the error code.
func finishISCSIConnError(pe *pending) {
	ev := &pe.ev
	code := ev.Ext("error_code")
	name := iscsiErrors[code]
	ev.SetExt("error_name", name)
	if name == "" {
		name = "error " + code
	}
	ev.Msg = "iSCSI " + ev.Kdev + ": connection error " + code + " (" + name + ")"
}
