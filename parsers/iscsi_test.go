package parsers

import (
	"testing"

	"github.com/peripety/peripety/event"
)

var iscsiCases = []lineCase{
	single("<3> connection1:0: ping timeout of 5 secs expired, recv timeout 5, last rx 4295113213, last ping 4295114496, now 4295115776",
		"ISCSI_PING_TIMEOUT", "connection1:0", event.Error, map[string]string{"ping_timeout": "5"}),
	{
		name:    "conn error names its code",
		records: []string{"<6> connection2:0: detected conn error (1020)", "<6> connection3:0: detected conn error (1011)"},
		want: []want{
			{Type: "ISCSI_CONN_ERROR", Kdev: "connection2:0", Sev: event.Error, Raw: " connection2:0: detected conn error (1020)",
				Msg: "iSCSI connection2:0: connection error 1020 (ISCSI_ERR_TCP_CONN_CLOSE)", Ext: map[string]string{"error_code": "1020"}},
			{Type: "ISCSI_CONN_ERROR", Kdev: "connection3:0", Sev: event.Error, Raw: " connection3:0: detected conn error (1011)",
				Msg: "iSCSI connection3:0: connection error 1011 (ISCSI_ERR_CONN_FAILED)"},
		},
	},
	single("<6> session1: session recovery timed out after 5 secs", "ISCSI_SESSION_RECOVERY_TIMEOUT", "session1", event.Error,
		map[string]string{"recovery_timeout": "5"}),
	// journald strips nothing, but some syslog pipelines drop the space.
	single("<6>session10: session recovery timed out after 120 secs", "ISCSI_SESSION_RECOVERY_TIMEOUT", "session10", event.Error, nil),
	single("<3> connection1:0: received invalid itt index 12 (max cmds 128.", "ISCSI_PROTOCOL_ERROR", "connection1:0", event.Error, nil),
	single("<3> connection1:0: received itt 4a expected session age (3)", "ISCSI_PROTOCOL_ERROR", "connection1:0", event.Error, nil),
	single("<3> connection1:0: Could not send nopout", "ISCSI_SEND_FAILED", "connection1:0", event.Error, nil),
	single("<3> connection1:0: Transport not bound to socket!", "ISCSI_CONN_SETUP_ERROR", "connection1:0", event.Error, nil),
	single("<3> session3: Cannot notify userspace of session event 5. Check iscsi daemon", "ISCSI_DAEMON_UNREACHABLE", "session3", event.Error,
		map[string]string{"session_event": "5"}),
	none("<6>scsi host7: iSCSI Initiator over TCP/IP", "<6>Loading iSCSI transport class v2.0-870."),
}

func TestISCSI(t *testing.T) { runCases(t, iscsiCases) }
