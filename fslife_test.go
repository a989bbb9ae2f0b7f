//go:build linux

package shmfs_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/shmfs/shmfs"
	fc "github.com/shmfs/shmfs/internal/fuzzcheck"
)

// fsCalls are every method of *FS that takes a name, each on name (or on
// name and name+"2"), as a func returning its error.
func fsCalls(fsys *shmfs.FS, name string) map[string]func() error {
	return map[string]func() error{
		"Open":     func() error { f, err := fsys.Open(name); closeIf(f); return err },
		"OpenFile": func() error { f, err := fsys.OpenFile(name, os.O_RDWR|os.O_CREATE, 0600); closeIf(f); return err },
		"Create":   func() error { f, err := fsys.Create(name); closeIf(f); return err },
		"Stat":     func() error { _, err := fsys.Stat(name); return err },
		"Lstat":    func() error { _, err := fsys.Lstat(name); return err },
		"ReadDir":  func() error { _, err := fsys.ReadDir(name); return err },
		"ReadFile": func() error { _, err := fsys.ReadFile(name); return err },
		"WriteFile": func() error {
			return fsys.WriteFile(name, []byte("x"), 0600)
		},
		"Remove":    func() error { return fsys.Remove(name) },
		"RemoveAll": func() error { return fsys.RemoveAll(name) },
		"Mkdir":     func() error { return fsys.Mkdir(name, 0700) },
		"MkdirAll":  func() error { return fsys.MkdirAll(name, 0700) },
		"Rename":    func() error { return fsys.Rename(name, name+"2") },
		"Link":      func() error { return fsys.Link(name, name+"2") },
		"Symlink":   func() error { return fsys.Symlink("target", name) },
		"Readlink":  func() error { _, err := fsys.Readlink(name); return err },
		"ReadLink":  func() error { _, err := fsys.ReadLink(name); return err },
		"Chmod":     func() error { return fsys.Chmod(name, 0600) },
		"Chown":     func() error { return fsys.Chown(name, -1, -1) },
		"Lchown":    func() error { return fsys.Lchown(name, -1, -1) },
		"Chtimes":   func() error { return fsys.Chtimes(name, time.Time{}, time.Time{}) },
		"OpenRoot": func() error {
			r, err := fsys.OpenRoot(name)
			if r != nil {
				r.Close()
			}
			return err
		},
		"CreateTemp": func() error { f, err := fsys.CreateTemp(name, "t"); closeIf(f); return err },
		"Sub": func() error {
			sub, err := fsys.Sub(name)
			if err != nil {
				return err
			}
			_, err = fs.ReadFile(sub, "x")
			return err
		},
	}
}

