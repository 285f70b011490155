package event

import (
	"os/exec"
	"strings"
	"testing"
)

// TestMessageID: the ids are those of a version 5 UUID, as Python's
// uuid.uuid5 computes them, and never change (a catalog keys its text by
// them).
func TestMessageID(t *testing.T) {
	if got, want := MessageID("FS_IO_ERROR"), MessageID("FS_IO_ERROR"); got != want || len(got) != 32 {
		t.Fatalf("MessageID = %q, %q", got, want)
	}
	if MessageID("FS_IO_ERROR") == MessageID("BLK_IO_ERROR") {
		t.Error("two types, one id")
	}
	py := "/usr/bin/python3"
	out, err := exec.Command(py, "-c", `import uuid
for t in ("FS_IO_ERROR", "SCSI_MEDIUM_ERROR", "PERIPETY_DAEMON_STARTED"):
    print(uuid.uuid5(uuid.UUID("7a791102-34d9-403d-94d5-0a9ce30761ba"), t).hex)`).Output()
	if err != nil {
		t.Skipf("%s: %v", py, err)
	}
	want := strings.Fields(string(out))
	for i, typ := range []string{"FS_IO_ERROR", "SCSI_MEDIUM_ERROR", "PERIPETY_DAEMON_STARTED"} {
		if got := MessageID(typ); got != want[i] {
			t.Errorf("MessageID(%s) = %s, uuid.uuid5 gives %s", typ, got, want[i])
		}
	}
}
