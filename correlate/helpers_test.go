package correlate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/peripety/peripety/event"
)

// kinds is the vocabulary of conditions the tests state, with what each
// does (docs/conditions.md).
var kinds = map[string]Kind{
	"path:failed": Fault, "path:active": Clear,
	"device:offline": Fault, "device:removed": Fault, "device:running": Clear,
	"link:down": Fault, "link:resetting": Fault, "link:up": Clear,
	"ctrl:resetting": Fault, "ctrl:dead": Fault, "ctrl:live": Clear,
	"member:failed":  Fault,
	"array:degraded": Fault, "array:failed": Fault, "array:recovering": Recovering, "array:clean": Clear,
	"pool:out_of_data": Fault, "pool:out_of_metadata": Fault, "pool:read_only": Fault, "pool:failed": Fault, "pool:ok": Clear,
	"fs:ro": Fault, "fs:shutdown": Fault, "fs:rw": Clear, "fs:mounted": Clear, "fs:unmounted": Clear,
	"map:no_paths": Fault, "map:active": Clear,
	"pool:data_high": Fault, "pool:metadata_high": Fault, "pool:resized": Clear,
	"health:failing": Fault,
}

func cond(t testing.TB, name string) Condition {
	t.Helper()
	if name == "" {
		return Condition{}
	}
	k, ok := kinds[name]
	if !ok {
		t.Fatalf("condition %q not in the tests' vocabulary", name)
	}
	c, err := ParseCondition(name, k)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// stack is a block stack: each device with every device below it.
type stack struct {
	majMin map[string]string
	below  map[string][]string
	wwid   map[string]string
	mount  map[string]string
}

// newStack reads "name=major:minor" devices and "top>dev,dev" stacks.
func newStack(spec ...string) *stack {
	s := &stack{majMin: map[string]string{}, below: map[string][]string{}, wwid: map[string]string{}, mount: map[string]string{}}
	for _, e := range spec {
		switch {
		case strings.Contains(e, ">"):
			top, list, _ := strings.Cut(e, ">")
			s.below[top] = strings.Split(list, ",")
		case strings.Contains(e, "@"):
			dev, mnt, _ := strings.Cut(e, "@")
			s.mount[dev] = mnt
		case strings.Contains(e, "#"):
			dev, wwid, _ := strings.Cut(e, "#")
			s.wwid[dev] = wwid
		default:
			name, mm, _ := strings.Cut(e, "=")
			s.majMin[name] = mm
		}
	}
	return s
}

func (s *stack) info(name string) DevInfo {
	if name == "" {
		return DevInfo{}
	}
	return DevInfo{Dev: Dev{Name: name, MajMin: s.majMin[name]}, Path: "/dev/" + name, WWID: s.wwid[name], Mount: s.mount[name]}
}

// step is one event of a sequence: at seconds after the start, on dev.
type step struct {
	id    string
	at    float64
	dev   string
	sub   string
	typ   string
	sev   event.Severity
	cond  string
	scope string
	also  []string
	count uint32
	// src is the daemon that logged it, "" for the kernel.
	src string
}

var t0 = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

func (s *stack) input(t testing.TB, st step) Input {
	c := cond(t, st.cond)
	in := Input{EventID: st.id, Type: st.typ, SubSystem: st.sub, Severity: st.sev, Time: at(st.at), Count: st.count,
		Msg: st.typ + " on " + st.dev, Dev: s.info(st.dev), Layer: LayerOf(st.sub, st.typ, c), Cond: c, Scope: st.scope,
		Source: st.src}
	for _, b := range s.below[st.dev] {
		in.Below = append(in.Below, s.info(b))
	}
	for _, a := range st.also {
		in.Also = append(in.Also, s.info(a))
	}
	return in
}

// run feeds the steps to m and returns each step's result by id.
func (s *stack) run(t testing.TB, m *Model, steps []step) map[string]Result {
	t.Helper()
	out := map[string]Result{}
	for _, st := range steps {
		if _, dup := out[st.id]; dup {
			t.Fatalf("step id %q twice", st.id)
		}
		out[st.id] = m.Observe(s.input(t, st))
		if err := m.check(); err != nil {
			t.Fatalf("after %s: %v", st.id, err)
		}
	}
	return out
}

// rootOf is the root cause as an event shows it: its own id when none.
func rootOf(id string, r Result) string {
	if r.RootCause == "" {
		return id
	}
	return r.RootCause
}

// wantRoots checks the root cause of each step named in want.
func wantRoots(t *testing.T, res map[string]Result, want map[string]string) {
	t.Helper()
	for id, root := range want {
		r, ok := res[id]
		if !ok {
			t.Errorf("no step %s", id)
			continue
		}
		if got := rootOf(id, r); got != root {
			t.Errorf("root cause of %s = %s, want %s", id, got, root)
		}
	}
}

// sameIncident checks that the steps are in one incident, and returns it.
func sameIncident(t *testing.T, res map[string]Result, ids ...string) string {
	t.Helper()
	inc := res[ids[0]].Incident
	if inc == "" {
		t.Errorf("%s has no incident", ids[0])
	}
	for _, id := range ids[1:] {
		if got := res[id].Incident; got != inc {
			t.Errorf("incident of %s = %q, want %q (that of %s)", id, got, inc, ids[0])
		}
	}
	return inc
}

func mustIncident(t *testing.T, m *Model, id string) Incident {
	t.Helper()
	inc, ok := m.Incident(id)
	if !ok {
		t.Fatalf("no incident %s", id)
	}
	return inc
}

func deviceNames(inc Incident) string {
	var b strings.Builder
	for i, d := range inc.Devices {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s:%s", d.Name, d.Role)
		if d.Mount != "" {
			b.WriteString("@" + d.Mount)
		}
	}
	return b.String()
}
