package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExtractFile reads a small C file the way kernel sources are written:
// pr_fmt and DM_MSG_PREFIX prefixes, KERN_* levels, adjacent literals,
// comments, a lock annotation, a wrapper passing its caller's fmt on and
// a macro body.
func TestExtractFile(t *testing.T) {
	src := t.TempDir()
	c := `// SPDX
#define pr_fmt(fmt) "mymod: " fmt
#define DM_MSG_PREFIX "multipath"
#define NAME "sdx"

static void wrapper(const char *fmt, ...)
{
	printk(fmt); /* a variable format: left out */
}

static int fail_path(struct pgpath *p)
__releases(&lock)
{
	DMWARN("%s: Failing path %s.", dm_table_device_name(t),
	       p->path.dev->name);
	pr_err("bad " NAME " %d\n", 3);
	printk(KERN_WARNING "plain\n");
	printk("no level %s\n", __func__);
	dev_err(&sdev->sdev_gendev, "dev line\n");
	sdev_printk(KERN_INFO, sdev, "info %d\n", x);
	ata_dev_printk(dev, level, "chosen by the caller\n");
	pr_cont("more\n");
}
#define warn_it(x) pr_warn("in a macro %d\n", x)
`
	if err := os.MkdirAll(filepath.Join(src, "drivers/md"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "drivers/md/dm-mpath.c"), []byte(c), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := extractFile(src, subFile{"drivers/md/dm-mpath.c", "dm-mpath"}, map[string]string{"DM_NAME": "device-mapper"})
	if err != nil {
		t.Fatal(err)
	}
	at := func(line string) string { return "drivers/md/dm-mpath.c:" + line }
	want := []Call{
		{At: at("14"), Sub: "dm-mpath", Level: "4", Call: "DMWARN", Func: "fail_path",
			Fmt: "mymod: device-mapper: multipath: %s: Failing path %s.", Args: []string{"dm_table_device_name(t)", "p->path.dev->name"}},
		{At: at("16"), Sub: "dm-mpath", Level: "3", Call: "pr_err", Func: "fail_path", Fmt: "mymod: bad sdx %d", Args: []string{"3"}},
		{At: at("17"), Sub: "dm-mpath", Level: "4", Call: "printk", Func: "fail_path", Fmt: "plain"},
		{At: at("18"), Sub: "dm-mpath", Level: "d", Call: "printk", Func: "fail_path", Fmt: "no level %s", Args: []string{"__func__"}},
		{At: at("19"), Sub: "dm-mpath", Level: "3", Call: "dev_err", Dev: "&sdev->sdev_gendev", Func: "fail_path", Fmt: "dev line"},
		{At: at("20"), Sub: "dm-mpath", Level: "6", Call: "sdev_printk", Dev: "sdev", Func: "fail_path", Fmt: "info %d", Args: []string{"x"}},
		{At: at("21"), Sub: "dm-mpath", Level: "?", Call: "ata_dev_printk", Dev: "dev", Func: "fail_path", Fmt: "chosen by the caller"},
		{At: at("22"), Sub: "dm-mpath", Level: "c", Call: "pr_cont", Func: "fail_path", Fmt: "mymod: more"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}
