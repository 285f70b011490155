package packaging

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
)

const (
	debPackage = "peripety"
	// polkitLock is the lock internal/testenv's Polkit holds (shared)
	// while its tests have our actions installed in
	// /usr/share/polkit-1/actions; holding it exclusively keeps the
	// package's install and removal of the same file out of their way.
	polkitLock = "/run/lock/peripety-testenv-polkit.lock"
	// debLock serialises TestDebianPackage between test processes.
	debLock = "/run/lock/peripety-test-deb.lock"
)

// TestDebianPackage builds the .deb, installs it on this machine with
// dpkg -i, checks where its files land and that the system's tools accept
// them (pkaction lists the actions; a call to the bus name starts the
// daemon by D-Bus activation), then removes and purges it. It restores any
// file the package replaced.
func TestDebianPackage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("installing a .deb with dpkg -i needs root")
	}
	for _, tool := range []string{"dpkg", "dpkg-deb", "dpkg-shlibdeps", "dpkg-query"} {
		testenv.LookPath(t, tool)
	}
	// One run of this test at a time on the machine (other checkouts'
	// `make check` too): a second dpkg -i of the same package would fail on
	// dpkg's lock or remove the package under the first.
	unlockDeb := lockExclusive(t, debLock)
	defer unlockDeb()
	if out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", debPackage).Output(); err == nil && !bytes.Contains(out, []byte("not-installed")) {
		t.Skipf("package %s is already on this machine (%s); the test would replace it", debPackage, out)
	}

	out := makeTarget(t, "deb")
	deb := strings.TrimSpace(out[strings.LastIndexByte(strings.TrimSpace(out), '\n')+1:])
	t.Cleanup(func() { os.Remove(deb) })
	contents := debFiles(t, deb)
	t.Run("lintian", func(t *testing.T) { checkLintian(t, deb) })

	lock := lockExclusive(t, polkitLock)
	defer lock()
	restore := saveFiles(t, contents)
	t.Cleanup(restore)
	t.Cleanup(func() {
		// Whatever happened, leave no package behind.
		exec.Command("dpkg", "--purge", debPackage).Run()
	})

	dpkg(t, "-i", deb)
	t.Run("files", func(t *testing.T) {
		listed := strings.Fields(string(run(t, "dpkg-query", "-L", debPackage)))
		for _, f := range contents {
			if !slices.Contains(listed, f) {
				t.Errorf("dpkg -L %s does not list %s", debPackage, f)
			}
			if _, err := os.Stat(f); err != nil {
				t.Errorf("installed file missing: %v", err)
			}
		}
		for _, f := range []string{"/usr/bin/prpt", "/usr/sbin/peripetyd"} {
			if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o755 {
				t.Errorf("%s: %v, mode %v; want an executable", f, err, st)
			}
		}
		if got := string(run(t, "dpkg-query", "-W", "-f=${Conffiles}", debPackage)); !strings.Contains(got, "/etc/peripetyd.conf") {
			t.Errorf("conffiles %q lack /etc/peripetyd.conf", got)
		}
		// man finds the installed pages by name.
		for _, page := range []string{"prpt", "peripetyd", "peripetyd.conf", "peripety-events"} {
			if out, err := exec.Command("man", "-w", page).CombinedOutput(); err != nil {
				t.Errorf("man -w %s: %v\n%s", page, err, out)
			}
		}
	})
	t.Run("maintainer scripts", checkMaintainerScripts)
	t.Run("catalog", checkCatalog)
	t.Run("pkaction", func(t *testing.T) { checkPkaction(t, contents) })
	t.Run("activation", func(t *testing.T) {
		checkActivation(t, contents)
		// Within: the daemon exits when the bus that activated it goes
		// away, at the end of this test (docs/design.md, "Daemon
		// peripetyd").
		t.Run("journalctl -x", checkExplained)
	})

	dpkg(t, "-r", debPackage)
	for _, f := range contents {
		_, err := os.Stat(f)
		// Files under /etc are conffiles (the config, the autostart entry).
		conffile := strings.HasPrefix(f, "/etc/")
		switch {
		case conffile && err != nil:
			t.Errorf("dpkg -r removed the conffile %s (only purge should)", f)
		case !conffile && err == nil:
			t.Errorf("dpkg -r left %s", f)
		}
	}
	dpkg(t, "-P", debPackage)
	for _, f := range append(contents, "/var/lib/peripety") {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("dpkg -P left %s", f)
		}
	}
	if out, _ := exec.Command("dpkg-query", "-W", "-f=${Status}", debPackage).CombinedOutput(); bytes.Contains(out, []byte(" installed")) {
		t.Errorf("after purge dpkg-query says %q", out)
	}
}

