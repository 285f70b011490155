package sysfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// scan is one resolution: it reads each device, each /dev link and the
// mount table at most once, however many devices it describes.
type scan struct {
	fs      FS
	devices map[string]device
	infos   map[string]BlockInfo // described devices, owners not filled in
	links   map[string][]string  // kernel name → /dev links to it (linksOf)
	index   map[string][]string  // every /dev link by kernel name (readLinks)
	mounts  []mount
	read    struct{ links, mounts bool }
	// mountable names the devices described with no holders: those whose
	// mount point the mount table gives (see describe).
	mountable map[string]bool
	// transports caches the transport of a SCSI disk by the sysfs
	// directory of its remote port, session or host.
	transports map[string]transport
}

func newScan(f FS) *scan {
	return &scan{
		fs:         f,
		devices:    make(map[string]device),
		infos:      make(map[string]BlockInfo),
		links:      make(map[string][]string),
		mountable:  make(map[string]bool),
		transports: make(map[string]transport),
	}
}

// useMounts gives the scan a mount table already read, so that it reads
// none itself.
func (s *scan) useMounts(ms []mount) {
	s.mounts, s.read.mounts = ms, true
}

// device reads the device once per scan.
func (s *scan) device(name string) (device, error) {
	if d, ok := s.devices[name]; ok {
		return d, nil
	}
	d, err := s.fs.device(name)
	if err != nil {
		return device{}, err
	}
	s.devices[name] = d
	return d, nil
}

// describe returns what is known of the device name, without its owners.
func (s *scan) describe(name string) (BlockInfo, error) {
	if info, ok := s.infos[name]; ok {
		return info, nil
	}
	d, err := s.device(name)
	if err != nil {
		return BlockInfo{}, err
	}
	info := BlockInfo{
		KernelName: d.Name,
		MajorMinor: d.MajorMinor,
		DiskSeq:    d.DiskSeq,
		BlkPath:    "/dev/" + d.Name,
	}
	if err := s.identify(d, &info); err != nil {
		return BlockInfo{}, fmt.Errorf("%s: %w", name, err)
	}
	var udev udevData
	if d.MajorMinor != "" { // udev keeps nothing of a hidden disk
		if udev, err = s.fs.udev(d.MajorMinor); err != nil {
			return BlockInfo{}, err
		}
	}
	info.UdevInitialized = udev.Initialized
	if info.WWID == "" && info.BlkType == TypeMD {
		info.WWID = udev.Env["MD_UUID"] // mdadm's form already
	}
	if info.WWID == "" {
		info.WWID = udevWWID(udev)
	}
	links, err := s.linksOf(name, udev)
	if err != nil {
		return BlockInfo{}, err
	}
	holders, err := d.holders()
	if err != nil {
		return BlockInfo{}, err
	}
	info.PreferredBlkPath = preferredPath(info, links)
	if mp, err := s.heldByMultipath(holders); err != nil {
		return BlockInfo{}, err
	} else if mp {
		// A path of a multipath map: its by-id links name the LUN, not
		// the path (udev gives them to whichever path it saw last, and
		// every path lists them), so only its node tells it from the
		// other paths (the original's owners_paths name /dev/sdX).
		info.PreferredBlkPath = info.BlkPath
	}
	if len(holders) == 0 {
		// A device others are built on (a multipath path, an LVM PV, a
		// RAID member) holds no filesystem of its own.
		info.UUID = fsUUID(links, udev)
		s.mountable[name] = true
		if info.MountPoint, err = s.mountPoint(info); err != nil {
			return BlockInfo{}, err
		}
	}
	s.infos[name] = info
	return info, nil
}

// identify fills in the type, WWID, paths and transport of d by its kind.
func (s *scan) identify(d device, info *BlockInfo) error {
	switch {
	case d.Partition != "":
		return s.identifyPartition(d, info)
	case strings.HasPrefix(d.Name, "dm-") && exists(filepath.Join(d.Dir, "dm")):
		return s.identifyDM(d, info)
	case strings.HasPrefix(d.Name, "md") && exists(filepath.Join(d.Dir, "md")):
		return identifyMD(d, info)
	case isNVMeName(d.Name):
		return s.identifyNVMe(d, info)
	case strings.HasPrefix(d.Name, "loop"):
		return s.identifyLoop(d, info)
	}
	if err := scsiDeleting(d); err != nil {
		return err
	}
	switch {
	case exists(filepath.Join(d.Dir, "device", "scsi_device")):
		return s.identifySCSI(d, info)
	case isVirtio(d.Dir):
		return identifyVirtio(d, info)
	}
	info.BlkType = TypeOther
	var err error
	info.WWID, err = d.attrOpt("wwid")
	return err
}

