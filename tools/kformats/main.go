// Command kformats extracts the printk-family calls of the kernel's storage
// subsystems from a kernel source tree into the table that parsers/kcover
// measures rule coverage against: one JSON object a line with the call's
// level, format string, file:line, sub-system, the device argument and the
// arguments of the conversions.
//
// It reads C as text, not as a compiler would: comments are dropped,
// adjacent string literals and string macros (#define NAME "…", pr_fmt,
// DM_MSG_PREFIX) are joined, and a call whose format is not a literal (a
// wrapper passing its caller's fmt on) is left out. See README.md beside
// this file for how the tables are made.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	src := flag.String("src", "", "kernel source tree (holds Makefile, block/, drivers/, fs/)")
	version := flag.String("version", "", "kernel version the table is named after, e.g. 6.1")
	out := flag.String("o", "", "output file (default: standard output)")
	flag.Parse()
	if *src == "" || *version == "" {
		fmt.Fprintln(os.Stderr, "usage: kformats -src DIR -version V [-o FILE]")
		os.Exit(2)
	}
	if err := run(*src, *version, *out); err != nil {
		fmt.Fprintln(os.Stderr, "kformats:", err)
		os.Exit(1)
	}
}

func run(src, version, out string) error {
	files, err := sourceFiles(src)
	if err != nil {
		return err
	}
	w := os.Stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	global := headerMacros(src)
	n := 0
	for _, sf := range files {
		calls, err := extractFile(src, sf, global)
		if err != nil {
			return err
		}
		for _, c := range calls {
			if err := enc.Encode(c); err != nil {
				return err
			}
			n++
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "kformats: %s: %d calls in %d files\n", version, n, len(files))
	return nil
}

// subFile is one source file and the sub-system it counts under.
type subFile struct {
	path string // relative to the tree
	sub  string
}

// subsystems maps a sub-system to the files (globs relative to the tree)
// that make it up. A file is taken by the first sub-system that lists it.
var subsystems = []struct {
	sub   string
	globs []string
}{
	{"iscsi", []string{"drivers/scsi/scsi_transport_iscsi.c", "drivers/scsi/libiscsi.c", "drivers/scsi/libiscsi_tcp.c", "drivers/scsi/iscsi_tcp.c"}},
	{"scsi", []string{"drivers/scsi/scsi*.c", "drivers/scsi/sd*.c", "drivers/scsi/hosts.c", "drivers/scsi/constants.c",
		"drivers/scsi/device_handler/*.c"}},
	{"ata", []string{"drivers/ata/libata-*.c", "drivers/ata/libahci.c", "drivers/ata/ahci.c"}},
	{"nvme", []string{"drivers/nvme/host/*.c"}},
	{"block", []string{"block/*.c", "fs/buffer.c"}},
	{"loop", []string{"drivers/block/loop.c"}},
	{"virtio_blk", []string{"drivers/block/virtio_blk.c"}},
	{"dm-mpath", []string{"drivers/md/dm-mpath.c", "drivers/md/dm-path-selector.c", "drivers/md/dm-ps-*.c",
		"drivers/md/dm-round-robin.c", "drivers/md/dm-queue-length.c", "drivers/md/dm-service-time.c",
		"drivers/md/dm-historical-service-time.c", "drivers/md/dm-io-affinity.c"}},
	{"dm-thin", []string{"drivers/md/dm-thin*.c", "drivers/md/persistent-data/*.c"}},
	{"dm-raid", []string{"drivers/md/dm-raid.c", "drivers/md/dm-raid1.c"}},
	{"dm-log", []string{"drivers/md/dm-log*.c", "drivers/md/dm-region-hash.c"}},
	{"dm", []string{"drivers/md/dm.c", "drivers/md/dm-table.c", "drivers/md/dm-ioctl.c", "drivers/md/dm-rq.c",
		"drivers/md/dm-io.c", "drivers/md/dm-kcopyd.c", "drivers/md/dm-target.c", "drivers/md/dm-linear.c",
		"drivers/md/dm-stripe.c", "drivers/md/dm-sysfs.c", "drivers/md/dm-zone.c", "drivers/md/dm-bufio.c",
		"drivers/md/dm-uevent.c", "drivers/md/dm-stats.c", "drivers/md/dm-builtin.c"}},
	{"md", []string{"drivers/md/md.c", "drivers/md/md-*.c", "drivers/md/raid*.c"}},
	{"ext4", []string{"fs/ext4/*.c"}},
	{"jbd2", []string{"fs/jbd2/*.c"}},
	{"xfs", []string{"fs/xfs/*.c", "fs/xfs/libxfs/*.c", "fs/xfs/scrub/*.c"}},
	{"btrfs", []string{"fs/btrfs/*.c"}},
}

// skipped are files the globs take that are no part of a sub-system's
// storage path: the SCSI test driver and the BIOS geometry helper.
var skipped = map[string]bool{"drivers/scsi/scsi_debug.c": true, "drivers/scsi/scsicam.c": true}

func sourceFiles(src string) ([]subFile, error) {
	seen := make(map[string]bool)
	var files []subFile
	for _, s := range subsystems {
		for _, g := range s.globs {
			m, err := filepath.Glob(filepath.Join(src, g))
			if err != nil {
				return nil, err
			}
			sort.Strings(m)
			for _, p := range m {
				rel, _ := filepath.Rel(src, p)
				if seen[rel] || strings.HasSuffix(rel, ".mod.c") || skipped[rel] {
					continue
				}
				seen[rel] = true
				files = append(files, subFile{rel, s.sub})
			}
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no storage sources (not a kernel tree?)", src)
	}
	return files, nil
}

// headerMacros collects the string macros of the headers the storage code
// shares (DM_NAME, …) and of each storage directory's own headers.
func headerMacros(src string) map[string]string {
	m := map[string]string{"DM_NAME": `device-mapper`}
	dirs := []string{"include/linux/device-mapper.h", "include/scsi", "drivers/scsi", "drivers/ata", "drivers/nvme/host",
		"drivers/md", "drivers/md/persistent-data", "fs/ext4", "fs/jbd2", "fs/xfs", "fs/xfs/libxfs", "fs/btrfs", "block"}
	for _, d := range dirs {
		p := filepath.Join(src, d)
		var hs []string
		if strings.HasSuffix(d, ".h") {
			hs = []string{p}
		} else {
			hs, _ = filepath.Glob(filepath.Join(p, "*.h"))
		}
		for _, h := range hs {
			b, err := os.ReadFile(h)
			if err != nil {
				continue
			}
			collectMacros(stripComments(string(b)), m, "")
		}
	}
	return m
}

// Call is one printk-family call, a line of the table.
type Call struct {
	At  string `json:"at"`
	Sub string `json:"sub"`
	// Level is the printk level 0-7, "d" for a printk without one
	// (printed at the default level, 4), "c" for a continuation, "?"
	// when the caller passes the level in a variable.
	Level string `json:"lvl"`
	Call  string `json:"call"`
	// Dev is the argument naming the device or filesystem, as written.
	Dev  string `json:"dev,omitempty"`
	Func string `json:"fn,omitempty"`
	// Fmt is the format with the prefixes the call's macros add (pr_fmt,
	// DM_FMT) and without its level marker and trailing newline.
	Fmt  string   `json:"fmt"`
	Args []string `json:"args,omitempty"`
}

// family says how to read one printk-family function's arguments: its
// fixed level ("" when a KERN_* argument or the format gives it) and the
// index of the argument naming the device (-1: none).
type family struct {
	level string
	dev   int
}

var families = func() map[string]family {
	f := map[string]family{
		"printk": {"", -1}, "printk_ratelimited": {"", -1}, "printk_once": {"", -1},
		"printk_deferred": {"", -1}, "printk_deferred_once": {"", -1},
		"pr_cont": {"c", -1},
		// dev_printk(level, dev, fmt), sdev_printk(level, sdev, fmt), …
		"dev_printk": {"", 1}, "sdev_printk": {"", 1}, "scmd_printk": {"", 1}, "sd_printk": {"", 1},
		"sr_printk": {"", 1}, "shost_printk": {"", 1}, "starget_printk": {"", 1}, "sdev_prefix_printk": {"", 1},
		"iscsi_conn_printk": {"", 1}, "iscsi_session_printk": {"", 1}, "iscsi_cls_conn_printk": {"", 1},
		"iscsi_cls_session_printk": {"", 1},
		"ext4_msg":                 {"", 0},
		"ext4_error":               {"2", 0}, "ext4_error_err": {"2", 0}, "ext4_error_inode": {"2", 0}, "EXT4_ERROR_INODE": {"2", 0},
		"EXT4_ERROR_INODE_ERR": {"2", 0}, "EXT4_ERROR_INODE_BLOCK": {"2", 0}, "ext4_error_file": {"2", 0}, "EXT4_ERROR_FILE": {"2", 0},
		"ext4_abort": {"2", 0}, "ext4_grp_locked_error": {"2", 0}, "ext4_error_inode_err": {"2", 0},
		"ext4_warning": {"4", 0}, "ext4_warning_inode": {"4", 0},
		"xfs_alert_tag": {"1", 0}, "xfs_printk_once": {"", -1}, "xfs_warn_mount": {"4", 0}, "xfs_warn_experimental": {"4", 0},
		"btrfs_printk": {"", 0}, "btrfs_printk_ratelimited": {"", 0}, "btrfs_printk_in_rcu": {"", 0},
		"btrfs_handle_fs_error": {"2", 0},
		"DMCRIT":                {"2", -1}, "DMERR": {"3", -1}, "DMWARN": {"4", -1}, "DMINFO": {"6", -1}, "DMDEBUG": {"7", -1},
		"DMEMERG": {"0", -1}, "DMERR_LIMIT": {"3", -1}, "DMWARN_LIMIT": {"4", -1}, "DMINFO_LIMIT": {"6", -1},
		"DMDEBUG_LIMIT": {"7", -1}, "DMCRIT_LIMIT": {"2", -1},
	}
	levels := map[string]string{"emerg": "0", "alert": "1", "crit": "2", "err": "3", "warn": "4", "warning": "4",
		"notice": "5", "info": "6", "debug": "7", "dbg": "7", "devel": "7"}
	for name, l := range levels {
		for _, sfx := range []string{"", "_ratelimited", "_once"} {
			f["pr_"+name+sfx] = family{l, -1}
			f["dev_"+name+sfx] = family{l, 0}
		}
		for _, p := range []string{"ata_port_", "ata_link_", "ata_dev_", "xfs_"} {
			f[p+name] = family{l, 0}
			f[p+name+"_ratelimited"] = family{l, 0}
		}
		for _, sfx := range []string{"", "_rl", "_in_rcu", "_rl_in_rcu"} {
			f["btrfs_"+name+sfx] = family{l, 0}
		}
	}
	f["dev_err_probe"] = family{"3", 0}
	for _, p := range []string{"ata_port_printk", "ata_link_printk", "ata_dev_printk"} {
		f[p] = family{"", -2} // device: the argument that is not the level
	}
	return f
}()

var kernLevels = map[string]string{
	"KERN_EMERG": "0", "KERN_ALERT": "1", "KERN_CRIT": "2", "KERN_ERR": "3", "KERN_WARNING": "4",
	"KERN_NOTICE": "5", "KERN_INFO": "6", "KERN_DEBUG": "7", "KERN_CONT": "c", "KERN_DEFAULT": "d",
}

func extractFile(src string, sf subFile, global map[string]string) ([]Call, error) {
	b, err := os.ReadFile(filepath.Join(src, sf.path))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	text := stripComments(string(b))
	macros := make(map[string]string, len(global)+8)
	for k, v := range global {
		macros[k] = v
	}
	macros["KBUILD_MODNAME"] = modName(sf.path)
	prfmt := ""
	collectMacros(text, macros, sf.path)
	if v, ok := macros["pr_fmt()"]; ok {
		prfmt = v
	}
	var calls []Call
	s := scanner{text: text}
	for s.next() {
		name, open := s.ident, s.pos
		fam, ok := families[name]
		if !ok || s.inDefine(open) {
			continue
		}
		args, end, ok := splitArgs(text, open)
		if !ok {
			continue
		}
		c, ok := makeCall(name, fam, args, macros, prfmt)
		s.pos = end
		if !ok {
			continue
		}
		c.At = fmt.Sprintf("%s:%d", sf.path, 1+strings.Count(text[:open], "\n"))
		c.Sub = sf.sub
		c.Func = enclosingFunc(text, open)
		calls = append(calls, c)
	}
	return calls, nil
}

// modName is the KBUILD_MODNAME of a file (the module it is built into).
func modName(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), ".c")
	switch {
	case strings.HasPrefix(path, "drivers/nvme/host/"):
		switch base {
		case "pci":
			return "nvme"
		case "fabrics", "tcp", "rdma", "fc", "apple":
			return "nvme_" + base
		}
		return "nvme_core"
	case strings.HasPrefix(path, "drivers/md/raid5") || strings.HasPrefix(path, "drivers/md/raid6"):
		return "raid456"
	case path == "drivers/md/md.c":
		return "md_mod"
	}
	return strings.ReplaceAll(base, "-", "_")
}

