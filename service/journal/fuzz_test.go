package journal

import (
	"bytes"
	"testing"
)

// FuzzDecodeEntry feeds decodeEntry what a journal file from another host
// may hold: any JSON field, any other fields. It must not panic, and a
// decoded event must encode again.
func FuzzDecodeEntry(f *testing.F) {
	f.Add([]byte(`{"event_id":"a","event_type":"FS_MOUNTED","severity":"Info","timestamp":1526053021631595}`), []byte("3"), []byte("2"))
	f.Add([]byte(`{"severity":"Loud"}`), []byte("x"), []byte("-1"))
	f.Add([]byte(`not json`), []byte("9"), []byte("99999999999"))
	f.Fuzz(func(t *testing.T, js, priority, count []byte) {
		fields := map[string][]byte{FieldJSON: js, FieldPriority: priority, FieldCount: count, FieldMessage: js}
		get := func(field string) ([]byte, bool, error) {
			v, ok := fields[field]
			return v, ok, nil
		}
		ev, err := decodeEntry(get, 1526053021631595)
		if err != nil {
			t.Fatalf("decodeEntry: %v", err)
		}
		var b bytes.Buffer
		if err := appendEvent(&b, &ev); err != nil {
			t.Errorf("decoded event does not encode: %v (%+v)", err, ev)
		}
	})
}

// FuzzKernelRecord feeds kernelRecord arbitrary field values.
func FuzzKernelRecord(f *testing.F) {
	f.Add([]byte("I/O error, dev loop0, sector 2048"), []byte("3"), []byte("0"), []byte("702761688"))
	f.Add([]byte("x"), []byte("99"), []byte("kern"), []byte("-1"))
	f.Fuzz(func(t *testing.T, msg, priority, facility, mono []byte) {
		rec, err := kernelRecord(map[string][]byte{FieldMessage: msg, FieldPriority: priority,
			fieldFacility: facility, fieldSourceMonotonic: mono}, 1)
		if err == nil && (rec.Level < 0 || rec.Level > 7 || rec.Monotonic < 0 || rec.Message != string(msg)) {
			t.Errorf("kernelRecord accepted a bad record: %+v", rec)
		}
	})
}
