package journal

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/internal/testenv"
)

// TestLogHandler stores log records in a journald of the test's own and
// reads them back with journalctl: the identifier, a priority by level,
// the message with its attributes, and one field per attribute.
func TestLogHandler(t *testing.T) {
	testenv.Journald(t)
	p, err := testenv.NewPrivateJournal("loghandler")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	w := NewWriter(p.Socket)
	defer w.Close()
	var fallback bytes.Buffer
	log := slog.New(NewLogHandler(w, "peripetyd-test", &slog.HandlerOptions{Level: slog.LevelDebug}, &fallback))
	log.Debug("resolving", "kdev", "sdb")
	log.With("source", "kmsg").Info("source open", "position", "boot 12")
	log.WithGroup("sink").Warn("queue full, shedding events", "queue", 1024, "message", "not the MESSAGE")
	log.Error("reload failed, old config kept", "err", "line 3: bad key", "priority", 0)
	if err := p.Sync(); err != nil {
		t.Fatal(err)
	}
	entries := testenv.WaitJournal(t, 10*time.Second, func(e []testenv.Entry) bool { return len(e) == 4 },
		"--directory", p.Dir, "SYSLOG_IDENTIFIER=peripetyd-test")
	type brief struct{ Priority, Message, Extra string }
	var got []brief
	for _, e := range entries {
		got = append(got, brief{e.Get("PRIORITY"), e.Get("MESSAGE"),
			strings.Join([]string{e.Get("KDEV"), e.Get("SOURCE"), e.Get("POSITION"), e.Get("SINK_QUEUE"), e.Get("SINK_MESSAGE"), e.Get("ERR")}, "|")})
	}
	want := []brief{
		{"7", "resolving kdev=sdb", "sdb|||||"},
		{"6", `source open source=kmsg position="boot 12"`, "|kmsg|boot 12|||"},
		{"4", `queue full, shedding events sink_queue=1024 sink_message="not the MESSAGE"`, "|||1024|not the MESSAGE|"},
		{"3", `reload failed, old config kept err="line 3: bad key" priority=0`, "|||||line 3: bad key"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if got := entries[3].Get("ATTR_PRIORITY"); got != "0" {
		t.Errorf("attribute priority stored as ATTR_PRIORITY=%q, want 0 (PRIORITY is the level's)", got)
	}
	if fallback.Len() > 0 {
		t.Errorf("fallback written while journald took every record: %q", fallback.String())
	}

	// journald gone: the record goes to the fallback.
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	log.Warn("journald gone")
	if !strings.Contains(fallback.String(), `level=WARN msg="journald gone"`) {
		t.Errorf("fallback %q lacks the record journald did not take", fallback.String())
	}
}
