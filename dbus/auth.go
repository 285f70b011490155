package dbus

import (
	"context"
	"fmt"
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
// root always may (as polkit itself rules), everyone else is up to polkit's
// CheckAuthorization with the caller's bus name as subject. Who else may
// Query without authenticating (the groups that may read the journal) is
// polkit's to say: the shipped rules file
// (packaging/polkit-1/rules.d/org.storage.peripety1.rules), which an
// administrator can replace, not this code. Granted Query checks are
// remembered per connection for ttl, so that a client paging through
// events asks polkit once.
type authorizer struct {
	conn *godbus.Conn
	ttl  time.Duration
	now  func() time.Time

	mu      sync.Mutex
	granted map[string]time.Time // unique bus name → end of the grant
}

// callerUID asks the bus for the uid of the process behind sender
// (GetConnectionUnixUser).
func (a *authorizer) callerUID(ctx context.Context, sender string) (uint32, error) {
	var uid uint32
	err := a.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetConnectionUnixUser", 0, sender).Store(&uid)
	if err != nil {
		return 0, fmt.Errorf("uid of %s: %w", sender, err)
	}
	return uid, nil
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
	uid, err := a.callerUID(ctx, sender)
	if err != nil {
		return newError(ErrFailed, "authorization for %s: %v", action, err)
	}
	if uid == 0 {
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
