package service

import (
	"context"
	"fmt"
	"strings"

	godbus "github.com/godbus/dbus/v5"

	pdbus "github.com/peripety/peripety/dbus"
	"github.com/peripety/peripety/sysfs"
)

// BusSpec is a parsed --bus value: which D-Bus bus the daemon serves on.
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

// String is the --bus value: the kind, or the address.
func (b BusSpec) String() string {
	if b.Kind == "address" {
		return b.Address
	}
	return b.Kind
}

// busSink is the daemon's face on D-Bus: the org.storage.Peripety1 object
// on the bus of Options.Bus, a sink of the pipeline (the StorageEvent
// signal) whose name is owned once the source is open, before READY=1.
type busSink struct {
	*pdbus.Server
	conn *godbus.Conn
	spec BusSpec
	// stop ends the server's Run, and done carries its end, once Ready
	// started it.
	stop context.CancelFunc
	done chan error
}

// BusResolver is a Resolver that also answers the D-Bus BlockInfo method
// (*sysfs.Resolver): a daemon serving on a bus needs one.
type BusResolver interface {
	Resolver
	BlockInfo(id string) (sysfs.BlockInfo, error)
	Identifiers(id string) ([]string, error)
}

// openBusSink connects to the bus of the daemon's Options.Bus.
func openBusSink(d *Daemon) (Sink, error) {
	spec := d.opts.Bus
	res, ok := d.opts.Resolver.(BusResolver)
	if !ok {
		return nil, fmt.Errorf("--bus %s: the resolver cannot answer BlockInfo", spec)
	}
	var conn *godbus.Conn
	var err error
	switch spec.Kind {
	case "system":
		conn, err = godbus.ConnectSystemBus()
	case "session":
		conn, err = godbus.ConnectSessionBus()
	default:
		conn, err = godbus.Connect(spec.Address)
	}
	if err != nil {
		return nil, fmt.Errorf("--bus %s: connect: %w", spec, err)
	}
	srv := pdbus.NewServer(conn, &busBackend{Daemon: d, res: res}, pdbus.Options{Version: d.opts.Version})
	return &busSink{Server: srv, conn: conn, spec: spec}, nil
}

// Ready owns the bus name and starts announcing the EventsEmitted property;
// method calls use ctx.
func (b *busSink) Ready(ctx context.Context) error {
	if err := b.Start(ctx); err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	b.stop, b.done = stop, make(chan error, 1)
	go func() { b.done <- b.Run(runCtx) }()
	return nil
}

// Lost is closed when the bus connection is lost (the bus went away, or
// it disconnected the daemon). The daemon then stops, and exits with an
// error so that its service manager starts it again: a restarted daemon
// owns its name on the bus anew, and resumes from its position (see
// docs/design.md, "Daemon peripetyd").
func (b *busSink) Lost() <-chan struct{} { return b.conn.Context().Done() }

// LostErr says why the connection was lost.
func (b *busSink) LostErr() error {
	return fmt.Errorf("lost the connection to the bus %s: %w", b.spec, context.Cause(b.conn.Context()))
}

// Close stops announcing, gives up the name and closes the connection.
func (b *busSink) Close() error {
	var err error
	if b.done != nil {
		b.stop()
		<-b.done
		if b.conn.Connected() {
			err = b.Server.Close()
		}
	}
	if cerr := b.conn.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close bus connection: %w", cerr)
	}
	return err
}

// busBackend is what the bus object serves: the daemon's Query, Reload and
// Sources, devices from its resolver.
type busBackend struct {
	*Daemon
	res BusResolver
}

func (b *busBackend) BlockInfo(id string) (sysfs.BlockInfo, error) { return b.res.BlockInfo(id) }
func (b *busBackend) ListBlocks() ([]sysfs.BlockInfo, error)       { return b.res.ListBlocks() }
func (b *busBackend) Identifiers(id string) ([]string, error)      { return b.res.Identifiers(id) }
