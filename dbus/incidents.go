package dbus

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	godbus "github.com/godbus/dbus/v5"

	"github.com/peripety/peripety/correlate"
	"github.com/peripety/peripety/event"
)

// The incident signal: IncidentChanged(s incident_id, s state, a{sv}
// incident), sent when an incident opens, changes state or grows (at most
// once per PropertiesInterval for each).
const (
	IncidentSignal     = "IncidentChanged"
	IncidentSignalName = Interface + "." + IncidentSignal
)

// DefaultIncidentLimit is how many incidents ListIncidents returns when the
// filter sets no limit.
const DefaultIncidentLimit = 100

// IncidentFilter is a ListIncidents filter.
type IncidentFilter struct {
	// Open selects the incidents not closed.
	Open bool
	// Since selects the incidents last seen at or after it; zero is open.
	Since time.Time
	// Blk is a device the incident touches, any identifier BlockInfo
	// takes; "" for any. The daemon expands it to every identifier of the
	// device.
	Blk string
	// Limit caps how many incidents are returned (0: DefaultIncidentLimit).
	Limit int
}

// incidentFilterKeys are the keys ListIncidents takes, for errors.
var incidentFilterKeys = []string{"open (b)", "since (t or s)", "blk (s)", "limit (u)"}

// DecodeIncidentFilter reads the a{sv} filter of ListIncidents, with the
// rules of DecodeFilter.
func DecodeIncidentFilter(m map[string]godbus.Variant, now time.Time) (IncidentFilter, error) {
	var f IncidentFilter
	for _, key := range slices.Sorted(maps.Keys(m)) {
		v := m[key]
		var err error
		switch key {
		case "open":
			f.Open, err = variantAs[bool](v)
		case "since":
			f.Since, err = decodeTime(v, now)
		case "blk":
			if f.Blk, err = variantAs[string](v); err == nil && strings.TrimSpace(f.Blk) == "" {
				err = fmt.Errorf("empty device")
			}
		case "limit":
			var n uint32
			if n, err = variantAs[uint32](v); err == nil {
				f.Limit = int(min(n, math.MaxInt32))
			}
		default:
			return IncidentFilter{}, fmt.Errorf("unknown filter key %q: ListIncidents takes %s", key, strings.Join(incidentFilterKeys, ", "))
		}
		if err != nil {
			return IncidentFilter{}, fmt.Errorf("filter key %q: %w", key, err)
		}
	}
	return f, nil
}

// EncodeIncidentFilter is the inverse of DecodeIncidentFilter.
func EncodeIncidentFilter(f IncidentFilter) map[string]godbus.Variant {
	m := map[string]godbus.Variant{}
	if f.Open {
		m["open"] = godbus.MakeVariant(true)
	}
	if !f.Since.IsZero() {
		m["since"] = encodeTime(f.Since)
	}
	if f.Blk != "" {
		m["blk"] = godbus.MakeVariant(f.Blk)
	}
	if f.Limit > 0 {
		m["limit"] = godbus.MakeVariant(uint32(min(f.Limit, math.MaxUint32)))
	}
	return m
}

// selectIncidents returns the incidents of all (most recent first) that f
// selects; ids are every identifier of f.Blk's device.
func selectIncidents(all []correlate.Incident, f IncidentFilter, ids []string) []correlate.Incident {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultIncidentLimit
	}
	var out []correlate.Incident
	for _, inc := range all {
		if len(out) == limit {
			break
		}
		if f.Open && inc.State == correlate.StateClosed || !f.Since.IsZero() && inc.LastSeen.Before(f.Since) {
			continue
		}
		if len(ids) > 0 && !slices.ContainsFunc(inc.Devices, func(a correlate.Affected) bool { return touches(a.DevInfo, ids) }) {
			continue
		}
		out = append(out, inc)
	}
	return out
}

// touches reports whether the device d is named by one of ids.
func touches(d correlate.DevInfo, ids []string) bool {
	for _, v := range []string{d.Name, d.MajMin, d.Path, d.WWID, d.Mount} {
		if v != "" && slices.Contains(ids, v) {
			return true
		}
	}
	return false
}

