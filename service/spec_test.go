package service

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseBusSpec(t *testing.T) {
	tests := []struct {
		in      string
		want    BusSpec
		wantErr bool
	}{
		{in: "system", want: BusSpec{Kind: "system"}},
		{in: "session", want: BusSpec{Kind: "session"}},
		{in: "none", want: BusSpec{Kind: "none"}},
		{in: "unix:path=/run/t/bus", want: BusSpec{Kind: "address", Address: "unix:path=/run/t/bus"}},
		{in: "unix:abstract=/tmp/dbus-x,guid=1", want: BusSpec{Kind: "address", Address: "unix:abstract=/tmp/dbus-x,guid=1"}},
		{in: "", wantErr: true},
		{in: "System", wantErr: true},
		{in: "unix:", wantErr: true},
		{in: ":path=/x", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseBusSpec(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseBusSpec(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseBusSpec(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseSourceSpec(t *testing.T) {
	tests := []struct {
		in      string
		want    SourceSpec
		wantErr bool
	}{
		{in: "auto", want: SourceSpec{Kind: "auto"}},
		{in: "journal", want: SourceSpec{Kind: "journal"}},
		{in: "kmsg", want: SourceSpec{Kind: "kmsg"}},
		{in: "file:/var/log/kern.log", want: SourceSpec{Kind: "file", Path: "/var/log/kern.log"}},
		{in: "file:", wantErr: true},
		{in: "journald", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseSourceSpec(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseSourceSpec(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseSourceSpec(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}
