package packaging

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/internal/testenv"
)

// The DTDs the shipped XML is checked against, from the dbus (libdbus-1-dev)
// and polkit packages.
const (
	busconfigDTD  = "/usr/share/xml/dbus-1/busconfig.dtd"
	introspectDTD = "/usr/share/xml/dbus-1/introspect.dtd"
	polkitDTD     = "/usr/share/polkit-1/policyconfig-1.dtd"
)

// install runs `make install` with vars into a fresh staging directory and
// returns the directory.
func install(t *testing.T, vars ...string) string {
	t.Helper()
	dest := t.TempDir()
	makeTarget(t, append([]string{"install", "DESTDIR=" + dest}, vars...)...)
	return dest
}

// makeTarget runs make in the module's top directory.
func makeTarget(t *testing.T, args ...string) string {
	t.Helper()
	mk := testenv.LookPath(t, "make")
	cmd := exec.Command(mk, append([]string{"--no-print-directory", "-C", "..", "GO=" + goTool(t)}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func goTool(t *testing.T) string {
	p, err := exec.LookPath("go")
	if err != nil {
		// .ci/run and the Makefile put /usr/local/go/bin on PATH.
		t.Fatalf("go not on PATH, needed to build the staged install: %v", err)
	}
	return p
}

// unitDir is where make installs the unit: the directory systemd's
// pkg-config file names, else $(prefix)/lib/systemd/system.
func unitDir(prefix string) string {
	out, err := exec.Command("pkg-config", "--variable=systemdsystemunitdir", "systemd").Output()
	if d := strings.TrimSpace(string(out)); err == nil && d != "" {
		return d
	}
	return prefix + "/lib/systemd/system"
}

// files lists the regular files under root with their modes, as
// "/path mode".
func files(t *testing.T, root string) []string {
	t.Helper()
	var list []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		list = append(list, strings.TrimPrefix(p, root)+" "+info.Mode().String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(list)
	return list
}

// shipped lists the files of packaging/<dir> matching glob, by base name.
func shipped(t *testing.T, glob string) []string {
	t.Helper()
	m, err := filepath.Glob(glob)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range m {
		names = append(names, filepath.Base(p))
	}
	return names
}

// wantTree is the tree `make install` must produce for prefix, with the
// D-Bus and polkit files that packaging/ has.
func wantTree(t *testing.T, prefix, zshDir string) []string {
	const exe, data = "-rwxr-xr-x", "-rw-r--r--"
	want := []string{
		prefix + "/bin/prpt " + exe,
		prefix + "/sbin/peripetyd " + exe,
		unitDir(prefix) + "/peripetyd.service " + data,
		prefix + "/share/man/man1/prpt.1 " + data,
		prefix + "/share/man/man5/peripetyd.conf.5 " + data,
		prefix + "/share/man/man8/peripetyd.8 " + data,
		prefix + "/share/man/man7/peripety-events.7 " + data,
		prefix + "/lib/systemd/catalog/peripety.catalog " + data,
		prefix + "/share/bash-completion/completions/prpt " + data,
		prefix + "/share/zsh/" + zshDir + "/_prpt " + data,
		prefix + "/share/fish/vendor_completions.d/prpt.fish " + data,
		"/etc/peripetyd.conf " + data,
		"/etc/xdg/autostart/peripety-notify.desktop " + data,
	}
	for _, name := range shipped(t, "hooks/*") {
		if !strings.HasSuffix(name, "_test.go") {
			want = append(want, prefix+"/share/peripety/hooks/"+name+" "+exe)
		}
	}
	for dir, glob := range map[string]string{
		"/share/dbus-1/system.d/":        "dbus-1/system.d/*.conf",
		"/share/dbus-1/system-services/": "dbus-1/system-services/*.service",
		"/share/dbus-1/interfaces/":      "dbus-1/interfaces/*.xml",
		"/share/polkit-1/actions/":       "polkit-1/actions/*.policy",
		"/share/polkit-1/rules.d/":       "polkit-1/rules.d/*.rules",
	} {
		for _, name := range shipped(t, glob) {
			want = append(want, prefix+dir+name+" "+data)
		}
	}
	sort.Strings(want)
	return want
}

func TestInstallTree(t *testing.T) {
	for _, tc := range []struct {
		prefix, zshDir string
	}{
		{"/usr", "vendor-completions"},
		{"/usr/local", "site-functions"},
	} {
		t.Run(tc.prefix, func(t *testing.T) {
			dest := install(t, "prefix="+tc.prefix)
			if diff := cmp.Diff(wantTree(t, tc.prefix, tc.zshDir), files(t, dest)); diff != "" {
				t.Errorf("make install prefix=%s (-want +got):\n%s", tc.prefix, diff)
			}
			// The daemon's path, in the unit and the activation file, is
			// the installed one.
			sbin := tc.prefix + "/sbin/peripetyd"
			unit := readFile(t, filepath.Join(dest, unitDir(tc.prefix), "peripetyd.service"))
			if got := keyValues(unit, "ExecStart"); !cmp.Equal(got, []string{sbin}) {
				t.Errorf("installed unit: ExecStart=%q, want %q", got, sbin)
			}
			for _, name := range shipped(t, "dbus-1/system-services/*.service") {
				svc := readFile(t, filepath.Join(dest, tc.prefix, "share/dbus-1/system-services", name))
				if exec := keyValues(svc, "Exec"); len(exec) != 1 || !strings.HasPrefix(exec[0], sbin) {
					t.Errorf("installed %s: Exec=%q, want %s …", name, exec, sbin)
				}
			}

			makeTarget(t, "uninstall", "DESTDIR="+dest, "prefix="+tc.prefix)
			if left := files(t, dest); len(left) != 0 {
				t.Errorf("make uninstall left %q", left)
			}
		})
	}
}

// TestInstallKeepsConfig: the administrator's /etc/peripetyd.conf survives
// install and uninstall; an unchanged one goes with uninstall.
func TestInstallKeepsConfig(t *testing.T) {
	dest := install(t)
	conf := filepath.Join(dest, "etc/peripetyd.conf")
	mine := []byte("[main]\nnotify_stdout = true\n")
	if err := os.WriteFile(conf, mine, 0o644); err != nil {
		t.Fatal(err)
	}
	makeTarget(t, "install", "DESTDIR="+dest)
	makeTarget(t, "uninstall", "DESTDIR="+dest)
	if got := readFile(t, conf); got != string(mine) {
		t.Errorf("install+uninstall changed the administrator's config to:\n%s", got)
	}
}

func TestSystemdUnit(t *testing.T) {
	analyze := testenv.LookPath(t, "systemd-analyze")
	dest := install(t)
	// systemd-analyze verify checks the unit as systemd would load it:
	// ExecStart= must exist, Documentation= man pages must be found. Show
	// it the staged tree laid over this system's, in a mount namespace of
	// its own (a user namespace when not root), so nothing is installed.
	var mounts []string
	entries, err := os.ReadDir(dest)
	if err != nil {
		t.Fatal(err)
	}
	// /usr first: on a merged-/usr system /lib leads into it, and a later
	// /usr overlay would hide the one on /lib.
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Name() == "usr" })
	for _, e := range entries {
		mounts = append(mounts, "mount -t overlay overlay -o lowerdir="+dest+"/"+e.Name()+":/"+e.Name()+" /"+e.Name())
	}
	overlay := func(cmd string) (string, error) {
		args := []string{"--mount", "--propagation", "private"}
		if os.Getuid() != 0 {
			args = append(args, "--map-root-user")
		}
		args = append(args, "sh", "-ec", strings.Join(append(mounts, cmd), "\n"))
		out, err := exec.Command("unshare", args...).CombinedOutput()
		return string(out), err
	}
	if out, err := overlay("true"); err != nil {
		t.Skipf("cannot overlay the staged tree in a mount namespace (unshare): %v\n%s", err, out)
	}
	t.Run("verify", func(t *testing.T) {
		out, err := overlay(analyze + " verify peripetyd.service")
		if err != nil || out != "" {
			t.Errorf("systemd-analyze verify peripetyd.service: %v\n%s", err, out)
		}
	})
	t.Run("security", func(t *testing.T) {
		// An exposure above 2.0 (of 10) means a hardening line was lost.
		out, err := overlay(analyze + " security --offline=yes --threshold=20 --no-pager peripetyd.service")
		if err != nil {
			t.Errorf("systemd-analyze security: exposure above 2.0: %v\n%s", err, out)
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, "Overall exposure") {
				t.Log(strings.TrimSpace(l))
			}
		}
	})
	t.Run("contract", func(t *testing.T) {
		unit := readFile(t, "systemd/peripetyd.service")
		for key, want := range map[string]string{
			"Type":                    "dbus",
			"BusName":                 "org.storage.Peripety1",
			"ExecStart":               "/usr/sbin/peripetyd",
			"ExecReload":              "/bin/kill -HUP $MAINPID",
			"StateDirectory":          "peripety",
			"ProtectSystem":           "strict",
			"NoNewPrivileges":         "yes",
			"RestrictAddressFamilies": "AF_UNIX AF_NETLINK",
		} {
			if got := keyValues(unit, key); !cmp.Equal(got, []string{want}) {
				t.Errorf("%s=%q, want %q", key, got, want)
			}
		}
		// It would hide /dev/kmsg, which the daemon reads.
		if got := keyValues(unit, "ProtectKernelLogs"); got != nil {
			t.Errorf("ProtectKernelLogs=%q set", got)
		}
	})
}

func TestXMLValid(t *testing.T) {
	xmllint := testenv.LookPath(t, "xmllint")
	checked := 0
	for glob, dtd := range map[string]string{
		"dbus-1/system.d/*.conf":    busconfigDTD,
		"dbus-1/interfaces/*.xml":   introspectDTD,
		"polkit-1/actions/*.policy": polkitDTD,
	} {
		m, _ := filepath.Glob(glob)
		for _, f := range m {
			t.Run(f, func(t *testing.T) {
				if _, err := os.Stat(dtd); err != nil {
					t.Skipf("DTD missing (tests/setup-deps.sh installs it): %v", err)
				}
				if dtd == busconfigDTD {
					dtd = fixedBusconfigDTD(t)
				}
				out, err := exec.Command(xmllint, "--noout", "--nonet", "--dtdvalid", dtd, f).CombinedOutput()
				if err != nil || len(out) != 0 {
					t.Errorf("xmllint --dtdvalid %s %s: %v\n%s", dtd, f, err, out)
				}
			})
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no D-Bus or polkit XML in packaging/")
	}
}

// The attributes dbus-daemon(1) documents for <allow> and <deny>.
const policyAttributes = `user group own own_prefix
	send_interface send_member send_error send_broadcast send_destination send_destination_prefix
	send_type send_path send_requested_reply
	receive_interface receive_member receive_error receive_sender receive_type receive_path receive_requested_reply
	eavesdrop max_fds min_fds log`

// fixedBusconfigDTD returns the busconfig DTD the dbus package ships with
// the attribute lists of <allow> and <deny> brought up to date: the shipped
// one still has the send=/receive= attributes of D-Bus 0.x, so no policy
// file in use today, dbus's own system.conf included, validates against it
// as it is. Everything else about the file is checked as shipped.
func fixedBusconfigDTD(t *testing.T) string {
	t.Helper()
	dtd, err := os.ReadFile(busconfigDTD)
	if err != nil {
		t.Fatal(err)
	}
	var attrs strings.Builder
	for _, a := range strings.Fields(policyAttributes) {
		attrs.WriteString("\n          " + a + " CDATA #IMPLIED")
	}
	fixed := string(dtd)
	for _, elem := range []string{"allow", "deny"} {
		re := regexp.MustCompile(`<!ATTLIST ` + elem + `\s[^>]*>`)
		if !re.MatchString(fixed) {
			t.Fatalf("%s has no ATTLIST for %s", busconfigDTD, elem)
		}
		fixed = re.ReplaceAllLiteralString(fixed, "<!ATTLIST "+elem+attrs.String()+">")
	}
	p := filepath.Join(t.TempDir(), "busconfig.dtd")
	if err := os.WriteFile(p, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBusPolicyRulesHaveDestination: a send_* rule that applies to more than
// root must name our destination, or it opens (or, as deny, closes) that
// interface on every service of the bus (lintian's
// dbus-policy-without-send-destination).
func TestBusPolicyRulesHaveDestination(t *testing.T) {
	m, _ := filepath.Glob("dbus-1/system.d/*.conf")
	if len(m) == 0 {
		t.Fatal("no D-Bus policy in packaging/dbus-1/system.d")
	}
	type rule struct {
		XMLName xml.Name
		Attrs   []xml.Attr `xml:",any,attr"`
	}
	type policy struct {
		User  string `xml:"user,attr"`
		Rules []rule `xml:",any"`
	}
	for _, f := range m {
		var conf struct {
			Policies []policy `xml:"policy"`
		}
		dec := xml.NewDecoder(strings.NewReader(readFile(t, f)))
		dec.Strict = false // the DOCTYPE names an external DTD
		if err := dec.Decode(&conf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, p := range conf.Policies {
			if p.User == "root" {
				continue
			}
			for _, r := range p.Rules {
				sends, dest := false, false
				for _, a := range r.Attrs {
					sends = sends || strings.HasPrefix(a.Name.Local, "send_")
					dest = dest || a.Name.Local == "send_destination"
				}
				if sends && !dest {
					t.Errorf("%s: <%s %v> in a policy for more than root has no send_destination", f, r.XMLName.Local, r.Attrs)
				}
			}
		}
	}
}

// keyValues returns the values of key in an INI-style file (systemd unit,
// D-Bus service file), in order; nil when the key is absent.
func keyValues(text, key string) []string {
	var vals []string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") && strings.TrimSpace(k) == key {
			vals = append(vals, strings.TrimSpace(v))
		}
	}
	return vals
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))
}
