package main

import (
	"context"
	"fmt"

	godbus "github.com/godbus/dbus/v5"

	"github.com/peripety/peripety/cli"
	pdbus "github.com/peripety/peripety/dbus"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/service"
	"github.com/peripety/peripety/sysfs"
)

// daemonBus is the daemon's face on D-Bus: org.storage.Peripety1 on the bus
// --bus names, one more sink of the pipeline, its name owned before READY=1.
type daemonBus struct {
	conn    *godbus.Conn
	srv     *pdbus.Server
	backend *daemonBackend
	// stop ends the server's Run, and done carries its end, once
	// BeforeReady started it.
	stop context.CancelFunc
	done chan error
}

// openBus connects to the bus of spec; it returns nil for --bus none.
func openBus(spec service.BusSpec, resolver *sysfs.Resolver) (*daemonBus, error) {
	var conn *godbus.Conn
	var err error
	name := spec.Kind
	switch spec.Kind {
	case "none":
		return nil, nil
	case "system":
		conn, err = godbus.ConnectSystemBus()
	case "session":
		conn, err = godbus.ConnectSessionBus()
	default:
		name = spec.Address
		conn, err = godbus.Connect(spec.Address)
	}
	if err != nil {
		return nil, fmt.Errorf("--bus %s: connect: %w", name, err)
	}
	b := &daemonBus{conn: conn, backend: &daemonBackend{resolver: resolver}}
	b.srv = pdbus.NewServer(conn, b.backend, pdbus.Options{Version: cli.Version})
	return b, nil
}

// wire makes the server a sink of the daemon and owns the name before READY.
func (b *daemonBus) wire(o *service.Options) {
	if b == nil {
		return
	}
	o.Sinks = append(o.Sinks, b.srv)
	o.BeforeReady = func(ctx context.Context) error {
		if err := b.srv.Start(ctx); err != nil {
			return err
		}
		runCtx, stop := context.WithCancel(ctx)
		b.stop, b.done = stop, make(chan error, 1)
		go func() { b.done <- b.srv.Run(runCtx) }()
		return nil
	}
}

// attach gives the server the daemon it answers for.
func (b *daemonBus) attach(d *service.Daemon) {
	if b != nil {
		b.backend.d = d
	}
}

// close stops the server's Run, gives up the name and closes the
// connection; the daemon has stopped.
func (b *daemonBus) close() {
	if b == nil {
		return
	}
	if b.done != nil {
		b.stop()
		<-b.done
		b.srv.Close()
	}
	b.conn.Close()
}

// daemonBackend is what the bus object serves: events read back from the
// daemon's store, devices from the resolver, reload and sources from the
// daemon.
type daemonBackend struct {
	d        *service.Daemon
	resolver *sysfs.Resolver
}

func (b *daemonBackend) Query(ctx context.Context, f event.Filter) ([]event.Event, error) {
	return b.d.Query(ctx, f)
}

func (b *daemonBackend) BlockInfo(id string) (sysfs.BlockInfo, error) {
	return b.resolver.BlockInfo(id)
}
func (b *daemonBackend) ListBlocks() ([]sysfs.BlockInfo, error)  { return b.resolver.ListBlocks() }
func (b *daemonBackend) Identifiers(id string) ([]string, error) { return b.resolver.Identifiers(id) }
func (b *daemonBackend) Reload(ctx context.Context) error        { return b.d.Reload(ctx) }
func (b *daemonBackend) Sources() []string                       { return b.d.Sources() }
