package client

import (
	"context"
	"fmt"

	godbus "github.com/godbus/dbus/v5"

	"github.com/peripety/peripety/correlate"
	pdbus "github.com/peripety/peripety/dbus"
)

// ListIncidents returns the incidents the daemon holds that f selects,
// most recently seen first.
func (c *Client) ListIncidents(ctx context.Context, f pdbus.IncidentFilter) ([]correlate.Incident, error) {
	ms, err := c.callMaps(ctx, "ListIncidents", pdbus.EncodeIncidentFilter(f))
	if err != nil {
		return nil, err
	}
	out := make([]correlate.Incident, 0, len(ms))
	for i, m := range ms {
		inc, err := pdbus.DecodeIncident(m)
		if err != nil {
			return nil, fmt.Errorf("ListIncidents: incident %d: %w", i, err)
		}
		out = append(out, inc)
	}
	return out, nil
}

// GetIncident returns one incident; one the daemon does not hold is an
// error wrapping ErrNotFound.
func (c *Client) GetIncident(ctx context.Context, id string) (correlate.Incident, error) {
	var m map[string]godbus.Variant
	if err := c.call(ctx, "GetIncident", []any{&m}, id); err != nil {
		return correlate.Incident{}, err
	}
	inc, err := pdbus.DecodeIncident(m)
	if err != nil {
		return correlate.Incident{}, fmt.Errorf("GetIncident %s: %w", id, err)
	}
	return inc, nil
}

// Conditions returns the conditions of every block device.
func (c *Client) Conditions(ctx context.Context) ([]correlate.DeviceConditions, error) {
	ms, err := c.callMaps(ctx, "GetConditions")
	if err != nil {
		return nil, err
	}
	out := make([]correlate.DeviceConditions, 0, len(ms))
	for i, m := range ms {
		dc, err := pdbus.DecodeConditions(m)
		if err != nil {
			return nil, fmt.Errorf("GetConditions: device %d: %w", i, err)
		}
		out = append(out, dc)
	}
	return out, nil
}

// incidentSignal hands the incident of an IncidentChanged signal to
// handle; a signal this client does not understand is left out.
func incidentSignal(sig *godbus.Signal, handle func(correlate.Incident) error) error {
	if len(sig.Body) != 3 {
		return nil
	}
	m, ok := sig.Body[2].(map[string]godbus.Variant)
	if !ok {
		return nil
	}
	inc, err := pdbus.DecodeIncident(m)
	if err != nil {
		return nil
	}
	return handle(inc)
}
