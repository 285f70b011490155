package sysfs

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path"
	"syscall"
)

// watchTick bounds how long Watch takes to notice its context ended.
const watchTick = 200 // milliseconds

// Watch keeps the resolver's cache honest while it runs, from the kernel's
// uevents and udev's (netlink NETLINK_KOBJECT_UEVENT: udev updates its
// database, where a new filesystem's UUID shows, after the kernel's uevent,
// so an answer made in between would keep the old database) and
// from the mount table (<root>/proc/self/mountinfo signals a change to
// poll(2) with POLLPRI): every block device uevent and any lost uevent
// stale every cached answer, every mount or unmount their mount points
// (see cache). While it runs a cached lookup costs no system call; without
// it each cached lookup re-reads one diskseq attribute and does not see
// mounts change. It returns nil when ctx ends, or an error when it cannot
// listen. The uevents are the running kernel's, whatever root the resolver
// reads; a mountinfo that cannot be polled (a fixture's plain file) is not
// watched.
func (r *Resolver) Watch(ctx context.Context) error {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("watch: epoll: %w", err)
	}
	defer syscall.Close(ep)

	nl, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, syscall.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		return fmt.Errorf("watch: uevent socket: %w", err)
	}
	defer syscall.Close(nl)
	if err := syscall.Bind(nl, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK, Groups: ueventGroupKernel | ueventGroupUdev}); err != nil {
		return fmt.Errorf("watch: uevent socket: bind: %w", err)
	}
	if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, nl, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(nl)}); err != nil {
		return fmt.Errorf("watch: epoll uevent socket: %w", err)
	}
	// A raw descriptor, not an *os.File: the runtime's own poller would
	// consume the mount table's one-shot change notice before ours.
	mountFd := -1
	if fd, err := syscall.Open(r.fs.Path("proc", "self", "mountinfo"), syscall.O_RDONLY|syscall.O_CLOEXEC, 0); err == nil {
		defer syscall.Close(fd)
		if syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{Events: syscall.EPOLLPRI, Fd: int32(fd)}) == nil {
			mountFd = fd
		}
	}

	r.cache.watching.Store(true)
	r.cache.watchMounts(mountFd >= 0)
	r.cache.invalidate() // answers made before now were not watched for
	defer func() {
		r.cache.watching.Store(false)
		r.cache.watchMounts(false)
		r.cache.invalidate()
		r.cache.notifyDevices()
	}()
	events := make([]syscall.EpollEvent, 2)
	buf := make([]byte, 64<<10)
	for {
		n, err := syscall.EpollWait(ep, events, watchTick)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("watch: epoll wait: %w", err)
		}
		for _, ev := range events[:n] {
			switch int(ev.Fd) {
			case mountFd:
				// Polling acknowledged the change. Reading the new table
				// here spares the lookups that follow it, which those
				// waiting for the change may now make; if it cannot be
				// read, the first of them reads it again and says why.
				r.cache.mountsChanged()
				r.mountTable()
				r.cache.notifyMounts()
			case nl:
				if err := r.readUevents(nl, buf); err != nil {
					return err
				}
			}
		}
	}
}

// readUevents reads the uevents waiting on the netlink socket fd and stales
// the cache if one is about a block device or some were lost; it tells
// DeviceChanges of the device.
func (r *Resolver) readUevents(fd int, buf []byte) error {
	for {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			switch {
			case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
				return nil
			case errors.Is(err, syscall.ENOBUFS):
				r.cache.invalidate() // messages were lost: trust nothing
				r.cache.notifyDevices()
				continue
			}
			return fmt.Errorf("watch: uevent socket: read: %w", err)
		}
		props := ueventProps(buf[:n])
		if props["SUBSYSTEM"] != "block" {
			continue
		}
		r.cache.invalidate()
		r.cache.notifyDevices()
		if name := path.Base(props["DEVPATH"]); props["DEVPATH"] != "" && validName(name) {
			select {
			case r.changes <- name:
			default: // the reader is behind: it learns of the device at its next event
			}
		}
	}
}

// maxChanges bounds the names DeviceChanges holds unread.
const maxChanges = 256

// DeviceChanges returns the channel on which, while Watch runs, the kernel
// name of each block device a uevent (the kernel's or udev's) told of is
// sent: added, changed (udev probed it again, a filesystem made on it),
// removed. Lookups made after a name is received show the change. When the
// reader falls maxChanges names behind, further ones are dropped.
func (r *Resolver) DeviceChanges() <-chan string { return r.changes }

// The netlink groups of NETLINK_KOBJECT_UEVENT: the kernel's uevents, and
// udev's, which systemd-udevd sends once it has processed one (probed the
// device, written its database and links).
const (
	ueventGroupKernel = 1
	ueventGroupUdev   = 2
)

// ueventProps returns the properties of a uevent message: a kernel one
// ("change@/devices/…\0KEY=VALUE\0…") or one of udev's, whose properties
// follow a header (systemd's src/libsystemd/sd-device/device-monitor.c,
// struct monitor_netlink_header: "libudev\0", a big-endian magic, then
// header_size, properties_off and properties_len in host order). Whatever
// cannot be read has none.
func ueventProps(msg []byte) map[string]string {
	if bytes.HasPrefix(msg, udevMonitorPrefix) {
		if len(msg) < 24 || binary.BigEndian.Uint32(msg[8:12]) != udevMonitorMagic {
			return nil
		}
		off, n := binary.NativeEndian.Uint32(msg[16:20]), binary.NativeEndian.Uint32(msg[20:24])
		if uint64(off)+uint64(n) > uint64(len(msg)) {
			return nil
		}
		msg = msg[off : off+n]
	}
	return parseUevent(string(msg))
}

var udevMonitorPrefix = []byte("libudev\x00")

const udevMonitorMagic = 0xfeedcafe

// Invalidate stales every cached answer, for a change Watch cannot see or
// when Watch is not running.
func (r *Resolver) Invalidate() { r.cache.invalidate() }
