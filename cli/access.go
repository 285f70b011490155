package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// journalDirs are where journald keeps the system journal: persistent,
// then volatile (systemd-journald.service(8)).
var journalDirs = []string{"/var/log/journal", "/run/log/journal"}

// journalGroups may read the whole journal (journalctl(1): "Users in
// groups 'adm', 'systemd-journal' can see all messages").
var journalGroups = []string{"systemd-journal", "adm", "wheel"}

// checkJournalAccess says why the system journal, where peripetyd stores
// its events, cannot be read, or nil when it can (or when there is none to
// read). Reading the local journal without the right, sd-journal opens only
// the files it may and says nothing: prpt would print no event and succeed,
// as if none had happened. journalctl prints a hint then; prpt fails.
func checkJournalAccess() error {
	denied := false
	for _, dir := range journalDirs {
		machines, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			denied = denied || errors.Is(err, fs.ErrPermission)
			continue
		}
		for _, m := range machines {
			files, err := filepath.Glob(filepath.Join(dir, m.Name(), "system*.journal"))
			if err != nil {
				continue
			}
			if len(files) == 0 {
				// A directory we may not list hides its files.
				if _, err := os.ReadDir(filepath.Join(dir, m.Name())); errors.Is(err, fs.ErrPermission) {
					denied = true
				}
				continue
			}
			for _, f := range files {
				if syscall.Access(f, 4 /* R_OK */) == nil {
					return nil
				}
				denied = true
			}
		}
	}
	if !denied {
		return nil
	}
	who := "you are"
	if u, err := user.Current(); err == nil {
		who = u.Username + " is"
	}
	if g := memberOf(journalGroups); g != "" {
		return fmt.Errorf("cannot read the system journal, where peripetyd stores its events: %s in the group '%s', "+
			"yet the journal files do not let it read them (systemd-tmpfiles --create sets their access lists): "+
			"have them set, or leave out --journal to ask the daemon", who, g)
	}
	return fmt.Errorf("cannot read the system journal, where peripetyd stores its events: %s not root and in neither "+
		"of the groups %s whose members may read it (journalctl then shows only your own entries); ask to be added "+
		"to one (usermod -a -G systemd-journal USER, then log in again), or leave out --journal to ask the daemon",
		who, strings.Join(quoted(journalGroups[:2]), " and "))
}

// memberOf returns the first of groups the process is in, "" for none.
func memberOf(groups []string) string {
	gids, err := os.Getgroups()
	if err != nil {
		return ""
	}
	gids = append(gids, os.Getgid())
	for _, name := range groups {
		g, err := user.LookupGroup(name)
		if err != nil {
			continue
		}
		for _, gid := range gids {
			if strconv.Itoa(gid) == g.Gid {
				return name
			}
		}
	}
	return ""
}

func quoted(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = "'" + s + "'"
	}
	return out
}
