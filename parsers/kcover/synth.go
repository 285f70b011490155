package kcover

import (
	"strings"

	"github.com/peripety/peripety/parsers"
)

// piece is a run of literal text or one conversion of a format.
type piece struct {
	text string
	// conv is the conversion ("d", "llu", "s", "pg", "*ph", …) without
	// its flags, width and precision; "" for literal text.
	conv string
	// hash: the "#" flag (0x before hex); stars: how many arguments the
	// width and precision take.
	hash  bool
	stars int
}

// parseFormat splits a printk format into text and conversions.
func parseFormat(f string) []piece {
	var out []piece
	var text strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			text.WriteByte(f[i])
			continue
		}
		if i+1 < len(f) && f[i+1] == '%' {
			text.WriteByte('%')
			i++
			continue
		}
		j := i + 1
		p := piece{}
		for j < len(f) && strings.IndexByte("-+ #0", f[j]) >= 0 {
			p.hash = p.hash || f[j] == '#'
			j++
		}
		for j < len(f) && (f[j] >= '0' && f[j] <= '9' || f[j] == '*' || f[j] == '.') {
			if f[j] == '*' {
				p.stars++
			}
			j++
		}
		k := j
		for k < len(f) && strings.IndexByte("hlLqjzt", f[k]) >= 0 {
			k++
		}
		if k >= len(f) {
			text.WriteString(f[i:])
			break
		}
		conv := f[j : k+1]
		if f[k] == 'p' {
			// %p extensions: letters and digits after the p.
			e := k + 1
			for e < len(f) && (f[e] >= 'a' && f[e] <= 'z' || f[e] >= 'A' && f[e] <= 'Z' || f[e] >= '0' && f[e] <= '9') {
				e++
			}
			conv = f[k:e]
			if p.stars > 0 && strings.HasPrefix(conv, "ph") {
				conv = "*" + conv
			}
			k = e - 1
		}
		if text.Len() > 0 {
			out = append(out, piece{text: text.String()})
			text.Reset()
		}
		p.conv = conv
		out = append(out, p)
		i = k
	}
	if text.Len() > 0 {
		out = append(out, piece{text: text.String()})
	}
	return out
}

// Synthesize returns a line the kernel of version could print for c, with
// plausible values in place of the conversions and the prefix the call's
// printk family adds, and the record level it is printed at
// (parsers.LevelUnknown for a level the caller passes).
func Synthesize(version string, c *Call) (string, int) {
	level := parsers.LevelUnknown
	switch {
	case c.Level == "d":
		level = 4
	case len(c.Level) == 1 && c.Level[0] >= '0' && c.Level[0] <= '7':
		level = int(c.Level[0] - '0')
	}
	var sb strings.Builder
	sb.WriteString(prefix(version, c))
	arg := 0
	next := func() string {
		if arg < len(c.Args) {
			arg++
			return c.Args[arg-1]
		}
		return ""
	}
	prevConv := false
	for _, p := range parseFormat(c.Fmt) {
		if p.conv == "" {
			sb.WriteString(p.text)
			prevConv = false
			continue
		}
		for range p.stars {
			next()
		}
		v := value(c, p, next())
		if prevConv && p.conv == "s" {
			// "%llu%s": an optional suffix (", async page read"), most
			// often empty.
			v = ""
		}
		sb.WriteString(v)
		prevConv = true
	}
	if c.Call == "btrfs_handle_fs_error" {
		sb.WriteString(")")
	}
	// A format of several lines is one record; the rules see each line.
	return sb.String(), level
}

// devName is a plausible name of the device a sub-system's line names.
func devName(sub string) string {
	switch sub {
	case "nvme":
		return "nvme0n1"
	case "md":
		return "md0"
	case "loop":
		return "loop0"
	case "virtio_blk":
		return "vda"
	case "dm", "dm-mpath", "dm-thin", "dm-raid", "dm-log":
		return "253:2"
	case "ext4", "jbd2", "xfs", "btrfs":
		return "sdb1"
	}
	return "sdb"
}

