package correlate

import (
	"fmt"
	"strings"
	"time"

	"github.com/peripety/peripety/event"
)

// Kind says what a condition does to the faults open on its device.
type Kind uint8

const (
	// NoCondition: the event states no condition.
	NoCondition Kind = iota
	// Fault opens a fault: the device lost redundancy or access.
	Fault
	// Recovering: the device is being repaired (an md rebuild); its
	// faults stay open.
	Recovering
	// Clear: the device is well again; it closes the faults the condition
	// clears (see clears).
	Clear
)

var kindNames = [...]string{NoCondition: "", Fault: "fault", Recovering: "recovering", Clear: "clear"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Condition is a device condition as events state it: "<object>:<state>"
// (path:failed, array:degraded, fs:ro; docs/conditions.md) and what it
// does.
type Condition struct {
	// Object is what the condition is of: path, device, link, ctrl,
	// member, array, pool, fs.
	Object string `json:"object"`
	State  string `json:"state"`
	Kind   Kind   `json:"kind"`
}

// ParseCondition splits a condition name, "path:failed", into its object
// and state; kind is what the vocabulary says it does.
func ParseCondition(name string, kind Kind) (Condition, error) {
	obj, state, ok := strings.Cut(name, ":")
	if !ok || obj == "" || state == "" {
		return Condition{}, fmt.Errorf("condition %q: want object:state", name)
	}
	return Condition{Object: obj, State: state, Kind: kind}, nil
}

// Name is the condition as events carry it: "path:failed".
func (c Condition) Name() string {
	if c.Object == "" {
		return ""
	}
	return c.Object + ":" + c.State
}

// clears lists, for the object of a clearing condition, the objects whose
// faults on the same device it closes. A path dm-multipath reinstated is
// a device that answers again, over a link that is up; a device that runs
// again is reached over a link that is up. An object not listed clears
// itself only. An array that is clean again also closes the failures of
// its members (Input.Scope).
var clears = map[string][]string{
	"path":   {"path", "device", "link", "ctrl"},
	"device": {"device", "link", "ctrl"},
	"ctrl":   {"ctrl", "link"},
}

func clearedBy(obj string) []string {
	if objs, ok := clears[obj]; ok {
		return objs
	}
	return []string{obj}
}

// Layer is where in the stack an event speaks, bottom up: a fault can be
// the cause of an event at its own layer or above on the same device.
type Layer uint8

const (
	// Transport: links, hosts, controllers (SATA link, iSCSI session,
	// FC remote port, NVMe controller).
	Transport Layer = iota
	// Device: the disk itself (SCSI sense, libata command errors, NVMe
	// status).
	Device
	// Block: the block layer's end of a request.
	Block
	// Mapping: device-mapper, md and thin pools, and the paths, members
	// and pools they are built of.
	Mapping
	// Buffer: the page cache's buffers over a device.
	Buffer
	// Filesystem: filesystems and their journals.
	Filesystem
	numLayers
)

var layerNames = [...]string{"transport", "device", "block", "mapping", "buffer", "filesystem"}

func (l Layer) String() string {
	if l < numLayers {
		return layerNames[l]
	}
	return fmt.Sprintf("Layer(%d)", l)
}

// objectLayers places the objects of conditions.
var objectLayers = map[string]Layer{
	"link": Transport, "ctrl": Transport,
	"device": Device,
	"path":   Mapping, "member": Mapping, "array": Mapping, "pool": Mapping,
	"fs": Filesystem,
}

// LayerOf places an event of sub-system sub and type typ stating c: the
// condition's object decides when it has one (an md member's failure
// speaks for the array's layer, a SATA link's for the transport), else
// the sub-system.
func LayerOf(sub, typ string, c Condition) Layer {
	if l, ok := objectLayers[c.Object]; ok {
		return l
	}
	switch {
	case event.IsFilesystem(sub):
		return Filesystem
	case typ == "BUFFER_IO_ERROR":
		return Buffer
	case sub == event.SubBlock:
		return Block
	case sub == event.SubMultipath, sub == event.SubDM, sub == event.SubDirtyLog, sub == event.SubThin, sub == event.SubMD:
		return Mapping
	case sub == event.SubISCSI, sub == event.SubFC:
		return Transport
	}
	return Device
}

// DefaultWindows are how long an error that states no condition stays a
// cause after its last occurrence, by its layer. Each covers the time the
// layers above take to meet the same fault: a SCSI command's default
// timeout (30 s) for the device and block layers and the maps over them;
// a filesystem's next journal commit and writeback of dirty pages (up to
// dirty_expire_centisecs, 30 s, plus a commit interval) for filesystem
// errors; link recovery (libata's reset retries, iSCSI's and FC's
// recovery timeouts are longer and state a link condition) for the
// transport.
var DefaultWindows = [numLayers]time.Duration{
	Transport:  60 * time.Second,
	Device:     30 * time.Second,
	Block:      30 * time.Second,
	Mapping:    30 * time.Second,
	Buffer:     30 * time.Second,
	Filesystem: 60 * time.Second,
}

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) {
	if int(k) >= len(kindNames) {
		return nil, fmt.Errorf("invalid condition kind %d", k)
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText reads a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("unknown condition kind %q", b)
}

// MarshalText writes the layer's name.
func (l Layer) MarshalText() ([]byte, error) {
	if l >= numLayers {
		return nil, fmt.Errorf("invalid layer %d", l)
	}
	return []byte(layerNames[l]), nil
}

// UnmarshalText reads a layer's name.
func (l *Layer) UnmarshalText(b []byte) error {
	for i, n := range layerNames {
		if n == string(b) {
			*l = Layer(i)
			return nil
		}
	}
	return fmt.Errorf("unknown layer %q", b)
}
