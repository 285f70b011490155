package dbus

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	godbus "github.com/godbus/dbus/v5"
	"github.com/peripety/peripety/correlate"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/introspection"
	"github.com/peripety/peripety/sysfs"
)

// Backend is what the object serves: the daemon implements it.
type Backend interface {
	// Query returns stored events that pass f, oldest first, at most
	// f.EffectiveLimit() of them.
	Query(ctx context.Context, f event.Filter) ([]event.Event, error)
	// BlockInfo resolves any identifier of a block device; an unknown
	// device is an error wrapping sysfs.ErrNotFound.
	BlockInfo(id string) (sysfs.BlockInfo, error)
	// ListBlocks returns the top-level block devices.
	ListBlocks() ([]sysfs.BlockInfo, error)
	// Identifiers lists every name of a device (sysfs.Resolver.Identifiers),
	// to expand Query's blk; an unknown device is an error wrapping
	// sysfs.ErrNotFound.
	Identifiers(id string) ([]string, error)
	// Reload re-reads the configuration; on error the old one stays.
	Reload(ctx context.Context) error
	// Sources names the log sources the daemon reads.
	Sources() []string
	// Incidents returns the incidents the daemon holds, most recently
	// seen first.
	Incidents() []correlate.Incident
	// Incident returns the incident with id; ok is false when there is
	// none.
	Incident(id string) (inc correlate.Incident, ok bool)
	// IncidentsChanged returns the incidents changed after version since
	// and the version they bring the caller to.
	IncidentsChanged(since uint64) ([]correlate.Incident, uint64)
	// Conditions returns the conditions of every device.
	Conditions() ([]correlate.DeviceConditions, error)
}

// Options tune a Server; the zero value is usable.
type Options struct {
	// Version is the Version property.
	Version string
	// PropertiesInterval is the least time between two PropertiesChanged
	// signals for EventsEmitted (default 1s).
	PropertiesInterval time.Duration
	// GrantTTL is how long a granted Query authorization is remembered for
	// a connection (default 5s; negative: not at all).
	GrantTTL time.Duration
	// CallTimeout bounds the Backend work of one method call (default 30s).
	CallTimeout time.Duration
}

// Server is the object /org/storage/Peripety1 on one bus connection. Emit
// sends StorageEvent signals; the methods are served in the goroutines
// godbus starts per call.
type Server struct {
	conn    *godbus.Conn
	backend Backend
	opts    Options
	auth    *authorizer

	emitted atomic.Uint64
	gate    gate
	chain   chain // prev_seq of the signals, by Emit's goroutine
	// ctx is the context of Start: method calls end with it.
	mu  sync.Mutex
	ctx context.Context
}

// NewServer returns a server of backend on conn; Start exports it.
func NewServer(conn *godbus.Conn, backend Backend, opts Options) *Server {
	if opts.PropertiesInterval <= 0 {
		opts.PropertiesInterval = time.Second
	}
	if opts.GrantTTL == 0 {
		opts.GrantTTL = 5 * time.Second
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 30 * time.Second
	}
	return &Server{
		conn:    conn,
		backend: backend,
		opts:    opts,
		auth: &authorizer{
			conn:    conn,
			ttl:     opts.GrantTTL,
			now:     time.Now,
			granted: map[string]time.Time{},
		},
		ctx: context.Background(),
	}
}

// Start exports the object with all its interfaces and only then asks for
// the name org.storage.Peripety1, without queueing: owning the name is what
// systemd's Type=dbus takes as ready, so a caller never meets a half-made
// object. When the name has an owner already, Start unexports and returns an
// error that names it. Method calls use ctx for their Backend work.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
	if err := s.export(); err != nil {
		s.unexport()
		return err
	}
	reply, err := s.conn.RequestName(BusName, godbus.NameFlagDoNotQueue)
	if err != nil {
		s.unexport()
		return fmt.Errorf("request bus name %s: %w", BusName, err)
	}
	if reply != godbus.RequestNameReplyPrimaryOwner && reply != godbus.RequestNameReplyAlreadyOwner {
		s.unexport()
		return fmt.Errorf("bus name %s is taken by %s: another peripetyd is running", BusName, s.owner())
	}
	return nil
}

