// Package client is the Go client of the Peripety daemon on the D-Bus system
// bus (org.storage.Peripety1): subscribe to storage events with filters that
// the bus applies, query stored events, and resolve block devices.
package client

import (
	"context"
	"errors"
	"fmt"

	godbus "github.com/godbus/dbus/v5"
	pdbus "github.com/peripety/peripety/dbus"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/sysfs"
)

// ErrNotRunning is wrapped by the errors of calls that found no daemon on
// the bus (and no D-Bus activation that could start one), and of Connect
// when there is no system bus at all.
var ErrNotRunning = errors.New("peripetyd is not running")

// The errors of the interface: the errors of calls wrap one of them when the
// daemon answered with its error name (test with errors.Is).
var (
	ErrInvalidArgument = errors.New(pdbus.ErrInvalidArgument)
	ErrNotFound        = errors.New(pdbus.ErrNotFound)
	ErrNotAuthorized   = errors.New(pdbus.ErrNotAuthorized)
	ErrFailed          = errors.New(pdbus.ErrFailed)
)

// remoteError is an error reply of the daemon; its message, written by the
// daemon, names the method already.
type remoteError struct {
	err      godbus.Error
	sentinel error
}

func (e *remoteError) Error() string   { return e.err.Error() }
func (e *remoteError) Unwrap() []error { return []error{e.err, e.sentinel} }

// Client talks to org.storage.Peripety1 over one bus connection.
type Client struct {
	conn *godbus.Conn
	obj  godbus.BusObject
	own  bool
}

// Connect opens a private connection to the system bus (at
// DBUS_SYSTEM_BUS_ADDRESS when set, as libdbus does); Close closes it.
func Connect() (*Client, error) {
	conn, err := godbus.ConnectSystemBus(godbus.WithSignalHandler(godbus.NewSequentialSignalHandler()))
	if err != nil {
		return nil, fmt.Errorf("connect to the system bus: %w: %w", ErrNotRunning, err)
	}
	c := New(conn)
	c.own = true
	return c, nil
}

// New returns a client on conn, which stays the caller's: Close leaves it
// open. Subscribe needs conn's signal handler to keep signals in order, as
// godbus's default and sequential handlers do.
func New(conn *godbus.Conn) *Client {
	return &Client{conn: conn, obj: conn.Object(pdbus.BusName, pdbus.ObjectPath)}
}

// Close closes the connection when Connect opened it.
func (c *Client) Close() error {
	if c.own {
		return c.conn.Close()
	}
	return nil
}

// call calls a method of the interface and stores its reply in out.
func (c *Client) call(ctx context.Context, method string, out []any, args ...any) error {
	return callError(method, c.obj.CallWithContext(ctx, pdbus.Interface+"."+method, 0, args...).Store(out...))
}

// callMaps calls a method whose reply is one aa{sv} and returns it as godbus
// decoded it: Call.Store would copy the whole reply once more through
// reflection, which was most of the client's time on a 500-event Query.
func (c *Client) callMaps(ctx context.Context, method string, args ...any) ([]map[string]godbus.Variant, error) {
	call := c.obj.CallWithContext(ctx, pdbus.Interface+"."+method, 0, args...)
	if call.Err == nil && len(call.Body) == 1 {
		if ms, ok := call.Body[0].([]map[string]godbus.Variant); ok {
			return ms, nil
		}
	}
	var ms []map[string]godbus.Variant
	return ms, callError(method, call.Store(&ms))
}

// callError names an error of a call: ErrNotRunning when nobody owns the
// name, an error wrapping the interface's sentinels when the daemon said so.
func callError(method string, err error) error {
	if err == nil {
		return nil
	}
	var derr godbus.Error
	if errors.As(err, &derr) {
		switch derr.Name {
		case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
			return fmt.Errorf("%s: %w", method, ErrNotRunning)
		}
		for _, sentinel := range []error{ErrInvalidArgument, ErrNotFound, ErrNotAuthorized, ErrFailed} {
			if derr.Name == sentinel.Error() {
				return &remoteError{err: derr, sentinel: sentinel}
			}
		}
	}
	return fmt.Errorf("%s: %w", method, err)
}

