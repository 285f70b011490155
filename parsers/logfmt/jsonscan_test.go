package logfmt

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func scanAll(line []byte) (map[string]string, error) {
	got := map[string]string{}
	_, err := scanJSONObject(line, nil, func([]byte) bool { return true }, func(k, v []byte) {
		if v == nil {
			got[string(k)] = "<nil>"
			return
		}
		got[string(k)] = string(v)
	})
	return got, err
}

func TestScanJSONObject(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]string
	}{
		{`{}`, map[string]string{}},
		{` { "A" : "x" , "B":null,"C":[104,105],"D":["first",[1],"third"],"E":[] } `, map[string]string{"A": "x", "B": "<nil>", "C": "hi", "D": "first", "E": "<nil>"}},
		{`{"A":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800x"}`, map[string]string{"A": "\"\\/\b\f\n\r\té😀\uFFFDx"}},
		{`{"A":[[1,2],[3]]}`, map[string]string{"A": "\x01\x02"}},
		{"{\"A\":\"raw \xff bytes kept\"}", map[string]string{"A": "raw \xff bytes kept"}},
		{`{"A":""}`, map[string]string{"A": ""}},
		{`{"A":"1","A":"2"}`, map[string]string{"A": "2"}},
	}
	for _, tt := range tests {
		got, err := scanAll([]byte(tt.in))
		if err != nil {
			t.Errorf("scan(%s): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("scan(%s) (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, bad := range []string{
		``, `{`, `[]`, `{"A"}`, `{"A":}`, `{"A":"x",}`, `{"A":"x"} x`, `{"A":1}`, `{"A":true}`, `{"A":{}}`,
		`{"A":[1,"x"]}`, `{"A":[256]}`, `{"A":[01]}`, `{"A":[-1]}`, `{"A":[1.5]}`, `{"A":[["x"]]}`,
		`{"A":"\x"}`, `{"A":"\u12"}`, "{\"A\":\"tab\there\"}", `{"A":"open}`, `{A:1}`,
	} {
		if _, err := scanAll([]byte(bad)); err == nil {
			t.Errorf("scan(%q) accepted malformed input", bad)
		}
	}
	// Fields that are not asked for may be any JSON.
	_, err := scanJSONObject([]byte(`{"X":{"a":[1,2.5e3,-0,true,false,null,{"b":"c"}]},"Y":-12.5E-3}`), nil,
		func([]byte) bool { return false }, func(k, v []byte) { t.Errorf("field %s asked for", k) })
	if err != nil {
		t.Errorf("skipping other fields: %v", err)
	}
}

// refValue is the meaning of a journal JSON value, decoded by encoding/json.
func refValue(raw json.RawMessage, depth int) (string, bool) {
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	case 'n':
		return "<nil>", true
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return "", false
		}
		if len(items) == 0 {
			return "<nil>", true
		}
		if c := items[0][0]; c == '"' || c == '[' || c == 'n' {
			if depth > 0 {
				return "", false
			}
			return refValue(items[0], depth+1)
		}
		var b []byte
		for _, it := range items {
			var n uint8
			if json.Unmarshal(it, &n) != nil {
				return "", false
			}
			b = append(b, n)
		}
		return string(b), true
	}
	return "", false
}

// FuzzScanJSONObject checks the scanner against encoding/json on valid
// UTF-8 (encoding/json replaces invalid bytes, the scanner keeps them).
func FuzzScanJSONObject(f *testing.F) {
	for _, s := range []string{
		`{"MESSAGE":"x","PRIORITY":"3","A":[1,2],"B":null,"C":["a","b"],"D":[[1],[2]]}`,
		`{"X":{"a":[1,2.5e3,-0,true]},"Y":-12.5E-3}`,
		`{"A":"\u00e9\ud83d\ude00\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		if !utf8.Valid(line) || bytes.Equal(bytes.TrimSpace(line), []byte("null")) {
			return
		}
		got, err := scanAll(line)
		var m map[string]json.RawMessage
		if jerr := json.Unmarshal(line, &m); jerr != nil {
			if err == nil {
				t.Fatalf("scan(%q) accepted what encoding/json rejects: %v", line, jerr)
			}
			return
		}
		want := map[string]string{}
		for k, raw := range m {
			v, ok := refValue(raw, 0)
			if !ok {
				if err == nil {
					t.Fatalf("scan(%q) accepted field %q = %s", line, k, raw)
				}
				return
			}
			want[k] = v
		}
		if err != nil {
			t.Fatalf("scan(%q): %v, want %v", line, err, want)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("scan(%q) (-encoding/json +scan):\n%s", line, diff)
		}
	})
}
