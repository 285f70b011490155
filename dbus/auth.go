package dbus

import (
	"context"
	"fmt"
	"os/user"
	"slices"
	"strconv"
	"sync"
	"time"

	godbus "github.com/godbus/dbus/v5"
)

// polkit's authority on the system bus.
const (
	polkitName      = "org.freedesktop.PolicyKit1"
	polkitPath      = godbus.ObjectPath("/org/freedesktop/PolicyKit1/Authority")
	polkitCheckAuth = "org.freedesktop.PolicyKit1.Authority.CheckAuthorization"
	// polkitAllowUserInteraction is CheckAuthorizationFlags.AllowUserInteraction.
	polkitAllowUserInteraction = uint32(1)
)

// DefaultTrustedGroups are the groups whose members may Query without asking
// polkit: they may read the journal, where the events are stored, anyway.
var DefaultTrustedGroups = []string{"systemd-journal", "adm"}

// polkitSubject is polkit's (sa{sv}) subject.
type polkitSubject struct {
	Kind    string
	Details map[string]godbus.Variant
}

// polkitResult is polkit's (bba{ss}) authorization result.
type polkitResult struct {
	IsAuthorized bool
	IsChallenge  bool
	Details      map[string]string
}

// authorizer decides whether the sender of a method call may do an action:
// root always may (as polkit itself rules), members of trusted groups may
// Query, everyone else is up to polkit's CheckAuthorization with the caller's
// bus name as subject. Granted Query checks are remembered per connection
// for ttl, so that a client paging through events asks polkit once.
type authorizer struct {
	conn    *godbus.Conn
	trusted []uint32
	ttl     time.Duration
	now     func() time.Time

	mu      sync.Mutex
	granted map[string]time.Time // unique bus name → end of the grant
}

// trustedGIDs looks up the ids of groups; groups this system lacks are left out.
func trustedGIDs(groups []string) []uint32 {
	var gids []uint32
	for _, name := range groups {
		g, err := user.LookupGroup(name)
		if err != nil {
			continue
		}
		if id, err := strconv.ParseUint(g.Gid, 10, 32); err == nil {
			gids = append(gids, uint32(id))
		}
	}
	return gids
}

// caller is what the bus daemon knows of the process behind a connection.
type caller struct {
	uid  uint32
	gids []uint32
}

// credentials asks the bus for the uid and groups of sender
// (GetConnectionCredentials); when the bus does not say the groups, they are
// the user's groups in the group database.
func (a *authorizer) credentials(ctx context.Context, sender string) (caller, error) {
	var creds map[string]godbus.Variant
	err := a.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetConnectionCredentials", 0, sender).Store(&creds)
	if err != nil {
		return caller{}, fmt.Errorf("credentials of %s: %w", sender, err)
	}
	var c caller
	uid, ok := creds["UnixUserID"].Value().(uint32)
	if !ok {
		return caller{}, fmt.Errorf("credentials of %s: the bus gives no UnixUserID", sender)
	}
	c.uid = uid
	if gids, ok := creds["UnixGroupIDs"].Value().([]uint32); ok {
		c.gids = gids
		return c, nil
	}
	u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10))
	if err != nil {
		return c, nil // no groups known: the caller is judged by polkit alone
	}
	ids, _ := u.GroupIds()
	for _, s := range ids {
		if id, err := strconv.ParseUint(s, 10, 32); err == nil {
			c.gids = append(c.gids, uint32(id))
		}
	}
	return c, nil
}

// check returns nil when the sender of msg may do action, else a
// NotAuthorized error naming the action (or Failed when the check itself
// failed). polkit may ask the user only when the caller set
// ALLOW_INTERACTIVE_AUTHORIZATION on its call.
func (a *authorizer) check(ctx context.Context, msg *godbus.Message, action string) *godbus.Error {
	sender, _ := msg.Headers[godbus.FieldSender].Value().(string)
	if sender == "" {
		return newError(ErrNotAuthorized, "not authorized to %s (polkit action %s): the call has no sender", actionPurpose[action], action)
	}
	if action == ActionQuery && a.grantedNow(sender) {
		return nil
	}
	c, err := a.credentials(ctx, sender)
	if err != nil {
		return newError(ErrFailed, "authorization for %s: %v", action, err)
	}
	if c.uid == 0 || (action == ActionQuery && slices.ContainsFunc(c.gids, func(g uint32) bool { return slices.Contains(a.trusted, g) })) {
		a.grant(sender, action)
		return nil
	}
	interactive := msg.Flags&godbus.FlagAllowInteractiveAuthorization != 0
	var flags uint32
	if interactive {
		flags = polkitAllowUserInteraction
	}
	subject := polkitSubject{Kind: "system-bus-name", Details: map[string]godbus.Variant{"name": godbus.MakeVariant(sender)}}
	var res polkitResult
	err = a.conn.Object(polkitName, polkitPath).CallWithContext(ctx, polkitCheckAuth, 0,
		subject, action, map[string]string{}, flags, "").Store(&res)
	if err != nil {
		return newError(ErrFailed, "authorization for %s: polkit: %v (is polkitd running?)", action, err)
	}
	if !res.IsAuthorized {
		hint := ""
		if res.IsChallenge && !interactive {
			hint = "; authentication is required: call with interactive authorization allowed from a session with a polkit agent, or as root"
		}
		return newError(ErrNotAuthorized, "not authorized to %s (polkit action %s)%s", actionPurpose[action], action, hint)
	}
	a.grant(sender, action)
	return nil
}

func (a *authorizer) grantedNow(sender string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	until, ok := a.granted[sender]
	return ok && a.now().Before(until)
}

// grant remembers a granted Query check of sender, and forgets expired ones.
func (a *authorizer) grant(sender, action string) {
	if action != ActionQuery || a.ttl <= 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	for s, until := range a.granted {
		if !now.Before(until) {
			delete(a.granted, s)
		}
	}
	a.granted[sender] = now.Add(a.ttl)
}