// Query returns the stored events that pass q, oldest first.
func (c *Client) Query(ctx context.Context, q pdbus.QueryFilter) ([]event.Event, error) {
	ms, err := c.callMaps(ctx, "Query", pdbus.EncodeFilter(q))
	if err != nil {
		return nil, err
	}
	evs := make([]event.Event, 0, len(ms))
	for i, m := range ms {
		ev, err := pdbus.DecodeEvent(m)
		if err != nil {
			return nil, fmt.Errorf("Query: event %d: %w", i, err)
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

// QueryAll returns the stored events that pass q, oldest first: the latest
// q.Limit of them (event.DefaultLimit when 0), however many that is,
// asked for in pages as the daemon gives them (at most pdbus.MaxQueryLimit
// events, and pdbus.MaxReplyBytes, a page), each page the one before the
// last by its first event's cursor.
func (c *Client) QueryAll(ctx context.Context, q pdbus.QueryFilter) ([]event.Event, error) {
	want := q.Filter.EffectiveLimit()
	var pages [][]event.Event
	for total := 0; total < want; {
		q.Limit = min(want-total, pdbus.MaxQueryLimit)
		ms, err := c.callMaps(ctx, "Query", pdbus.EncodeFilter(q))
		if err != nil {
			return nil, err
		}
		page := make([]event.Event, 0, len(ms))
		size := 0
		for i, m := range ms {
			ev, err := pdbus.DecodeEvent(m)
			if err != nil {
				return nil, fmt.Errorf("Query: event %d: %w", i, err)
			}
			size += pdbus.EventSize(&ev)
			page = append(page, ev)
		}
		pages = append(pages, page)
		total += len(page)
		cursor, ok := firstCursor(ms)
		// A short page is the last, unless the daemon cut it for size.
		if !ok || len(page) == 0 || (len(page) < q.Limit && size < pdbus.MaxReplyBytes/2) {
			break
		}
		q.Before = &cursor
	}
	var out []event.Event
	for i := len(pages) - 1; i >= 0; i-- {
		out = append(out, pages[i]...)
	}
	if len(out) > want {
		out = out[len(out)-want:]
	}
	return out, nil
}

// firstCursor is the cursor of a reply's first event.
func firstCursor(ms []map[string]godbus.Variant) (event.Cursor, bool) {
	if len(ms) == 0 {
		return event.Cursor{}, false
	}
	s, ok := ms[0][pdbus.CursorKey].Value().(string)
	if !ok {
		return event.Cursor{}, false
	}
	c, err := event.ParseCursor(s)
	return c, err == nil
}

// BlockInfo resolves any identifier of a block device.
func (c *Client) BlockInfo(ctx context.Context, blk string) (sysfs.BlockInfo, error) {
	var m map[string]godbus.Variant
	if err := c.call(ctx, "BlockInfo", []any{&m}, blk); err != nil {
		return sysfs.BlockInfo{}, err
	}
	info, err := pdbus.DecodeBlockInfo(m)
	if err != nil {
		return sysfs.BlockInfo{}, fmt.Errorf("BlockInfo %s: %w", blk, err)
	}
	return info, nil
}

// ListBlocks returns the top-level block devices.
func (c *Client) ListBlocks(ctx context.Context) ([]sysfs.BlockInfo, error) {
	ms, err := c.callMaps(ctx, "ListBlocks")
	if err != nil {
		return nil, err
	}
	infos := make([]sysfs.BlockInfo, 0, len(ms))
	for i, m := range ms {
		info, err := pdbus.DecodeBlockInfo(m)
		if err != nil {
			return nil, fmt.Errorf("ListBlocks: device %d: %w", i, err)
		}
		infos = append(infos, info)
	}
	return infos, nil
}

// Reload asks the daemon to re-read its configuration.
func (c *Client) Reload(ctx context.Context) error {
	return c.call(ctx, "Reload", nil)
}

// Version returns the daemon's Version property.
func (c *Client) Version(ctx context.Context) (string, error) {
	var v string
	err := c.obj.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, pdbus.Interface, "Version").Store(&v)
	return v, callError("Version", err)
}
