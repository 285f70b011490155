package service

import (
	"fmt"
	"strings"
)

// BusSpec is a parsed --bus value: which D-Bus bus the daemon serves on.
// The daemon hands it to the D-Bus sink; it does not connect itself.
type BusSpec struct {
	// Kind is "system", "session", "none" or "address".
	Kind string
	// Address is the D-Bus address of an "address" bus (unix:path=…).
	Address string
}

// ParseBusSpec reads --bus: system, session, none, or a D-Bus address
// ("unix:path=/run/x", any "transport:key=value,…" form).
func ParseBusSpec(s string) (BusSpec, error) {
	switch s {
	case "system", "session", "none":
		return BusSpec{Kind: s}, nil
	}
	if transport, rest, ok := strings.Cut(s, ":"); ok && transport != "" && strings.Contains(rest, "=") {
		return BusSpec{Kind: "address", Address: s}, nil
	}
	return BusSpec{}, fmt.Errorf("bus %q: want system, session, none or a D-Bus address such as unix:path=/run/dbus/system_bus_socket", s)
}
