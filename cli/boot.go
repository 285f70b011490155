package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/peripety/peripety/service/sdjournal"
)

// BootFlag is --boot/-b as journalctl takes it: alone, the current boot;
// with a value (--boot=-1, -b -1, -b ID, -b ID-1), the boot it names.
type BootFlag struct {
	Set  bool
	Spec string // "" for the current boot
}

// Decode reads the flag: alone, or with its value after "=".
func (b *BootFlag) Decode(ctx *kong.DecodeContext) error {
	b.Set, b.Spec = true, ""
	if ctx.Scan.Peek().Type != kong.FlagValueToken {
		return nil
	}
	switch v := ctx.Scan.Pop().Value.(type) {
	case bool: // --no-boot is not a flag; kong passes true for --boot
		b.Set = v
	case string:
		b.Spec = v
	default:
		return fmt.Errorf("unexpected value %v", v)
	}
	_, _, err := parseBootSpec(b.Spec)
	return err
}

// IsBool lets --boot and -b stand alone.
func (b *BootFlag) IsBool() bool { return true }

// bootSpecRe is a boot as journalctl -b names it: an offset (0 the last
// boot, -1 the one before, 1 the first in the journal), a boot ID (32 hex
// digits, dashes allowed), or an ID and an offset from it.
var bootSpecRe = regexp.MustCompile(`^(?:([0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}))?([+-]?[0-9]+)?$`)

// parseBootSpec splits a --boot value into a boot ID ("" for none) and an
// offset.
func parseBootSpec(spec string) (id string, offset int, err error) {
	m := bootSpecRe.FindStringSubmatch(spec)
	if m == nil {
		return "", 0, fmt.Errorf("--boot %q: want a boot ID (journalctl --list-boots), an offset (0, -1, …) or both (ID-1)", spec)
	}
	id = strings.ToLower(strings.ReplaceAll(m[1], "-", ""))
	if m[2] != "" {
		if offset, err = strconv.Atoi(m[2]); err != nil {
			return "", 0, fmt.Errorf("--boot %q: offset %q: %w", spec, m[2], err)
		}
	}
	return id, offset, nil
}

// joinValues rewrites "-b VALUE" and "--boot VALUE" as "--boot=VALUE"
// when VALUE is a boot (journalctl's -b takes its value so; a flag that
// may stand alone takes a value only after "=" on kong's command line),
// and "--since VALUE", "--until VALUE" as "--since=VALUE"…, as a value may
// start with a dash there ("-1h"), which kong would take for a flag.
func joinValues(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if i+1 < len(args) {
			next := args[i+1]
			switch {
			case (a == "-b" || a == "--boot") && next != "" && bootSpecRe.MatchString(next):
				a = "--boot"
			case a == "--since" || a == "--until":
			default:
				out = append(out, a)
				continue
			}
			out = append(out, a+"="+next)
			i++
			continue
		}
		out = append(out, a)
	}
	return out
}

// boot is one boot as the journal lists it.
type boot struct {
	Index      int    `json:"index"`
	ID         string `json:"boot_id"`
	FirstEntry int64  `json:"first_entry"` // µs since the epoch
	LastEntry  int64  `json:"last_entry"`
}

// bootRange returns the time range of the boot b names. The current boot
// of this machine (no value, or 0, or its ID, reading this machine's
// journal or the daemon) is read from /proc and runs until now; any other
// is the span of its entries in the journal, which lists (journalctl
// --list-boots) gives.
func bootRange(b BootFlag, local bool, lists func() ([]boot, error)) (since, until time.Time, err error) {
	id, offset, err := parseBootSpec(b.Spec)
	if err != nil {
		return since, until, err
	}
	if local && offset == 0 {
		cur, start, err := currentBoot()
		if err != nil {
			return since, until, err
		}
		if id == "" || id == cur {
			return start, time.Time{}, nil
		}
	}
	boots, err := lists()
	if err != nil {
		return since, until, fmt.Errorf("--boot %s: %w", b.Spec, err)
	}
	if len(boots) == 0 {
		return since, until, fmt.Errorf("--boot %s: the journal lists no boots", b.Spec)
	}
	i := -1
	switch {
	case id != "":
		for j, bt := range boots {
			if bt.ID == id {
				i = j
			}
		}
		if i < 0 {
			return since, until, fmt.Errorf("--boot %s: no boot %s in the journal (journalctl --list-boots lists them)", b.Spec, id)
		}
		i += offset
	case offset > 0:
		i = offset - 1
	default:
		i = len(boots) - 1 + offset
	}
	if i < 0 || i >= len(boots) {
		return since, until, fmt.Errorf("--boot %s: the journal lists %d boots, so no such one (journalctl --list-boots lists them)", b.Spec, len(boots))
	}
	bt := boots[i]
	since = time.UnixMicro(bt.FirstEntry)
	if local && i == len(boots)-1 {
		return since, time.Time{}, nil // the running boot goes on
	}
	return since, time.UnixMicro(bt.LastEntry), nil
}

// currentBoot returns this machine's boot ID and when it booted
// (proc(5): /proc/sys/kernel/random/boot_id, btime in /proc/stat).
func currentBoot() (id string, at time.Time, err error) {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "", at, fmt.Errorf("current boot: %w", err)
	}
	id = strings.ReplaceAll(strings.TrimSpace(string(b)), "-", "")
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return "", at, fmt.Errorf("current boot: %w", err)
	}
	for _, line := range strings.Split(string(stat), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return "", at, fmt.Errorf("current boot: /proc/stat btime %q: %w", v, err)
			}
			return id, time.Unix(secs, 0), nil
		}
	}
	return "", at, errors.New("current boot: no btime in /proc/stat")
}

// listBoots asks journalctl for the boots of the journal src names.
func listBoots(ctx context.Context, src sdjournal.Source) ([]boot, error) {
	args := []string{"--list-boots", "--output=json", "--no-pager", "--quiet"}
	if src.Directory != "" {
		args = append(args, "--directory="+src.Directory)
	}
	for _, f := range src.Files {
		args = append(args, "--file="+f)
	}
	cmd := exec.CommandContext(ctx, "journalctl", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("list the boots (journalctl --list-boots): %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var boots []boot
	if err := json.Unmarshal(out, &boots); err != nil {
		return nil, fmt.Errorf("list the boots: journalctl --list-boots --output=json: %w", err)
	}
	sort.Slice(boots, func(i, j int) bool { return boots[i].Index < boots[j].Index })
	return boots, nil
}