// EncodeIncident returns the a{sv} form of inc, as ListIncidents,
// GetIncident and IncidentChanged carry it: incident_id, state, severity,
// root_cause_event_id (s); first_seen_usec, last_seen_usec, closed_usec (t,
// microseconds since the epoch, 0 for none); events, lines, version (t);
// open_faults (u); counts (a{st}, events per type); related (as);
// root_cause (a{sv}: event_id, event_type, sub_system, severity, msg,
// layer, condition (s), timestamp_usec (t), device (a{sv})) and devices
// (aa{sv}: the keys of a device, role (s), events (t), conditions (as)).
// A device's keys are kernel_name, major_minor, diskseq, dev_path, wwid and
// mount_point (s).
func EncodeIncident(inc *correlate.Incident) map[string]godbus.Variant {
	counts := inc.Counts
	if counts == nil {
		counts = map[string]uint64{}
	}
	related := inc.Related
	if related == nil {
		related = []string{}
	}
	devs := make([]map[string]godbus.Variant, len(inc.Devices))
	for i, a := range inc.Devices {
		d := encodeDevInfo(&a.DevInfo)
		conds := a.Conditions
		if conds == nil {
			conds = []string{}
		}
		d["role"] = godbus.MakeVariant(a.Role)
		d["events"] = godbus.MakeVariant(a.Events)
		d["conditions"] = godbus.MakeVariant(conds)
		devs[i] = d
	}
	rc := inc.RootCause
	return map[string]godbus.Variant{
		"incident_id":         godbus.MakeVariant(inc.ID),
		"state":               godbus.MakeVariant(string(inc.State)),
		"severity":            godbus.MakeVariant(inc.Severity.String()),
		"root_cause_event_id": godbus.MakeVariant(rc.EventID),
		"first_seen_usec":     godbus.MakeVariant(usecOf(inc.FirstSeen)),
		"last_seen_usec":      godbus.MakeVariant(usecOf(inc.LastSeen)),
		"closed_usec":         godbus.MakeVariant(usecOf(inc.Closed)),
		"events":              godbus.MakeVariant(inc.Events),
		"lines":               godbus.MakeVariant(inc.Lines),
		"version":             godbus.MakeVariant(inc.Version),
		"open_faults":         godbus.MakeVariant(uint32(min(max(inc.OpenFaults, 0), math.MaxUint32))),
		"counts":              godbus.MakeVariant(counts),
		"related":             godbus.MakeVariant(related),
		"devices":             godbus.MakeVariant(devs),
		"root_cause": godbus.MakeVariant(map[string]godbus.Variant{
			"event_id":       godbus.MakeVariant(rc.EventID),
			"event_type":     godbus.MakeVariant(rc.EventType),
			"sub_system":     godbus.MakeVariant(rc.SubSystem),
			"severity":       godbus.MakeVariant(rc.Severity.String()),
			"msg":            godbus.MakeVariant(rc.Msg),
			"layer":          godbus.MakeVariant(rc.Layer),
			"condition":      godbus.MakeVariant(rc.Condition),
			"timestamp_usec": godbus.MakeVariant(usecOf(rc.Time)),
			"device":         godbus.MakeVariant(encodeDevInfo(&rc.Dev)),
		}),
	}
}

