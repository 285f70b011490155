package packaging

import (
	"os/exec"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/peripety/peripety/cli"
	"github.com/peripety/peripety/internal/cmdtree"
)

// commandTree is prpt's command tree, built as cli.Main builds it.
func commandTree(t *testing.T) *cmdtree.Command {
	t.Helper()
	k, err := kong.New(&cli.CLI{}, kong.Name("prpt"), kong.Vars{"version": cli.Version})
	if err != nil {
		t.Fatalf("build prpt's command tree: %v", err)
	}
	return cmdtree.FromKong(k.Model.Node)
}

func lookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (tests/setup-deps.sh installs it): %v", name, err)
	}
	return p
}
