package sysfs

import (
	"errors"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"time"
)

// udevData is what udev's database records of one device
// (<root>/run/udev/data/b<major>:<minor>): its /dev links (S: lines, relative
// to /dev), its properties (E: lines) and when udev first handled it (I:).
type udevData struct {
	Known bool // udev has an entry for the device
	Links []string
	Env   map[string]string
	// Initialized is the I: line, USEC_INITIALIZED: the CLOCK_MONOTONIC
	// time udev first handled the device, kept through its change
	// events; 0 when the entry has none.
	Initialized time.Duration
}

// udev returns udev's database entry of the block device majMin; a device
// udev has not seen (or a system without udev) has an empty one.
func (f FS) udev(majMin string) (udevData, error) {
	p := f.Path("run", "udev", "data", "b"+majMin)
	b, err := readFile(p, maxAttrSize)
	if errors.Is(err, fs.ErrNotExist) {
		return udevData{}, nil
	}
	if err != nil {
		return udevData{}, err
	}
	d := parseUdevData(string(b))
	d.Known = true
	return d, nil
}

// parseUdevData parses a udev database file: one record a line, a type
// letter, ':' and the value ("S:disk/by-id/wwn-0x5000c500a1b2c3d4",
// "E:ID_FS_UUID=3f2a…", "I:1234567"). Lines of other types (L:, W:, G:, Q:,
// V:) and lines it cannot read are skipped: the database is a hint, never
// required.
func parseUdevData(s string) udevData {
	var d udevData
	for _, line := range strings.Split(s, "\n") {
		typ, val, ok := strings.Cut(line, ":")
		if !ok || val == "" {
			continue
		}
		switch typ {
		case "S":
			d.Links = append(d.Links, val)
		case "I":
			if us, err := strconv.ParseUint(val, 10, 63); err == nil && us < math.MaxInt64/1000 {
				d.Initialized = time.Duration(us) * time.Microsecond
			}
		case "E":
			k, v, ok := strings.Cut(val, "=")
			if !ok || k == "" {
				continue
			}
			if d.Env == nil {
				d.Env = make(map[string]string)
			}
			d.Env[k] = v
		}
	}
	return d
}
