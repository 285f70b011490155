package lab

import (
	"fmt"
	"os"
	"path/filepath"
)

// badSector is where QEMU's blkdebug fails reads under the media-error
// disks: deep enough (20 MiB) that udev's probing at boot never reads it.
const badSector = 40000

// blkdebugRules is QEMU's blkdebug config (docs/devel/blkdebug.rst): every
// read covering badSector fails with EIO.
var blkdebugRules = fmt.Sprintf(`[inject-error]
event = "read_aio"
errno = "5"
sector = "%d"
once = "off"
`, badSector)

// hwDevices gives the "hw" group an NVMe, an AHCI (SATA) and a virtio disk
// failing reads at badSector, and a second NVMe controller to unplug. The
// serials are how the guest finds each disk (disk_by_serial).
func hwDevices(out string) ([]string, error) {
	rules := filepath.Join(out, "blkdebug.rules")
	if err := os.WriteFile(rules, []byte(blkdebugRules), 0o644); err != nil {
		return nil, err
	}
	img := func(name string) (string, error) {
		p := filepath.Join(out, name+".img")
		f, err := os.Create(p)
		if err != nil {
			return "", err
		}
		defer f.Close()
		return p, f.Truncate(64 << 20)
	}
	var args []string
	for _, d := range []struct{ id, device string }{
		{"nvme0", "nvme,id=nvme0,serial=labnvme0,drive=nvme0"},
		{"sata0", "ide-hd,drive=sata0,bus=ahci0.0,serial=labsata0"},
		{"virtio0", "virtio-blk-pci,drive=virtio0,serial=labvirtio0"},
		{"nvme1", "nvme,id=nvme1,serial=labnvme1,drive=nvme1"},
	} {
		p, err := img(d.id)
		if err != nil {
			return nil, err
		}
		file := p
		if d.id != "nvme1" {
			file = "blkdebug:" + rules + ":" + p
		}
		if d.id == "sata0" {
			args = append(args, "-device", "ahci,id=ahci0")
		}
		args = append(args, "-drive", "if=none,id="+d.id+",format=raw,file="+file, "-device", d.device)
	}
	return args, nil
}
