package parsers

import (
	"regexp"

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
	re:       regexp.MustCompile(`^(?P<kdev>connection\d+:\d+): detected conn error \((?P<error_code>\d+)\)`),
	sev:      sevOf(event.Error),
	finish:   finishISCSIConnError,
}, {
	name:     "iscsi_ping_timeout",
	level:    kernErr,
	typ:      "ISCSI_PING_TIMEOUT",
	prefixes: []string{"connection"},
	re: regexp.MustCompile(`^(?P<kdev>connection\d+:\d+): ping timeout of (?P<ping_timeout>\d+) secs expired, recv timeout (?P<recv_timeout>\d+), ` +
		`last rx (?P<last_rx>\d+), last ping (?P<last_ping>\d+), now (?P<now>\d+)`),
	msg: "iSCSI {kdev}: no answer to a ping within {ping_timeout}s",
}, {
	name:     "iscsi_session_recovery_timeout",
	level:    kernInfo,
	typ:      "ISCSI_SESSION_RECOVERY_TIMEOUT",
	prefixes: []string{"session"},
	re:       regexp.MustCompile(`^(?P<kdev>session\d+): session recovery timed out after (?P<recovery_timeout>\d+) secs`),
	sev:      sevOf(event.Error),
	msg:      "iSCSI {kdev}: not recovered within {recovery_timeout}s, its devices go offline",
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