// makeCall reads one call's arguments.
func makeCall(name string, fam family, args []string, macros map[string]string, prfmt string) (Call, bool) {
	c := Call{Call: name, Level: fam.level}
	fi := -1
	var fmtStr string
	for i, a := range args {
		a = strings.TrimSpace(a)
		if l, ok := kernLevels[a]; ok && c.Level == "" {
			c.Level = l
			continue
		}
		if s, ok := joinLiteral(a, macros); ok && fi < 0 {
			fi, fmtStr = i, s
		}
	}
	if fi < 0 {
		return c, false // the format is a variable: a wrapper
	}
	// A level marker at the start of the format: KERN_ERR "…" is "\x013…".
	if len(fmtStr) >= 2 && fmtStr[0] == '\x01' {
		if c.Level == "" {
			c.Level = string(fmtStr[1])
		}
		fmtStr = fmtStr[2:]
	}
	switch {
	case c.Level == "" && strings.Contains(name, "printk") && fi > 0:
		c.Level = "?" // a level variable
	case c.Level == "":
		c.Level = "d"
	}
	if strings.HasPrefix(name, "DM") {
		fmtStr = macros["DM_NAME"] + ": " + macros["DM_MSG_PREFIX"] + ": " + fmtStr
	}
	if strings.HasPrefix(name, "pr_") || strings.HasPrefix(name, "DM") {
		// pr_* and DM* (pr_err(DM_FMT(fmt))) apply the file's pr_fmt
		// around everything else.
		fmtStr = strings.ReplaceAll(prfmt, "\x00", fmtStr)
	}
	c.Fmt = strings.TrimRight(fmtStr, "\n")
	switch {
	case fam.dev >= 0 && fam.dev < len(args):
		c.Dev = strings.TrimSpace(args[fam.dev])
	case fam.dev == -2:
		for i := 0; i < fi && i < len(args); i++ {
			if a := strings.TrimSpace(args[i]); kernLevels[a] == "" && a != "level" {
				c.Dev = a
				break
			}
		}
	}
	for _, a := range args[fi+1:] {
		c.Args = append(c.Args, squash(a))
	}
	return c, true
}