// rootCalls are fsCalls's calls on an os.Root (and its FS for the io/fs
// methods, fs.Sub for Sub).
func rootCalls(r *os.Root, name string) map[string]func() error {
	rfs := r.FS()
	return map[string]func() error{
		"Open":      func() error { f, err := rfs.Open(name); closeIf(f); return err },
		"OpenFile":  func() error { f, err := r.OpenFile(name, os.O_RDWR|os.O_CREATE, 0600); closeIf(f); return err },
		"Create":    func() error { f, err := r.Create(name); closeIf(f); return err },
		"Stat":      func() error { _, err := fs.Stat(rfs, name); return err },
		"Lstat":     func() error { _, err := fs.Lstat(rfs, name); return err },
		"ReadDir":   func() error { _, err := fs.ReadDir(rfs, name); return err },
		"ReadFile":  func() error { _, err := fs.ReadFile(rfs, name); return err },
		"WriteFile": func() error { return r.WriteFile(name, []byte("x"), 0600) },
		"Remove":    func() error { return r.Remove(name) },
		"RemoveAll": func() error { return r.RemoveAll(name) },
		"Mkdir":     func() error { return r.Mkdir(name, 0700) },
		"MkdirAll":  func() error { return r.MkdirAll(name, 0700) },
		"Rename":    func() error { return r.Rename(name, name+"2") },
		"Link":      func() error { return r.Link(name, name+"2") },
		"Symlink":   func() error { return r.Symlink("target", name) },
		"Readlink":  func() error { _, err := r.Readlink(name); return err },
		"ReadLink":  func() error { _, err := fs.ReadLink(rfs, name); return err },
		"Chmod":     func() error { return r.Chmod(name, 0600) },
		"Chown":     func() error { return r.Chown(name, -1, -1) },
		"Lchown":    func() error { return r.Lchown(name, -1, -1) },
		"Chtimes":   func() error { return r.Chtimes(name, time.Time{}, time.Time{}) },
		"OpenRoot": func() error {
			c, err := r.OpenRoot(name)
			if c != nil {
				c.Close()
			}
			return err
		},
		"CreateTemp": func() error {
			// os.Root has none: os.CreateTemp's first try in the root.
			f, err := r.OpenFile(name+"/t12345", os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
			closeIf(f)
			return err
		},
		"Sub": func() error {
			sub, err := fs.Sub(rfs, name)
			if err != nil {
				return err
			}
			_, err = fs.ReadFile(sub, "x")
			return err
		},
	}
}

// closeIf closes c unless it is a nil interface (a typed nil *File or
// *os.File refuses Close harmlessly).
func closeIf(c io.Closer) {
	if c != nil {
		c.Close()
	}
}

// TestFSOpensLazily: NewFS never fails; its directory is opened by the
// first method that needs it, and until it can be, every method reports
// os.OpenRoot's error (a missing directory, a file, a FIFO, without
// blocking); once it exists, the FS works.
func TestFSOpensLazily(t *testing.T) {
	top := t.TempDir()
	missing := filepath.Join(top, "later")
	fsys := shmfs.NewFS(missing)
	defer fsys.Close()
	for call, do := range fsCalls(fsys, "x") {
		if err := do(); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s before the directory exists: %v, want ErrNotExist", call, err)
		}
	}
	if err := os.Mkdir(missing, 0700); err != nil {
		t.Fatal(err)
	}
	if err := fsys.WriteFile("x", []byte("now"), 0600); err != nil {
		t.Fatalf("WriteFile once the directory exists: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(missing, "x")); err != nil || string(b) != "now" {
		t.Errorf("os reads %q, %v", b, err)
	}

	os.WriteFile(filepath.Join(top, "file"), nil, 0600)
	syscall.Mkfifo(filepath.Join(top, "fifo"), 0600)
	for _, dir := range []string{"file", "fifo"} {
		done := make(chan error)
		go func() {
			_, err := shmfs.NewFS(filepath.Join(top, dir)).Stat(".")
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, syscall.ENOTDIR) {
				t.Errorf("NewFS(%s).Stat: %v, want ENOTDIR", dir, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("NewFS(%s).Stat blocks", dir)
		}
	}
}

// TestFSClose: after Close every method fails as a closed os.Root's does
// (fs.ErrClosed, or the argument error os.Root reports first), whether the
// FS had opened its directory or not; Files opened before stay open; Close
// twice is fine; Name still works.
func TestFSClose(t *testing.T) {
	for _, used := range []bool{false, true} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "f"), []byte("f"), 0600)
		fsys := shmfs.NewFS(dir)
		var f *shmfs.File
		if used {
			var err error
			if f, err = fsys.OpenFile("f", os.O_RDONLY, 0); err != nil {
				t.Fatal(err)
			}
		}
		r, err := os.OpenRoot(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := fsys.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := fsys.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		r.Close()
		// (A NUL is refused by the io/fs methods before anything else, and
		// passed on to the system by os.Root's FS: see the differential.)
		for _, name := range []string{"f", ".", "", "../x", "a/"} {
			ours, theirs := fsCalls(fsys, name), rootCalls(r, name)
			for call, do := range ours {
				err, werr := do(), theirs[call]()
				if fc.FSClass(err) != fc.FSClass(werr) {
					t.Errorf("opened %v: %s(%q) after Close: %v; os.Root: %v", used, call, name, err, werr)
				}
			}
		}
		if fsys.Name() != dir {
			t.Errorf("Name after Close = %q", fsys.Name())
		}
		if f != nil {
			if b := make([]byte, 1); func() error { _, err := f.Read(b); return err }() != nil {
				t.Errorf("a File stopped working when its FS closed")
			}
			f.Close()
		}
	}
}

