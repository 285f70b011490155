package sysfs

import (
	"path/filepath"
	"regexp"
	"strings"
)

// nvmeName matches NVMe namespace names: nvme0n1 (a namespace, or the head
// of a native multipath namespace) and nvme0c1n1 (a hidden path of head
// nvme0n1 through controller nvme1).
var nvmeName = regexp.MustCompile(`^nvme([0-9]+)(c[0-9]+)?n([0-9]+)$`)

func isNVMeName(name string) bool { return nvmeName.MatchString(name) }

// nvmeHead returns the multipath head of a hidden path name (nvme0c1n1 gives
// nvme0n1) and whether name is such a path.
func nvmeHead(name string) (string, bool) {
	m := nvmeName.FindStringSubmatch(name)
	if m == nil || m[2] == "" {
		return "", false
	}
	return "nvme" + m[1] + "n" + m[3], true
}

// identifyNVMe reads <dev>/wwid (sysfs-block-nvme) and, through <dev>/device,
// the controller's transport and address (sysfs-class-nvme). A multipath
// head's device is the subsystem, which has no transport: its paths do.
func (s *scan) identifyNVMe(d device, info *BlockInfo) error {
	info.BlkType = TypeNVMe
	var err error
	if info.WWID, err = d.attrOpt("wwid"); err != nil {
		return err
	}
	if info.Transport, err = nvmeTransport(filepath.Join(d.Dir, "device")); err != nil || info.Transport != nil {
		return err
	}
	// A native multipath head: its transport is its paths', when they agree.
	paths, err := listDir(filepath.Join(d.Dir, "multipath"))
	if err != nil {
		return err
	}
	kind := ""
	for _, p := range paths {
		t, err := nvmeTransport(filepath.Join(d.Dir, "multipath", p, "device"))
		if err != nil {
			return err
		}
		if kind != "" && t["transport"] != kind {
			return nil
		}
		kind = t["transport"]
	}
	if kind != "" {
		info.Transport = map[string]string{"transport": kind}
	}
	return nil
}

// nvmeTransport reads a controller's transport ("pcie", "tcp", "rdma",
// "fc", "loop") and address; nil when dir is no controller.
func nvmeTransport(ctrl string) (map[string]string, error) {
	tr, err := readAttrOpt(filepath.Join(ctrl, "transport"))
	if err != nil || tr == "" {
		return nil, err
	}
	addr, err := readAttrOpt(filepath.Join(ctrl, "address"))
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(ctrl)
	if err != nil {
		return nil, pathError("resolve", ctrl, err)
	}
	t := map[string]string{
		"transport":  nvmeTransportName(tr),
		"controller": filepath.Base(real),
	}
	if addr != "" {
		t["address"] = addr
	}
	return t, nil
}

// nvmeTransportName names an NVMe transport as events show it: NVMe/PCIe,
// NVMe/TCP, NVMe/RDMA, NVMe/FC, NVMe/LOOP.
func nvmeTransportName(tr string) string {
	if tr == "pcie" {
		return "NVMe/PCIe"
	}
	return "NVMe/" + strings.ToUpper(tr)
}