// owner describes the current owner of the bus name, for errors.
func (s *Server) owner() string {
	var name string
	if err := s.conn.BusObject().Call("org.freedesktop.DBus.GetNameOwner", 0, BusName).Store(&name); err != nil {
		return "another connection"
	}
	var pid uint32
	if err := s.conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, name).Store(&pid); err != nil {
		return name
	}
	return fmt.Sprintf("%s (pid %d)", name, pid)
}

func (s *Server) export() error {
	methods := map[string]any{
		"Query":      s.query,
		"BlockInfo":  s.blockInfo,
		"ListBlocks": s.listBlocks,
		"Reload":     s.reload,
		// incidents.go
		"ListIncidents": s.listIncidents,
		"GetIncident":   s.getIncident,
		"GetConditions": s.getConditions,
	}
	props := map[string]any{
		"Get":    s.getProperty,
		"GetAll": s.getAllProperties,
		"Set":    s.setProperty,
	}
	intro := map[string]any{
		"Introspect": func() (string, *godbus.Error) { return introspection.XML, nil },
	}
	for iface, table := range map[string]map[string]any{
		Interface:                             methods,
		"org.freedesktop.DBus.Properties":     props,
		"org.freedesktop.DBus.Introspectable": intro,
	} {
		if err := s.conn.ExportMethodTable(table, ObjectPath, iface); err != nil {
			return fmt.Errorf("export %s on %s: %w", iface, ObjectPath, err)
		}
	}
	return nil
}

func (s *Server) unexport() {
	for _, iface := range []string{Interface, "org.freedesktop.DBus.Properties", "org.freedesktop.DBus.Introspectable"} {
		_ = s.conn.Export(nil, ObjectPath, iface)
	}
}

// Close releases the bus name and unexports the object.
func (s *Server) Close() error {
	_, err := s.conn.ReleaseName(BusName)
	s.unexport()
	if err != nil {
		return fmt.Errorf("release bus name %s: %w", BusName, err)
	}
	return nil
}

// Run announces EventsEmitted with PropertiesChanged, at most once per
// Options.PropertiesInterval and only when it changed, and the incidents
// that changed meanwhile with IncidentChanged, until ctx ends; then it
// returns ctx's error.
func (s *Server) Run(ctx context.Context) error {
	t := time.NewTicker(s.opts.PropertiesInterval)
	defer t.Stop()
	var announced uint64
	_, incVersion := s.backend.IncidentsChanged(math.MaxUint64)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			var err error
			if incVersion, err = s.announceIncidents(incVersion); err != nil {
				return err
			}
			n := s.emitted.Load()
			if n == announced {
				continue
			}
			if err := s.propertiesChanged(map[string]godbus.Variant{"EventsEmitted": godbus.MakeVariant(n)}); err != nil {
				return err
			}
			announced = n
		}
	}
}

func (s *Server) propertiesChanged(changed map[string]godbus.Variant) error {
	err := s.conn.Emit(ObjectPath, "org.freedesktop.DBus.Properties.PropertiesChanged", Interface, changed, []string{})
	if err != nil {
		return fmt.Errorf("emit PropertiesChanged: %w", err)
	}
	return nil
}

// Name names the server as a sink of the daemon's pipeline.
func (s *Server) Name() string { return "dbus" }

// Emit sends ev as a StorageEvent signal, its dictionary with prev_seq
// (chain.go). Calls must come from one goroutine (the daemon's pipeline)
// for the signals to keep the order of the events.
func (s *Server) Emit(ctx context.Context, ev event.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	k := KeyOf(&ev)
	m := EncodeEvent(&ev)
	m[PrevSeqKey] = godbus.MakeVariant(s.chain.next(k, ev.Seq))
	err := s.conn.Emit(ObjectPath, SignalName, k.EventType, k.Severity, k.SubSystem, k.DevWWID, k.DevPath, m)
	if err != nil {
		return fmt.Errorf("emit %s for event %s: %w", Signal, ev.EventID, err)
	}
	s.emitted.Add(1)
	return nil
}

