package journal

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
)

func TestDecodeEntry(t *testing.T) {
	rt := uint64(time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC).UnixMicro())
	tests := []struct {
		name   string
		fields map[string]string
		want   event.Event
	}{
		{"json", map[string]string{
			"JSON": `{"event_id":"a","event_type":"FS_MOUNTED","severity":"Info","sub_system":"ext4",` +
				`"timestamp":"2026-11-25T16:00:00.000001Z","kdev":"loop3","count":2}`,
		}, event.Event{EventID: "a", EventType: "FS_MOUNTED", Severity: event.Info, SubSystem: "ext4",
			Timestamp: time.Date(2026, 11, 25, 16, 0, 0, 1000, time.UTC), Kdev: "loop3", Count: 2}},
		{"json without timestamp", map[string]string{
			"JSON": `{"event_id":"b","event_type":"FS_MOUNTED","severity":"Info"}`,
		}, event.Event{EventID: "b", EventType: "FS_MOUNTED", Severity: event.Info, Timestamp: time.UnixMicro(int64(rt)), Count: 1}},
		{"fields only", map[string]string{
			"EVENT_ID": "c", "EVENT_TYPE": "BLK_IO_ERROR", "SUB_SYSTEM": "Block", "PRIORITY": "3", "KDEV": "sdb",
			"MESSAGE": "I/O error", "_HOSTNAME": "h", "COUNT": "4",
		}, event.Event{EventID: "c", EventType: "BLK_IO_ERROR", SubSystem: "Block", Severity: event.Error, Kdev: "sdb",
			Msg: "I/O error", Hostname: "h", Count: 4, Timestamp: time.UnixMicro(int64(rt)),
			Extension: map[string]string{"decode_error": "no JSON field"}}},
		{"bad json", map[string]string{"JSON": `{"severity":"Loud"}`, "EVENT_TYPE": "X", "PRIORITY": "99"},
			event.Event{EventType: "X", Severity: event.Info, Count: 1, Timestamp: time.UnixMicro(int64(rt)),
				Extension: map[string]string{"decode_error": `unknown severity "Loud": want one of Emergency, Alert, Critical, Error, Warning, Notice, Info, Debug, or 0-7`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			get := func(field string) ([]byte, bool, error) {
				v, ok := tt.fields[field]
				return []byte(v), ok, nil
			}
			got, err := DecodeEntry(get, rt)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decodeEntry (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("read error", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := DecodeEntry(func(string) ([]byte, bool, error) { return nil, false, boom }, rt)
		if !errors.Is(err, boom) {
			t.Errorf("err = %v, want boom", err)
		}
	})
}
