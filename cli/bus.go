package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"time"

	godbus "github.com/godbus/dbus/v5"
	"github.com/peripety/peripety/correlate"
	pdbus "github.com/peripety/peripety/dbus"
	"github.com/peripety/peripety/dbus/client"
	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/explain"
	"github.com/peripety/peripety/sysfs"
)

// The bus paths of prpt query, monitor, info and list: the daemon answers
// over D-Bus (org.storage.Peripety1 on the system bus).

// connectDaemon connects to the system bus; alternative names the flag that
// works without the daemon, for the error.
func connectDaemon(alternative string) (*client.Client, error) {
	c, err := client.Connect()
	if err != nil {
		return nil, daemonError(err, alternative)
	}
	return c, nil
}

// daemonError turns "no daemon on the bus" into what to do about it.
func daemonError(err error, alternative string) error {
	if errors.Is(err, client.ErrNotRunning) {
		return fmt.Errorf("daemon not running: start peripetyd or use %s", alternative)
	}
	if errors.Is(err, client.ErrNotAuthorized) {
		return fmt.Errorf("%w (members of the systemd-journal group may also use --journal)", err)
	}
	var derr godbus.Error
	if errors.As(err, &derr) && strings.HasPrefix(derr.Name, "org.freedesktop.DBus.Error.Spawn.") {
		// Started by the bus, the daemon stopped at once: what it said
		// (a bad config file, say) is in its log, not in the bus error.
		return fmt.Errorf("the bus could not start peripetyd (%s): its log says why (journalctl -u peripetyd), or use %s", derr.Name, alternative)
	}
	return err
}

// busFilter is f as the daemon takes it: the device as the user named it
// (the daemon expands it to every identifier itself; f carries none).
func busFilter(f event.Filter, blk string) pdbus.QueryFilter {
	return pdbus.QueryFilter{Filter: f, Blk: blk}
}

// busQuery returns the stored events that pass q, from the daemon.
func busQuery(ctx context.Context, q pdbus.QueryFilter) ([]event.Event, error) {
	c, err := connectDaemon("--journal")
	if err != nil {
		return nil, err
	}
	defer c.Close()
	evs, err := c.QueryAll(ctx, q)
	return evs, daemonError(err, "--journal")
}

// busMonitor calls handle for each new event that passes q, in order, until
// ctx ends (then it returns nil) or handle fails; and incident, when set,
// for each incident that changes. warn hears of events that were missed
// and could not be fetched.
func busMonitor(ctx context.Context, q pdbus.QueryFilter, handle func(event.Event) error, incident func(correlate.Incident) error,
	warn func(string)) error {
	c, err := connectDaemon("--journal")
	if err != nil {
		return err
	}
	defer c.Close()
	// Fail early, and clearly, when the daemon is not there: a subscription
	// alone would wait silently for it.
	if _, err := c.Version(ctx); err != nil {
		return daemonError(err, "--journal")
	}
	if !receivesEvents() {
		warn("the bus gives storage events only to root and the members of systemd-journal and adm (their text is the kernel log's): this monitor will show none")
	}
	s := client.Subscription{Filter: q, Incidents: incident, Missed: func(from, to uint64, err error) {
		warn(fmt.Sprintf("events %d to %d were missed and could not be fetched: %v", from, to, err))
	}}
	err = c.Subscribe(ctx, s, handle)
	if ctx.Err() != nil {
		return nil
	}
	return daemonError(err, "--journal")
}

// eventReaders are the groups the bus policy gives StorageEvent to, besides
// root (packaging/dbus-1/system.d/org.storage.Peripety1.conf).
var eventReaders = []string{"systemd-journal", "adm"}

// receivesEvents says whether the bus policy gives this process the
// StorageEvent signal.
func receivesEvents() bool {
	if os.Geteuid() == 0 {
		return true
	}
	gids, _ := os.Getgroups()
	gids = append(gids, os.Getegid())
	for _, name := range eventReaders {
		g, err := user.LookupGroup(name)
		if err != nil {
			continue
		}
		for _, gid := range gids {
			if strconv.Itoa(gid) == g.Gid {
				return true
			}
		}
	}
	return false
}

// busInfo resolves blk through the daemon.
func busInfo(ctx context.Context, blk string) (sysfs.BlockInfo, error) {
	c, err := connectDaemon("--local")
	if err != nil {
		return sysfs.BlockInfo{}, err
	}
	defer c.Close()
	info, err := c.BlockInfo(ctx, blk)
	return info, daemonError(err, "--local")
}

// busList lists the top-level block devices through the daemon.
func busList(ctx context.Context) ([]sysfs.BlockInfo, error) {
	c, err := connectDaemon("--local")
	if err != nil {
		return nil, err
	}
	defer c.Close()
	infos, err := c.ListBlocks(ctx)
	return infos, daemonError(err, "--local")
}

