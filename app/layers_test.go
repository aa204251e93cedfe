package app

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/custos-msp/custos/"

// imports returns, for every package of the module (by its path inside the module),
// the module's packages its non-test files import.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		for _, spec := range f.Imports {
			p, _ := strconv.Unquote(spec.Path.Value)
			if dep, ok := strings.CutPrefix(p, module); ok && !slices.Contains(out[pkg], dep) {
				out[pkg] = append(out[pkg], dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// within says whether pkg is one of the packages or below one of them.
func within(pkg string, roots ...string) bool {
	return slices.ContainsFunc(roots, func(r string) bool { return pkg == r || strings.HasPrefix(pkg, r+"/") })
}

// TestLayers_DataWalksOneWay holds the import graph to DESIGN.md's data flow:
// connectors → sync → store (onlinecheck probes the connectors beside sync and
// writes nothing); mapping, reconcile, findings, notify and report read
// from store; app wires them, and the two front ends, cmd/custos and the web
// console, only call app.
func TestLayers_DataWalksOneWay(t *testing.T) {
	rules := []struct {
		name string
		// from are the importing packages the rule is about (and those below them);
		// except are packages below them it does not apply to.
		from, except []string
		// forbidden are the packages (and those below them) they must not import.
		forbidden []string
	}{
		{"only sync, the online check, the registry and app reach the connectors",
			[]string{""}, []string{"connectors", "sync", "onlinecheck", "app", "cmd", "demo", "fixtures"}, []string{"connectors"}},
		{"the online check only probes: it writes no store and runs no sync",
			[]string{"onlinecheck"}, nil, []string{"store", "sync", "jobs", "app"}},
		{"the vocabulary imports nothing of Custos",
			[]string{"vocab"}, nil, []string{""}},
		{"store knows no vendor, no configuration and none of its readers",
			[]string{"store"}, nil, []string{"config", "connectors", "sync", "mapping", "reconcile", "findings", "notify", "report", "jobs", "app"}},
		{"connectors emit records and never write the store",
			[]string{"connectors"}, nil, []string{"store", "sync", "mapping", "reconcile", "findings", "notify", "report", "jobs", "app"}},
		{"the readers of the store do not run pulls or jobs",
			[]string{"mapping", "reconcile", "findings", "notify", "report", "explain", "register"}, nil, []string{"sync", "jobs", "app", "daemon"}},
		{"nothing below app imports app, the daemon or the command line",
			[]string{""}, []string{"app", "daemon", "cmd", "web/console"}, []string{"app", "daemon", "cmd"}},
		{"the console is a front end on app, like the command line: it runs no daemon",
			[]string{"web/console"}, nil, []string{"daemon", "cmd", "sync", "jobs"}},
	}
	graph := imports(t)
	for _, r := range rules {
		for pkg, deps := range graph {
			applies := slices.Contains(r.from, "") || within(pkg, r.from...)
			if !applies || within(pkg, r.except...) {
				continue
			}
			for _, dep := range deps {
				if (slices.Contains(r.forbidden, "") && !within(dep, pkg)) || within(dep, r.forbidden...) {
					t.Errorf("%s imports %s: %s", pkg, dep, r.name)
				}
			}
		}
	}
}

// TestLayers_FrontEndsGoThroughApp: cmd/custos and the web console are front ends.
// Their code reaches the store only through app's methods, so that both give one
// answer to one question; the command line reads the time only from app's clock,
// which its one clock (var clock = time.Now) feeds.
func TestLayers_FrontEndsGoThroughApp(t *testing.T) {
	for _, dir := range []string{filepath.Join("..", "cmd", "custos"), filepath.Join("..", "web", "console")} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		clocks := 0
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				switch x, _ := sel.X.(*ast.Ident); {
				case x != nil && x.Name == "time" && sel.Sel.Name == "Now":
					clocks++
				case sel.Sel.Name == "Store":
					t.Errorf("%s: %s reaches the store past app", fset.Position(sel.Pos()), types.ExprString(sel))
				}
				return true
			})
		}
		want := 0 // the console reads the time from app
		if strings.HasSuffix(dir, "custos") {
			want = 1
		}
		if clocks != want {
			t.Errorf("%s reads time.Now in %d places; want %d (the command line's one clock, given to app)", dir, clocks, want)
		}
	}
}
