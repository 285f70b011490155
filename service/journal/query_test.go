package journal

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
)

func TestMatchPlan(t *testing.T) {
	tests := []struct {
		name string
		f    event.Filter
		want []clause
	}{
		{"empty", event.Filter{}, []clause{{{"IS_PERIPETY=TRUE"}}}},
		{"types, sub-systems, id", event.Filter{EventTypes: []string{"FS_MOUNTED", "FS_IO_ERROR"},
			SubSystems: []string{"EXT4", "xfs"}, EventID: "id-1"},
			[]clause{{{"IS_PERIPETY=TRUE", "EVENT_TYPE=FS_MOUNTED", "EVENT_TYPE=FS_IO_ERROR",
				"SUB_SYSTEM=EXT4", "SUB_SYSTEM=ext4", "SUB_SYSTEM=xfs", "EVENT_ID=id-1"}}}},
		{"severity", event.Filter{Severity: ptr(event.Error)},
			[]clause{{{"IS_PERIPETY=TRUE", "PRIORITY=0", "PRIORITY=1", "PRIORITY=2", "PRIORITY=3"}}}},
		{"blk", event.Filter{Blk: []string{"sdc", "", "8:32", "/dev/sdc", "/dev/disk/by-id/wwn-0x5"}}, []clause{
			{{"IS_PERIPETY=TRUE"}},
			{{"KDEV=sdc", "KDEV=8:32"}, {"DEV_WWID=sdc", "DEV_WWID=8:32"}, {"OWNERS_WWIDS=sdc", "OWNERS_WWIDS=8:32"},
				{"DEV_PATH=/dev/sdc", "DEV_PATH=/dev/disk/by-id/wwn-0x5"}, {"OWNERS_PATHS=/dev/sdc", "OWNERS_PATHS=/dev/disk/by-id/wwn-0x5"}},
		}},
		{"blk paths only", event.Filter{Blk: []string{"/dev/sdc"}}, []clause{
			{{"IS_PERIPETY=TRUE"}},
			{{"DEV_PATH=/dev/sdc"}, {"OWNERS_PATHS=/dev/sdc"}},
		}},
		{"blk only empty", event.Filter{Blk: []string{""}}, []clause{
			{{"IS_PERIPETY=TRUE"}},
			{{"KDEV="}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, matchPlan(&tt.f)); diff != "" {
				t.Errorf("matchPlan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOutsideTime(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	usec := func(t time.Time) []byte { return []byte(strconv.FormatInt(t.UnixMicro(), 10)) }
	tests := []struct {
		name string
		f    event.Filter
		v    []byte
		want bool
	}{
		{"open range", event.Filter{}, usec(t0), false},
		{"before since", event.Filter{Since: t0}, usec(t0.Add(-time.Microsecond)), true},
		{"at since", event.Filter{Since: t0}, usec(t0), false},
		{"at until", event.Filter{Until: t0}, usec(t0), false},
		{"after until", event.Filter{Until: t0}, usec(t0.Add(time.Microsecond)), true},
		{"not a number", event.Filter{Until: t0}, []byte("soon"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := outsideTime(&tt.f, tt.v); got != tt.want {
				t.Errorf("outsideTime = %v, want %v", got, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

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
			got, err := decodeEntry(get, rt)
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
		_, err := decodeEntry(func(string) ([]byte, bool, error) { return nil, false, boom }, rt)
		if !errors.Is(err, boom) {
			t.Errorf("err = %v, want boom", err)
		}
	})
}
