//go:build cgo

package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/peripety/peripety/internal/testenv"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/service/sdjournal"
)

// TestReadLogDaemons reads a journal holding the kernel's entries, the
// storage daemons' (by identifier, by process name, a unit's shell) and
// others': the source takes the kernel's and the daemons' of the current
// boot, and says whose each is.
func TestReadLogDaemons(t *testing.T) {
	boot := testenv.BootID(t)
	at := time.Now().Add(-time.Hour)
	var export strings.Builder
	entry := func(i int, bootID string, fields ...string) {
		base := []string{fmt.Sprintf("__REALTIME_TIMESTAMP=%d", at.Add(time.Duration(i)*time.Millisecond).UnixMicro()),
			fmt.Sprintf("__MONOTONIC_TIMESTAMP=%d", 1000+i), "_BOOT_ID=" + bootID, "_HOSTNAME=h1"}
		if err := testenv.ExportEntry(&export, append(base, fields...)...); err != nil {
			t.Fatal(err)
		}
	}
	other := strings.Repeat("0", 31) + "1"
	entry(0, other, "_TRANSPORT=stdout", "SYSLOG_IDENTIFIER=multipathd", "_COMM=multipathd", "PRIORITY=6", "SYSLOG_FACILITY=3",
		"MESSAGE=checker failed path 8:16 in map mpathz")
	entry(1, boot, "_TRANSPORT=kernel", "SYSLOG_IDENTIFIER=kernel", "PRIORITY=4", "SYSLOG_FACILITY=0", "_SOURCE_MONOTONIC_TIMESTAMP=5000",
		"MESSAGE=device-mapper: multipath: 253:0: Failing path 8:32.")
	entry(2, boot, "_TRANSPORT=stdout", "SYSLOG_IDENTIFIER=multipathd", "_COMM=multipathd", "PRIORITY=6", "SYSLOG_FACILITY=3",
		"MESSAGE=checker failed path 8:32 in map mpatha")
	entry(3, boot, "_TRANSPORT=syslog", "SYSLOG_IDENTIFIER=sshd", "_COMM=sshd", "PRIORITY=6", "MESSAGE=Accepted publickey for root")
	entry(4, boot, "_TRANSPORT=kernel", "SYSLOG_IDENTIFIER=peripety-probe", "PRIORITY=3", "SYSLOG_FACILITY=1", "MESSAGE=I/O error, dev sdz, sector 0")
	entry(5, boot, "_TRANSPORT=journal", "SYSLOG_IDENTIFIER=peripetyd", "IS_PERIPETY=TRUE", "PRIORITY=4", "MESSAGE=Multipath: path 8:32 failed")
	entry(6, boot, "_TRANSPORT=stdout", "SYSLOG_IDENTIFIER=sh", "_COMM=nvme", "_SYSTEMD_UNIT=nvmf-connect@x.service", "PRIORITY=6",
		"MESSAGE=failed to add controller, error connection refused")
	entry(7, boot, "_TRANSPORT=journal", "_COMM=udisksd", "PRIORITY=4", "GLIB_DOMAIN=udisks", "MESSAGE=Cleaning up mount point /media/u (device 8:17 no longer exists)")
	entry(8, boot, "_TRANSPORT=syslog", "SYSLOG_IDENTIFIER=lvm", "_COMM=dmeventd", "PRIORITY=4", "SYSLOG_FACILITY=3",
		"MESSAGE=WARNING: Thin pool vg-pool-tpool data is now 85.00% full.")
	dir := testenv.ExportJournal(t, strings.NewReader(export.String()))

	type got struct {
		Daemon, Message string
		Level, Facility int
	}
	read := func(cursor string, stop string) ([]got, []string) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var out []got
		var cursors []string
		err := readLog(ctx, sdjournal.Source{Directory: dir}, cursor, func(rec parsers.Record, cur string) error {
			out = append(out, got{rec.Daemon, rec.Message, rec.Level, rec.Facility})
			cursors = append(cursors, cur)
			if strings.HasPrefix(rec.Message, stop) {
				return errEnough
			}
			return nil
		})
		if !errors.Is(err, errEnough) {
			t.Fatalf("readLog: %v after %+v", err, out)
		}
		return out, cursors
	}
	recs, cursors := read("", "WARNING: Thin pool")
	want := []got{
		{"", "device-mapper: multipath: 253:0: Failing path 8:32.", 4, 0},
		{"multipathd", "checker failed path 8:32 in map mpatha", 6, 3},
		{"nvme", "failed to add controller, error connection refused", 6, 0},
		{"udisksd", "Cleaning up mount point /media/u (device 8:17 no longer exists)", 4, 0},
		{"dmeventd", "WARNING: Thin pool vg-pool-tpool data is now 85.00% full.", 4, 3},
	}
	if diff := cmp.Diff(want, recs); diff != "" {
		t.Fatalf("records (-want +got):\n%s", diff)
	}
	// Resumed after the multipathd line, the rest once each.
	again, _ := read(cursors[1], "WARNING: Thin pool")
	if diff := cmp.Diff(want[2:], again); diff != "" {
		t.Errorf("resumed records (-want +got):\n%s", diff)
	}
}

// TestEntryRecordDaemons: whose an entry is, by its fields.
func TestEntryRecordDaemons(t *testing.T) {
	for _, c := range []struct {
		fields map[string]string
		want   string
	}{
		{map[string]string{"SYSLOG_IDENTIFIER": "kernel", "_COMM": "multipathd"}, ""},
		{map[string]string{"SYSLOG_IDENTIFIER": "iscsid"}, "iscsid"},
		{map[string]string{"SYSLOG_IDENTIFIER": "sh", "_SYSTEMD_UNIT": "nvmf-connect@a.service"}, "nvme"},
		{map[string]string{"_COMM": "smartd"}, "smartd"},
		{map[string]string{}, ""},
	} {
		fields := map[string][]byte{"MESSAGE": []byte("x")}
		for k, v := range c.fields {
			fields[k] = []byte(v)
		}
		rec, err := entryRecord(fields, 1, 0)
		if err != nil || rec.Daemon != c.want {
			t.Errorf("entryRecord(%v) = daemon %q, %v; want %q", c.fields, rec.Daemon, err, c.want)
		}
	}
}
