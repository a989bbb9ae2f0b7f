//go:build linux

package shmfs_test

import (
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"
	"testing"
)

// TestCoreEncapsulated type-checks the package (its Linux build, without
// tests) and fails if any file outside mmap*.go uses an unexported field of
// a struct declared in mmap*.go: the rest of the package reaches the
// mapping core through its methods and constructors only.
func TestCoreEncapsulated(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the package from source")
	}
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH = "linux", "amd64"
	pkg, err := ctx.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range pkg.GoFiles {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	if _, err := conf.Check(pkg.ImportPath, fset, files, info); err != nil {
		t.Fatal(err)
	}
	isCore := func(pos token.Pos) bool {
		return strings.HasPrefix(filepath.Base(fset.Position(pos).Filename), "mmap")
	}
	coreFields := 0
	for id, obj := range info.Uses {
		v, ok := obj.(*types.Var)
		if !ok || !v.IsField() || v.Exported() || v.Pkg() == nil || v.Pkg().Path() != pkg.ImportPath || !isCore(v.Pos()) {
			continue
		}
		coreFields++
		if !isCore(id.Pos()) {
			t.Errorf("%v: uses field %s of the mapping core (declared at %v)", fset.Position(id.Pos()), v.Name(), fset.Position(v.Pos()))
		}
	}
	if coreFields == 0 {
		t.Fatal("found no use of any core field at all: the check checks nothing")
	}
}