// identifyPartition: a partition is named after its disk, "<wwid>-partN".
func (s *scan) identifyPartition(d device, info *BlockInfo) error {
	info.BlkType = TypePartition
	parent, err := s.describe(d.Parent)
	if err != nil {
		return fmt.Errorf("disk of partition: %w", err)
	}
	if parent.WWID != "" {
		info.WWID = parent.WWID + "-part" + d.Partition
	}
	return nil
}

// heldByMultipath says whether one of holders is a device-mapper
// multipath map (its dm/uuid starts with "mpath-").
func (s *scan) heldByMultipath(holders []string) (bool, error) {
	for _, h := range holders {
		if !strings.HasPrefix(h, "dm-") {
			continue
		}
		d, err := s.device(h)
		if errors.Is(err, ErrNotFound) {
			continue // gone since the listing
		}
		if err != nil {
			return false, err
		}
		uuid, err := d.attrOpt("dm", "uuid")
		if err != nil {
			return false, err
		}
		if strings.HasPrefix(uuid, mpathUUIDPrefix) {
			return true, nil
		}
	}
	return false, nil
}

// owners returns every device below name, depth first, slaves in name
// order, each once; a partition's owner is its disk.
func (s *scan) owners(name string) ([]BlockInfo, error) {
	seen := map[string]bool{name: true}
	var out []BlockInfo
	var walk func(name string) error
	walk = func(name string) error {
		below, err := s.below(name)
		if err != nil {
			return err
		}
		for _, b := range below {
			if seen[b] {
				continue
			}
			seen[b] = true
			info, err := s.describe(b)
			if err != nil {
				return fmt.Errorf("below %s: %w", name, err)
			}
			out = append(out, info)
			if err := walk(b); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(name); err != nil {
		return nil, err
	}
	return out, nil
}

// below returns the devices name is built on: a partition's disk, a native
// NVMe multipath head's paths, or its slaves.
func (s *scan) below(name string) ([]string, error) {
	d, err := s.device(name)
	if err != nil {
		return nil, err
	}
	if d.Partition != "" {
		return []string{d.Parent}, nil
	}
	if isNVMeName(name) {
		paths, err := listDir(filepath.Join(d.Dir, "multipath"))
		if err != nil || len(paths) > 0 {
			return paths, err
		}
	}
	return d.slaves()
}

// full describes name with its owners.
func (s *scan) full(name string) (BlockInfo, error) {
	info, err := s.describe(name)
	if err != nil {
		return BlockInfo{}, err
	}
	if info.Owners, err = s.owners(name); err != nil {
		return BlockInfo{}, err
	}
	return info, nil
}

// linksOf returns the /dev links to the device name, sorted: those udev's
// database lists for it that really lead to it (a link another device won
// is not its), or, when udev has no entry for it, those an index of every
// link under /dev/disk and /dev/mapper finds. Asking udev first keeps a
// lookup from reading every link of a large SAN.
func (s *scan) linksOf(name string, udev udevData) ([]string, error) {
	if links, ok := s.links[name]; ok {
		return links, nil
	}
	var links []string
	if udev.Known {
		for _, l := range udev.Links {
			p := filepath.Clean("/dev/" + l)
			if !strings.HasPrefix(p, "/dev/") {
				continue
			}
			if t, err := s.devLinkTarget(p); err == nil && t == name {
				links = append(links, p)
			}
		}
	} else {
		if err := s.readLinks(); err != nil {
			return nil, err
		}
		links = append(links, s.index[name]...)
	}
	sort.Strings(links)
	s.links[name] = links
	return links, nil
}

// readLinks indexes the links under /dev/disk/by-*/ and /dev/mapper by the
// kernel name they lead to.
func (s *scan) readLinks() error {
	if s.read.links {
		return nil
	}
	s.read.links = true
	s.index = make(map[string][]string)
	dirs := []string{"mapper"}
	byDirs, err := listDir(s.fs.Path("dev", "disk"))
	if err != nil {
		return err
	}
	for _, b := range byDirs {
		dirs = append(dirs, filepath.Join("disk", b))
	}
	for _, dir := range dirs {
		names, err := listDir(s.fs.Path("dev", dir))
		if err != nil {
			return err
		}
		for _, n := range names {
			devPath := "/dev/" + dir + "/" + n
			target, err := s.devLinkTarget(devPath)
			if err != nil {
				continue // a dangling or odd link names no device
			}
			s.index[target] = append(s.index[target], devPath)
		}
	}
	return nil
}

// devLinkTarget follows the symbolic links from the /dev path p (absolute
// targets taken under the root) to a node directly in /dev and returns its
// name, the kernel name of the device. The node itself need not exist: the
// resolver never looks at device nodes.
func (s *scan) devLinkTarget(p string) (string, error) {
	cur := filepath.Clean(p)
	for hops := 0; hops < 16; hops++ {
		real := s.fs.Path(cur)
		t, err := os.Readlink(real)
		if err != nil {
			// The end of the chain: a node (EINVAL: not a link) or no
			// file at all, either directly in /dev.
			end := errors.Is(err, syscall.EINVAL) || errors.Is(err, fs.ErrNotExist)
			if end && filepath.Dir(cur) == "/dev" {
				return filepath.Base(cur), nil
			}
			return "", pathError("readlink", real, err)
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(filepath.Dir(cur), t)
		}
		cur = filepath.Clean(t)
	}
	return "", fmt.Errorf("follow %s: %w", p, syscall.ELOOP)
}

// mountPoint returns where the filesystem on info is mounted: the first
// mountinfo entry with its major:minor and root "/", or else one whose
// source is its /dev path (btrfs shows an anonymous major:minor).
func (s *scan) mountPoint(info BlockInfo) (string, error) {
	if !s.read.mounts {
		s.read.mounts = true
		ms, err := s.fs.mounts()
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		s.mounts = ms
	}
	return mountPointIn(s.mounts, info), nil
}

// mountPointIn finds info's mount point in the mount table ms (see
// mountPoint).
func mountPointIn(ms []mount, info BlockInfo) string {
	for _, m := range ms {
		if m.MajorMinor == info.MajorMinor && m.Root == "/" {
			return m.MountPoint
		}
	}
	for _, m := range ms {
		if m.Root == "/" && (m.Source == info.BlkPath || m.Source == "/dev/"+info.KernelName) {
			return m.MountPoint
		}
	}
	return ""
}

// preferredPath picks the path a person should use: /dev/mapper/NAME for
// device-mapper; else a /dev/disk/by-id link to the device, wwn-* first,
// then the one named after the WWID, then the first other; else /dev/NAME.
func preferredPath(info BlockInfo, links []string) string {
	if strings.HasPrefix(info.BlkPath, "/dev/mapper/") {
		return info.BlkPath
	}
	var byID []string
	for _, l := range links {
		if strings.HasPrefix(l, "/dev/disk/by-id/") {
			byID = append(byID, l)
		}
	}
	for _, l := range byID {
		if strings.HasPrefix(filepath.Base(l), "wwn-") {
			return l
		}
	}
	if info.WWID != "" {
		for _, l := range byID {
			if strings.HasSuffix(l, info.WWID) {
				return l
			}
		}
	}
	if len(byID) > 0 {
		return byID[0]
	}
	return info.BlkPath
}

// fsUUID returns the UUID of the filesystem on a device: the name of its
// /dev/disk/by-uuid link, or else udev's ID_FS_UUID when udev saw a
// filesystem (not a RAID, LVM or multipath member).
func fsUUID(links []string, udev udevData) string {
	for _, l := range links {
		if strings.HasPrefix(l, "/dev/disk/by-uuid/") {
			return filepath.Base(l)
		}
	}
	switch udev.Env["ID_FS_USAGE"] {
	case "filesystem", "crypto", "other":
		return udev.Env["ID_FS_UUID"]
	}
	return ""
}

// udevWWID is the fallback WWID from udev's database when sysfs has none.
func udevWWID(u udevData) string {
	for _, k := range []string{"ID_WWN_WITH_EXTENSION", "ID_WWN", "ID_SERIAL"} {
		if v := u.Env[k]; v != "" {
			return v
		}
	}
	return ""
}
