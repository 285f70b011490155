package cli

import (
	"context"
	"fmt"

	"github.com/peripety/peripety/sysfs"
)

// ListCmd is `prpt list [-J] [--local] [--root DIR]`.
type ListCmd struct {
	JSON  bool   `short:"J" name:"json" help:"Print the devices as a JSON array."`
	Local bool   `help:"Resolve in this process from sysfs, /dev and mountinfo, without the daemon."`
	Root  string `default:"/" type:"existingdir" placeholder:"DIR" help:"With --local: read sys/, dev/, proc/ and run/udev/ under DIR (as the daemon's --root)."`
}

// Run prints the top-level block devices, each with its owners. Devices it
// cannot read are reported after the others, and make the exit status 1.
func (c *ListCmd) Run(env *Env) error {
	var infos []sysfs.BlockInfo
	var err error
	if c.Local {
		infos, err = sysfs.NewResolver(c.Root).ListBlocks()
	} else if infos, err = busList(context.Background()); err != nil {
		return err
	}
	if c.JSON {
		out := make([]sysfs.BlockInfo, 0, len(infos))
		for _, i := range infos {
			out = append(out, jsonBlock(i))
		}
		if werr := writeJSON(env.Stdout, out); werr != nil {
			return werr
		}
	} else {
		for n, i := range infos {
			if n > 0 {
				fmt.Fprintln(env.Stdout)
			}
			writeBlock(env.Stdout, i)
		}
	}
	return err
}