// squash collapses runs of white space in an argument to one space.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// joinLiteral joins an argument made of string literals, string macros and
// KERN_* markers into its text; ok is false when any token is something
// else (a variable, a call).
func joinLiteral(a string, macros map[string]string) (string, bool) {
	var sb strings.Builder
	i, any := 0, false
	for i < len(a) {
		c := a[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\\':
			i++
		case c == '"':
			s, n, ok := unquote(a[i:])
			if !ok {
				return "", false
			}
			sb.WriteString(s)
			i += n
			any = true
		case isIdentStart(c):
			j := i
			for j < len(a) && isIdent(a[j]) {
				j++
			}
			id := a[i:j]
			if l, ok := kernLevels[id]; ok {
				sb.WriteString("\x01" + l)
			} else if v, ok := macros[id]; ok {
				sb.WriteString(v)
			} else if id == "DM_FMT" || id == "pr_fmt" {
				// DM_FMT(fmt) / pr_fmt(fmt) as an argument: the
				// caller adds the prefix; take the inner literal.
				k := strings.IndexByte(a[j:], '(')
				if k < 0 {
					return "", false
				}
				args, end, ok := splitArgs(a, j+k)
				if !ok || len(args) != 1 {
					return "", false
				}
				s, ok := joinLiteral(args[0], macros)
				if !ok {
					return "", false
				}
				sb.WriteString(s)
				j = end
			} else {
				return "", false
			}
			i = j
		default:
			return "", false
		}
	}
	return sb.String(), any
}

// unquote reads the C string literal at the start of s.
func unquote(s string) (string, int, bool) {
	var sb strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			return sb.String(), i + 1, true
		case '\\':
			i++
			if i >= len(s) {
				return "", 0, false
			}
			switch s[i] {
			case 'n':
				sb.WriteByte('\n')
			case 't':
				sb.WriteByte('\t')
			case '0':
				sb.WriteByte(0)
			case '\n':
			default:
				sb.WriteByte(s[i])
			}
		default:
			sb.WriteByte(c)
		}
	}
	return "", 0, false
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdent(c byte) bool      { return isIdentStart(c) || c >= '0' && c <= '9' }
