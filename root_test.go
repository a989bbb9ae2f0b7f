//go:build linux

package shmfs_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/shmfs/shmfs"
)

// errPathEscapes is os.Root's error for a name that leads out of the root
// (not exported by os), taken from os.Root itself.
var errPathEscapes = sync.OnceValue(func() error {
	r, err := os.OpenRoot(os.TempDir())
	if err != nil {
		panic(err)
	}
	defer r.Close()
	_, err = r.Stat("../escape")
	return underlyingErr(err)
})

// underlyingErr is the error inside an *fs.PathError or *os.LinkError.
func underlyingErr(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// TestMethodSets: *File has every method of *os.File and *FS every method
// of *os.Root, with the same signature once *File stands for *os.File and
// *FS for *os.Root (FS.Open keeps fs.FS's signature).
func TestMethodSets(t *testing.T) {
	subst := map[reflect.Type]reflect.Type{
		reflect.TypeFor[*os.File](): reflect.TypeFor[*shmfs.File](),
		reflect.TypeFor[*os.Root](): reflect.TypeFor[*shmfs.FS](),
	}
	fsOpen := reflect.TypeFor[func(string) (fs.File, error)]()
	for _, c := range []struct{ os, ours reflect.Type }{
		{reflect.TypeFor[*os.File](), reflect.TypeFor[*shmfs.File]()},
		{reflect.TypeFor[*os.Root](), reflect.TypeFor[*shmfs.FS]()},
	} {
		if c.os.NumMethod() < 20 {
			t.Fatalf("%v has only %d methods: reflect does not see them", c.os, c.os.NumMethod())
		}
		for i := range c.os.NumMethod() {
			m := c.os.Method(i)
			got, ok := c.ours.MethodByName(m.Name)
			if !ok {
				t.Errorf("%v has no method %s (%v)", c.ours, m.Name, m.Type)
				continue
			}
			want := m.Type
			if c.ours == reflect.TypeFor[*shmfs.FS]() && m.Name == "Open" {
				want = reflect.FuncOf(append([]reflect.Type{c.os}, fsOpen.In(0)), []reflect.Type{fsOpen.Out(0), fsOpen.Out(1)}, false)
			}
			if !sameSignature(got.Type, want, subst) {
				t.Errorf("%v.%s is %v; %v's is %v", c.ours, m.Name, got.Type, c.os, m.Type)
			}
		}
	}
	var fsys any = shmfs.NewFS("")
	for _, iface := range []reflect.Type{
		reflect.TypeFor[fs.FS](), reflect.TypeFor[fs.StatFS](), reflect.TypeFor[fs.ReadDirFS](),
		reflect.TypeFor[fs.ReadFileFS](), reflect.TypeFor[fs.ReadLinkFS](), reflect.TypeFor[fs.SubFS](),
	} {
		if !reflect.TypeOf(fsys).Implements(iface) {
			t.Errorf("*FS does not implement %v", iface)
		}
	}
	if !reflect.TypeFor[*shmfs.File]().Implements(reflect.TypeFor[fs.ReadDirFile]()) {
		t.Errorf("*File is not an fs.ReadDirFile")
	}
}

// sameSignature compares two method types (receiver first), with subst
// applied to want's types.
func sameSignature(got, want reflect.Type, subst map[reflect.Type]reflect.Type) bool {
	if got.NumIn() != want.NumIn() || got.NumOut() != want.NumOut() || got.IsVariadic() != want.IsVariadic() {
		return false
	}
	same := func(g, w reflect.Type) bool {
		if s, ok := subst[w]; ok {
			w = s
		}
		return g == w
	}
	for i := 1; i < got.NumIn(); i++ {
		if !same(got.In(i), want.In(i)) {
			return false
		}
	}
	for i := range got.NumOut() {
		if !same(got.Out(i), want.Out(i)) {
			return false
		}
	}
	return true
}

// TestRootName is Go's os.TestRootName on an FS, plus the system namespace
// and CreateTemp: a File the FS opens is named as os.Root names its Files
// (the FS's Name joined with the name), errors of the open carry the name as
// given, and CreateTemp's File is named inside the namespace.
func TestRootName(t *testing.T) {
	dir := t.TempDir()
	root := shmfs.NewFS(dir)
	defer root.Close()
	if got, want := root.Name(), dir; got != want {
		t.Errorf("root.Name() = %q, want %q", got, want)
	}
	f, err := root.Create("file")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := f.Name(), filepath.Join(dir, "file"); got != want {
		t.Errorf(`root.Create("file").Name() = %q, want %q`, got, want)
	}
	if err := root.Mkdir("dir", 0o777); err != nil {
		t.Fatal(err)
	}
	subroot, err := root.OpenRoot("dir")
	if err != nil {
		t.Fatal(err)
	}
	defer subroot.Close()
	if got, want := subroot.Name(), filepath.Join(dir, "dir"); got != want {
		t.Errorf(`root.OpenRoot("dir").Name() = %q, want %q`, got, want)
	}
	g, err := subroot.Create("g")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	d, err := root.Open("dir")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	osr, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer osr.Close()
	og, err := osr.Open("dir/g")
	if err != nil {
		t.Fatal(err)
	}
	defer og.Close()
	for _, c := range []struct{ got, want string }{
		{g.Name(), filepath.Join(dir, "dir", "g")},
		{d.(*shmfs.File).Name(), filepath.Join(dir, "dir")},
		{mustOpen(t, root, "dir/g").Name(), og.Name()},
	} {
		if c.got != c.want {
			t.Errorf("Name() = %q, want %q", c.got, c.want)
		}
	}
	// A File's later errors carry its Name, as *os.File's do; the open's
	// own, the name given.
	g.Close()
	var pe *fs.PathError
	if _, err := g.Write([]byte("x")); !errors.As(err, &pe) || pe.Path != g.Name() {
		t.Errorf("Write after Close = %v, want a *fs.PathError naming %q", err, g.Name())
	}
	if _, err := root.Open("missing"); !errors.As(err, &pe) || pe.Path != "missing" {
		t.Errorf(`Open("missing") = %v, want a *fs.PathError naming "missing"`, err)
	}
	// CreateTemp names its File inside the namespace: Rename takes it.
	tf, err := root.CreateTemp("dir", "t*")
	if err != nil {
		t.Fatal(err)
	}
	tf.Close()
	if dirPart, _ := filepath.Split(tf.Name()); dirPart != "dir/" {
		t.Errorf(`CreateTemp("dir", "t*").Name() = %q, want dir/t...`, tf.Name())
	}
	if err := root.Rename(tf.Name(), "published"); err != nil {
		t.Errorf("Rename(CreateTemp's Name) = %v", err)
	}
}

func mustOpen(t *testing.T, fsys *shmfs.FS, name string) *shmfs.File {
	t.Helper()
	f, err := fsys.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