// value is a plausible value of one conversion whose argument is written
// arg.
func value(c *Call, p piece, arg string) string {
	a := strings.ToLower(arg)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(a, w) {
				return true
			}
		}
		return false
	}
	switch conv := strings.TrimLeft(p.conv, "hlLqjzt"); conv {
	case "s":
		switch {
		case arg == "__func__" || arg == "__FUNCTION__":
			return c.Func
		case ternaryLiteral(arg) != "":
			return ternaryLiteral(arg)
		case a == "caller":
			return "blk_update_request"
		case has("status_to_str", "blk_errors"):
			return "I/O"
		case has("mdname"):
			return "md0"
		case has("disk_name", "bdevname", "s_id", "devname", "dev_name", "bdev", "disk", "->name", "name"):
			return devName(c.Sub)
		case has("op_str", "opcode"):
			return "Read"
		}
		return "abc"
	case "d", "i":
		if has("err", "ret", "rc", "error", "status") {
			return "-5"
		}
		return "3"
	case "u":
		return "12345"
	case "x", "X", "o":
		if p.hash {
			return "0x1f"
		}
		return "1f"
	case "c":
		return "c"
	case "pg":
		return devName(c.Sub)
	case "pV":
		return "something failed"
	case "pe":
		return "-EIO"
	case "pU", "pUb", "pUB", "pUl", "pUL":
		return "0d5e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
	case "pI4", "pI4h", "pI4n":
		return "10.0.0.1"
	case "pI6", "pI6c", "pIS", "pISc", "pISp", "pISpc":
		return "10.0.0.1:3260"
	case "pM", "pMR":
		return "00:11:22:33:44:55"
	case "ps", "pS", "pSR", "pB", "pf":
		return "xfs_fn+0x1c/0x80 [xfs]"
	// %*ph separates the bytes by spaces, C by colons, D by dashes, N
	// not at all.
	case "*ph", "ph":
		return "00 11 22 33"
	case "*phN", "phN":
		return "00112233"
	case "*phC", "phC":
		return "00:11:22:33"
	case "*phD", "phD":
		return "00-11-22-33"
	case "pa", "pad", "pap":
		return "0x0000000000001000"
	case "pd", "pD", "pd2", "pD2", "pd4":
		return "file"
	case "pOF":
		return "node"
	}
	if strings.HasPrefix(p.conv, "p") {
		return "00000000deadbeef"
	}
	return "3"
}

