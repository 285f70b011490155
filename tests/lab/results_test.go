package lab

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/peripety/peripety/event"
	"github.com/peripety/peripety/parsers"
	"github.com/peripety/peripety/parsers/logfmt"
)

// run is what one scenario left in its result directory.
type run struct {
	dir     string
	facts   map[string]string
	events  []event.Event    // peripetyd's stdout (notify_stdout)
	journal []journalEntry   // its entries in the guest's journald
	signals []signal         // StorageEvent signals seen on the guest's bus
	window  []parsers.Record // the kernel records between the scenario's begin and end marks
	// daemons are the storage daemons' records of the scenario, as the
	// guest's journald kept them (daemons.json), for a group whose
	// daemon reads the journal; nil for the others.
	daemons  []parsers.Record
	marks    map[string]parsers.Record // the lab's own marks by text ("fault medium: ...")
	scriptRC string
	daemonRC string
	tookMS   string
	hwmKB    int
}

// journalEntry is one entry of `journalctl -o json`: every field as a
// string (binary fields, which journalctl prints as arrays, are kept raw).
type journalEntry map[string]json.RawMessage

func (j journalEntry) str(k string) string {
	var s string
	if err := json.Unmarshal(j[k], &s); err != nil {
		return ""
	}
	return s
}

// strs returns a field logged once as a string or several times as an
// array of strings.
func (j journalEntry) strs(k string) []string {
	raw, ok := j[k]
	if !ok {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many
	}
	return nil
}

// signal is a StorageEvent as busctl monitor --json=short prints it: the
// five leading strings and the a{sv}, each value with its D-Bus type.
type signal struct {
	Args  [5]string
	Event map[string]variant
}

type variant struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

func loadRun(dir string, log []parsers.Record, name, source string) (*run, error) {
	r := &run{dir: dir, facts: map[string]string{}, marks: map[string]parsers.Record{}}
	var err error
	if r.facts, err = readFacts(filepath.Join(dir, "facts.env")); err != nil {
		return nil, err
	}
	if r.events, err = readEvents(filepath.Join(dir, "events.jsonl")); err != nil {
		return nil, err
	}
	if r.journal, err = readJournal(filepath.Join(dir, "journal.json")); err != nil {
		return nil, err
	}
	if r.signals, err = readSignals(filepath.Join(dir, "signals.json")); err != nil {
		return nil, err
	}
	r.scriptRC = readTrim(filepath.Join(dir, "script.rc"))
	r.daemonRC = readTrim(filepath.Join(dir, "daemon.rc"))
	r.tookMS = readTrim(filepath.Join(dir, "time_ms"))
	for _, l := range strings.Split(readTrim(filepath.Join(dir, "daemon.mem")), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			r.hwmKB, _ = strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	r.window, r.marks = scenarioWindow(log, name)
	if source == "journal" {
		if r.daemons, err = readDaemons(filepath.Join(dir, "daemons.json")); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// readDaemons reads the storage daemons' records of `journalctl -o json`
// (guest/init.sh); a scenario run before the guest kept them has none.
func readDaemons(path string) ([]parsers.Record, error) {
	recs, err := readLog(path, logfmt.FormatJournalJSON)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return recs, err
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// readFacts reads KEY=VALUE lines (guest/lib.sh's fact).
func readFacts(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("facts: %w", err)
	}
	f := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			f[k] = v
		}
	}
	return f, nil
}

func readEvents(path string) ([]event.Event, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("daemon stdout: %w", err)
	}
	var out []event.Event
	for i, l := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		var e event.Event
		if err := json.Unmarshal(l, &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		out = append(out, e)
	}
	return out, nil
}

func readJournal(path string) ([]journalEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	var out []journalEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var e journalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

func readSignals(path string) ([]signal, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("signals: %w", err)
	}
	defer f.Close()
	var out []signal
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var m struct {
			Member  string `json:"member"`
			Payload struct {
				Data []json.RawMessage `json:"data"`
			} `json:"payload"`
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if m.Member != "StorageEvent" {
			continue
		}
		if len(m.Payload.Data) != 6 {
			return nil, fmt.Errorf("%s: StorageEvent with %d arguments", path, len(m.Payload.Data))
		}
		var s signal
		for i := 0; i < 5; i++ {
			if err := json.Unmarshal(m.Payload.Data[i], &s.Args[i]); err != nil {
				return nil, fmt.Errorf("%s: argument %d: %w", path, i, err)
			}
		}
		if err := json.Unmarshal(m.Payload.Data[5], &s.Event); err != nil {
			return nil, fmt.Errorf("%s: event a{sv}: %w", path, err)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

// readKmsg reads the guest's whole kernel log (cat /dev/kmsg).
func readKmsg(path string) ([]parsers.Record, error) {
	return readLog(path, logfmt.FormatKmsg)
}

// readLog reads every record of the log at path, in format.
func readLog(path string, format logfmt.Format) ([]parsers.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := logfmt.NewReader(f, format)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []parsers.Record
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, rec)
	}
}

// markPrefix starts the lab's own records in the kernel log (guest/lib.sh
// kmsg); they carry the user facility.
const markPrefix = "peripety-lab: "

// scenarioWindow returns the kernel records between the marks "begin NAME"
// and "end NAME", and the lab's marks in between by their text. The window
// of "boot" is everything before the first begin.
func scenarioWindow(log []parsers.Record, name string) ([]parsers.Record, map[string]parsers.Record) {
	marks := map[string]parsers.Record{}
	var out []parsers.Record
	in := name == "boot"
	for _, rec := range log {
		text, isMark := strings.CutPrefix(rec.Message, markPrefix)
		isMark = isMark && rec.Facility != 0
		switch {
		case isMark && text == "begin "+name:
			in = true
		case isMark && in && (text == "end "+name || name == "boot" && strings.HasPrefix(text, "begin ")):
			return out, marks
		case isMark && in:
			marks[text] = rec
		case in && rec.Facility == 0:
			out = append(out, rec)
		}
	}
	return out, marks
}