// TestFSNamesAndOpenRoot: Name is os.Root's; OpenRoot's FS is rooted where
// it says and outlives its parent; FS() is an io/fs view that passes
// fstest.
func TestFSNamesAndOpenRoot(t *testing.T) {
	if n := shmfs.NewFS("").Name(); n != "/dev/shm" {
		t.Errorf(`NewFS("").Name() = %q`, n)
	}
	var zero shmfs.FS
	if n := zero.Name(); n != "/dev/shm" {
		t.Errorf("the zero FS's Name = %q", n)
	}
	dir := t.TempDir()
	for _, p := range []string{"a", "a/b"} {
		os.Mkdir(filepath.Join(dir, p), 0700)
	}
	os.WriteFile(filepath.Join(dir, "a/b/f"), []byte("deep"), 0600)
	os.Symlink("a", filepath.Join(dir, "la"))
	fsys := shmfs.NewFS(dir)
	for _, c := range []struct{ name, want string }{{"a", dir + "/a"}, {"la", dir + "/la"}, {"a/b/", dir + "/a/b/"}, {".", dir + "/."}} {
		sub, err := fsys.OpenRoot(c.name)
		if err != nil {
			t.Fatalf("OpenRoot(%q): %v", c.name, err)
		}
		r, _ := os.OpenRoot(dir)
		osSub, _ := r.OpenRoot(c.name)
		if sub.Name() != c.want || sub.Name() != osSub.Name() {
			t.Errorf("OpenRoot(%q).Name() = %q; os.Root's %q", c.name, sub.Name(), osSub.Name())
		}
		osSub.Close()
		r.Close()
		sub.Close()
	}
	sub, err := fsys.OpenRoot("a")
	if err != nil {
		t.Fatal(err)
	}
	fsys.Close()
	if b, err := sub.ReadFile("b/f"); err != nil || string(b) != "deep" {
		t.Errorf("OpenRoot's FS after its parent's Close: %q, %v", b, err)
	}
	if _, err := sub.OpenFile("../a/b/f", os.O_RDONLY, 0); !errors.Is(err, errPathEscapes()) {
		t.Errorf("OpenRoot's FS lets ../a through: %v", err)
	}
	if err := fstest.TestFS(sub.FS(), "b/f"); err != nil {
		t.Error(err)
	}
	sub.Close()
}

// TestSystemFSDirectories: the system namespace as a directory. An FS
// method may make a subdirectory of /dev/shm and files in it; the
// package-level functions keep to POSIX names (Open of the directory
// itself is a directory File).
func TestSystemFSDirectories(t *testing.T) {
	s := scratch(t, "")
	for _, fsys := range []*shmfs.FS{shmfs.NewFS(""), new(shmfs.FS)} {
		d := s.Name("sysdir")
		if err := fsys.Mkdir(d, 0700); err != nil {
			t.Fatal(err)
		}
		if err := fsys.WriteFile(d+"/obj", []byte("in a subdirectory"), 0600); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(s.Path("sysdir") + "/obj"); err != nil || string(b) != "in a subdirectory" {
			t.Errorf("os reads %q, %v", b, err)
		}
		ents, err := fsys.ReadDir(d)
		if err != nil || len(ents) != 1 || ents[0].Name() != "obj" {
			t.Errorf("ReadDir = %v, %v", ents, err)
		}
		f, err := shmfs.Open("/" + d)
		if err != nil {
			t.Fatalf("Open of the directory: %v", err)
		}
		names, err := f.Readdirnames(-1)
		if err != nil || len(names) != 1 || names[0] != "obj" {
			t.Errorf("Readdirnames = %v, %v", names, err)
		}
		f.Close()
		if _, err := shmfs.Open("/" + d + "/obj"); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("package-level Open of a path: %v, want ErrInvalid", err)
		}
		if err := fsys.RemoveAll(d); err != nil {
			t.Fatal(err)
		}
		fsys.Close()
	}
}