// DecodeIncident reads an incident from its a{sv} form, with the rules of
// DecodeEvent; empty lists decode as nil.
func DecodeIncident(m map[string]godbus.Variant) (correlate.Incident, error) {
	var inc correlate.Incident
	d := decoder{m: m}
	var state, sev string
	var first, last, closed uint64
	var openFaults uint32
	var rc, dev map[string]godbus.Variant
	var devs []map[string]godbus.Variant
	d.str("incident_id", &inc.ID)
	d.str("state", &state)
	d.str("severity", &sev)
	get(&d, "first_seen_usec", &first)
	get(&d, "last_seen_usec", &last)
	get(&d, "closed_usec", &closed)
	get(&d, "events", &inc.Events)
	get(&d, "lines", &inc.Lines)
	get(&d, "version", &inc.Version)
	get(&d, "open_faults", &openFaults)
	get(&d, "counts", &inc.Counts)
	d.strs("related", &inc.Related)
	get(&d, "root_cause", &rc)
	get(&d, "devices", &devs)
	if d.err != nil {
		return correlate.Incident{}, d.err
	}
	inc.State, inc.OpenFaults = correlate.State(state), int(openFaults)
	if len(inc.Related) == 0 {
		inc.Related = nil
	}
	inc.FirstSeen, inc.LastSeen, inc.Closed = fromUsec(first), fromUsec(last), fromUsec(closed)
	var err error
	if inc.Severity, err = severityOf(sev); err != nil {
		return correlate.Incident{}, err
	}
	rd := decoder{m: rc}
	var rsev string
	var at uint64
	rd.str("event_id", &inc.RootCause.EventID)
	rd.str("event_type", &inc.RootCause.EventType)
	rd.str("sub_system", &inc.RootCause.SubSystem)
	rd.str("severity", &rsev)
	rd.str("msg", &inc.RootCause.Msg)
	rd.str("layer", &inc.RootCause.Layer)
	rd.str("condition", &inc.RootCause.Condition)
	get(&rd, "timestamp_usec", &at)
	get(&rd, "device", &dev)
	if rd.err != nil {
		return correlate.Incident{}, fmt.Errorf("root_cause: %w", rd.err)
	}
	inc.RootCause.Time = fromUsec(at)
	if inc.RootCause.Severity, err = severityOf(rsev); err != nil {
		return correlate.Incident{}, fmt.Errorf("root_cause: %w", err)
	}
	if inc.RootCause.Dev, err = decodeDevInfo(dev); err != nil {
		return correlate.Incident{}, fmt.Errorf("root_cause: %w", err)
	}
	for i, m := range devs {
		a := correlate.Affected{}
		if a.DevInfo, err = decodeDevInfo(m); err != nil {
			return correlate.Incident{}, fmt.Errorf("device %d: %w", i, err)
		}
		dd := decoder{m: m}
		dd.str("role", &a.Role)
		get(&dd, "events", &a.Events)
		dd.strs("conditions", &a.Conditions)
		if len(a.Conditions) == 0 {
			a.Conditions = nil
		}
		if dd.err != nil {
			return correlate.Incident{}, fmt.Errorf("device %d: %w", i, dd.err)
		}
		inc.Devices = append(inc.Devices, a)
	}
	return inc, nil
}

// EncodeConditions returns the a{sv} form of a device's conditions, as
// GetConditions returns them: the keys of a device, present (b), and
// conditions (aa{sv}: object, state, kind, event_id, source (s: "event"
// or "sysfs") and since_usec (t, 0 when not known)).
func EncodeConditions(dc *correlate.DeviceConditions) map[string]godbus.Variant {
	m := encodeDevInfo(&dc.DevInfo)
	conds := make([]map[string]godbus.Variant, len(dc.Conditions))
	for i, c := range dc.Conditions {
		source := "event"
		if c.EventID == "" {
			source = "sysfs"
		}
		conds[i] = map[string]godbus.Variant{
			"object":     godbus.MakeVariant(c.Object),
			"state":      godbus.MakeVariant(c.State),
			"kind":       godbus.MakeVariant(c.Kind.String()),
			"event_id":   godbus.MakeVariant(c.EventID),
			"source":     godbus.MakeVariant(source),
			"since_usec": godbus.MakeVariant(usecOf(c.Since)),
		}
	}
	m["present"] = godbus.MakeVariant(dc.Present)
	m["conditions"] = godbus.MakeVariant(conds)
	return m
}

// DecodeConditions reads a device's conditions from their a{sv} form.
func DecodeConditions(m map[string]godbus.Variant) (correlate.DeviceConditions, error) {
	var dc correlate.DeviceConditions
	var err error
	if dc.DevInfo, err = decodeDevInfo(m); err != nil {
		return dc, err
	}
	d := decoder{m: m}
	var conds []map[string]godbus.Variant
	get(&d, "present", &dc.Present)
	get(&d, "conditions", &conds)
	if d.err != nil {
		return dc, d.err
	}
	for i, cm := range conds {
		var c correlate.CondState
		var kind string
		var since uint64
		cd := decoder{m: cm}
		cd.str("object", &c.Object)
		cd.str("state", &c.State)
		cd.str("kind", &kind)
		cd.str("event_id", &c.EventID)
		get(&cd, "since_usec", &since)
		if cd.err == nil && kind != "" {
			cd.err = c.Kind.UnmarshalText([]byte(kind))
		}
		if cd.err != nil {
			return dc, fmt.Errorf("condition %d: %w", i, cd.err)
		}
		c.Since = fromUsec(since)
		dc.Conditions = append(dc.Conditions, c)
	}
	return dc, nil
}

