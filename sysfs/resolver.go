package sysfs

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
)

// Resolver answers what a block device identifier names, from sysfs, /dev,
// mountinfo and udev's database under one root. It never opens a block
// device. It is safe for concurrent use; see Watch for its cache.
type Resolver struct {
	fs    FS
	cache cache
	// changes carries the names of the block devices uevents told of
	// (DeviceChanges).
	changes chan string
}

// NewResolver returns a Resolver reading under root ("" or "/" on a live
// system).
func NewResolver(root string) *Resolver {
	return &Resolver{fs: NewFS(root), changes: make(chan string, maxChanges)}
}

// BlockInfo describes the device id names, with its owners. id is any of:
// major:minor, kernel name (sda, sda1, dm-0, nvme0n1, nvme0c0n1, md0,
// loop3), a path under /dev (symbolic links followed: /dev/mapper/NAME,
// /dev/disk/by-id/…), a device-mapper name, a filesystem UUID, a WWID as
// the resolver prints it (one shared by multipath paths names their map),
// a multipath map's WWID as multipath -ll prints it (3600a0980…, its dm
// uuid without "mpath-") or a SCSI address H:C:T:L. A path device asked for by name answers as itself.
// An id that names nothing gives an error wrapping ErrNotFound that says
// what was tried.
//
// Answers are cached only while Watch runs, as a mount or a moved /dev
// link changes them with no new diskseq; the Owners and Transport of the
// result are shared with the cache and must not be modified.
func (r *Resolver) BlockInfo(id string) (BlockInfo, error) {
	if !r.cache.watching.Load() {
		// Without Watch nothing would tell of a mount or a moved link.
		return r.blockInfo(id)
	}
	if info, _, ok := r.cached("b:" + id); ok {
		return info, nil
	}
	gen := r.cache.generation()
	s, mountGen := r.newScan()
	_, info, err := s.resolve(id)
	if err != nil {
		return BlockInfo{}, err
	}
	r.cache.put("b:"+id, gen, mountGen, s, device{}, info, nil)
	return info, nil
}

// cached returns the cached answer for key, with the mount points of the
// current mount table.
func (r *Resolver) cached(key string) (BlockInfo, map[string]string, bool) {
	e, ok := r.cache.get(key)
	if !ok {
		return BlockInfo{}, nil, false
	}
	gen := r.cache.mountGen.Load()
	if !r.cache.watching.Load() || e.mountGen == gen {
		return e.info, e.ext, true
	}
	if m := e.remounted.Load(); m != nil && m.gen == gen {
		return m.info, e.ext, true
	}
	t, err := r.mountTable()
	if err != nil {
		return BlockInfo{}, nil, false // resolving afresh says what went wrong
	}
	m := &mountedInfo{gen: t.gen, info: e.remount(t)}
	e.remounted.Store(m)
	return m.info, e.ext, true
}

// mountTable returns the mount table of the current mount table
// generation, reading it if no lookup or Watch has yet.
func (r *Resolver) mountTable() (*mountTable, error) {
	gen := r.cache.mountGen.Load()
	if t := r.cache.mounts.Load(); t != nil && t.gen == gen {
		return t, nil
	}
	ms, err := r.fs.mounts()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	t := &mountTable{gen: gen, mounts: ms}
	for {
		old := r.cache.mounts.Load()
		if old != nil && old.gen >= gen || r.cache.mounts.CompareAndSwap(old, t) {
			return t, nil
		}
	}
}

// newScan starts a resolution, with the current mount table while Watch
// runs; mountGen is the mount table generation its answers are of.
func (r *Resolver) newScan() (s *scan, mountGen uint64) {
	s = newScan(r.fs)
	if !r.cache.watching.Load() {
		return s, 0
	}
	if t, err := r.mountTable(); err == nil {
		s.useMounts(t.mounts)
		return s, t.gen
	}
	// The scan reads the table itself, and reports why it cannot.
	return s, r.cache.mountGen.Load()
}

// MountsChanged returns a channel closed once Watch has seen the mount
// table change after the call, and the answers made after that show the
// change; or nil when Watch is not running or cannot watch the mount table,
// when nothing tells of a change and a caller waiting for a mount must
// look again itself. The channel is also closed when Watch ends.
func (r *Resolver) MountsChanged() <-chan struct{} { return r.cache.notice() }

