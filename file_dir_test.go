//go:build linux

package shmfs_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/shmfs/shmfs"
	fc "github.com/shmfs/shmfs/internal/fuzzcheck"
)

// dirLister is what *shmfs.File and *os.File have in common for listing.
type dirLister interface {
	ReadDir(int) ([]fs.DirEntry, error)
	Readdir(int) ([]fs.FileInfo, error)
	Readdirnames(int) ([]string, error)
	Seek(int64, int) (int64, error)
}

// listBatches lists d with the given method and batch size until the end
// (n > 0: until an error; n <= 0: one call), then calls once more: the
// batch lengths, whether each batch was nil, the names, the errors.
func listBatches(d dirLister, method string, n int) (lens []int, nils []bool, names []string, errs []error) {
	for range 50 {
		var got []string
		var isNil bool
		var err error
		switch method {
		case "ReadDir":
			var l []fs.DirEntry
			l, err = d.ReadDir(n)
			isNil = l == nil
			for _, e := range l {
				got = append(got, e.Name()+" "+e.Type().String())
			}
		case "Readdir":
			var l []fs.FileInfo
			l, err = d.Readdir(n)
			isNil = l == nil
			for _, fi := range l {
				got = append(got, fi.Name()+" "+fi.Mode().String())
			}
		case "Readdirnames":
			got, err = d.Readdirnames(n)
			isNil = got == nil
		}
		lens = append(lens, len(got))
		nils = append(nils, isNil)
		names = append(names, got...)
		errs = append(errs, err)
		// n > 0: to the first error, and once more; n <= 0: twice.
		if (n > 0 && len(errs) >= 2 && errs[len(errs)-2] != nil) || (n <= 0 && len(errs) == 2) {
			break
		}
	}
	slices.Sort(names)
	return lens, nils, names, errs
}

