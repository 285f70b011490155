// Package dbus publishes Peripety's storage events on the D-Bus system bus as
// the object /org/storage/Peripety1 of the service org.storage.Peripety1, and
// encodes events, block information and query filters in its wire form.
//
// The interface is fixed by the introspection XML of package introspection;
// the D-Bus specification is at
// https://dbus.freedesktop.org/doc/dbus-specification.html and polkit's
// authority interface at https://www.freedesktop.org/software/polkit/docs/latest/eggdbus-interface-org.freedesktop.PolicyKit1.Authority.html.
// Consumers use package github.com/peripety/peripety/dbus/client.
package dbus

import godbus "github.com/godbus/dbus/v5"

// Names of the service on the bus.
const (
	BusName    = "org.storage.Peripety1"
	ObjectPath = godbus.ObjectPath("/org/storage/Peripety1")
	Interface  = "org.storage.Peripety1"
	// Signal is the member name of the event signal; SignalName is its
	// "interface.member" form, as godbus's Emit takes it.
	Signal     = "StorageEvent"
	SignalName = Interface + "." + Signal
)

// The polkit actions of packaging/polkit-1/actions/org.storage.peripety1.policy.
const (
	ActionQuery     = "org.storage.peripety1.query"
	ActionBlockInfo = "org.storage.peripety1.block-info"
	ActionManage    = "org.storage.peripety1.manage"
)

// actionPurpose says in words what each action allows, for denials.
var actionPurpose = map[string]string{
	ActionQuery:     "read storage events and incidents",
	ActionBlockInfo: "read block device information and conditions",
	ActionManage:    "reload the daemon's configuration",
}
