package packaging

import (
	"testing"

	"github.com/peripety/peripety/cli"
	"github.com/peripety/peripety/internal/cmdtree"
)

// commandTree is prpt's command tree, built as cli.Main builds it.
func commandTree(t *testing.T) *cmdtree.Command {
	t.Helper()
	k, err := cli.Parser()
	if err != nil {
		t.Fatalf("build prpt's command tree: %v", err)
	}
	return cmdtree.FromKong(k.Model.Node)
}