// DevicesChanged returns a channel closed once Watch has seen a block
// device come, go or change (a kernel or udev uevent) after the call, the
// answers made after that showing it; or nil when Watch is not running,
// when a caller waiting for a device to appear must look again itself. The
// channel is also closed when Watch ends.
func (r *Resolver) DevicesChanged() <-chan struct{} { return r.cache.devicesNotice() }

// blockInfo is BlockInfo without the cache.
func (r *Resolver) blockInfo(id string) (BlockInfo, error) {
	_, info, err := newScan(r.fs).resolve(id)
	return info, err
}

// resolve returns the kernel name of the device id names (see BlockInfo)
// and its description with its owners.
func (s *scan) resolve(id string) (string, BlockInfo, error) {
	name, err := s.lookup(id, true)
	if err != nil {
		return "", BlockInfo{}, err
	}
	info, err := s.full(name)
	if err != nil {
		return "", BlockInfo{}, fmt.Errorf("block device %q: %w", id, err)
	}
	return name, info, nil
}

// ListBlocks describes the top-level block devices, those nothing is built
// on (no holders, no partitions, not a hidden NVMe path, not a loop device
// with no file attached), in kernel name order, each with its owners: the
// tops of the stacks. Devices that vanish
// while it runs are left out. Devices it cannot read are left out too, and
// the error it then returns with the others joins what went wrong.
func (r *Resolver) ListBlocks() ([]BlockInfo, error) {
	s := newScan(r.fs)
	names, err := r.fs.blockNames()
	if err != nil {
		return nil, err
	}
	var out []BlockInfo
	var errs []error
	for _, name := range names {
		if _, hidden := nvmeHead(name); hidden {
			continue
		}
		info, top, err := s.top(name)
		switch {
		case errors.Is(err, ErrNotFound):
			// gone since the listing
		case err != nil:
			errs = append(errs, err)
		case top:
			out = append(out, info)
		}
	}
	return out, errors.Join(errs...)
}

// top describes name with its owners if nothing is built on it.
func (s *scan) top(name string) (BlockInfo, bool, error) {
	d, err := s.device(name)
	if err != nil {
		return BlockInfo{}, false, err
	}
	if strings.HasPrefix(name, "loop") && !exists(filepath.Join(d.Dir, "loop")) {
		// A free loop device (losetup -f hands it out): the kernel makes
		// its loop/ attributes as a file is attached (loop_configure),
		// drops them as it is detached. Nothing to describe.
		return BlockInfo{}, false, nil
	}
	holders, err := d.holders()
	if err != nil || len(holders) > 0 {
		return BlockInfo{}, false, err
	}
	parts, err := d.partitions()
	if err != nil || len(parts) > 0 {
		return BlockInfo{}, false, err
	}
	info, err := s.full(name)
	return info, err == nil, err
}

// ForEvent says what an event on kdev, the device named in a kernel log
// line, is about, and the extension keys the event should carry:
//
//   - a multipath path (sdb, 8:16, 2:0:0:1) answers as its map, with the
//     path's transport details and blk_major_minor in the extension;
//   - a hidden NVMe path (nvme0c1n1) answers as its namespace head, with
//     the path's controller, transport and address (a hidden disk has no
//     major:minor);
//   - an NVMe controller (nvme1) answers as its namespace (the head under
//     native multipath) when it has exactly one, else as the controller:
//     blk_type NVMe, wwid its subsystem NQN, blk_path /dev/nvme1;
//   - an iSCSI connection (connection1:0) or session (session1), an FC
//     remote port (rport-2:0-3), a SCSI host or target (host2,
//     target2:0:0), an ATA port or device (ata3, ata3.00) answer as the
//     disk behind them, the first in name order when several (all listed
//     in extension "disks"), then as above;
//   - a name with a jbd2-style suffix (sdb1-8) answers as the name without;
//   - any other device answers as itself, with its transport details.
//
// Unlike BlockInfo it never describes every device to find a WWID or
// filesystem UUID (kernel lines do not name devices so). Like the
// BlockInfo, the returned map is shared with the cache: copy it
// (maps.Clone) before changing it. Sharing keeps a cached lookup free of
// allocation during an event storm.
func (r *Resolver) ForEvent(kdev string) (BlockInfo, map[string]string, error) {
	if info, ext, ok := r.cached("e:" + kdev); ok {
		return info, ext, nil
	}
	gen := r.cache.generation()
	s, mountGen := r.newScan()
	info, ext, name, err := s.forEvent(kdev)
	if err != nil {
		return BlockInfo{}, nil, err
	}
	r.cache.put("e:"+kdev, gen, mountGen, s, s.devices[name], info, ext)
	return info, ext, nil
}

