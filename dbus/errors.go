package dbus

import (
	"errors"
	"fmt"

	godbus "github.com/godbus/dbus/v5"
	"github.com/peripety/peripety/sysfs"
)

// The error names of the interface. Every error a caller of the object gets
// from this package is a *godbus.Error with one of these names (or a standard
// org.freedesktop.DBus.Error name for calls that do not fit the interface,
// such as a wrong signature or an unknown property).
const (
	ErrInvalidArgument = Interface + ".Error.InvalidArgument"
	ErrNotFound        = Interface + ".Error.NotFound"
	ErrNotAuthorized   = Interface + ".Error.NotAuthorized"
	ErrFailed          = Interface + ".Error.Failed"
)

// newError is an error reply of the interface; its message is cut to
// maxErrText bytes and made valid UTF-8, whatever it quotes.
func newError(name, format string, args ...any) *godbus.Error {
	return godbus.NewError(name, []any{validText(clipText(fmt.Sprintf(format, args...)))})
}

func invalidArgument(format string, args ...any) *godbus.Error {
	return newError(ErrInvalidArgument, format, args...)
}

// backendError names an error of the Backend: NotFound for sysfs.ErrNotFound,
// Failed for anything else; what says what was being done.
func backendError(what string, err error) *godbus.Error {
	if errors.Is(err, sysfs.ErrNotFound) {
		return newError(ErrNotFound, "%s: %v", what, err)
	}
	return newError(ErrFailed, "%s: %v", what, err)
}
