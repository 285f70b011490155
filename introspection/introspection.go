// Package introspection holds the D-Bus introspection XML of the
// org.storage.Peripety1 object: the contract of the interface. The daemon
// serves these exact bytes from org.freedesktop.DBus.Introspectable, and the
// same bytes are shipped as
// /usr/share/dbus-1/interfaces/org.storage.Peripety1.xml, so the shipped file
// and the live interface cannot differ.
//
// The format is the D-Bus specification's "Introspection Data Format":
// https://dbus.freedesktop.org/doc/dbus-specification.html#introspection-format
package introspection

import _ "embed"

// FileName is the name of the XML file, here and under
// /usr/share/dbus-1/interfaces.
const FileName = "org.storage.Peripety1.xml"

// XML is the introspection document of /org/storage/Peripety1.
//
//go:embed org.storage.Peripety1.xml
var XML string