// TestDirFile: a directory opened through an FS (Open("."), OpenFile of a
// directory, Open of one) or through the package-level Open is a *File that
// lists with os's batching and EOF rules, starts again after Seek(0, 0),
// and fails to Read and Write as an *os.File directory does.
func TestDirFile(t *testing.T) {
	s := scratch(t, "")
	top := s.Path("dirfile")
	for _, p := range []string{"", "/sub", "/sub/deeper"} {
		if err := os.Mkdir(top+p, 0755); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 7 {
		if err := os.WriteFile(filepath.Join(top, "sub", fmt.Sprintf("f%d", i)), []byte("x"), 0644); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink("f0", filepath.Join(top, "sub", "link"))
	syscall.Mkfifo(filepath.Join(top, "sub", "fifo"), 0600)
	fsys := shmfs.NewFS(top)
	defer fsys.Close()
	subFS := shmfs.NewFS(filepath.Join(top, "sub"))
	defer subFS.Close()
	opens := map[string]func() (*shmfs.File, error){
		"FS.Open(sub)": func() (*shmfs.File, error) {
			f, err := fsys.Open("sub")
			if err != nil {
				return nil, err
			}
			return f.(*shmfs.File), nil
		},
		"FS.Open(.)": func() (*shmfs.File, error) {
			f, err := subFS.Open(".")
			if err != nil {
				return nil, err
			}
			return f.(*shmfs.File), nil
		},
		"FS.OpenFile(sub)": func() (*shmfs.File, error) { return fsys.OpenFile("sub", os.O_RDONLY, 0) },
		"Open(/dir)": func() (*shmfs.File, error) {
			return shmfs.Open("/" + s.Name("dirfile"))
		},
	}
	for what, open := range opens {
		for _, method := range []string{"ReadDir", "Readdir", "Readdirnames"} {
			for _, n := range []int{1, 2, 3, 9, 10, 11, 0, -1} {
				f, err := open()
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				dir := filepath.Join(top, "sub")
				if what == "Open(/dir)" {
					dir = top
				}
				g, err := os.Open(dir)
				if err != nil {
					t.Fatal(err)
				}
				for pass := range 2 { // the second after Seek(0, 0)
					lens, nils, names, errs := listBatches(f, method, n)
					wlens, wnils, wnames, werrs := listBatches(g, method, n)
					if !slices.Equal(lens, wlens) || !slices.Equal(nils, wnils) || !slices.Equal(names, wnames) {
						t.Errorf("%s %s(%d) pass %d: batches %v nil %v %q; os: %v %v %q", what, method, n, pass, lens, nils, names, wlens, wnils, wnames)
					}
					if len(errs) != len(werrs) {
						t.Errorf("%s %s(%d): errors %v; os: %v", what, method, n, errs, werrs)
					} else {
						for i := range errs {
							if errs[i] != werrs[i] { // nil or io.EOF, compared with ==
								t.Errorf("%s %s(%d) call %d: %v; os: %v", what, method, n, i, errs[i], werrs[i])
							}
						}
					}
					off, err := f.Seek(0, io.SeekStart)
					woff, werr := g.Seek(0, io.SeekStart)
					if off != woff || fc.FSClass(err) != fc.FSClass(werr) {
						t.Errorf("%s: Seek(0, 0) = %d, %v; os: %d, %v", what, off, err, woff, werr)
					}
				}
				g.Close()
				if err := f.Close(); err != nil {
					t.Errorf("%s: Close: %v", what, err)
				}
			}
		}
	}

	// What fails on a directory, fails as on an *os.File directory.
	f, err := fsys.OpenFile("sub", os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	g, err := os.Open(filepath.Join(top, "sub"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if f.Name() != g.Name() {
		t.Errorf("Name() = %q, want %q (the FS's Name joined with the name, as os.Root names its Files)", f.Name(), g.Name())
	}
	buf := make([]byte, 10)
	for _, c := range []struct {
		what   string
		do, os func() error
	}{
		{"Read", func() error { _, err := f.Read(buf); return err }, func() error { _, err := g.Read(buf); return err }},
		{"Read(nil)", func() error { _, err := f.Read(nil); return err }, func() error { _, err := g.Read(nil); return err }},
		{"ReadAt", func() error { _, err := f.ReadAt(buf, 1<<40); return err }, func() error { _, err := g.ReadAt(buf, 1<<40); return err }},
		{"ReadAt negative", func() error { _, err := f.ReadAt(buf, -1); return err }, func() error { _, err := g.ReadAt(buf, -1); return err }},
		{"Write", func() error { _, err := f.Write(buf); return err }, func() error { _, err := g.Write(buf); return err }},
		{"WriteAt", func() error { _, err := f.WriteAt(buf, 0); return err }, func() error { _, err := g.WriteAt(buf, 0); return err }},
		{"WriteString", func() error { _, err := f.WriteString("x"); return err }, func() error { _, err := g.WriteString("x"); return err }},
		{"Truncate", func() error { return f.Truncate(0) }, func() error { return g.Truncate(0) }},
		{"Sync", f.Sync, g.Sync},
		{"Seek end", func() error { _, err := f.Seek(0, io.SeekEnd); return err }, func() error { _, err := g.Seek(0, io.SeekEnd); return err }},
		{"Seek bad", func() error { _, err := f.Seek(0, 7); return err }, func() error { _, err := g.Seek(0, 7); return err }},
		{"SetDeadline", func() error { return f.SetDeadline(time.Time{}) }, func() error { return g.SetDeadline(time.Time{}) }},
		{"Chmod", func() error { return f.Chmod(0750) }, func() error { return g.Chmod(0750) }},
		{"Chown", func() error { return f.Chown(-1, -1) }, func() error { return g.Chown(-1, -1) }},
	} {
		err, werr := c.do(), c.os()
		if fc.FSClass(err) != fc.FSClass(werr) {
			t.Errorf("%s on a directory: %v; os: %v", c.what, err, werr)
		}
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path != g.Name() {
			t.Errorf("%s on a directory: %v names %q, want %q", c.what, err, pe.Path, g.Name())
		}
	}
	fi, err := f.Stat()
	if err != nil || !fi.IsDir() || fi.Name() != "sub" || fi.Mode().Perm() != 0750 {
		t.Errorf("Stat = %v, %v", fi, err)
	}
	wfi, _ := g.Stat()
	if !os.SameFile(fi, wfi) {
		t.Errorf("Stat is not os.SameFile as os's")
	}

	// Chdir, and SyscallConn's descriptor is the directory's.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Chdir(); err != nil {
		t.Fatalf("Chdir: %v", err)
	}
	here, _ := os.Stat(".")
	if err := os.Chdir(wd); err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(here, wfi) {
		t.Errorf("after Chdir, . is not the directory")
	}
	c, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := c.Control(func(fd uintptr) { err = syscall.Fstat(int(fd), &st) }); err != nil {
		t.Fatal(err)
	}
	if st.Ino != wfi.Sys().(*syscall.Stat_t).Ino {
		t.Errorf("SyscallConn's descriptor is not the directory's")
	}

	// After Close, as os after Close.
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	h, _ := os.Open(filepath.Join(top, "sub"))
	h.Close()
	for _, c := range []struct {
		what   string
		do, os func() error
	}{
		{"Close", f.Close, h.Close},
		{"Read", func() error { _, err := f.Read(buf); return err }, func() error { _, err := h.Read(buf); return err }},
		{"ReadDir", func() error { _, err := f.ReadDir(1); return err }, func() error { _, err := h.ReadDir(1); return err }},
		{"Readdirnames", func() error { _, err := f.Readdirnames(-1); return err }, func() error { _, err := h.Readdirnames(-1); return err }},
		{"Seek", func() error { _, err := f.Seek(0, 0); return err }, func() error { _, err := h.Seek(0, 0); return err }},
		{"Chdir", f.Chdir, h.Chdir},
		{"Chown", func() error { return f.Chown(-1, -1) }, func() error { return h.Chown(-1, -1) }},
	} {
		err, werr := c.do(), c.os()
		if fc.FSClass(err) != fc.FSClass(werr) || !errors.Is(err, underlyingErr(werr)) {
			t.Errorf("%s after Close: %v; os: %v", c.what, err, werr)
		}
	}
}

// TestFileDirMethodsOnFiles: on a regular file (a POSIX object, a file on
// disk, a memory file) ReadDir, Readdir, Readdirnames and Chdir fail as an
// *os.File's do, Chown and SyscallConn work; after Close as os's after
// Close. On a System V segment, which has no descriptor, they fail with
// errors.ErrUnsupported, except Chown, which is IPC_SET.
func TestFileDirMethodsOnFiles(t *testing.T) {
	s := scratch(t, "")
	disk := t.TempDir()
	makers := map[string]func() (*shmfs.File, *os.File){
		"POSIX object": func() (*shmfs.File, *os.File) {
			f, err := shmfs.Create("/" + s.Name("obj"))
			if err != nil {
				t.Fatal(err)
			}
			g, err := os.Open(s.Path("obj"))
			if err != nil {
				t.Fatal(err)
			}
			return f, g
		},
		"disk file": func() (*shmfs.File, *os.File) {
			fsys := shmfs.NewFS(disk)
			defer fsys.Close()
			f, err := fsys.Create("file")
			if err != nil {
				t.Fatal(err)
			}
			g, err := os.Open(filepath.Join(disk, "file"))
			if err != nil {
				t.Fatal(err)
			}
			return f, g
		},
		"memory file": func() (*shmfs.File, *os.File) {
			f, err := shmfs.MemFile("dirmethods")
			if err != nil {
				t.Fatal(err)
			}
			g, err := os.Open(fmt.Sprintf("/proc/self/fd/%d", f.Fd()))
			if err != nil {
				t.Fatal(err)
			}
			return f, g
		},
	}
	for what, make := range makers {
		f, g := make()
		for round := range 2 { // open, then closed
			for _, c := range []struct {
				call   string
				do, os func() (string, error)
			}{
				{"ReadDir", func() (string, error) { l, err := f.ReadDir(1); return result(l, err) },
					func() (string, error) { l, err := g.ReadDir(1); return result(l, err) }},
				{"ReadDir(-1)", func() (string, error) { l, err := f.ReadDir(-1); return result(l, err) },
					func() (string, error) { l, err := g.ReadDir(-1); return result(l, err) }},
				{"Readdir", func() (string, error) { l, err := f.Readdir(0); return result(l, err) },
					func() (string, error) { l, err := g.Readdir(0); return result(l, err) }},
				{"Readdirnames", func() (string, error) { l, err := f.Readdirnames(3); return result(l, err) },
					func() (string, error) { l, err := g.Readdirnames(3); return result(l, err) }},
				{"Chdir", func() (string, error) { return "", f.Chdir() }, func() (string, error) { return "", g.Chdir() }},
				{"Chown", func() (string, error) { return "", f.Chown(1000, -1) }, func() (string, error) { return "", g.Chown(1000, -1) }},
				{"SyscallConn", func() (string, error) {
					c, err := f.SyscallConn()
					if err != nil {
						return "nil conn", err
					}
					return "conn", c.Control(func(uintptr) {})
				}, func() (string, error) {
					c, err := g.SyscallConn()
					if err != nil {
						return "nil conn", err
					}
					return "conn", c.Control(func(uintptr) {})
				}},
			} {
				res, err := c.do()
				wres, werr := c.os()
				if res != wres || fc.FSClass(err) != fc.FSClass(werr) || (werr != nil && !errors.Is(err, underlyingErr(werr))) {
					t.Errorf("%s, %s (round %d): %s, %v; os: %s, %v", what, c.call, round, res, err, wres, werr)
				}
				var pe *fs.PathError
				if errors.As(err, &pe) && pe.Path != f.Name() {
					t.Errorf("%s, %s: %v names %q, want %q", what, c.call, err, pe.Path, f.Name())
				}
			}
			if round == 0 {
				fi, _ := f.Stat()
				if st := fi.Sys().(*syscall.Stat_t); st.Uid != 1000 {
					t.Errorf("%s: after Chown(1000, -1) the uid is %d", what, st.Uid)
				}
				c, err := f.SyscallConn()
				var fd uintptr
				if err == nil {
					err = c.Control(func(d uintptr) { fd = d })
				}
				if err != nil || fd != f.Fd() {
					t.Errorf("%s: SyscallConn's descriptor is %d, %v; Fd is %d", what, fd, err, f.Fd())
				}
				f.Close()
				g.Close()
			}
		}
	}

	// A System V segment.
	f, err := shmfs.OpenSegment(shmfs.IPC_PRIVATE, 4096, os.O_RDWR|os.O_CREATE, 0600)
	if err != nil {
		t.Skipf("no System V segments: %v", err)
	}
	id := f.Stat
	fi, err := id()
	if err != nil {
		t.Fatal(err)
	}
	info := fi.Sys().(*shmfs.SegmentInfo)
	defer shmfs.RemoveSegment(info.ID)
	defer f.Close()
	for _, c := range []struct {
		call string
		err  error
	}{
		{"ReadDir", func() error { l, err := f.ReadDir(1); return check(l, err) }()},
		{"Readdir", func() error { l, err := f.Readdir(-1); return check(l, err) }()},
		{"Readdirnames", func() error { l, err := f.Readdirnames(1); return check(l, err) }()},
		{"Chdir", f.Chdir()},
		{"SyscallConn", func() error { c, err := f.SyscallConn(); return check(c, err) }()},
	} {
		var pe *fs.PathError
		if !errors.Is(c.err, errors.ErrUnsupported) || !errors.As(c.err, &pe) || pe.Path != f.Name() {
			t.Errorf("segment %s: %v, want a *fs.PathError wrapping errors.ErrUnsupported", c.call, c.err)
		}
	}
	if err := f.Chown(-1, 1000); err != nil {
		t.Fatalf("segment Chown: %v", err)
	}
	fi, _ = f.Stat()
	if got := fi.Sys().(*shmfs.SegmentInfo); got.GID != 1000 || got.UID != info.UID {
		t.Errorf("after Chown(-1, 1000): uid %d gid %d, want %d 1000", got.UID, got.GID, info.UID)
	}
	if err := f.Chown(65534, -1); err != nil {
		t.Fatalf("segment Chown: %v", err)
	}
	fi, _ = f.Stat()
	if got := fi.Sys().(*shmfs.SegmentInfo); got.UID != 65534 || got.GID != 1000 {
		t.Errorf("after Chown(65534, -1): uid %d gid %d, want 65534 1000", got.UID, got.GID)
	}
	f.Close()
	if err := f.Chown(0, 0); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("segment Chown after Close: %v", err)
	}
}

// result describes a listing for comparing with os: nil, empty, or its length.
func result[T any](l []T, err error) (string, error) {
	switch {
	case l == nil:
		return "nil", err
	case len(l) == 0:
		return "empty", err
	}
	return fmt.Sprint(len(l)), err
}

// check returns err, or an error if v is not what os returns with an
// error (an empty slice, a nil conn).
func check(v any, err error) error {
	switch v := v.(type) {
	case []fs.DirEntry:
		if v == nil || len(v) != 0 {
			return fmt.Errorf("result %v (%v)", v, err)
		}
	case []fs.FileInfo:
		if v == nil || len(v) != 0 {
			return fmt.Errorf("result %v (%v)", v, err)
		}
	case []string:
		if v == nil || len(v) != 0 {
			return fmt.Errorf("result %v (%v)", v, err)
		}
	case syscall.RawConn:
		if v != nil {
			return fmt.Errorf("a conn (%v)", err)
		}
	}
	return err
}
