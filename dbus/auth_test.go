package dbus

import (
	"os/user"
	"strings"
	"testing"
	"time"

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
	t.Run("user refused incidents", func(t *testing.T) {
		out, err := call(t, true, "ListIncidents", "{}")
		refused(t, out, err, ActionQuery)
		out, err = call(t, true, "GetIncident", "some-id")
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
		if out, err := call(t, true, "GetConditions"); err != nil {
			t.Errorf("GetConditions: %v: %s", err, out)
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
		if out, err := call(t, true, "ListIncidents", "{}"); err != nil {
			t.Errorf("ListIncidents as a systemd-journal member: %v: %s", err, out)
		}
	})
}

// A granted Query check holds for its connection until the TTL passes, and
// only Query checks are kept.
func TestGrantCache(t *testing.T) {
	now := time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)
	a := &authorizer{ttl: 5 * time.Second, now: func() time.Time { return now }, granted: map[string]time.Time{}}
	a.grant(":1.7", ActionQuery)
	a.grant(":1.8", ActionManage)
	for _, tc := range []struct {
		after  time.Duration
		sender string
		want   bool
	}{
		{0, ":1.7", true},
		{4 * time.Second, ":1.7", true},
		{5 * time.Second, ":1.7", false},
		{0, ":1.8", false},
		{0, ":1.9", false},
	} {
		now = time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC).Add(tc.after)
		if got := a.grantedNow(tc.sender); got != tc.want {
			t.Errorf("after %v, grantedNow(%s) = %v, want %v", tc.after, tc.sender, got, tc.want)
		}
	}
	// Expired grants are dropped when the next is recorded.
	now = now.Add(6 * time.Second)
	a.grant(":1.9", ActionQuery)
	if _, ok := a.granted[":1.7"]; ok || len(a.granted) != 1 {
		t.Errorf("granted = %v, want only :1.9", a.granted)
	}
}
