package sysfs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Watch keeps the resolver's cache honest from the kernel's uevents
// (netlink NETLINK_KOBJECT_UEVENT, the kernel group udev listens to as
// well): every block device uevent, and any lost message, stales every
// cached answer. While it runs, a cached lookup costs no system call;
// without it each cached lookup re-reads one diskseq attribute. It returns
// nil when ctx ends, or an error when the socket cannot be opened or read.
// The uevents are the running kernel's, whatever root the resolver reads.
func (r *Resolver) Watch(ctx context.Context) error {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, syscall.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		return fmt.Errorf("uevent socket: %w", err)
	}
	f := os.NewFile(uintptr(fd), "uevent")
	defer f.Close()
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK, Groups: 1}); err != nil {
		return fmt.Errorf("uevent socket: bind: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { f.Close() })
	defer stop()

	r.cache.watching.Store(true)
	r.cache.invalidate() // answers made before now were not watched for
	defer func() {
		r.cache.watching.Store(false)
		r.cache.invalidate()
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := f.Read(buf)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, syscall.ENOBUFS) {
			r.cache.invalidate() // messages were lost: trust nothing
			continue
		}
		if err != nil {
			return fmt.Errorf("uevent socket: read: %w", err)
		}
		if u := parseUevent(string(buf[:n])); u["SUBSYSTEM"] == "block" {
			r.cache.invalidate()
		}
	}
}

// Invalidate stales every cached answer, for changes no uevent announces
// (a filesystem mounted or unmounted).
func (r *Resolver) Invalidate() { r.cache.invalidate() }
