//go:build linux

package shmfs_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/shmfs/shmfs"
	"github.com/shmfs/shmfs/internal/fuzzcheck"
)

// TestFSTest runs testing/fstest's TestFS over a directory namespace (on
// disk, and on a private tmpfs where this process may mount one).
func TestFSTest(t *testing.T) {
	build := func(t *testing.T, dir string) {
		files := map[string]string{
			"a":            "alpha",
			"empty":        "",
			"big":          string(bytes.Repeat([]byte("0123456789"), 100000)),
			"sub/b":        "beta",
			"sub/deep/c":   "gamma",
			"sub/.hidden":  "h",
			"other/d.json": `{"x":1}`,
		}
		for name, content := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0644); err != nil {
				t.Fatal(err)
			}
		}
	}
	expected := []string{"a", "empty", "big", "sub/b", "sub/deep/c", "sub/.hidden", "other/d.json"}
	t.Run("disk", func(t *testing.T) {
		dir := t.TempDir()
		build(t, dir)
		if err := fstest.TestFS(shmfs.NewFS(dir), expected...); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("tmpfs", func(t *testing.T) {
		dir := mountTmpfs(t, "16m")
		build(t, dir)
		if err := fstest.TestFS(shmfs.NewFS(dir), expected...); err != nil {
			t.Fatal(err)
		}
	})
}

// TestFSMethods covers the namespace's own methods on /dev/shm.
func TestFSMethods(t *testing.T) {
	s := scratch(t, "")
	fsys := shmfs.NewFS("")
	name := s.Name("m")
	if err := fsys.WriteFile(name, []byte("contents"), 0600); err != nil {
		t.Fatal(err)
	}
	got, err := fsys.ReadFile(name)
	if err != nil || string(got) != "contents" {
		t.Fatalf("ReadFile = %q, %v", got, err)
	}
	got[0] = 'X' // ReadFile's slice is the caller's, never the mapping
	if again, _ := fsys.ReadFile(name); string(again) != "contents" {
		t.Fatalf("mutating ReadFile's result changed the object: %q", again)
	}
	fi, err := fsys.Stat(name)
	if err != nil || fi.Size() != 8 || fi.Name() != name {
		t.Fatalf("Stat = %v, %v", fi, err)
	}
	ents, err := fsys.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(ents, func(e fs.DirEntry) bool { return e.Name() == name }) {
		t.Errorf("ReadDir(.) does not list %s", name)
	}
	if !slices.IsSortedFunc(ents, func(a, b fs.DirEntry) int {
		if a.Name() < b.Name() {
			return -1
		}
		return 1
	}) {
		t.Error("ReadDir is not sorted")
	}
	f, err := fsys.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.(*shmfs.File); !ok {
		t.Errorf("Open returned %T, want *shmfs.File", f)
	}
	// Remove while open: the File keeps working (shm_unlink semantics).
	if err := fsys.Remove(name); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if n, err := f.Read(buf); n != 8 || err != nil {
		t.Errorf("Read after Remove = %d, %v", n, err)
	}
	f.Close()
	if _, err := fsys.Stat(name); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat after Remove = %v", err)
	}
	if err := fsys.Remove(name); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("second Remove = %v", err)
	}
	// Create truncates; OpenFile with O_EXCL refuses an existing name.
	fsys.WriteFile(name, []byte("old"), 0600)
	c, err := fsys.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := c.Stat(); fi.Size() != 0 {
		t.Errorf("Create did not truncate: %d", fi.Size())
	}
	c.Close()
	if _, err := fsys.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600); !errors.Is(err, fs.ErrExist) {
		t.Errorf("O_EXCL on an existing object = %v", err)
	}
	// Package-level names in both spellings reach the same object.
	p, err := shmfs.Open("/" + name)
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	if err := shmfs.Remove("/" + name); err != nil {
		t.Fatal(err)
	}
}

// TestFSNames: the io/fs methods refuse names that are not fs.ValidPath
// with fs.ErrInvalid; OpenFile and WriteFile take os.Root's names and
// refuse or accept each as os.Root does on a twin directory; nothing is
// ever made outside the directory.
func TestFSNames(t *testing.T) {
	dir := t.TempDir()
	inner := filepath.Join(dir, "ns")
	twin := filepath.Join(dir, "twin")
	os.Mkdir(inner, 0700)
	os.Mkdir(twin, 0700)
	fsys := shmfs.NewFS(inner)
	defer fsys.Close()
	root, err := os.OpenRoot(twin)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, name := range []string{"", "/", "/abs", "..", "../x", "a/../../x", "a//b", "./a", "a/", "x\x00y"} {
		if _, err := fsys.Open(name); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Open(%q) = %v, want ErrInvalid", name, err)
		}
		f, err := fsys.OpenFile(name, os.O_RDWR|os.O_CREATE, 0600)
		if f != nil {
			f.Close()
		}
		g, werr := root.OpenFile(name, os.O_RDWR|os.O_CREATE, 0600)
		if g != nil {
			g.Close()
		}
		if fuzzcheck.FSClass(err) != fuzzcheck.FSClass(werr) {
			t.Errorf("OpenFile(%q) = %v; os.Root's: %v", name, err, werr)
		}
		err = fsys.WriteFile(name, nil, 0600)
		werr = root.WriteFile(name, nil, 0600)
		if fuzzcheck.FSClass(err) != fuzzcheck.FSClass(werr) {
			t.Errorf("WriteFile(%q) = %v; os.Root's: %v", name, err, werr)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("files appeared outside the namespace: %v", ents)
	}
}

func TestPackageStat(t *testing.T) {
	s := scratch(t, "")
	if err := shmfs.NewFS("").WriteFile(s.Name("st"), []byte("abc"), 0600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{s.Name("st"), "/" + s.Name("st")} {
		fi, err := shmfs.Stat(name)
		if err != nil || fi.Size() != 3 || fi.Name() != s.Name("st") {
			t.Errorf("Stat(%q) = %v, %v", name, fi, err)
		}
	}
	if _, err := shmfs.Stat("/" + s.Name("missing")); !errors.Is(err, fs.ErrNotExist) || !isPathOp(err, "stat") {
		t.Errorf("Stat of a missing object = %v", err)
	}
	if _, err := shmfs.Stat("a/b"); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("Stat(a/b) = %v", err)
	}
}
