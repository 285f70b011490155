// Package hosts_test gathers the events of two hosts the way the issue
// tells administrators to (prpt(1), "SEVERAL HOSTS"): each host's journald
// is uploaded by systemd-journal-upload to a systemd-journal-remote on
// 127.0.0.1, and prpt reads the collector's directory. Two journald
// namespaces, each in a UTS namespace with a host name of its own, stand
// for the two hosts.
package hosts_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/service/journal"
)

const (
	remoteBinary = "/lib/systemd/systemd-journal-remote"
	uploadBinary = "/lib/systemd/systemd-journal-upload"
)

// host is one machine of the test: its name, its journald, the kernel log
// its daemon turned into events.
type host struct {
	name    string
	capture string // under parsers/testdata/real
	journal *testenv.PrivateJournal
	events  []event.Event
}

func TestJournalRemoteMergesHosts(t *testing.T) {
	testenv.RequireRoot(t, "starts journald, journal-remote and journal-upload")
	for _, b := range []string{remoteBinary, uploadBinary} {
		if _, err := os.Stat(b); err != nil {
			t.Skipf("no %s (Debian package systemd-journal-remote): %v", b, err)
		}
	}
	testenv.LookPath(t, "unshare")
	prpt := buildPrpt(t)
	hosts := []*host{{name: "host-alpha", capture: "ext4-ioerr.kmsg"}, {name: "host-beta", capture: "xfs-ioerr.kmsg"}}
	base := time.Now().Add(-time.Hour).Round(time.Microsecond)
	for i, h := range hosts {
		var err error
		if h.journal, err = testenv.NewPrivateJournalOn(fmt.Sprintf("hosts-%d", i), h.name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.journal.Close() })
		h.events = daemonEvents(t, prpt, h.name, filepath.Join("..", "..", "parsers", "testdata", "real", h.capture), base.Add(time.Duration(i)*time.Second))
		store(t, h.journal, h.events)
	}

	remoteDir := filepath.Join(t.TempDir(), "remote")
	if err := os.Mkdir(remoteDir, 0o755); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	remote := testenv.StartProcess(t, nil, remoteBinary, "--listen-http="+addr, "--output="+remoteDir+"/")
	if err := remote.WaitFor(10*time.Second, "journal-remote listens", func() error { return testenv.Dials(addr) }); err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		out, err := exec.Command(uploadBinary, "--url=http://"+addr, "--directory="+h.journal.Dir,
			"--save-state="+filepath.Join(t.TempDir(), "state"), "--follow=no").CombinedOutput()
		if err != nil {
			t.Fatalf("upload %s: %v\n%s", h.name, err, out)
		}
	}
	// journal-remote writes what it received as it receives it; stopping
	// it closes its files.
	remote.Stop()

	var all []event.Event
	for _, h := range hosts {
		all = append(all, h.events...)
	}
	// The hosts' events interleave in time: one list, by time.
	slices.SortStableFunc(all, func(a, b event.Event) int { return a.Timestamp.Compare(b.Timestamp) })
	t.Run("query", func(t *testing.T) {
		got := queryIDs(t, prpt, "query", "-J", "--directory", remoteDir, "--since", "-2h")
		if diff := cmp.Diff(ids(all), got); diff != "" {
			t.Errorf("both hosts' events, oldest first (-want +got):\n%s", diff)
		}
		got = queryIDs(t, prpt, "query", "-J", "--directory", remoteDir, "--hostname", "HOST-BETA")
		if diff := cmp.Diff(ids(hosts[1].events), got); diff != "" {
			t.Errorf("--hostname host-beta (-want +got):\n%s", diff)
		}
	})
	t.Run("incidents", func(t *testing.T) {
		var hostsSeen []string
		sc := bufio.NewScanner(strings.NewReader(run(t, prpt, "incidents", "-J", "--directory", remoteDir)))
		for sc.Scan() {
			var inc struct {
				Hostname string `json:"hostname"`
				Events   int    `json:"events"`
			}
			if err := json.Unmarshal(sc.Bytes(), &inc); err != nil {
				t.Fatal(err)
			}
			hostsSeen = append(hostsSeen, inc.Hostname)
			var want int
			for _, h := range hosts {
				for _, ev := range h.events {
					if h.name == inc.Hostname && ev.IncidentID != "" {
						want++
					}
				}
			}
			if inc.Events != want {
				t.Errorf("%s's incident has %d events, want %d", inc.Hostname, inc.Events, want)
			}
		}
		slices.Sort(hostsSeen)
		if diff := cmp.Diff([]string{"host-alpha", "host-beta"}, hostsSeen); diff != "" {
			t.Errorf("one incident per host (-want +got):\n%s", diff)
		}
		t.Logf("prpt incidents --directory %s:\n%s", remoteDir, run(t, prpt, "incidents", "--directory", remoteDir))
	})
	t.Run("summary", func(t *testing.T) {
		out := run(t, prpt, "summary", "-J", "--directory", remoteDir)
		var s struct {
			Events uint64
			Hosts  []struct {
				Hostname string
				Events   uint64
			}
		}
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("summary -J: %v\n%s", err, out)
		}
		if s.Events != uint64(len(all)) || len(s.Hosts) != 2 ||
			s.Hosts[0].Hostname != "host-alpha" || s.Hosts[0].Events != uint64(len(hosts[0].events)) ||
			s.Hosts[1].Hostname != "host-beta" || s.Hosts[1].Events != uint64(len(hosts[1].events)) {
			t.Errorf("summary counts %+v; want %d events, host-alpha %d, host-beta %d", s, len(all), len(hosts[0].events), len(hosts[1].events))
		}
		t.Logf("prpt summary --directory %s:\n%s", remoteDir, run(t, prpt, "summary", "--directory", remoteDir))
	})
}

