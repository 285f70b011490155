package lab

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// kernelCache is where tests/setup-deps.sh unpacks Debian's kernel package
// (dpkg-deb -x, never installed): one directory per kernel release, holding
// boot/vmlinuz-<release> and lib/modules/<release> with depmod's files.
const kernelCache = "/var/cache/peripety-lab"

// kernel is the guest's kernel: its release and where it was unpacked.
type kernel struct {
	Release string
	Dir     string
}

func (k kernel) vmlinuz() string { return filepath.Join(k.Dir, "boot", "vmlinuz-"+k.Release) }
func (k kernel) modules() string { return filepath.Join(k.Dir, "lib", "modules") }

// findKernel returns the newest kernel in dir ($PERIPETY_LAB_KERNEL names
// one directly).
func findKernel(dir string) (kernel, error) {
	if d := os.Getenv("PERIPETY_LAB_KERNEL"); d != "" {
		return kernelIn(d)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return kernel{}, fmt.Errorf("read kernel cache %q: %w", dir, err)
	}
	var found []kernel
	for _, e := range ents {
		if k, err := kernelIn(filepath.Join(dir, e.Name())); err == nil {
			found = append(found, k)
		}
	}
	if len(found) == 0 {
		return kernel{}, fmt.Errorf("no unpacked kernel under %q (make setup unpacks one)", dir)
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Release < found[j].Release })
	return found[len(found)-1], nil
}

func kernelIn(d string) (kernel, error) {
	vm, err := filepath.Glob(filepath.Join(d, "boot", "vmlinuz-*"))
	if err != nil || len(vm) != 1 {
		return kernel{}, fmt.Errorf("%q: want one boot/vmlinuz-*, found %d", d, len(vm))
	}
	k := kernel{Release: strings.TrimPrefix(filepath.Base(vm[0]), "vmlinuz-"), Dir: d}
	if _, err := os.Stat(filepath.Join(k.modules(), k.Release, "modules.dep")); err != nil {
		return kernel{}, fmt.Errorf("%q: modules not prepared by depmod: %w", d, err)
	}
	return k, nil
}

// rootModules are what the initramfs loads to mount the host's root over
// 9p and lay tmpfs over parts of it; their dependencies come from the
// kernel's own modules.dep through modprobe.
var rootModules = []string{"virtio_pci", "9pnet_virtio", "9p", "overlay"}

// moduleOrder returns the module files to insmod, dependencies first, each
// once (modprobe --show-depends over the unpacked tree).
func moduleOrder(k kernel, names []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		b, err := exec.Command("modprobe", "-d", k.Dir, "-S", k.Release, "--show-depends", n).Output()
		if err != nil {
			return nil, fmt.Errorf("modprobe --show-depends %s for %s: %w", n, k.Release, err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 || f[0] != "insmod" || seen[f[1]] {
				continue
			}
			seen[f[1]] = true
			out = append(out, f[1])
		}
	}
	return out, nil
}

// initScript is the initramfs's /init: load the modules, mount the host's
// root read-only over 9p, and hand over to the lab's init there (lab_init
// on the kernel command line).
const initScript = `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /dev /newroot
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs dev /dev
for m in $(/bin/busybox cat /modules.list); do
	/bin/busybox insmod /modules/$m || echo "initramfs: insmod $m failed"
done
/bin/busybox mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose root /newroot || exec /bin/busybox sh
/bin/busybox umount /proc
exec /bin/busybox switch_root /newroot "$lab_init"
`

// buildInitramfs writes a gzipped newc cpio: busybox, the modules in
// order, and /init.
func buildInitramfs(k kernel, path string) error {
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		return fmt.Errorf("busybox (Debian package busybox-static): %w", err)
	}
	mods, err := moduleOrder(k, rootModules)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	w := &cpioWriter{w: zw}
	w.dir("bin")
	w.dir("modules")
	if err := w.fileFrom("bin/busybox", busybox, 0o755); err != nil {
		return err
	}
	var list []string
	for _, m := range mods {
		base := filepath.Base(m)
		if err := w.fileFrom("modules/"+base, m, 0o644); err != nil {
			return err
		}
		list = append(list, base)
	}
	w.file("modules.list", []byte(strings.Join(list, "\n")+"\n"), 0o644)
	w.file("init", []byte(initScript), 0o755)
	w.trailer()
	if w.err != nil {
		return fmt.Errorf("initramfs: %w", w.err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// cpioWriter writes the "newc" cpio format the kernel unpacks an initramfs
// from (Documentation/driver-api/early-userspace/buffer-format.rst).
type cpioWriter struct {
	w   io.Writer
	ino int
	err error
}

func (c *cpioWriter) entry(name string, mode uint32, data []byte) {
	if c.err != nil {
		return
	}
	c.ino++
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name)+1, 0)
	b := append([]byte(hdr), name...)
	b = append(b, 0)
	b = pad4(b)
	b = append(b, data...)
	b = pad4(b)
	_, c.err = c.w.Write(b)
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func (c *cpioWriter) dir(name string)                            { c.entry(name, 0o040755, nil) }
func (c *cpioWriter) file(name string, data []byte, perm uint32) { c.entry(name, 0o100000|perm, data) }
func (c *cpioWriter) trailer()                                   { c.entry("TRAILER!!!", 0, nil) }

func (c *cpioWriter) fileFrom(name, src string, perm uint32) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("read %q: %w", src, err)
	}
	c.file(name, b, perm)
	return nil
}

