// Package lab is the real-kernel lab: it boots Debian's own kernel under
// QEMU (TCG) over the host's userspace (a read-only 9p root), builds real
// storage stacks in the guest (scsi_debug, dm-multipath with multipathd,
// LVM, thin pools, md, NVMe, AHCI and virtio disks under QEMU's blkdebug,
// iSCSI over loopback), makes them fail in known ways, runs the project's
// peripetyd there and checks every event it printed, stored in journald and
// signalled on the bus against what the guest read from the kernel and udev.
//
// Guest side: guest/init.sh (PID 1), guest/lib.sh (facts and faults),
// guest/scenarios/*.sh (one per scenario). Host side: the groups below (one
// boot each), the expectations in scenarios_test.go and the checks in
// check_test.go. It needs root, qemu-system-x86_64, busybox and the kernel
// unpacked by tests/setup-deps.sh; without them it skips and says why.
//
//	PERIPETY_LAB=1 go test ./tests/lab -v                     # every group
//	PERIPETY_LAB=1 go test ./tests/lab -v -lab.groups=scsi    # some groups
//	PERIPETY_LAB=1 go test ./tests/lab -v -lab.keep=/tmp/lab  # keep the results
//	go test ./tests/lab -v -lab.results=/tmp/lab              # check kept results again
//	PERIPETY_LAB=1 go test ./tests/lab -v -lab.capture        # refresh parsers/testdata/real/lab
package lab

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peripety/peripety/internal/testenv"
)

var (
	flagGroups  = flag.String("lab.groups", "", "comma-separated groups to boot (default: all)")
	flagKeep    = flag.String("lab.keep", "", "directory to keep the results in (default: a temporary one)")
	flagCapture = flag.Bool("lab.capture", false, "write each group's kernel log to parsers/testdata/real/lab")
	flagSMP     = flag.Int("lab.smp", 1, "virtual CPUs per guest")
	flagGuests  = flag.Int("lab.parallel", 3, "guests running at once (they wait on udev, timers and sleeps much of the time: three share two host CPUs well)")
	flagOnly    = flag.String("lab.scenarios", "", "comma-separated scenarios to run (with each group's boot; default: all)")
	flagResults = flag.String("lab.results", "", "check the results a kept run left in this directory again, without booting")
)

// group is one boot of the guest: the scenarios it runs in order, the
// devices QEMU gives it, and where peripetyd reads kernel lines from.
type group struct {
	name      string
	scenarios []string
	source    string                             // peripetyd --source
	devices   func(out string) ([]string, error) // QEMU arguments, given the result dir
}

// groupTimeout bounds one boot: the longest group (daemons) took 7m16s
// with another guest beside it on a loaded machine (load 8).
const groupTimeout = 12 * time.Minute

func TestLab(t *testing.T) {
	if os.Getenv("PERIPETY_LAB") == "" && *flagResults == "" {
		t.Skip("the lab boots QEMU guests for minutes: `make lab` (or PERIPETY_LAB=1) runs it, `make check` a part of it")
	}
	if os.Geteuid() != 0 {
		t.Skip("the lab needs root (9p export of /, QEMU monitor sockets)")
	}
	for _, c := range []string{"qemu-system-x86_64", "busybox", "modprobe"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("no %s (make setup installs it): %v", c, err)
		}
	}
	k, err := findKernel(kernelCache)
	if err != nil {
		t.Skipf("no guest kernel: %v", err)
	}
	if _, err := os.Stat("/lib/modules"); err != nil {
		t.Skipf("no /lib/modules on the host for the guest to bind its modules on (make setup makes it): %v", err)
	}
	groups, err := selectGroups(*flagGroups, *flagOnly)
	if err != nil {
		t.Fatal(err)
	}
	out := *flagKeep
	if out == "" {
		out = t.TempDir()
	} else if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err = filepath.Abs(out)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if *flagResults != "" {
		for _, g := range groups {
			dir := filepath.Join(*flagResults, g.name)
			t.Run(g.name, func(t *testing.T) { checkGroup(t, k, g, bootResult{dir: dir}) })
		}
		return
	}
	daemon := testenv.Build(t, out, "../../cmd/peripetyd")
	initrd := filepath.Join(out, "initrd.gz")
	if err := buildInitramfs(k, initrd); err != nil {
		t.Fatal(err)
	}
	guest, err := filepath.Abs("guest")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("kernel %s, results in %s", k.Release, out)

	slots := make(chan struct{}, max(1, *flagGuests))
	var wg sync.WaitGroup
	boots := make([]bootResult, len(groups))
	for i, g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			boots[i] = bootGroup(t, k, g, out, initrd, guest, daemon)
		}()
	}
	wg.Wait()
	for i, g := range groups {
		t.Run(g.name, func(t *testing.T) { checkGroup(t, k, g, boots[i]) })
	}
	t.Logf("lab: %d groups in %s", len(groups), time.Since(start).Round(time.Second))
}