// prefix is what the call's printk family prints before the format in
// kernel version.
func prefix(version string, c *Call) string {
	dev := strings.ToLower(c.Dev)
	name := c.Call
	fn := c.Func
	if fn == "" {
		fn = "ext4_fill_super" // the reader lost the function; any name
	}
	switch {
	case name == "dev_err_probe" || strings.HasPrefix(name, "dev_"):
		return devPrefix(c, dev)
	case name == "sdev_printk":
		return "sd 2:0:0:0: "
	case name == "scmd_printk":
		return "sd 2:0:0:0: [sdb] tag#12 "
	case name == "sd_printk" || name == "sdev_prefix_printk":
		return "sd 2:0:0:0: [sdb] "
	case name == "sr_printk":
		return "sr 1:0:0:0: [sr0] "
	case name == "shost_printk":
		return "scsi host2: "
	case name == "starget_printk":
		return "scsi target2:0:0: "
	case name == "iscsi_conn_printk" || name == "iscsi_cls_conn_printk":
		return " connection1:0: "
	case name == "iscsi_session_printk" || name == "iscsi_cls_session_printk":
		return " session1: "
	case strings.HasPrefix(name, "ata_port_"):
		return "ata1: "
	case strings.HasPrefix(name, "ata_link_"):
		return "ata1: "
	case strings.HasPrefix(name, "ata_dev_"):
		return "ata1.00: "
	case name == "ext4_msg":
		return "EXT4-fs (sdb1): "
	case strings.HasPrefix(name, "ext4_warning") || name == "ext4_warning_inode":
		p := "EXT4-fs warning (device sdb1): " + fn + ":123: "
		if name == "ext4_warning_inode" {
			p += "inode #12: comm kworker/u8:2: "
		}
		return p
	case strings.HasPrefix(strings.ToLower(name), "ext4_error") || name == "ext4_abort" || name == "ext4_grp_locked_error":
		p := "EXT4-fs error (device sdb1): " + fn + ":123: "
		switch {
		case name == "ext4_grp_locked_error":
			p += "group 3, block bitmap and bg descriptor inconsistent: "
		case strings.Contains(strings.ToLower(name), "inode") || strings.Contains(strings.ToLower(name), "file"):
			p += "inode #12: comm kworker/u8:2: "
		case name == "ext4_abort" && version == "4.19":
		default:
			p += "comm kworker/u8:2: "
		}
		return p
	case strings.HasPrefix(name, "xfs_"):
		if dev == "null" {
			return "XFS: "
		}
		return "XFS (sdb1): "
	case name == "btrfs_handle_fs_error":
		// The format goes in parentheses: see Synthesize.
		return "BTRFS: error (device sdb1) in " + c.Func + ":123: errno=-5 IO failure ("
	case strings.HasPrefix(name, "btrfs_"):
		lvl := btrfsLevel(name)
		if dev == "null" {
			return "BTRFS " + lvl + ": "
		}
		return "BTRFS " + lvl + " (device sdb1): "
	}
	return ""
}

// btrfsLevel is the word btrfs prints for the level of a btrfs_<level>*
// call.
func btrfsLevel(name string) string {
	words := map[string]string{"emerg": "emergency", "alert": "alert", "crit": "critical", "err": "error",
		"warn": "warning", "notice": "notice", "info": "info", "debug": "debug"}
	l := strings.TrimPrefix(name, "btrfs_")
	if i := strings.IndexByte(l, '_'); i >= 0 {
		l = l[:i]
	}
	if w, ok := words[l]; ok {
		return w
	}
	return "error"
}

// devPrefix is dev_printk's "<driver> <device>: " for the device argument
// dev (lower-cased) of a sub-system's call.
func devPrefix(c *Call, dev string) string {
	switch {
	case strings.Contains(dev, "sdev") || strings.Contains(dev, "scmd"):
		return "sd 2:0:0:0: "
	case strings.Contains(dev, "shost"):
		return "scsi host2: "
	case strings.Contains(dev, "rport"):
		// FC remote ports have no driver, bus or class name.
		return " rport-2:0-3: "
	case c.Sub == "nvme" && strings.Contains(dev, "device"):
		return "nvme nvme0: "
	case c.Sub == "nvme" && dev == "dev" && strings.Contains(c.At, "/multipath.c:"):
		// nvme_ns_head_submit_bio: dev is the head's disk.
		return "block nvme0n1: "
	case c.Sub == "nvme" && strings.Contains(dev, "disk"):
		return "block nvme0n1: "
	case c.Sub == "nvme":
		return "nvme 0000:04:00.0: "
	case strings.Contains(dev, "disk"):
		return "block " + devName(c.Sub) + ": "
	case c.Sub == "virtio_blk":
		return "virtio_blk virtio1: "
	case c.Sub == "ata":
		return "ahci 0000:00:1f.2: "
	}
	return c.Sub + " " + devName(c.Sub) + ": "
}

// ternaryLiteral returns the string literal of the true branch of an
// argument written cond ? "text" : …, or "".
func ternaryLiteral(arg string) string {
	q := strings.IndexByte(arg, '?')
	c := strings.LastIndexByte(arg, ':')
	if q < 0 || c < q {
		return ""
	}
	t := strings.TrimSpace(arg[q+1 : c])
	if len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' {
		return t[1 : len(t)-1]
	}
	return ""
}
