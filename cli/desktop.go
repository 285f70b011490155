package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/peripety/peripety/event"
)

// The desktop's notifications are bounded, so that a storm of events
// cannot bury a session in popups: at most notifyBurst new ones in any
// notifyWindow, then one notification that counts the rest, updated in
// place (replaces_id) at most every notifyUpdate.
const (
	notifyBurst  = 3
	notifyWindow = 30 * time.Second
	notifyUpdate = time.Second
)

// notifyDefaultSeverity is what monitor --notify shows when --severity
// does not say: warnings and worse; mounts and the like are for the
// terminal.
const notifyDefaultSeverity = event.Warning

// notifyLimit is the bound on a notifier's popups.
type notifyLimit struct {
	now func() time.Time

	mu    sync.Mutex
	shown []time.Time // when the latest popups were shown, oldest first
	// The notification counting the events over the bound: its id, how
	// many, how bad the worst, since when, when it was last updated, and
	// whether it has events it does not show yet.
	moreID               uint32
	more                 int
	moreWorst            event.Severity
	moreSince, moreShown time.Time
	pending              bool
	timer                *time.Timer
	// seen holds the ids of the latest events shown or counted, oldest
	// first: an event that comes again (fetched after a gap) is not shown
	// twice.
	seen []string
}

// seenEvents bounds notifyLimit.seen.
const seenEvents = 256

// firstTime says whether the event with this id comes for the first time
// lately, and notes it.
func (l *notifyLimit) firstTime(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if id != "" && slices.Contains(l.seen, id) {
		return false
	}
	if len(l.seen) == seenEvents {
		l.seen = l.seen[1:]
	}
	l.seen = append(l.seen, id)
	return true
}

// allow says whether a new popup may be shown now, and notes it if so.
func (l *notifyLimit) allow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for len(l.shown) > 0 && now.Sub(l.shown[0]) >= notifyWindow {
		l.shown = l.shown[1:]
	}
	if len(l.shown) >= notifyBurst {
		return false
	}
	l.shown = append(l.shown, now)
	if len(l.shown) == 1 {
		// A calm spell: the next storm gets a count of its own.
		l.moreID, l.more = 0, 0
	}
	return true
}

// over counts ev among the events over the bound and says whether the
// count's notification is due an update now; when it is not, update is
// called once it is.
func (l *notifyLimit) over(ev *event.Event, update func()) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.more == 0 || ev.Severity < l.moreWorst {
		l.moreWorst = ev.Severity
	}
	if l.more == 0 {
		l.moreSince = ev.Timestamp
	}
	l.more++
	if now.Sub(l.moreShown) >= notifyUpdate {
		l.moreShown, l.pending = now, false
		return true
	}
	if !l.pending {
		l.pending = true
		l.timer = time.AfterFunc(notifyUpdate-now.Sub(l.moreShown), update)
	}
	return false
}

// moreText is the summary and body of the count's notification.
func (l *notifyLimit) moreText() (id uint32, sev event.Severity, summary, body string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = false
	l.moreShown = l.now()
	summary = fmt.Sprintf("%d more storage events", l.more)
	if l.more == 1 {
		summary = "1 more storage event"
	}
	body = "The worst: " + strings.ToLower(l.moreWorst.String()) + ". Too many to show one by one; see them with"
	since := "prpt query"
	if !l.moreSince.IsZero() {
		since += " --since '" + l.moreSince.Local().Format("2006-01-02 15:04:05") + "'"
	}
	return l.moreID, l.moreWorst, summary, markupEscaper.Replace(body + " " + since)
}

func (l *notifyLimit) setMoreID(id uint32) {
	l.mu.Lock()
	l.moreID = id
	l.mu.Unlock()
}

func (l *notifyLimit) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer != nil {
		l.timer.Stop()
	}
}

// showMore shows or updates the count's notification.
func (n *desktopNotifier) showMore(ctx context.Context) error {
	id, sev, summary, body := n.limit.moreText()
	nid, err := n.show(ctx, id, sev, summary, body)
	if err != nil {
		return fmt.Errorf("--notify: %w", err)
	}
	n.limit.setMoreID(nid)
	return nil
}

// diskModel is the model of ev's disk as sysfs names it under root
// (/sys/class/block/<name>/device/model; a partition's disk's), trying the
// event's device and then the devices below it; "" when none says.
func diskModel(root string, ev *event.Event) string {
	names := []string{ev.Kdev}
	for _, p := range ev.OwnersPaths {
		names = append(names, filepath.Base(p))
	}
	for _, name := range names {
		if name == "" || strings.ContainsAny(name, "/:") {
			continue
		}
		dir, err := filepath.EvalSymlinks(filepath.Join(root, "sys/class/block", name))
		if err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "partition")); err == nil {
			dir = filepath.Dir(dir)
		}
		if b, err := os.ReadFile(filepath.Join(dir, "device", "model")); err == nil {
			if m := strings.TrimSpace(string(b)); m != "" {
				return m
			}
		}
	}
	return ""
}
