package config

import (
	"fmt"
	"net"
	"path/filepath"
	"time"
)

// Defaults of the [metrics] section (peripetyd.conf(5), "SECTION [metrics]").
const (
	DefaultMetricsSocket    = "/run/peripetyd/metrics.sock"
	DefaultTextfileInterval = 15 * time.Second
	DefaultMaxDevices       = 100
)

// Metrics is the [metrics] section: where the Prometheus metrics are
// served or written.
type Metrics struct {
	// Socket is the unix socket served on ("" for none).
	Socket string
	// Listen is a TCP address (host:port) also served on ("" for none).
	Listen string
	// TextfileDirectory is where peripety.prom is written for
	// node_exporter's textfile collector ("" for none), every
	// TextfileInterval.
	TextfileDirectory string
	TextfileInterval  time.Duration
	// MaxDevices bounds the devices counted one by one; events on any
	// further device are counted under wwid="other".
	MaxDevices int
}

func defaultMetrics() Metrics {
	return Metrics{Socket: DefaultMetricsSocket, TextfileInterval: DefaultTextfileInterval, MaxDevices: DefaultMaxDevices}
}

// Enabled says whether the metrics are served or written anywhere.
func (m *Metrics) Enabled() bool {
	return m.Socket != "" || m.Listen != "" || m.TextfileDirectory != ""
}

type fileMetrics struct {
	Socket            *string `toml:"socket"`
	Listen            *string `toml:"listen"`
	TextfileDirectory *string `toml:"textfile_directory"`
	TextfileInterval  *string `toml:"textfile_interval"`
	MaxDevices        *int    `toml:"max_devices"`
}

// addMetrics decodes the [metrics] keys of one file over c.Metrics.
func (c *Config) addMetrics(fm *fileMetrics, where func(key string) string) error {
	m := &c.Metrics
	for _, p := range []struct {
		key      string
		src, dst *string
	}{{"socket", fm.Socket, &m.Socket}, {"textfile_directory", fm.TextfileDirectory, &m.TextfileDirectory}} {
		if p.src == nil {
			continue
		}
		if *p.src != "" && !filepath.IsAbs(*p.src) {
			return fmt.Errorf("%s: %q: want an absolute path, or \"\" for none", where(p.key), *p.src)
		}
		*p.dst = *p.src
	}
	if fm.Listen != nil {
		if *fm.Listen != "" {
			host, port, err := net.SplitHostPort(*fm.Listen)
			if err != nil || port == "" || net.ParseIP(host) == nil && host != "localhost" {
				return fmt.Errorf("%s: %q: want an IP address and a port, such as \"127.0.0.1:9750\", or \"\" for none", where("listen"), *fm.Listen)
			}
		}
		m.Listen = *fm.Listen
	}
	if fm.TextfileInterval != nil {
		v, err := parseDuration(*fm.TextfileInterval)
		if err != nil || v < time.Second {
			return fmt.Errorf("%s: %q: want a duration of at least 1s such as \"15s\"", where("textfile_interval"), *fm.TextfileInterval)
		}
		m.TextfileInterval = v
	}
	if fm.MaxDevices != nil {
		if *fm.MaxDevices < 0 {
			return fmt.Errorf("%s: %d: want 0 or more", where("max_devices"), *fm.MaxDevices)
		}
		m.MaxDevices = *fm.MaxDevices
	}
	return nil
}
