package dbus

import (
	"math"
	"strings"
	"testing"
	"time"

	godbus "github.com/godbus/dbus/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/peripety/peripety/event"
)

func TestDecodeFilter(t *testing.T) {
	now := time.Date(2026, 11, 25, 16, 30, 0, 0, time.Local)
	warning := event.Warning
	v := godbus.MakeVariant
	tests := []struct {
		name string
		in   map[string]godbus.Variant
		want QueryFilter
	}{
		{"empty", map[string]godbus.Variant{}, QueryFilter{}},
		{"all keys", map[string]godbus.Variant{
			"since": v(uint64(1526476997012691)), "until": v("2026-11-25 10:00:00"),
			"severity": v("warning"), "event_types": v([]string{"FS_IO_ERROR", "BLK_IO_ERROR"}),
			"sub_systems": v([]string{"ext4"}), "blk": v("/dev/loop0"), "event_id": v("id-1"), "incident_id": v("inc-1"),
			"limit": v(uint32(5)),
		}, QueryFilter{Filter: event.Filter{
			Since: time.UnixMicro(1526476997012691), Until: time.Date(2026, 11, 25, 10, 0, 0, 0, time.Local),
			Severity: &warning, EventTypes: []string{"FS_IO_ERROR", "BLK_IO_ERROR"}, SubSystems: []string{"ext4"},
			EventID: "id-1", IncidentID: "inc-1", Limit: 5,
		}, Blk: "/dev/loop0"}},
		{"since today", map[string]godbus.Variant{"since": v("today")},
			QueryFilter{Filter: event.Filter{Since: time.Date(2026, 11, 25, 0, 0, 0, 0, time.Local)}}},
		{"as journalctl takes it", map[string]godbus.Variant{"since": v("-1h"), "until": v("@1764084600")},
			QueryFilter{Filter: event.Filter{Since: now.Add(-time.Hour), Until: time.Unix(1764084600, 0)}}},
		// What python3-dbus and gdbus send for a plain integer.
		{"since x, limit i", map[string]godbus.Variant{"since": v(int64(1526476997012691)), "limit": v(int32(5))},
			QueryFilter{Filter: event.Filter{Since: time.UnixMicro(1526476997012691), Limit: 5}}},
		{"limit y", map[string]godbus.Variant{"limit": v(byte(5))}, QueryFilter{Filter: event.Filter{Limit: 5}}},
		{"limit n", map[string]godbus.Variant{"limit": v(int16(5))}, QueryFilter{Filter: event.Filter{Limit: 5}}},
		{"limit q", map[string]godbus.Variant{"limit": v(uint16(5))}, QueryFilter{Filter: event.Filter{Limit: 5}}},
		{"limit x", map[string]godbus.Variant{"limit": v(int64(5))}, QueryFilter{Filter: event.Filter{Limit: 5}}},
		{"limit t, past int32", map[string]godbus.Variant{"limit": v(uint64(1) << 40)}, QueryFilter{Filter: event.Filter{Limit: math.MaxInt32}}},
		{"hostnames", map[string]godbus.Variant{"hostnames": v([]string{"h1", "h2"})},
			QueryFilter{Filter: event.Filter{Hostnames: []string{"h1", "h2"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeFilter(tt.in, now)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, sameTime); diff != "" {
				t.Errorf("DecodeFilter (-want +got):\n%s", diff)
			}
			// EncodeFilter is its inverse (times become t).
			back, err := DecodeFilter(EncodeFilter(got), now)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, back, sameTime); diff != "" {
				t.Errorf("DecodeFilter(EncodeFilter) (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeFilterErrors(t *testing.T) {
	v := godbus.MakeVariant
	tests := []struct {
		in      map[string]godbus.Variant
		wantErr string
	}{
		{map[string]godbus.Variant{"device": v("sda")}, `unknown filter key "device"`},
		{map[string]godbus.Variant{"limit": v(int32(-5))}, `filter key "limit": -5 is negative`},
		{map[string]godbus.Variant{"limit": v("5")}, `filter key "limit": type s, want an integer`},
		{map[string]godbus.Variant{"limit": v(1.5)}, `filter key "limit": type d, want an integer`},
		{map[string]godbus.Variant{"since": v(int32(5))}, `filter key "since": type i, want t or x`},
		{map[string]godbus.Variant{"hostnames": v("h1")}, `filter key "hostnames": type s, want as`},
		{map[string]godbus.Variant{"since": v("last week")}, `filter key "since": unknown time "last week"`},
		{map[string]godbus.Variant{"severity": v("loud")}, `filter key "severity": unknown severity "loud"`},
		{map[string]godbus.Variant{"event_types": v("FS_IO_ERROR")}, `filter key "event_types": type s, want as`},
		{map[string]godbus.Variant{"blk": v(" ")}, `filter key "blk": empty device`},
		{map[string]godbus.Variant{"until": v(uint64(1) << 63)}, `out of range`},
	}
	for _, tt := range tests {
		_, err := DecodeFilter(tt.in, time.Now())
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("DecodeFilter(%v) = %v, want error containing %q", tt.in, err, tt.wantErr)
		}
	}
}

// FuzzDecodeFilter feeds caller-chosen text to every string key: never a
// panic, and an accepted filter encodes and decodes to itself.
func FuzzDecodeFilter(f *testing.F) {
	for _, s := range []string{"today", "2018-05-21 10:00:00", "err", "", "2018-13-40", "\x00", "7"} {
		f.Add("since", s)
		f.Add("severity", s)
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		now := time.Date(2026, 11, 25, 16, 30, 0, 0, time.UTC)
		q, err := DecodeFilter(map[string]godbus.Variant{key: godbus.MakeVariant(value)}, now)
		if err != nil {
			return
		}
		back, err := DecodeFilter(EncodeFilter(q), now)
		if err != nil {
			t.Fatalf("re-decode of %v: %v", q, err)
		}
		if diff := cmp.Diff(q, back, sameTime); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}
