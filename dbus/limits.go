package dbus

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	godbus "github.com/godbus/dbus/v5"
)

// What the object takes and gives is bounded, so that no caller can make
// the daemon hold unbounded memory or send a reply the bus refuses (the bus
// disconnects a connection that sends a message over its limit, 32 MiB on
// a stock system bus): docs/design.md, "D-Bus API".
const (
	// MaxArgLen bounds a string argument (BlockInfo's blk, a filter value):
	// a path under /dev is at most PATH_MAX.
	MaxArgLen = 4096
	// MaxListLen bounds a list in a filter (event_types, sub_systems).
	MaxListLen = 64
	// MaxQueryLimit bounds Query's limit: a larger one is taken as it.
	MaxQueryLimit = 10000
	// MaxReplyBytes bounds the events of one Query reply: past it the
	// reply holds the latest events that fit, and the caller pages with
	// before.
	MaxReplyBytes = 4 << 20
	// maxCalls bounds the method calls served at once, maxPerCaller those
	// of one connection, maxQueries the Query calls; a call beyond them is
	// refused with ErrLimitsExceeded rather than queued.
	maxCalls     = 32
	maxPerCaller = 8
	maxQueries   = 4
	// maxErrText bounds an error message; maxQuoted an argument quoted in
	// one.
	maxErrText = 512
	maxQuoted  = 64
)

// ErrLimitsExceeded is the standard error name of a call refused because too
// many are being served.
const ErrLimitsExceeded = "org.freedesktop.DBus.Error.LimitsExceeded"

// gate counts the calls being served, in all and per caller.
type gate struct {
	mu      sync.Mutex
	calls   int
	queries int
	per     map[string]int
}

// enter admits a call of sender (a Query when query), or refuses it; the
// caller calls leave once done.
func (g *gate) enter(sender string, query bool) *godbus.Error {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.calls >= maxCalls:
		return newError(ErrLimitsExceeded, "busy: %d calls being served, the most at once; try again", g.calls)
	case g.per[sender] >= maxPerCaller:
		return newError(ErrLimitsExceeded, "busy: %d calls of this connection being served, the most at once; wait for their replies", g.per[sender])
	case query && g.queries >= maxQueries:
		return newError(ErrLimitsExceeded, "busy: %d queries being served, the most at once; try again", g.queries)
	}
	if g.per == nil {
		g.per = map[string]int{}
	}
	g.calls++
	g.per[sender]++
	if query {
		g.queries++
	}
	return nil
}

func (g *gate) leave(sender string, query bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls--
	if g.per[sender]--; g.per[sender] <= 0 {
		delete(g.per, sender)
	}
	if query {
		g.queries--
	}
}

// quote quotes an argument for an error message, cut to maxQuoted bytes.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return fmt.Sprintf("%q", s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:cut], len(s))
}

// clipText cuts an error message to maxErrText bytes.
func clipText(s string) string {
	if len(s) <= maxErrText {
		return s
	}
	cut := maxErrText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// validText is s with each byte that is not UTF-8 replaced by U+FFFD:
// D-Bus strings must be UTF-8 (a kernel line need not be; the journal keeps
// its bytes).
func validText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func validTexts(list []string) []string {
	var out []string
	for i, s := range list {
		if v := validText(s); v != s {
			if out == nil {
				out = slices.Clone(list)
			}
			out[i] = v
		}
	}
	if out == nil {
		return list
	}
	return out
}

func validMap(m map[string]string) map[string]string {
	for k, v := range m {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			out := make(map[string]string, len(m))
			for k, v := range m {
				out[validText(k)] = validText(v)
			}
			return out
		}
	}
	return m
}
