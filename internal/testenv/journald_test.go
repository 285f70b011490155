package testenv

import (
	"net"
	"os/exec"
	"testing"
	"time"
)

func TestJournald(t *testing.T) {
	Journald(t)
	tag := "peripety-testenv-" + time.Now().Format("150405.000000000")
	if out, err := exec.Command("systemd-cat", "-t", tag, "echo", "hello").CombinedOutput(); err != nil {
		t.Fatalf("systemd-cat: %v: %s", err, out)
	}
	WaitJournal(t, 10*time.Second, func(e []Entry) bool { return len(e) == 1 && e[0].Get("MESSAGE") == "hello" }, "SYSLOG_IDENTIFIER="+tag)
}

func TestPrivateJournal(t *testing.T) {
	Journald(t) // for the root and binary checks
	p, err := NewPrivateJournal("testenv")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: p.Socket, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("MESSAGE=private hello\nSYSLOG_IDENTIFIER=peripety-testenv\n")); err != nil {
		t.Fatal(err)
	}
	if err := p.Sync(); err != nil {
		t.Fatal(err)
	}
	WaitJournal(t, 10*time.Second, func(e []Entry) bool { return len(e) == 1 && e[0].Get("MESSAGE") == "private hello" },
		"--directory", p.Dir, "SYSLOG_IDENTIFIER=peripety-testenv")
	if got := JournalctlJSON(t, "SYSLOG_IDENTIFIER=peripety-testenv", "MESSAGE=private hello"); len(got) != 0 {
		t.Errorf("the system journal holds the private entry: %v", got)
	}
}