func encodeDevInfo(d *correlate.DevInfo) map[string]godbus.Variant {
	return map[string]godbus.Variant{
		"kernel_name": godbus.MakeVariant(d.Name),
		"major_minor": godbus.MakeVariant(d.MajMin),
		"diskseq":     godbus.MakeVariant(d.Seq),
		"dev_path":    godbus.MakeVariant(d.Path),
		"wwid":        godbus.MakeVariant(d.WWID),
		"mount_point": godbus.MakeVariant(d.Mount),
	}
}

func decodeDevInfo(m map[string]godbus.Variant) (correlate.DevInfo, error) {
	var dv correlate.DevInfo
	d := decoder{m: m}
	d.str("kernel_name", &dv.Name)
	d.str("major_minor", &dv.MajMin)
	d.str("diskseq", &dv.Seq)
	d.str("dev_path", &dv.Path)
	d.str("wwid", &dv.WWID)
	d.str("mount_point", &dv.Mount)
	return dv, d.err
}

func fromUsec(us uint64) time.Time {
	if us == 0 || us > math.MaxInt64 {
		return time.Time{}
	}
	return time.UnixMicro(int64(us))
}

func severityOf(s string) (event.Severity, error) {
	if s == "" {
		return 0, nil
	}
	sev, err := event.ParseSeverity(s)
	if err != nil {
		return 0, fmt.Errorf("severity: %w", err)
	}
	return sev, nil
}

// announceIncidents sends IncidentChanged for each incident changed after
// version since, and returns the version they bring the server to.
func (s *Server) announceIncidents(since uint64) (uint64, error) {
	incs, now := s.backend.IncidentsChanged(since)
	for i := range incs {
		inc := &incs[i]
		if err := s.conn.Emit(ObjectPath, IncidentSignalName, inc.ID, string(inc.State), EncodeIncident(inc)); err != nil {
			return since, fmt.Errorf("emit %s for incident %s: %w", IncidentSignal, inc.ID, err)
		}
	}
	return now, nil
}

func (s *Server) listIncidents(msg godbus.Message, filter map[string]godbus.Variant) ([]map[string]godbus.Variant, *godbus.Error) {
	_, leave, gerr := s.enter(&msg, false, ActionQuery, func() *godbus.Error {
		if err := boundedFilter(filter); err != nil {
			return invalidArgument("ListIncidents: %v", err)
		}
		return nil
	})
	if gerr != nil {
		return nil, gerr
	}
	defer leave()
	f, err := DecodeIncidentFilter(filter, time.Now())
	if err != nil {
		return nil, invalidArgument("ListIncidents: %v", err)
	}
	var ids []string
	if f.Blk != "" {
		var derr *godbus.Error
		if ids, derr = s.identifiers(f.Blk); derr != nil {
			return nil, derr
		}
	}
	incs := selectIncidents(s.backend.Incidents(), f, ids)
	out := make([]map[string]godbus.Variant, len(incs))
	for i := range incs {
		out[i] = EncodeIncident(&incs[i])
	}
	return out, nil
}

func (s *Server) getIncident(msg godbus.Message, id string) (map[string]godbus.Variant, *godbus.Error) {
	_, leave, gerr := s.enter(&msg, false, ActionQuery, func() *godbus.Error {
		if len(id) > MaxArgLen {
			return invalidArgument("GetIncident: an id of %d bytes: at most %d", len(id), MaxArgLen)
		}
		return nil
	})
	if gerr != nil {
		return nil, gerr
	}
	defer leave()
	inc, ok := s.backend.Incident(id)
	if !ok {
		return nil, newError(ErrNotFound, "GetIncident: no incident %s: ListIncidents lists those the daemon holds; "+
			"the events of an older one are in the journal (Query with incident_id)", quote(id))
	}
	return EncodeIncident(&inc), nil
}

func (s *Server) getConditions(msg godbus.Message) ([]map[string]godbus.Variant, *godbus.Error) {
	_, leave, gerr := s.enter(&msg, false, ActionBlockInfo, nil)
	if gerr != nil {
		return nil, gerr
	}
	defer leave()
	devs, err := s.backend.Conditions()
	if err != nil && len(devs) == 0 {
		return nil, backendError("GetConditions", err)
	}
	out := make([]map[string]godbus.Variant, len(devs))
	for i := range devs {
		out[i] = EncodeConditions(&devs[i])
	}
	return out, nil
}