// Identifiers returns every identifier of the device id names, each once:
// kernel name, major:minor, WWID, /dev path, preferred path, every /dev link
// to it, filesystem UUID, SCSI address, and for a multipath map the WWID
// of its paths (the LUN's). A query for any of them matches the device.
func (r *Resolver) Identifiers(id string) ([]string, error) {
	s := newScan(r.fs)
	name, info, err := s.resolve(id)
	if err != nil {
		return nil, err
	}
	d, err := s.device(name)
	if err != nil {
		return nil, err
	}
	ids := []string{info.KernelName, info.MajorMinor, info.WWID, "/dev/" + info.KernelName,
		info.BlkPath, info.PreferredBlkPath, info.UUID, scsiAddress(d.Dir)}
	ids = append(ids, s.links[name]...) // filled in by describing it
	if info.BlkType == TypeMultipath {
		for _, o := range info.Owners {
			ids = append(ids, o.WWID)
		}
	}
	seen := make(map[string]bool)
	out := ids[:0]
	for _, v := range ids {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out, nil
}

// lookup returns the kernel name of the device id names. With deep, it
// also looks for id as a filesystem UUID or WWID by describing every device
// when no link names it.
func (s *scan) lookup(id string, deep bool) (string, error) {
	var tried []string
	miss := func() (string, error) {
		return "", fmt.Errorf("block device %q (tried %s): %w", id, strings.Join(tried, ", "), ErrNotFound)
	}
	if id == "" {
		tried = append(tried, "nothing: empty identifier")
		return miss()
	}
	if strings.HasPrefix(id, "/dev/") {
		tried = append(tried, "path under /dev")
		name, err := s.devPath(id)
		if err != nil {
			return "", fmt.Errorf("block device %q: %w", id, err)
		}
		if name == "" {
			return miss()
		}
		return name, nil
	}
	if isMajorMinor(id) {
		tried = append(tried, "major:minor")
		name, err := readLinkBase(s.fs.sys("dev", "block", id))
		if errors.Is(err, fs.ErrNotExist) {
			return miss()
		}
		if err != nil {
			return "", fmt.Errorf("block device %q: %w", id, err)
		}
		return name, nil
	}
	if hctlRe.MatchString(id) {
		tried = append(tried, "SCSI address")
		names, err := listDir(s.fs.sys("bus", "scsi", "devices", id, "block"))
		if err != nil || len(names) == 0 {
			return miss()
		}
		return names[0], nil
	}
	if validName(id) {
		tried = append(tried, "kernel name")
		if exists(s.fs.sys("class", "block", id)) {
			return id, nil
		}
		tried = append(tried, "device-mapper name")
		if name, err := s.devPath("/dev/mapper/" + id); err == nil && name != "" {
			return name, nil
		}
		if name, err := s.dmName(id); err == nil && name != "" {
			return name, nil
		}
		tried = append(tried, "filesystem UUID link")
		if name, err := s.devLinkTarget("/dev/disk/by-uuid/" + id); err == nil && exists(s.fs.sys("class", "block", name)) {
			return name, nil
		}
	}
	if !deep {
		return miss()
	}
	tried = append(tried, "WWID or filesystem UUID of every device")
	name, err := s.byWWIDOrUUID(id)
	if err != nil {
		return "", fmt.Errorf("block device %q: %w", id, err)
	}
	if name == "" {
		return miss()
	}
	return name, nil
}

// devPath returns the kernel name of the device at the /dev path p, "" when
// p is no device path.
func (s *scan) devPath(p string) (string, error) {
	p = filepath.Clean(p)
	if !strings.HasPrefix(p, "/dev/") {
		return "", nil
	}
	name, err := s.devLinkTarget(p)
	if err == nil && exists(s.fs.sys("class", "block", name)) {
		return name, nil
	}
	// /dev/mapper entries are nodes, not links, on some systems.
	if dir, base := filepath.Split(p); dir == "/dev/mapper/" {
		if _, err := os.Lstat(s.fs.Path(p)); err == nil {
			return s.dmName(base)
		}
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ELOOP) {
		return "", err
	}
	return "", nil // no such path, or links that lead nowhere
}

// byWWIDOrUUID describes every device and returns the one whose WWID or
// filesystem UUID is id, or the multipath map whose WWID is id as
// multipath -ll prints it (its dm uuid without "mpath-"). A WWID several devices share names the multipath
// map holding them (the paths of a LUN), or the NVMe head before its
// hidden paths.
func (s *scan) byWWIDOrUUID(id string) (string, error) {
	names, err := s.fs.blockNames()
	if err != nil {
		return "", err
	}
	var matches []string
	for _, n := range names {
		info, err := s.describe(n)
		if err != nil {
			continue // gone, or unreadable: it is not the one asked for
		}
		if info.WWID == id || info.UUID == id || info.BlkType == TypeMultipath && info.WWID == mpathUUIDPrefix+id {
			matches = append(matches, n)
		}
	}
	if len(matches) > 1 {
		for _, m := range matches {
			if mp, err := s.multipathHolder(m); err == nil && mp != "" {
				return mp, nil
			}
		}
	}
	for _, m := range matches {
		if _, hidden := nvmeHead(m); !hidden {
			return m, nil // a native NVMe multipath head before its paths
		}
	}
	if len(matches) > 0 {
		return matches[0], nil
	}
	return "", nil
}

// multipathHolder returns the device-mapper multipath map holding name, ""
// when none does.
func (s *scan) multipathHolder(name string) (string, error) {
	d, err := s.device(name)
	if err != nil {
		return "", err
	}
	holders, err := d.holders()
	if err != nil {
		return "", err
	}
	for _, h := range holders {
		info, err := s.describe(h)
		if err != nil {
			return "", err
		}
		if info.BlkType == TypeMultipath {
			return h, nil
		}
	}
	return "", nil
}

var (
	iscsiConnRe = regexp.MustCompile(`^connection([0-9]+):[0-9]+$`)
	sessionRe   = regexp.MustCompile(`^session[0-9]+$`)
	rportRe     = regexp.MustCompile(`^rport-[0-9]+:[0-9]+-[0-9]+$`)
	ataRe       = regexp.MustCompile(`^(ata[0-9]+)(\.[0-9]+)?$`)
	hostRe      = regexp.MustCompile(`^(host[0-9]+|target[0-9]+:[0-9]+:[0-9]+)$`)
	nvmeCtrlRe  = regexp.MustCompile(`^nvme[0-9]+$`)
	jbd2Re      = regexp.MustCompile(`^(.+)-[0-9]+$`)
)

// forEvent is ForEvent without the cache; it also returns the kernel name
// of the device kdev stands for.
func (s *scan) forEvent(kdev string) (BlockInfo, map[string]string, string, error) {
	ext := make(map[string]string)
	name, err := s.eventDevice(kdev, ext)
	if err != nil {
		return BlockInfo{}, nil, "", err
	}
	if nvmeCtrlRe.MatchString(name) {
		info, err := s.nvmeController(name, ext)
		return info, ext, name, err
	}
	d, err := s.device(name)
	if err != nil {
		return BlockInfo{}, nil, "", fmt.Errorf("event device %q: %w", kdev, err)
	}
	target := name
	if head, ok := nvmeHead(name); ok {
		t, err := nvmeTransport(filepath.Join(d.Dir, "device"))
		if err != nil {
			return BlockInfo{}, nil, "", err
		}
		maps.Copy(ext, t) // the path has no major:minor: its controller tells it
		target = head
	} else if mp, err := s.multipathHolder(name); err != nil {
		return BlockInfo{}, nil, "", fmt.Errorf("event device %q: %w", kdev, err)
	} else if mp != "" {
		path, err := s.describe(name)
		if err != nil {
			return BlockInfo{}, nil, "", err
		}
		maps.Copy(ext, path.Transport)
		ext["blk_major_minor"] = d.MajorMinor
		target = mp
	}
	info, err := s.full(target)
	if err != nil {
		return BlockInfo{}, nil, "", fmt.Errorf("event device %q: %w", kdev, err)
	}
	if target == name {
		maps.Copy(ext, info.Transport)
	}
	return info, ext, name, nil
}

// eventDevice maps the kdev of an event to a block device's kernel name (or
// an NVMe controller's), noting in ext what it did.
func (s *scan) eventDevice(kdev string, ext map[string]string) (string, error) {
	var component string
	switch {
	case iscsiConnRe.MatchString(kdev):
		component = "session" + iscsiConnRe.FindStringSubmatch(kdev)[1]
	case sessionRe.MatchString(kdev), rportRe.MatchString(kdev), hostRe.MatchString(kdev):
		component = kdev
	case ataRe.MatchString(kdev):
		component = ataRe.FindStringSubmatch(kdev)[1]
	case nvmeCtrlRe.MatchString(kdev) && exists(s.fs.sys("class", "nvme", kdev)):
		return kdev, nil
	}
	if component != "" {
		disks, err := s.disksBehind(component)
		if err != nil {
			return "", err
		}
		if len(disks) == 0 {
			return "", fmt.Errorf("event device %q: no disk behind %s: %w", kdev, component, ErrNotFound)
		}
		if len(disks) > 1 {
			ext["disks"] = strings.Join(disks, ",")
		}
		return disks[0], nil
	}
	name, err := s.lookup(kdev, false)
	if err == nil {
		return name, nil
	}
	if m := jbd2Re.FindStringSubmatch(kdev); m != nil && errors.Is(err, ErrNotFound) {
		if name, err2 := s.lookup(m[1], false); err2 == nil {
			return name, nil
		}
	}
	return "", err
}

// disksBehind returns the disks (not partitions) whose sysfs path passes
// through the transport object component (session1, rport-2:0-3, ata3).
func (s *scan) disksBehind(component string) ([]string, error) {
	names, err := listDir(s.fs.sys("block"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		t, err := os.Readlink(s.fs.sys("block", n))
		if err != nil {
			continue // gone, or not a link: no transport path
		}
		for _, c := range pathComponents(t) {
			if c == component {
				out = append(out, n)
				break
			}
		}
	}
	return out, nil
}

// nvmeController answers an event on an NVMe controller (see ForEvent).
func (s *scan) nvmeController(ctrl string, ext map[string]string) (BlockInfo, error) {
	dir := s.fs.sys("class", "nvme", ctrl)
	entries, err := listDir(dir)
	if err != nil {
		return BlockInfo{}, err
	}
	t, err := nvmeTransport(dir)
	if err != nil {
		return BlockInfo{}, err
	}
	maps.Copy(ext, t)
	var nss []string
	seen := make(map[string]bool)
	for _, e := range entries {
		if !isNVMeName(e) {
			continue
		}
		if head, ok := nvmeHead(e); ok {
			e = head
		}
		if !seen[e] {
			seen[e] = true
			nss = append(nss, e)
		}
	}
	if len(nss) == 1 {
		info, err := s.full(nss[0])
		if err != nil {
			return BlockInfo{}, fmt.Errorf("namespace of %s: %w", ctrl, err)
		}
		return info, nil
	}
	if len(nss) > 1 {
		ext["namespaces"] = strings.Join(nss, ",")
	}
	nqn, err := readAttrOpt(filepath.Join(dir, "subsysnqn"))
	if err != nil {
		return BlockInfo{}, err
	}
	majMin, err := readAttrOpt(filepath.Join(dir, "dev"))
	if err != nil {
		return BlockInfo{}, err
	}
	return BlockInfo{
		WWID:             nqn,
		BlkType:          TypeNVMe,
		BlkPath:          "/dev/" + ctrl,
		PreferredBlkPath: "/dev/" + ctrl,
		KernelName:       ctrl,
		MajorMinor:       majMin,
		Transport:        t,
	}, nil
}