// checkLintian runs lintian, Debian's package checker, on the package:
// no error and no warning. Informational tags are printed.
func checkLintian(t *testing.T, deb string) {
	lintian := testenv.LookPath(t, "lintian")
	out, err := exec.Command(lintian, "--allow-root", "--fail-on", "error,warning", "--info", deb).CombinedOutput()
	if err != nil {
		t.Errorf("lintian %s: %v\n%s", deb, err, out)
	} else if len(out) > 0 {
		t.Logf("lintian:\n%s", out)
	}
	// The Debian way: the binaries stripped, position-independent.
	for _, bin := range []string{"usr/bin/prpt", "usr/sbin/peripetyd"} {
		dir := t.TempDir()
		run(t, "dpkg-deb", "-x", deb, dir)
		desc := string(run(t, "file", "-b", filepath.Join(dir, bin)))
		if !strings.Contains(desc, "pie executable") || !strings.Contains(desc, ", stripped") {
			t.Errorf("%s: %s; want a stripped PIE executable", bin, desc)
		}
	}
}

// checkMaintainerScripts calls the installed maintainer scripts as dpkg
// does when an upgrade or removal fails half way (the abort-* and
// failed-upgrade cases debhelper's snippets handle): each succeeds and
// leaves the package as it was; an argument dpkg never gives is an error.
func checkMaintainerScripts(t *testing.T) {
	info := "/var/lib/dpkg/info/" + debPackage + "."
	for _, call := range [][]string{
		{"postinst", "abort-upgrade", "99.0"},
		{"postinst", "abort-remove"},
		{"postinst", "abort-deconfigure", "in-favour", "other", "1.0"},
		{"prerm", "failed-upgrade", "99.0"},
		{"postrm", "abort-install"},
		{"postrm", "abort-upgrade", "0.0.1"},
		{"postrm", "failed-upgrade", "0.0.1"},
	} {
		if out, err := exec.Command(info+call[0], call[1:]...).CombinedOutput(); err != nil {
			t.Errorf("%s %s: %v\n%s", call[0], strings.Join(call[1:], " "), err, out)
		}
	}
	for _, script := range []string{"postinst", "prerm", "postrm"} {
		if err := exec.Command(info+script, "no-such-action").Run(); err == nil {
			t.Errorf("%s no-such-action succeeded, want an error", script)
		}
	}
	if out, _ := exec.Command("dpkg-query", "-W", "-f=${Status}", debPackage).Output(); string(out) != "install ok installed" {
		t.Errorf("after the abort calls dpkg-query says %q", out)
	}
}

// checkCatalog: installing the package indexed its message catalog (the
// systemd package's trigger on /usr/lib/systemd/catalog runs journalctl
// --update-catalog), so journalctl knows each event type's MESSAGE_ID.
func checkCatalog(t *testing.T) {
	journalctl := testenv.LookPath(t, "journalctl")
	out, err := exec.Command(journalctl, "--list-catalog").Output()
	if err != nil {
		t.Fatalf("journalctl --list-catalog: %v", err)
	}
	for typ, subject := range map[string]string{"FS_IO_ERROR": "File system I/O error", "PERIPETY_DAEMON_STARTED": "Peripety daemon started"} {
		want := event.MessageID(typ) + " peripety: " + subject + " (" + typ + ")"
		if !bytes.Contains(out, []byte(want+"\n")) {
			t.Errorf("journalctl --list-catalog lacks %q", want)
		}
	}
}

// checkPkaction asks polkit, through the system bus, about the installed
// actions.
func checkPkaction(t *testing.T, contents []string) {
	if !slices.ContainsFunc(contents, func(f string) bool { return strings.HasPrefix(f, "/usr/share/polkit-1/actions/") }) {
		t.Fatal("the package has no polkit actions under /usr/share/polkit-1/actions")
	}
	testenv.LookPath(t, "pkaction")
	systemBus(t)
	// polkitd is started by the bus on demand (its own activation file);
	// it reads the actions directory when it starts or sees it change.
	var out []byte
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		out, err = exec.Command("pkaction", "--verbose", "--action-id", "org.storage.peripety1.query").CombinedOutput()
		if err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("pkaction --verbose --action-id org.storage.peripety1.query: %v\n%s", err, out)
	}
	for _, want := range []string{"org.storage.peripety1.query:", "implicit any:", "implicit active:"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("pkaction --verbose lacks %q:\n%s", want, out)
		}
	}
	all := run(t, "pkaction")
	for _, id := range []string{"org.storage.peripety1.query", "org.storage.peripety1.block-info", "org.storage.peripety1.manage"} {
		if !bytes.Contains(all, []byte(id+"\n")) {
			t.Errorf("pkaction does not list %s:\n%s", id, all)
		}
	}
}

