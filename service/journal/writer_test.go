package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
)

func TestFieldName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"sense_key", "SENSE_KEY"},
		{"mount_point", "MOUNT_POINT"},
		{"host-wwpn", "HOST_WWPN"},
		{"résumé.x", "R_SUM__X"},
		{"", "_"},
		{strings.Repeat("a", 70), strings.Repeat("A", 60)},
	} {
		if got := FieldName(tt.in); got != tt.want {
			t.Errorf("FieldName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// sampleEvent is an ext4 error on an LV over multipath, with two owners.
func sampleEvent() event.Event {
	return event.Event{
		EventID: "5b0c56cd-4c1c-4a47-8b3a-2f0b1e7e2c01", EventType: "FS_IO_ERROR", Severity: event.Error,
		SubSystem: event.SubExt4, Timestamp: time.Date(2026, 11, 25, 16, 3, 4, 123456000, time.UTC),
		Hostname: "host1", Kdev: "dm-3", DevWWID: "5f1a2b3c-aaaa-bbbb-cccc-0123456789ab", DevPath: "/dev/mapper/vg-lv",
		OwnersWWIDs: []string{"LVM-abc", "mpath-36001405"}, OwnersPaths: []string{"/dev/mapper/mpatha", "/dev/sdc"},
		Msg: "I/O error on ext4 /mnt/data", RawMsg: "EXT4-fs warning (device dm-3): ext4_end_bio:343: I/O error 10 writing to inode 12",
		Extension:        map[string]string{"mount_point": "/mnt/data", "inode": "12"},
		RootCauseEventID: "5b0c56cd-4c1c-4a47-8b3a-2f0b1e7e2c01", IncidentID: "7a1c2b3d-4e5f-5a6b-8c7d-9e0f1a2b3c4d", Count: 2, Seq: 7,
	}
}

func TestAppendEvent(t *testing.T) {
	ev := sampleEvent()
	ev.Msg = "two\nlines"
	var b bytes.Buffer
	if err := appendEvent(&b, &ev); err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(ev)
	want := "IS_PERIPETY=TRUE\nSYSLOG_IDENTIFIER=peripetyd\nPRIORITY=3\nSEVERITY=Error\n" +
		"MESSAGE\n\x09\x00\x00\x00\x00\x00\x00\x00two\nlines\n" +
		"MESSAGE_ID=" + event.MessageID("FS_IO_ERROR") + "\n" +
		"EVENT_ID=5b0c56cd-4c1c-4a47-8b3a-2f0b1e7e2c01\nEVENT_TYPE=FS_IO_ERROR\nSUB_SYSTEM=ext4\nKDEV=dm-3\n" +
		"DEV_WWID=5f1a2b3c-aaaa-bbbb-cccc-0123456789ab\nDEV_PATH=/dev/mapper/vg-lv\n" +
		"OWNERS_WWIDS=LVM-abc\nOWNERS_WWIDS=mpath-36001405\nOWNERS_PATHS=/dev/mapper/mpatha\nOWNERS_PATHS=/dev/sdc\n" +
		"EXT_INODE=12\nEXT_MOUNT_POINT=/mnt/data\n" +
		"ROOT_CAUSE_EVENT_ID=5b0c56cd-4c1c-4a47-8b3a-2f0b1e7e2c01\nINCIDENT_ID=7a1c2b3d-4e5f-5a6b-8c7d-9e0f1a2b3c4d\n" +
		"COUNT=2\nSEQ=7\nEVENT_TIMESTAMP_USEC=1795622584123456\n" +
		"JSON=" + string(js) + "\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
}

func TestAppendEventInvalidSeverity(t *testing.T) {
	ev := sampleEvent()
	ev.Severity = 9
	var b bytes.Buffer
	if err := appendEvent(&b, &ev); err == nil {
		t.Error("appendEvent with severity 9: no error")
	}
}

// TestWriterJournald writes to the real journald and reads the entry back
// with journalctl alone: the fields work without any tool of ours.
func TestWriterJournald(t *testing.T) {
	testenv.Journald(t)
	w := NewWriter("")
	defer w.Close()

	id := uuid.NewString()
	big := strings.Repeat("x", 300<<10) // beyond a datagram: the memfd path
	tests := []struct {
		name string
		edit func(*event.Event)
	}{
		{"plain", func(*event.Event) {}},
		{"multi-line", func(e *event.Event) { e.Msg = "line one\nline two\n" }},
		{"not UTF-8", func(e *event.Event) { e.Msg = "bad \xff\xfe byte" }},
		{"large", func(e *event.Event) { e.Msg = big }},
		{"odd extension keys", func(e *event.Event) { e.Extension = map[string]string{"host-wwpn": "0x10", "Sense Key": "3"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := sampleEvent()
			ev.EventID = uuid.NewString()
			ev.RootCauseEventID = id
			tt.edit(&ev)
			if err := w.Write(ev); err != nil {
				t.Fatal(err)
			}
			got := testenv.WaitJournal(t, 10*time.Second, func(e []testenv.Entry) bool { return len(e) == 1 },
				"IS_PERIPETY=TRUE", "EVENT_TYPE=FS_IO_ERROR", "EVENT_ID="+ev.EventID)[0]
			want := map[string][]string{
				"MESSAGE": {ev.Msg}, "PRIORITY": {"3"}, "SYSLOG_IDENTIFIER": {"peripetyd"},
				"SUB_SYSTEM": {"ext4"}, "KDEV": {"dm-3"}, "DEV_PATH": {"/dev/mapper/vg-lv"},
				"OWNERS_WWIDS": ev.OwnersWWIDs, "OWNERS_PATHS": ev.OwnersPaths, "ROOT_CAUSE_EVENT_ID": {id},
			}
			for k, v := range ev.Extension {
				want["EXT_"+FieldName(k)] = []string{v}
			}
			for field, w := range want {
				if diff := cmp.Diff(w, got.All(field)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", field, diff)
				}
			}
			var back event.Event
			if err := json.Unmarshal([]byte(got.Get("JSON")), &back); err != nil {
				t.Fatalf("JSON field: %v", err)
			}
			// JSON holds text: each byte that is not UTF-8 becomes U+FFFD.
			if wantMsg := string([]rune(ev.Msg)); back.EventID != ev.EventID || back.Msg != wantMsg {
				t.Errorf("JSON field decodes to id %q, msg %.40q; want %q, %.40q", back.EventID, back.Msg, ev.EventID, wantMsg)
			}
		})
	}
}

// TestWriterJournaldRestart writes across a restart of journald.
func TestWriterJournaldRestart(t *testing.T) {
	testenv.Journald(t)
	start := func() *testenv.PrivateJournal {
		p, err := testenv.NewPrivateJournal("restart")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := start()
	w := NewWriter(p.Socket)
	defer w.Close()
	ev := sampleEvent()
	if err := w.Write(ev); err != nil {
		t.Error(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	// Twice: the second write finds no connection at all (it panicked
	// once, closing the one the first had dropped).
	for i := range 2 {
		if err := w.Write(ev); !errors.Is(err, ErrUnreachable) {
			t.Errorf("Write %d with journald stopped: %v, want ErrUnreachable", i+1, err)
		}
	}
	p = start() // the same namespace, so the same socket path
	defer p.Close()
	if err := w.Write(ev); err != nil {
		t.Errorf("Write after journald restarted: %v", err)
	}
	if err := p.Sync(); err != nil {
		t.Fatal(err)
	}
	testenv.WaitJournal(t, 10*time.Second, func(e []testenv.Entry) bool { return len(e) == 1 },
		"--directory", p.Dir, "EVENT_ID="+ev.EventID)
}

// TestWriterNoJournald: a writer made while no journald listens says so on
// each write, and stores once one listens.
func TestWriterNoJournald(t *testing.T) {
	w := NewWriter(filepath.Join(t.TempDir(), "socket"))
	defer w.Close()
	for i := range 3 {
		if err := w.Write(sampleEvent()); !errors.Is(err, ErrUnreachable) {
			t.Errorf("Write %d: %v, want ErrUnreachable", i+1, err)
		}
	}
}
