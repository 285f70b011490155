package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/peripety/peripety/sysfs"
)

// InfoCmd is `prpt info BLK [-J] [--local] [--root DIR]`.
type InfoCmd struct {
	Blk   string `arg:"" name:"BLK" completes:"blk" help:"The device: major:minor, kernel name, a path under /dev, a filesystem UUID, a WWID or a SCSI address H:C:T:L."`
	JSON  bool   `short:"J" name:"json" help:"Print the answer as JSON."`
	Local bool   `help:"Resolve in this process from sysfs, /dev and mountinfo, without the daemon."`
	Root  string `default:"/" type:"existingdir" placeholder:"DIR" help:"With --local: read sys/, dev/, proc/ and run/udev/ under DIR (as the daemon's --root)."`
}

// Run prints what the device is.
func (c *InfoCmd) Run(env *Env) error {
	var info sysfs.BlockInfo
	var err error
	if c.Local {
		info, err = sysfs.NewResolver(c.Root).BlockInfo(c.Blk)
	} else {
		info, err = busInfo(context.Background(), c.Blk)
	}
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(env.Stdout, jsonBlock(info))
	}
	writeBlock(env.Stdout, info)
	return nil
}

// writeJSON prints v indented, with a final newline.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// jsonBlock gives owners as [] rather than null, at every level, so a
// consumer can iterate without a check.
func jsonBlock(info sysfs.BlockInfo) sysfs.BlockInfo {
	owners := make([]sysfs.BlockInfo, 0, len(info.Owners))
	for _, o := range info.Owners {
		owners = append(owners, jsonBlock(o))
	}
	info.Owners = owners
	return info
}

// writeBlock prints info the way the original prpt's man page shows it,
// one "key : value" a line, then the transport details and the owners
// indented, one a line.
func writeBlock(w io.Writer, info sysfs.BlockInfo) {
	line := func(k, v string) {
		if v == "" {
			fmt.Fprintf(w, "%-18s :\n", k)
			return
		}
		fmt.Fprintf(w, "%-18s : %s\n", k, printable(v))
	}
	line("blk_path", info.BlkPath)
	line("preferred_blk_path", info.PreferredBlkPath)
	line("blk_type", info.BlkType)
	line("wwid", info.WWID)
	line("kernel_name", info.KernelName)
	line("major_minor", info.MajorMinor)
	line("uuid", info.UUID)
	line("mount_point", info.MountPoint)
	line("transport_id", info.TransportID)
	if len(info.Transport) > 0 {
		line("transport", info.Transport["transport"])
		keys := make([]string, 0, len(info.Transport))
		for k := range info.Transport {
			if k != "transport" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "    %-14s : %s\n", printable(k), printable(info.Transport[k]))
		}
	}
	line("owners", "")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, o := range info.Owners {
		fmt.Fprintf(tw, "    %s\t%s\t%s\n", printable(o.BlkPath), printable(o.BlkType), printable(o.WWID))
	}
	tw.Flush()
}