// daemonEvents are the events a daemon on hostname makes of the kernel
// log in capture (a real one): the project's parsers, then the identity
// the daemon gives (the filesystem's UUID as its WWID, its /dev path, its
// mount point), and times from at on.
func daemonEvents(t *testing.T, prpt, hostname, capture string, at time.Time) []event.Event {
	t.Helper()
	var evs []event.Event
	root := ""
	sc := bufio.NewScanner(strings.NewReader(run(t, prpt, "parse", "-J", capture)))
	for i := 0; sc.Scan(); i++ {
		var ev event.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		ev.Hostname = hostname
		ev.Timestamp = at.Add(time.Duration(i) * 2 * time.Second)
		ev.DevPath = "/dev/" + ev.Kdev
		ev.DevWWID = hostname + "-" + ev.Kdev
		ev.SetExt("mount_point", "/srv/"+hostname)
		// The errors of one failing filesystem are one incident, as the
		// daemon's correlation makes them.
		if ev.Severity.AtLeast(event.Error) {
			if root == "" {
				root = ev.EventID
			}
			ev.IncidentID, ev.RootCauseEventID = uuid.NewSHA1(uuid.NameSpaceURL, []byte(hostname)).String(), root
		}
		evs = append(evs, ev)
	}
	if len(evs) == 0 {
		t.Fatalf("%s gave no events", capture)
	}
	return evs
}

// store writes evs to the journal with the daemon's own writer.
func store(t *testing.T, j *testenv.PrivateJournal, evs []event.Event) {
	t.Helper()
	w := journal.NewWriter(j.Socket)
	defer w.Close()
	for _, ev := range evs {
		if err := w.Write(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
}

func ids(evs []event.Event) []string {
	out := []string{}
	for _, ev := range evs {
		out = append(out, ev.Hostname+" "+ev.EventID)
	}
	return out
}

func queryIDs(t *testing.T, prpt string, args ...string) []string {
	t.Helper()
	var evs []event.Event
	sc := bufio.NewScanner(strings.NewReader(run(t, prpt, args...)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev event.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	return ids(evs)
}

func run(t *testing.T, bin string, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}

func buildPrpt(t *testing.T) string {
	t.Helper()
	return testenv.Build(t, t.TempDir(), "../../cmd/prpt")
}