// desktopNotifier shows events as desktop notifications through
// org.freedesktop.Notifications on the session bus (the Desktop
// Notifications Specification,
// https://specifications.freedesktop.org/notification-spec/latest/).
type desktopNotifier struct {
	conn *godbus.Conn
	// min is the least severity shown (notifyDefaultSeverity unless
	// --severity says); limit bounds the popups.
	min   event.Severity
	limit *notifyLimit
	// ctx is what a delayed update of the count's notification runs in.
	ctx context.Context
}

// newDesktopNotifier connects to the session bus
// (DBUS_SESSION_BUS_ADDRESS) and checks that a notification server is there.
func newDesktopNotifier(ctx context.Context) (*desktopNotifier, error) {
	conn, err := godbus.ConnectSessionBus()
	if err != nil {
		return nil, fmt.Errorf("--notify: connect to the session bus: %w", err)
	}
	var name, vendor, version, spec string
	err = conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications").
		CallWithContext(ctx, "org.freedesktop.Notifications.GetServerInformation", 0).Store(&name, &vendor, &version, &spec)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("--notify: no notification server on the session bus: %w", err)
	}
	return &desktopNotifier{conn: conn, min: notifyDefaultSeverity, limit: &notifyLimit{now: time.Now}, ctx: ctx}, nil
}

// Close closes the session bus connection.
func (n *desktopNotifier) Close() error {
	n.limit.stop()
	return n.conn.Close()
}

// Notify shows ev as one notification, when it is at least n.min severe;
// past the bound of notifyLimit, it counts ev in one notification instead.
func (n *desktopNotifier) Notify(ctx context.Context, ev event.Event) error {
	if !ev.Severity.AtLeast(n.min) || !n.limit.firstTime(ev.EventID) {
		return nil
	}
	if !n.limit.allow() {
		if n.limit.over(&ev, func() { n.showMore(n.ctx) }) {
			return n.showMore(ctx)
		}
		return nil
	}
	summary, body := notificationText(&ev)
	_, err := n.show(ctx, 0, ev.Severity, summary, body)
	if err != nil {
		return fmt.Errorf("--notify: event %s: %w", ev.EventID, err)
	}
	return nil
}

// show shows a notification, in place of the one replaces names when it
// is not 0, and returns its id.
func (n *desktopNotifier) show(ctx context.Context, replaces uint32, sev event.Severity, summary, body string) (uint32, error) {
	hints := map[string]godbus.Variant{
		"urgency":  godbus.MakeVariant(urgency(sev)),
		"category": godbus.MakeVariant(category(sev)),
	}
	var id uint32
	err := n.conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications").
		CallWithContext(ctx, "org.freedesktop.Notifications.Notify", 0,
			"Peripety", replaces, "drive-harddisk", summary, body, []string{}, hints, int32(-1)).Store(&id)
	return id, err
}

// Urgency levels of the notification specification.
const (
	urgencyLow      byte = 0
	urgencyNormal   byte = 1
	urgencyCritical byte = 2
)

// urgency is critical for Error and worse, normal for Warning and Notice,
// low for Info and Debug.
func urgency(s event.Severity) byte {
	switch {
	case s.AtLeast(event.Error):
		return urgencyCritical
	case s.AtLeast(event.Notice):
		return urgencyNormal
	}
	return urgencyLow
}

func category(s event.Severity) string {
	if s.AtLeast(event.Error) {
		return "device.error"
	}
	return "device"
}

// notificationText returns the summary and body of ev's notification, in
// plain language (package explain): the summary says what happened to
// which disk or filesystem ("Disk /dev/sdb (ST4000DM004) has unreadable
// sectors"), the body what to do, when and where, and last the kernel's
// own line. The body is escaped: the specification lets servers read it as
// markup.
func notificationText(ev *event.Event) (summary, body string) {
	txt := explain.Explain(ev, explain.Device{Model: diskModel("/", ev)})
	var b strings.Builder
	if txt.Advice != "" {
		b.WriteString(markupEscaper.Replace(txt.Advice) + "\n")
	}
	var details []string
	if !ev.Timestamp.IsZero() {
		details = append(details, ev.Timestamp.Local().Format("2006-01-02 15:04:05"))
	}
	details = append(details, ev.Hostname, ev.EventType)
	details = slices.DeleteFunc(details, func(s string) bool { return s == "" })
	b.WriteString(markupEscaper.Replace(strings.Join(details, " · ")))
	kernel, _, _ := strings.Cut(ev.RawMsg, "\n")
	if kernel == "" {
		kernel, _, _ = strings.Cut(ev.Msg, "\n")
	}
	if kernel != "" {
		b.WriteString("\n" + markupEscaper.Replace("Kernel: "+kernel))
	}
	return txt.Title, b.String()
}

var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