// callContext is the context of one method call's Backend work.
func (s *Server) callContext() (context.Context, context.CancelFunc) {
	s.mu.Lock()
	ctx := s.ctx
	s.mu.Unlock()
	return context.WithTimeout(ctx, s.opts.CallTimeout)
}

// admit counts msg's call in, or refuses it when too many are being
// served (limits.go); done counts it out.
func (s *Server) admit(msg *godbus.Message, query bool) (done func(), err *godbus.Error) {
	sender, _ := msg.Headers[godbus.FieldSender].Value().(string)
	if err := s.gate.enter(sender, query); err != nil {
		return nil, err
	}
	return func() { s.gate.leave(sender, query) }, nil
}

// enter begins a method call: it admits msg (query: a Query, bounded
// apart), refuses arguments args says are bad before polkit is asked, and
// checks that the caller may do action. ctx bounds the call; leave ends
// it, once the call no longer needs ctx.
func (s *Server) enter(msg *godbus.Message, query bool, action string, args func() *godbus.Error) (ctx context.Context, leave func(), err *godbus.Error) {
	done, err := s.admit(msg, query)
	if err != nil {
		return nil, nil, err
	}
	if args != nil {
		if err := args(); err != nil {
			done()
			return nil, nil, err
		}
	}
	ctx, cancel := s.callContext()
	if err := s.auth.check(ctx, msg, action); err != nil {
		cancel()
		done()
		return nil, nil, err
	}
	return ctx, func() { cancel(); done() }, nil
}

func (s *Server) query(msg godbus.Message, filter map[string]godbus.Variant) ([]map[string]godbus.Variant, *godbus.Error) {
	var q QueryFilter
	ctx, leave, gerr := s.enter(&msg, true, ActionQuery, func() *godbus.Error {
		var err error
		if q, err = DecodeFilter(filter, time.Now()); err != nil {
			return invalidArgument("Query: %v", err)
		}
		return nil
	})
	if gerr != nil {
		return nil, gerr
	}
	defer leave()
	f := q.Filter
	f.Limit = min(f.EffectiveLimit(), MaxQueryLimit)
	if q.Blk != "" {
		ids, err := s.identifiers(q.Blk)
		if err != nil {
			return nil, err
		}
		f.Blk = ids
	}
	evs, qerr := s.backend.Query(ctx, f)
	if qerr != nil {
		return nil, newError(ErrFailed, "Query: %v", qerr)
	}
	return encodePage(evs), nil
}

// encodePage encodes the latest of evs (oldest first) that fit in
// MaxReplyBytes, each with its cursor: the first one's is where the page
// before begins (the filter's before).
func encodePage(evs []event.Event) []map[string]godbus.Variant {
	first, size := len(evs), 0
	for first > 0 {
		n := EventSize(&evs[first-1])
		if size+n > MaxReplyBytes && first < len(evs) {
			break
		}
		size += n
		first--
	}
	out := make([]map[string]godbus.Variant, 0, len(evs)-first)
	for i := first; i < len(evs); i++ {
		m := EncodeEvent(&evs[i])
		m[CursorKey] = godbus.MakeVariant(validText(event.CursorOf(&evs[i]).String()))
		out = append(out, m)
	}
	return out
}

// CursorKey is the key of each event of a Query reply that holds its
// cursor (event.Cursor), for the filter's before.
const CursorKey = "cursor"

// EventSize is about the bytes an event takes in a Query reply: its texts,
// and the keys, signatures and padding of its dictionary.
func EventSize(ev *event.Event) int {
	n := 1024 + len(ev.EventID) + len(ev.EventType) + len(ev.SubSystem) + len(ev.Hostname) + len(ev.Kdev) +
		len(ev.DevWWID) + len(ev.DevPath) + len(ev.Msg) + len(ev.RawMsg) + len(ev.RootCauseEventID)
	for _, o := range ev.OwnersWWIDs {
		n += len(o) + 8
	}
	for _, o := range ev.OwnersPaths {
		n += len(o) + 8
	}
	for k, v := range ev.Extension {
		n += len(k) + len(v) + 16
	}
	return n
}