// TestCopyFS: os.CopyFS copies a tree out of an FS, symbolic links
// included (fs.ReadLinkFS), as it copies one out of os.DirFS.
func TestCopyFS(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "d/e"), 0755)
	os.WriteFile(filepath.Join(src, "d/f"), []byte("file"), 0644)
	os.Symlink("f", filepath.Join(src, "d/link"))
	os.Symlink("../d", filepath.Join(src, "d/e/up"))
	fsys := shmfs.NewFS(src)
	defer fsys.Close()
	for what, from := range map[string]fs.FS{"shmfs": fsys, "os.DirFS": os.DirFS(src)} {
		dst := filepath.Join(t.TempDir(), "copy")
		if err := os.CopyFS(dst, from); err != nil {
			t.Fatalf("%s: CopyFS: %v", what, err)
		}
		if l, err := os.Readlink(filepath.Join(dst, "d/link")); err != nil || l != "f" {
			t.Errorf("%s: copied link = %q, %v", what, l, err)
		}
		if l, err := os.Readlink(filepath.Join(dst, "d/e/up")); err != nil || l != "../d" {
			t.Errorf("%s: copied link = %q, %v", what, l, err)
		}
		if b, err := os.ReadFile(filepath.Join(dst, "d/f")); err != nil || string(b) != "file" {
			t.Errorf("%s: copied file = %q, %v", what, b, err)
		}
	}
}

// TestFSConcurrent: goroutines that use a fresh FS at once open its
// directory once, and a Close racing with them leaves each call either done
// or failed with fs.ErrClosed (run with -race).
func TestFSConcurrent(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f"), []byte("f"), 0600)
	for range 20 {
		fsys := shmfs.NewFS(dir)
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 4 {
					var err error
					switch i % 4 {
					case 0:
						_, err = fsys.Stat("f")
					case 1:
						_, err = fsys.ReadFile("f")
					case 2:
						var f *shmfs.File
						if f, err = fsys.OpenFile("f", os.O_RDONLY, 0); err == nil {
							f.Close()
						}
					case 3:
						if i == 3 {
							err = fsys.Close()
						} else {
							_, err = fsys.ReadDir(".")
						}
					}
					if err != nil && !errors.Is(err, fs.ErrClosed) {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		fsys.Close()
		if _, err := fsys.Stat("f"); !errors.Is(err, fs.ErrClosed) {
			t.Errorf("after Close: %v", err)
		}
	}
}

// TestDevicesRefused: devices are refused, for reading and for writing,
// without blocking and without reading them (ReadFile of /dev/zero would
// never end).
func TestDevicesRefused(t *testing.T) {
	fsys := shmfs.NewFS("/dev")
	defer fsys.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, name := range []string{"null", "zero", "full", "random", "tty"} {
			if _, err := os.Lstat("/dev/" + name); err != nil {
				continue
			}
			for _, flag := range []int{os.O_RDONLY, os.O_WRONLY, os.O_RDWR} {
				f, err := fsys.OpenFile(name, flag, 0)
				if err == nil {
					f.Close()
					t.Errorf("OpenFile(/dev/%s, %#x) succeeded", name, flag)
				}
			}
			if b, err := fsys.ReadFile(name); err == nil {
				t.Errorf("ReadFile(/dev/%s) = %d bytes", name, len(b))
			}
			if err := fsys.WriteFile(name, []byte("x"), 0); err == nil {
				t.Errorf("WriteFile(/dev/%s) succeeded", name)
			}
			if _, err := fsys.ReadDir(name); err == nil {
				t.Errorf("ReadDir(/dev/%s) succeeded", name)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a device blocked")
	}
}
