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
		ev, err := DecodeEntry(get, 1526053021631595)
		if err != nil {
			t.Fatalf("decodeEntry: %v", err)
		}
		var b bytes.Buffer
		if err := appendEvent(&b, &ev); err != nil {
			t.Errorf("decoded event does not encode: %v (%+v)", err, ev)
		}
	})
}
