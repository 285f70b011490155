package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	godbus "github.com/godbus/dbus/v5"
)

const (
	polkitd          = "/usr/lib/polkit-1/polkitd"
	polkitActionsDir = "/usr/share/polkit-1/actions"
	policyName       = "org.storage.peripety1.policy"
	polkitRulesDir   = "/usr/share/polkit-1/rules.d"
	rulesName        = "org.storage.peripety1.rules"
	// polkitLock is held shared by every test process that runs polkitd
	// with the installed policy, so that the last one out removes it.
	polkitLock = "/run/lock/peripety-testenv-polkit.lock"
	// polkitSaved holds what was installed before the tests (or nothing,
	// when the tests created the file), to be put back by the last one out.
	polkitSaved = "/run/lock/peripety-testenv-polkit.saved"
)

// Polkit installs the shipped polkit actions and rules
// (packaging/polkit-1/actions/org.storage.peripety1.policy,
// packaging/polkit-1/rules.d/org.storage.peripety1.rules) into
// /usr/share/polkit-1, where polkitd reads them, starts polkitd on
// bus, and waits until it serves org.freedesktop.PolicyKit1 and knows the
// actions. When the test ends it stops polkitd and, unless another test
// process still uses them, restores /usr/share/polkit-1 as it was.
func Polkit(t testing.TB, bus *Bus) {
	t.Helper()
	RequireRoot(t, "polkitd starts as root, and the policy goes to "+polkitActionsDir)
	if _, err := os.Stat(polkitd); err != nil {
		t.Skipf("polkitd not installed (apt install polkitd): %v", err)
	}
	installPolicy(t)

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, polkitd, "--no-debug")
	cmd.Env = append(os.Environ(), "DBUS_SYSTEM_BUS_ADDRESS="+bus.Address)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", polkitd, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	conn := bus.Conn(t)
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := polkitKnows(conn, "org.storage.peripety1.query")
		if err == nil {
			return
		}
		select {
		case <-done:
			t.Fatalf("polkitd exited: %v; output:\n%s", cmd.ProcessState, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("polkitd not ready after 15s: %v; output:\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// polkitAction is polkit's (ssssssuuua{ss}) action description.
type polkitAction struct {
	ID, Description, Message, VendorName, VendorURL, IconName string
	ImplicitAny, ImplicitInactive, ImplicitActive             uint32
	Annotations                                               map[string]string
}

// polkitKnows asks polkit's authority whether it knows action.
func polkitKnows(conn *godbus.Conn, action string) error {
	var actions []polkitAction
	err := conn.Object("org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority").
		Call("org.freedesktop.PolicyKit1.Authority.EnumerateActions", 0, "").Store(&actions)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(actions, func(a polkitAction) bool { return a.ID == action }) {
		return fmt.Errorf("polkit does not know %s", action)
	}
	return nil
}

// installPolicy puts the shipped actions and rules in place for the
// test's duration. Test processes share them under a shared flock on
// polkitLock; whoever can take the lock exclusively at the end is the last
// user and restores what was there before.
func installPolicy(t testing.TB) {
	t.Helper()
	lock, err := os.OpenFile(polkitLock, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	flock := func(how int) {
		if err := syscall.Flock(int(lock.Fd()), how); err != nil {
			t.Fatalf("flock %s: %v", polkitLock, err)
		}
	}
	flock(syscall.LOCK_EX)
	files := []struct{ src, dst string }{
		{"packaging/polkit-1/actions/" + policyName, filepath.Join(polkitActionsDir, policyName)},
		{"packaging/polkit-1/rules.d/" + rulesName, filepath.Join(polkitRulesDir, rulesName)},
	}
	for _, f := range files {
		if err := installFile(ShippedFile(t, f.src), f.dst); err != nil {
			lock.Close()
			t.Fatalf("install %s: %v", f.dst, err)
		}
	}
	flock(syscall.LOCK_SH)
	t.Cleanup(func() {
		defer lock.Close()
		if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			return // another test process still runs polkitd with them
		}
		for _, f := range files {
			if err := restoreFile(f.dst); err != nil {
				t.Errorf("restore %s: %v", f.dst, err)
			}
		}
	})
}

// savedPath is where installFile keeps what dst held before the tests.
func savedPath(dst string) string { return polkitSaved + "." + filepath.Base(dst) }

// installFile writes src's content to dst, keeping what dst held first (or
// that it did not exist) for restoreFile, unless it was kept already.
func installFile(src, dst string) error {
	want, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	have, err := os.ReadFile(dst)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, serr := os.Stat(savedPath(dst)); errors.Is(serr, fs.ErrNotExist) {
			err = os.WriteFile(savedPath(dst), nil, 0o600)
		} else {
			err = nil
		}
	case err != nil:
	case !bytes.Equal(have, want):
		if _, serr := os.Stat(savedPath(dst)); errors.Is(serr, fs.ErrNotExist) {
			err = os.WriteFile(savedPath(dst), have, 0o600)
		}
	}
	if err == nil && !bytes.Equal(have, want) {
		err = os.WriteFile(dst, want, 0o644)
	}
	return err
}

// restoreFile puts back what installFile kept of dst.
func restoreFile(dst string) error {
	saved, err := os.ReadFile(savedPath(dst))
	if err != nil {
		return nil // it was installed before any test ran
	}
	if len(saved) == 0 {
		err = os.Remove(dst)
	} else {
		err = os.WriteFile(dst, saved, 0o644)
	}
	os.Remove(savedPath(dst))
	return err
}

// User is a non-root account for authorization tests.
type User struct {
	Name     string
	UID, GID uint32
}

// TestUser returns the account name, creating it with useradd (no home, no
// login shell) when missing and deleting it when the test ends.
func TestUser(t testing.TB, name string) *User {
	t.Helper()
	RequireRoot(t, "useradd creates the test user "+name)
	if _, err := user.Lookup(name); err != nil {
		out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name).CombinedOutput()
		if err != nil {
			t.Skipf("useradd %s: %v: %s", name, err, out)
		}
		t.Cleanup(func() {
			if out, err := exec.Command("userdel", name).CombinedOutput(); err != nil {
				t.Errorf("userdel %s: %v: %s", name, err, out)
			}
		})
	}
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &User{Name: name, UID: uint32(uid), GID: uint32(gid)}
}

// JoinGroup adds the user to group (gpasswd -a) until the test ends.
func (u *User) JoinGroup(t testing.TB, group string) {
	t.Helper()
	if out, err := exec.Command("gpasswd", "-a", u.Name, group).CombinedOutput(); err != nil {
		t.Fatalf("gpasswd -a %s %s: %v: %s", u.Name, group, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("gpasswd", "-d", u.Name, group).CombinedOutput(); err != nil {
			t.Errorf("gpasswd -d %s %s: %v: %s", u.Name, group, err, out)
		}
	})
}

// Command returns cmd set to run as the user with the groups the group
// database gives it now, as a fresh login would have.
func (u *User) Command(t testing.TB, name string, args ...string) *exec.Cmd {
	t.Helper()
	acct, err := user.LookupId(strconv.FormatUint(uint64(u.UID), 10))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := acct.GroupIds()
	if err != nil {
		t.Fatalf("groups of %s: %v", u.Name, err)
	}
	var groups []uint32
	for _, s := range ids {
		if id, err := strconv.ParseUint(s, 10, 32); err == nil {
			groups = append(groups, uint32(id))
		}
	}
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: u.UID, Gid: u.GID, Groups: groups}}
	cmd.Dir = "/"
	return cmd
}
