package service

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/sysfs"
	"github.com/peripety/peripety/sysfs/sysfstest"
)

// TestRemotePortAfterItsDisks: FC_RPORT_LOST (rport-2:0-3: blocked FC
// remote port time out: removing target and saving binding) is read once
// the port's targets are gone. The disks behind the port were recorded at
// start (ListBlocks' owners), so the event takes the identity of the one
// behind it, with its transport, and says why it is incomplete.
func TestRemotePortAfterItsDisks(t *testing.T) {
	root := sysfstest.Build(t, "fc-mpath-lvm")
	r := sysfs.NewResolver(root)
	ids, err := OpenIdentityStore(NewStateDirMust(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	blocks, err := r.ListBlocks()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		ids.Record(b, nil, t0)
	}
	// The targets behind rport-2:0-3 go: sdb and sdf.
	for _, sd := range []string{"sdb", "sdf"} {
		if err := os.Remove(filepath.Join(root, "sys/class/block", sd)); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(root, "sys/block", sd)); err != nil {
			t.Fatal(err)
		}
	}
	rs := &resolution{r: r, ids: ids, now: func() time.Time { return t0.Add(time.Minute) }}
	ev := event.Event{EventType: "FC_RPORT_LOST", SubSystem: event.SubFC, Kdev: "rport-2:0-3", Severity: event.Error,
		Timestamp: t0.Add(time.Minute)}
	l := rs.lookUp(&ev)
	if !errors.Is(l.err, sysfs.ErrNotFound) {
		t.Fatalf("ForEvent(rport-2:0-3) with its disks gone = %v, want ErrNotFound", l.err)
	}
	rs.resolve(&ev, l)
	if ev.DevWWID != "naa.600a098038303053453f463045727a4b" || ev.Ext("target_wwpn") != "0x500a0982891b8dc5" ||
		!strings.Contains(ev.Ext("resolve_error"), "identity as last seen") {
		t.Errorf("FC_RPORT_LOST after its disks went: dev_wwid %q, target_wwpn %q, resolve_error %q; want sdb's LUN and port",
			ev.DevWWID, ev.Ext("target_wwpn"), ev.Ext("resolve_error"))
	}
}
