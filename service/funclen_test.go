package service

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuncLines bounds every function of service/ and the packages under it,
// tests included: a function longer than that does more than one thing, and
// the next change of it is harder to review than it should be.
const maxFuncLines = 80

// TestFunctionLength keeps every function of service/... within
// maxFuncLines (its declaration to its closing brace).
func TestFunctionLength(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && d.Name() == "testdata":
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(p, ".go"):
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, long := range longFuncs(fset, f, maxFuncLines) {
			t.Errorf("%s: split it", long)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// longFuncs describes the functions of f longer than max lines.
func longFuncs(fset *token.FileSet, f *ast.File, max int) []string {
	var out []string
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok {
			continue
		}
		start, end := fset.Position(fd.Pos()), fset.Position(fd.End())
		if n := end.Line - start.Line + 1; n > max {
			out = append(out, fmt.Sprintf("%s:%d: func %s is %d lines, more than %d", start.Filename, start.Line, fd.Name.Name, n, max))
		}
	}
	return out
}

func TestLongFuncs(t *testing.T) {
	src := "package p\n\nfunc short() {\n}\n\nfunc long() {\n" + strings.Repeat("\t_ = 1\n", 80) + "}\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := longFuncs(fset, f, maxFuncLines)
	if len(got) != 1 || !strings.Contains(got[0], "func long is 82 lines") {
		t.Errorf("longFuncs = %q, want func long (82 lines) alone", got)
	}
}

// TestNoConcreteSinkAssertion: the daemon reaches what a sink can do
// through small interfaces (readySink, losingSink, reconfigurable,
// spoolingSink), never by asserting a concrete sink type, so that a new
// sink is one row of sinkKinds and no edit elsewhere.
func TestNoConcreteSinkAssertion(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range files {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ta, ok := n.(*ast.TypeAssertExpr)
			if !ok {
				return true
			}
			if star, ok := ta.Type.(*ast.StarExpr); ok {
				if id, ok := star.X.(*ast.Ident); ok && strings.HasSuffix(id.Name, "Sink") {
					t.Errorf("%s: a type assertion to *%s: reach it through an interface", fset.Position(ta.Pos()), id.Name)
				}
			}
			return true
		})
	}
}
