package service

import (
	"context"
	"fmt"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// sdNotify sends one state to the service manager (sd_notify(3)); without
// NOTIFY_SOCKET it does nothing.
func sdNotify(state string) error {
	_, err := daemon.SdNotify(false, state)
	return err
}

// statusEvery is how often STATUS= is refreshed.
const statusEvery = 10 * time.Second

// keepAlive refreshes STATUS= and, when the service manager asks for a
// watchdog (WATCHDOG_USEC, sd_watchdog_enabled(3)), sends WATCHDOG=1 at half
// its interval as long as the pipeline goroutine's heartbeat is fresh: a
// stuck pipeline stops the keep-alives and lets systemd restart it.
func (r *run) keepAlive(ctx context.Context) {
	d := r.d
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		d.log.Warn("watchdog settings", "err", err)
	}
	ping := statusEvery
	if interval > 0 {
		ping = min(ping, interval/2)
	}
	t := time.NewTicker(ping)
	defer t.Stop()
	lastStatus := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if interval > 0 {
				if age := now.Sub(time.Unix(0, r.heartbeat.Load())); age < interval {
					d.notify("WATCHDOG=1")
				} else {
					d.log.Error("pipeline stuck, withholding watchdog keep-alive", "since", age)
				}
			}
			if now.Sub(lastStatus) >= statusEvery {
				d.notify(fmt.Sprintf("STATUS=reading %s, %d events", d.src.Name(), r.pl.emitted.Load()))
				lastStatus = now
			}
		}
	}
}