// vm is one QEMU guest run.
type vm struct {
	kernel  kernel
	initrd  string
	out     string   // the writable result share
	init    string   // the guest's PID 1 after switch_root (host path)
	smp     int      // virtual CPUs
	devices []string // the group's own -device/-drive arguments
}

// run boots the guest and waits until it powers off, answering its
// requests for QEMU monitor commands meanwhile; ctx bounds the run.
func (v vm) run(ctx context.Context, t testing.TB) error {
	mon := filepath.Join(v.out, "monitor.sock")
	args := []string{
		"-accel", "tcg", "-cpu", "max", "-smp", fmt.Sprint(v.smp), "-m", "2048",
		"-nodefaults", "-display", "none", "-no-reboot", "-nic", "none",
		"-serial", "file:" + filepath.Join(v.out, "console.log"),
		"-monitor", "unix:" + mon + ",server,nowait",
		"-kernel", v.kernel.vmlinuz(), "-initrd", v.initrd,
		"-append", "console=ttyS0 quiet loglevel=4 panic=-1 log_buf_len=16M lab_init=" + v.init,
		"-fsdev", "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap",
		"-device", "virtio-9p-pci,fsdev=root,mount_tag=root",
		"-fsdev", "local,id=out,path=" + v.out + ",security_model=none",
		"-device", "virtio-9p-pci,fsdev=out,mount_tag=out",
	}
	args = append(args, v.devices...)
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start qemu: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if ctx.Err() != nil {
				return fmt.Errorf("qemu killed after the lab's time limit: %w (%s)", ctx.Err(), stderr.String())
			}
			if err != nil {
				return fmt.Errorf("qemu: %w: %s", err, stderr.String())
			}
			if _, err := os.Stat(filepath.Join(v.out, "done")); err != nil {
				return fmt.Errorf("guest stopped before its scenarios finished (see %s/init.log, console.log)", v.out)
			}
			return nil
		case <-tick.C:
			if err := serveRequests(v.out, mon); err != nil {
				t.Logf("monitor: %v", err)
			}
		}
	}
}

// serveRequests runs the monitor commands the guest left as ctl/N.req
// (hostctl in guest/lib.sh) and writes each reply to ctl/N.done.
func serveRequests(out, mon string) error {
	reqs, err := filepath.Glob(filepath.Join(out, "ctl", "*.req"))
	if err != nil || len(reqs) == 0 {
		return err
	}
	sort.Strings(reqs)
	for _, r := range reqs {
		b, err := os.ReadFile(r)
		if err != nil {
			return err
		}
		reply, err := monitorCommand(mon, strings.TrimSpace(string(b)))
		if err != nil {
			reply = "error: " + err.Error()
		}
		done := strings.TrimSuffix(r, ".req") + ".done"
		if err := os.WriteFile(done, []byte(reply+"\n"), 0o644); err != nil {
			return err
		}
		if err := os.Remove(r); err != nil {
			return err
		}
	}
	return nil
}

// monitorCommand sends one command to QEMU's human monitor and returns
// what it printed before the next prompt.
func monitorCommand(sock, command string) (string, error) {
	c, err := net.DialTimeout("unix", sock, 5*time.Second)
	if err != nil {
		return "", fmt.Errorf("monitor %q: %w", sock, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	if _, err := readPrompt(r); err != nil {
		return "", fmt.Errorf("monitor greeting: %w", err)
	}
	if _, err := io.WriteString(c, command+"\n"); err != nil {
		return "", err
	}
	reply, err := readPrompt(r)
	if err != nil {
		return "", fmt.Errorf("monitor %q: %w", command, err)
	}
	// The monitor echoes the command line (with terminal escapes) first.
	lines := strings.Split(reply, "\n")
	var keep []string
	for _, l := range lines {
		l = strings.TrimSpace(stripEscapes(l))
		if l != "" && !strings.HasSuffix(l, command) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n"), nil
}

// readPrompt reads up to QEMU's "(qemu) " prompt.
func readPrompt(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		c, err := r.ReadByte()
		if err != nil {
			return b.String(), err
		}
		b.WriteByte(c)
		if strings.HasSuffix(b.String(), "(qemu) ") {
			return strings.TrimSuffix(b.String(), "(qemu) "), nil
		}
	}
}

func stripEscapes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i++; i < len(s) && !(s[i] >= '@' && s[i] <= '~' && s[i] != '['); i++ {
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
