//go:build linux

package shmfs_test

import (
	"errors"
	"io/fs"
	"os"
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
