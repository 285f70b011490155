package testenv

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// JournalRemote is systemd-journal-remote(8) as Debian ships it (package
// systemd-journal-remote): it writes journal files from the Journal Export
// Format, keeping each entry's time, boot and fields as given.
const JournalRemote = "/lib/systemd/systemd-journal-remote"

// ExportJournal writes the entries of export (Journal Export Format,
// systemd.io/JOURNAL_EXPORT_FORMATS) to a journal file in a new directory
// of the test's and returns the directory, for sd-journal or journalctl -D
// to read as a journal copied from another host. It skips the test when
// systemd-journal-remote is missing.
func ExportJournal(t testing.TB, export io.Reader) string {
	t.Helper()
	if _, err := os.Stat(JournalRemote); err != nil {
		t.Skipf("no %s (apt install systemd-journal-remote): %v", JournalRemote, err)
	}
	dir := t.TempDir()
	cmd := exec.Command(JournalRemote, "--output="+filepath.Join(dir, "remote.journal"), "-")
	cmd.Stdin = export
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", JournalRemote, err, b)
	}
	return dir
}

// BootID is the current boot's id as journal entries carry it (_BOOT_ID:
// 32 hex digits, no dashes).
func BootID(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		t.Fatalf("boot id: %v", err)
	}
	id := strings.ReplaceAll(strings.TrimSpace(string(b)), "-", "")
	if len(id) != 32 {
		t.Fatalf("boot id %q: want 32 hex digits", id)
	}
	return id
}

// ExportEntry writes one entry of the Journal Export Format: the fields in
// the order given as NAME=value lines (values without a newline), then the
// empty line that ends it.
func ExportEntry(w io.Writer, fields ...string) error {
	for _, f := range fields {
		if strings.ContainsRune(f, '\n') || !strings.Contains(f, "=") {
			return fmt.Errorf("export field %q: want NAME=value without a newline", f)
		}
		if _, err := io.WriteString(w, f+"\n"); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "\n")
	return err
}