// checkGroup checks every scenario of a group that booted.
func checkGroup(t *testing.T, k kernel, g group, b bootResult) {
	if b.err != nil {
		t.Fatalf("boot of group %s: %v", g.name, b.err)
	}
	if b.took > 0 {
		t.Logf("group %s: boot and all scenarios %s", g.name, b.took.Round(time.Second))
	}
	log, err := readKmsg(filepath.Join(b.dir, "kmsg"))
	if err != nil {
		t.Fatal(err)
	}
	if *flagCapture {
		if err := writeCapture(k, g.name, b.dir); err != nil {
			t.Error(err)
		}
	}
	for _, name := range g.scenarios {
		if *flagCapture {
			if err := writeDaemonCapture(name, filepath.Join(b.dir, "s", name)); err != nil {
				t.Error(err)
			}
		}
		t.Run(name, func(t *testing.T) {
			checkScenario(t, name, filepath.Join(b.dir, "s", name), g.source, log)
		})
	}
}

type bootResult struct {
	dir  string
	took time.Duration
	err  error
}

// bootGroup boots one guest for g and waits for it to finish.
func bootGroup(t *testing.T, k kernel, g group, out, initrd, guest, daemon string) bootResult {
	dir := filepath.Join(out, g.name)
	r := bootResult{dir: dir}
	if err := os.RemoveAll(dir); err != nil {
		r.err = err
		return r
	}
	if err := os.MkdirAll(filepath.Join(dir, "ctl"), 0o755); err != nil {
		r.err = err
		return r
	}
	// The guest's /tmp is its own: what it runs comes through the result
	// share (/run/lab/out), wherever the host keeps it.
	if err := copyFile(daemon, filepath.Join(dir, "peripetyd"), 0o755); err != nil {
		r.err = err
		return r
	}
	if err := os.CopyFS(filepath.Join(dir, "guest"), os.DirFS(guest)); err != nil {
		r.err = fmt.Errorf("copy guest scripts: %w", err)
		return r
	}
	env := fmt.Sprintf("LAB_SCENARIOS=%s\nLAB_SOURCE=%s\nLAB_GUEST=/run/lab/out/guest\nLAB_KMODDIR=%s\nLAB_DAEMON=/run/lab/out/peripetyd\n",
		strings.Join(g.scenarios, ","), g.source, k.modules())
	if err := os.WriteFile(filepath.Join(dir, "run.env"), []byte(env), 0o644); err != nil {
		r.err = err
		return r
	}
	var devs []string
	if g.devices != nil {
		var err error
		if devs, err = g.devices(dir); err != nil {
			r.err = fmt.Errorf("devices: %w", err)
			return r
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	start := time.Now()
	r.err = vm{kernel: k, initrd: initrd, out: dir, init: filepath.Join(guest, "init.sh"), smp: *flagSMP, devices: devs}.run(ctx, t)
	r.took = time.Since(start)
	return r
}

// selectGroups returns the groups named (all when names is empty), each
// with only the scenarios in only (all when empty) and its boot.
func selectGroups(names, only string) ([]group, error) {
	var out []group
	if names == "" {
		out = groups
	}
	for _, n := range strings.Split(names, ",") {
		if n == "" {
			continue
		}
		found := false
		for _, g := range groups {
			if g.name == n {
				out = append(out, g)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("-lab.groups: no group %q", n)
		}
	}
	if only == "" {
		return out, nil
	}
	keep := map[string]bool{"boot": true}
	for _, n := range strings.Split(only, ",") {
		if _, ok := scenarioByName[n]; !ok {
			return nil, fmt.Errorf("-lab.scenarios: no scenario %q", n)
		}
		keep[n] = true
	}
	var sel []group
	for _, g := range out {
		var names []string
		for _, n := range g.scenarios {
			if keep[n] {
				names = append(names, n)
			}
		}
		if len(names) > 1 {
			g.scenarios = names
			sel = append(sel, g)
		}
	}
	return sel, nil
}

func copyFile(src, dst string, perm os.FileMode) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, perm)
}
