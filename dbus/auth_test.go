package dbus

import (
	"os/user"
	"strings"
	"testing"

	"github.com/peripety/peripety/internal/testenv"
)

// TestAuthorization runs gdbus as a non-root user in no session against a
// real polkitd that has the shipped actions.
func TestAuthorization(t *testing.T) {
	f := startServer(t)
	testenv.Polkit(t, f.bus)
	u := testenv.TestUser(t, "prpttest")
	f.backend.Add(fsError(1))

	call := func(t *testing.T, asUser bool, method string, args ...string) (string, error) {
		t.Helper()
		argv := append([]string{"call", "--system", "--dest", BusName, "--object-path", string(ObjectPath),
			"--method", Interface + "." + method}, args...)
		if !asUser {
			return gdbus(t, argv...)
		}
		gdbus(t, "--help") // skips when gdbus is missing
		out, err := u.Command(t, "gdbus", argv...).CombinedOutput()
		return string(out), err
	}
	refused := func(t *testing.T, out string, err error, action string) {
		t.Helper()
		if err == nil || !strings.Contains(out, ErrNotAuthorized) || !strings.Contains(out, action) {
			t.Errorf("got %v: %s; want %s naming %s", err, out, ErrNotAuthorized, action)
		}
	}

	t.Run("user refused Query", func(t *testing.T) {
		out, err := call(t, true, "Query", "{}")
		refused(t, out, err, ActionQuery)
	})
	t.Run("user allowed BlockInfo", func(t *testing.T) {
		if out, err := call(t, true, "ListBlocks"); err != nil {
			t.Errorf("ListBlocks: %v: %s", err, out)
		}
		// NotFound, not NotAuthorized: the call got past polkit.
		if out, err := call(t, true, "BlockInfo", "nonsense"); err == nil || !strings.Contains(out, ErrNotFound) {
			t.Errorf("BlockInfo nonsense: %v: %s; want %s", err, out, ErrNotFound)
		}
	})
	t.Run("user refused Reload", func(t *testing.T) {
		out, err := call(t, true, "Reload")
		refused(t, out, err, ActionManage)
		if n := f.backend.Reloads(); n != 0 {
			t.Errorf("backend reloaded %d times", n)
		}
	})
	t.Run("root allowed Reload", func(t *testing.T) {
		if out, err := call(t, false, "Reload"); err != nil {
			t.Errorf("Reload as root: %v: %s", err, out)
		}
		if n := f.backend.Reloads(); n != 1 {
			t.Errorf("backend reloaded %d times, want 1", n)
		}
	})
	t.Run("systemd-journal member allowed Query", func(t *testing.T) {
		if _, err := user.LookupGroup("systemd-journal"); err != nil {
			t.Skipf("no systemd-journal group: %v", err)
		}
		u.JoinGroup(t, "systemd-journal")
		out, err := call(t, true, "Query", "{}")
		if err != nil || !strings.Contains(out, "FS_IO_ERROR") {
			t.Errorf("Query as a systemd-journal member: %v: %s", err, out)
		}
	})
}