// checkActivation calls org.storage.Peripety1 on the system bus with no
// daemon running: the bus must start /usr/sbin/peripetyd from the
// installed activation file (through systemd when it is PID 1, else its
// launch helper with the file's Exec= and User=) and relay its answer.
func checkActivation(t *testing.T, contents []string) {
	if !slices.Contains(contents, "/usr/share/dbus-1/system-services/org.storage.Peripety1.service") {
		t.Fatal("the package has no D-Bus activation file /usr/share/dbus-1/system-services/org.storage.Peripety1.service")
	}
	testenv.LookPath(t, "gdbus")
	testenv.Journald(t) // where the daemon reads the kernel's lines and stores its events
	systemBus(t)
	if pids := daemonPIDs(t); len(pids) != 0 {
		t.Skipf("a /usr/sbin/peripetyd already runs (pid %v); activation needs none running", pids)
	}
	out, err := exec.Command("gdbus", "call", "--system", "--timeout", "30",
		"--dest", "org.storage.Peripety1", "--object-path", "/org/storage/Peripety1",
		"--method", "org.freedesktop.DBus.Properties.Get", "org.storage.Peripety1", "Version").CombinedOutput()
	if err != nil {
		t.Fatalf("gdbus call to org.storage.Peripety1 (activating it): %v\n%s", err, out)
	}
	if !bytes.HasPrefix(out, []byte("(<'")) {
		t.Errorf("Version = %s, want a string", out)
	}
	if len(daemonPIDs(t)) != 1 {
		t.Errorf("after activation, /usr/sbin/peripetyd processes: %v; want one", daemonPIDs(t))
	}
}

// checkExplained mounts a file system while the installed daemon runs:
// its FS_MOUNTED event, stored in journald with its MESSAGE_ID, shows the
// catalog's text under it in journalctl -x.
func checkExplained(t *testing.T) {
	testenv.RequireRootTools(t, "mounts a loop device", "losetup", "mkfs.ext4", "mount", "umount")
	if len(daemonPIDs(t)) != 1 {
		t.Skip("the installed daemon does not run (activation failed)")
	}
	dev := testenv.Loop(t, testenv.SparseFile(t, 32<<20))
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", dev).CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4: %v\n%s", err, out)
	}
	mnt := testenv.Mount(t, dev)
	var out []byte
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		exec.Command("journalctl", "--sync").Run()
		out, _ = exec.Command("journalctl", "-x", "--no-pager", "IS_PERIPETY=TRUE", "EVENT_TYPE=FS_MOUNTED", "EXT_MOUNT_POINT="+mnt).Output()
		if bytes.Contains(out, []byte("Subject: File system mounted (FS_MOUNTED)")) {
			break
		}
	}
	t.Logf("journalctl -x:\n%s", out)
	for _, want := range []string{"Subject: File system mounted (FS_MOUNTED)", "Defined-By: peripety", "What to do: Nothing."} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("journalctl -x of the FS_MOUNTED event on %s lacks %q:\n%s", mnt, want, out)
		}
	}
}

// daemonPIDs lists the processes running the installed daemon.
func daemonPIDs(t *testing.T) []string {
	var pids []string
	m, _ := filepath.Glob("/proc/[0-9]*/exe")
	for _, exe := range m {
		if target, err := os.Readlink(exe); err == nil && target == "/usr/sbin/peripetyd" {
			pids = append(pids, filepath.Base(filepath.Dir(exe)))
		}
	}
	return pids
}

// debFiles lists the regular files in a .deb, as absolute paths.
func debFiles(t *testing.T, deb string) []string {
	var files []string
	for _, l := range strings.Split(string(run(t, "dpkg-deb", "--contents", deb)), "\n") {
		f := strings.Fields(l)
		if len(f) >= 6 && strings.HasPrefix(f[0], "-") {
			files = append(files, strings.TrimPrefix(f[5], "."))
		}
	}
	if len(files) == 0 {
		t.Fatalf("%s holds no files", deb)
	}
	return files
}

// saveFiles keeps the files among paths that exist now (installed by hand
// or by another test) and returns a function that puts them back.
func saveFiles(t *testing.T, paths []string) func() {
	type saved struct {
		data []byte
		mode os.FileMode
	}
	kept := map[string]saved{}
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			kept[p] = saved{data, st.Mode().Perm()}
		}
	}
	return func() {
		for p, s := range kept {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Error(err)
			}
			if err := os.WriteFile(p, s.data, s.mode); err != nil {
				t.Errorf("restore %s: %v", p, err)
			}
		}
	}
}

func lockExclusive(t *testing.T, path string) (unlock func()) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("flock %s: %v", path, err)
	}
	return func() { f.Close() }
}

func dpkg(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("dpkg", args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out
}

// TestCopyrightListsModules: every Go module linked into the binaries has
// a paragraph in debian/copyright (the binaries are linked statically, so
// the package ships their code).
func TestCopyrightListsModules(t *testing.T) {
	out, err := exec.Command(goTool(t), "list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}}{{end}}{{end}}",
		"../cmd/prpt", "../cmd/peripetyd").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	cr, err := os.ReadFile("debian/copyright")
	if err != nil {
		t.Fatal(err)
	}
	major := regexp.MustCompile(`/v[0-9]+$`)
	seen := map[string]bool{}
	for _, mod := range strings.Fields(string(out)) {
		mod = major.ReplaceAllString(mod, "")
		if seen[mod] {
			continue
		}
		seen[mod] = true
		if !bytes.Contains(cr, []byte("\nFiles: "+mod+"/*\n")) {
			t.Errorf("debian/copyright has no paragraph \"Files: %s/*\" for a module the binaries link", mod)
		}
	}
	if len(seen) == 0 {
		t.Fatal("go list found no module")
	}
}
