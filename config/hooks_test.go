package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/event"
)

func TestParseHooksAndMetrics(t *testing.T) {
	in := `[metrics]
listen = "127.0.0.1:9750"
textfile_directory = "/var/lib/prometheus/node-exporter"
max_devices = 20

[hooks]
max_running = 2
severity = "err"
rate_limit = 5
rate_interval = "10m"

[[hook]]
name = "page"
command = ["/usr/local/bin/page", "--team", "storage"]
event_types = ["SCSI_MEDIUM_ERROR"]
sub_systems = ["scsi", "ext4"]
devices = ["/dev/sdb", "/srv/data"]
timeout = "5s"
dedup = "0"

[[hook]]
name = "log"
command = "/usr/local/bin/log-it"
severity = "info"
`
	c, err := parse("h.conf", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	wantMetrics := Metrics{Socket: DefaultMetricsSocket, Listen: "127.0.0.1:9750", TextfileDirectory: "/var/lib/prometheus/node-exporter",
		TextfileInterval: DefaultTextfileInterval, MaxDevices: 20}
	if diff := cmp.Diff(wantMetrics, c.Metrics); diff != "" {
		t.Errorf("Metrics (-want +got):\n%s", diff)
	}
	defaults := HookSettings{Severity: event.Error, Timeout: DefaultHookTimeout, Dedup: DefaultHookDedup, RateLimit: 5, RateInterval: 10 * time.Minute}
	if diff := cmp.Diff(Hooks{Directory: DefaultHookDirectory, MaxRunning: 2, Defaults: defaults}, c.Hooks); diff != "" {
		t.Errorf("Hooks (-want +got):\n%s", diff)
	}
	page := defaults
	page.EventTypes = []string{"SCSI_MEDIUM_ERROR"}
	page.SubSystems = []string{"SCSI", "ext4"}
	page.Devices = []string{"/dev/sdb", "/srv/data"}
	page.Timeout, page.Dedup = 5*time.Second, 0
	logIt := defaults
	logIt.Severity = event.Info
	want := []Hook{
		{Name: "page", Command: []string{"/usr/local/bin/page", "--team", "storage"}, Source: "h.conf:12", HookSettings: page},
		{Name: "log", Command: []string{"/usr/local/bin/log-it"}, Source: "h.conf:21", HookSettings: logIt},
	}
	if diff := cmp.Diff(want, c.Hook); diff != "" {
		t.Errorf("Hook (-want +got):\n%s", diff)
	}
}

// TestHookDefaultsFromDropIn: a [[hook]] takes the [hooks] defaults as the
// last file sets them, not as they stood when its own file was read.
func TestHookDefaultsFromDropIn(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "peripetyd.conf")
	if err := os.WriteFile(path, []byte("[[hook]]\nname = \"a\"\ncommand = \"/bin/true\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(path+".d", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path+".d", "10-t.conf"), []byte("[hooks]\ntimeout = \"2s\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Hook) != 1 || c.Hook[0].Timeout != 2*time.Second {
		t.Errorf("hooks %+v, want one with the drop-in's timeout 2s", c.Hook)
	}
}

func TestParseHookErrors(t *testing.T) {
	const ok = "[[hook]]\nname = \"a\"\ncommand = \"/bin/true\"\n"
	for _, tc := range []struct{ name, in, want string }{
		{"unknown hook key", ok + "comand = 'x'\n", "f.conf:4: hook[0].comand: unknown key"},
		{"unknown hooks key", "[hooks]\ndir = '/x'\n", "f.conf:2: hooks.dir: unknown key"},
		{"no name", "[[hook]]\ncommand = \"/bin/true\"\n", "f.conf:1: hook[0].name: missing"},
		{"same name", ok + ok, "f.conf:5: hook[1].name: \"a\": f.conf:1 has the same name"},
		{"no command", "[[hook]]\nname = 'a'\n", "f.conf:1: hook[0].command: missing"},
		{"relative command", "[[hook]]\nname = 'a'\ncommand = ['mail', 'x']\n", "f.conf:3: hook[0].command: want the program's absolute path first"},
		{"command type", "[[hook]]\nname = 'a'\ncommand = [1]\n", "f.conf:3: hook[0].command: want a string or an array of strings"},
		{"severity", ok + "severity = 'bad'\n", `f.conf:4: hook[0].severity: unknown severity "bad"`},
		{"sub-system", "[hooks]\nsub_systems = ['ext5']\n", `f.conf:2: hooks.sub_systems: unknown sub-system "ext5"`},
		{"timeout", ok + "timeout = '5'\n", `f.conf:4: hook[0].timeout: "5": want a duration`},
		{"zero timeout", ok + "timeout = '0'\n", `f.conf:4: hook[0].timeout: "0": want a duration of at least 1ms`},
		{"rate limit", "[hooks]\n\nrate_limit = -1\n", "f.conf:3: hooks.rate_limit: -1: want 0"},
		{"max running", "[hooks]\nmax_running = 0\n", "f.conf:2: hooks.max_running: 0: want at least 1"},
		{"directory", "[hooks]\ndirectory = 'hooks.d'\n", "f.conf:2: hooks.directory: want an absolute path"},
		{"listen", "[metrics]\nlisten = '9750'\n", `f.conf:2: metrics.listen: "9750": want an IP address and a port`},
		{"socket", "[metrics]\nsocket = 'm.sock'\n", `f.conf:2: metrics.socket: "m.sock": want an absolute path`},
		{"textfile interval", "[metrics]\ntextfile_interval = '10ms'\n", `f.conf:2: metrics.textfile_interval: "10ms": want a duration of at least 1s`},
		{"max devices", "[metrics]\nmax_devices = -3\n", "f.conf:2: metrics.max_devices: -3: want 0 or more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse("f.conf", []byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("parse(%q):\n got %v\nwant it to contain %q", tc.in, err, tc.want)
			}
		})
	}
}