// identifiers expands blk to every identifier of the device, so that events
// logged under any of its names match. A device that is gone (a failed disk
// may have left sysfs) is matched by the name the caller gave.
func (s *Server) identifiers(blk string) ([]string, *godbus.Error) {
	ids, err := s.backend.Identifiers(blk)
	if err == nil && !slices.Contains(ids, blk) {
		ids = append([]string{blk}, ids...)
	}
	if errors.Is(err, sysfs.ErrNotFound) {
		return []string{blk}, nil
	}
	if err != nil {
		return nil, backendError("Query: device "+quote(blk), err)
	}
	return ids, nil
}

func (s *Server) blockInfo(msg godbus.Message, blk string) (map[string]godbus.Variant, *godbus.Error) {
	_, leave, gerr := s.enter(&msg, false, ActionBlockInfo, func() *godbus.Error {
		if len(blk) > MaxArgLen {
			return invalidArgument("BlockInfo: a device name of %d bytes: at most %d", len(blk), MaxArgLen)
		}
		return nil
	})
	if gerr != nil {
		return nil, gerr
	}
	defer leave()
	if blk == "" {
		return nil, invalidArgument("BlockInfo: empty device: give a kernel name, major:minor, /dev path, UUID, WWID or H:C:T:L")
	}
	info, err := s.backend.BlockInfo(blk)
	if err != nil {
		return nil, backendError("BlockInfo "+quote(blk), err)
	}
	return EncodeBlockInfo(&info), nil
}

func (s *Server) listBlocks(msg godbus.Message) ([]map[string]godbus.Variant, *godbus.Error) {
	_, leave, gerr := s.enter(&msg, false, ActionBlockInfo, nil)
	if gerr != nil {
		return nil, gerr
	}
	defer leave()
	infos, err := s.backend.ListBlocks()
	if err != nil {
		return nil, backendError("ListBlocks", err)
	}
	out := make([]map[string]godbus.Variant, len(infos))
	for i := range infos {
		out[i] = EncodeBlockInfo(&infos[i])
	}
	return out, nil
}

func (s *Server) reload(msg godbus.Message) *godbus.Error {
	ctx, leave, gerr := s.enter(&msg, false, ActionManage, nil)
	if gerr != nil {
		return gerr
	}
	defer leave()
	if err := s.backend.Reload(ctx); err != nil {
		return newError(ErrFailed, "Reload: %v; the previous configuration stays in force", err)
	}
	if err := s.propertiesChanged(map[string]godbus.Variant{"Sources": godbus.MakeVariant(s.sources())}); err != nil {
		return newError(ErrFailed, "Reload: %v", err)
	}
	return nil
}

func (s *Server) sources() []string {
	src := s.backend.Sources()
	if src == nil {
		src = []string{}
	}
	return src
}

func (s *Server) properties() map[string]godbus.Variant {
	return map[string]godbus.Variant{
		"Version":       godbus.MakeVariant(s.opts.Version),
		"Sources":       godbus.MakeVariant(s.sources()),
		"EventsEmitted": godbus.MakeVariant(s.emitted.Load()),
	}
}

func (s *Server) getProperty(iface, name string) (godbus.Variant, *godbus.Error) {
	if iface != Interface {
		return godbus.Variant{}, unknownInterface(iface)
	}
	v, ok := s.properties()[name]
	if !ok {
		return godbus.Variant{}, newError("org.freedesktop.DBus.Error.UnknownProperty", "%s has no property %s", Interface, quote(name))
	}
	return v, nil
}

func (s *Server) getAllProperties(iface string) (map[string]godbus.Variant, *godbus.Error) {
	if iface != Interface && iface != "" {
		return nil, unknownInterface(iface)
	}
	return s.properties(), nil
}

func (s *Server) setProperty(iface, name string, _ godbus.Variant) *godbus.Error {
	if _, err := s.getProperty(iface, name); err != nil {
		return err
	}
	return newError("org.freedesktop.DBus.Error.PropertyReadOnly", "property %s.%s is read-only", iface, name)
}

func unknownInterface(iface string) *godbus.Error {
	return newError("org.freedesktop.DBus.Error.UnknownInterface", "object does not implement the interface %s", quote(iface))
}
