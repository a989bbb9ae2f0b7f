//go:build linux

package shmfs_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shmfs/shmfs"
	fc "github.com/shmfs/shmfs/internal/fuzzcheck"
)

// errNames are the names an error carries: a PathError's Path, a
// LinkError's Old and New.
func errNames(err error) []string {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return []string{pe.Path}
	case errors.As(err, &le):
		return []string{le.Old, le.New}
	}
	return nil
}

// TestPackageFuncs: the package-level mirror of package os, on POSIX
// names in both spellings, against package os on /dev/shm/NAME: the same
// results and error classes, and errors that carry the name as written.
func TestPackageFuncs(t *testing.T) {
	s := scratch(t, "")
	when := time.Unix(1e9, 123456789)
	for _, slash := range []string{"", "/"} {
		n := func(base string) string { return slash + s.Name(base) }
		p := s.Path
		steps := []struct {
			what   string
			shm    func() (string, error)
			os     func() (string, error)
			naming []string // the names shm's error must carry, when it fails
		}{
			{"WriteFile", func() (string, error) { return "", shmfs.WriteFile(n("a"), []byte("first"), 0640) },
				func() (string, error) { return "", os.WriteFile(p("b"), []byte("first"), 0640) }, nil},
			{"ReadFile", func() (string, error) { b, err := shmfs.ReadFile(n("a")); return string(b), err },
				func() (string, error) { b, err := os.ReadFile(p("b")); return string(b), err }, nil},
			{"ReadFile missing", func() (string, error) { b, err := shmfs.ReadFile(n("none")); return string(b), err },
				func() (string, error) { b, err := os.ReadFile(p("none")); return string(b), err }, []string{n("none")}},
			{"Stat", func() (string, error) { return info(shmfs.Stat(n("a"))) },
				func() (string, error) { return info(os.Stat(p("b"))) }, nil},
			{"Chmod", func() (string, error) { return "", shmfs.Chmod(n("a"), 0604) },
				func() (string, error) { return "", os.Chmod(p("b"), 0604) }, nil},
			{"Chown", func() (string, error) { return "", shmfs.Chown(n("a"), 1000, 1000) },
				func() (string, error) { return "", os.Chown(p("b"), 1000, 1000) }, nil},
			{"Chtimes", func() (string, error) { return "", shmfs.Chtimes(n("a"), when, when) },
				func() (string, error) { return "", os.Chtimes(p("b"), when, when) }, nil},
			{"Stat after Chtimes", func() (string, error) { return info(shmfs.Stat(n("a"))) },
				func() (string, error) { return info(os.Stat(p("b"))) }, nil},
			{"Truncate", func() (string, error) { return "", shmfs.Truncate(n("a"), 3) },
				func() (string, error) { return "", os.Truncate(p("b"), 3) }, nil},
			{"Truncate negative", func() (string, error) { return "", shmfs.Truncate(n("a"), -1) },
				func() (string, error) { return "", os.Truncate(p("b"), -1) }, []string{n("a")}},
			{"Truncate missing", func() (string, error) { return "", shmfs.Truncate(n("none"), 0) },
				func() (string, error) { return "", os.Truncate(p("none"), 0) }, []string{n("none")}},
			{"Stat again", func() (string, error) { return info(shmfs.Stat(n("a"))) },
				func() (string, error) { return info(os.Stat(p("b"))) }, nil},
			{"ReadFile again", func() (string, error) { b, err := shmfs.ReadFile(n("a")); return string(b), err },
				func() (string, error) { b, err := os.ReadFile(p("b")); return string(b), err }, nil},
			{"symlink", func() (string, error) { return "", os.Symlink(s.Name("a"), p("la")) },
				func() (string, error) { return "", os.Symlink(s.Name("b"), p("lb")) }, nil},
			{"Stat link", func() (string, error) { return info(shmfs.Stat(n("la"))) },
				func() (string, error) { return info(os.Stat(p("lb"))) }, nil},
			{"Lstat link", func() (string, error) { return info(shmfs.Lstat(n("la"))) },
				func() (string, error) { return info(os.Lstat(p("lb"))) }, nil},
			{"Lstat missing", func() (string, error) { return info(shmfs.Lstat(n("none"))) },
				func() (string, error) { return info(os.Lstat(p("none"))) }, []string{n("none")}},
			{"Rename", func() (string, error) { return "", shmfs.Rename(n("a"), n("c")) },
				func() (string, error) { return "", os.Rename(p("b"), p("d")) }, nil},
			{"Rename missing", func() (string, error) { return "", shmfs.Rename(n("a"), n("c")) },
				func() (string, error) { return "", os.Rename(p("b"), p("d")) }, []string{n("a"), n("c")}},
			{"WriteFile over", func() (string, error) { return "", shmfs.WriteFile(n("a"), []byte("second"), 0600) },
				func() (string, error) { return "", os.WriteFile(p("b"), []byte("second"), 0600) }, nil},
			{"Rename onto", func() (string, error) { return "", shmfs.Rename(n("a"), n("c")) },
				func() (string, error) { return "", os.Rename(p("b"), p("d")) }, nil},
			{"ReadFile renamed", func() (string, error) { b, err := shmfs.ReadFile(n("c")); return string(b), err },
				func() (string, error) { b, err := os.ReadFile(p("d")); return string(b), err }, nil},
			{"mkdir", func() (string, error) { return "", os.Mkdir(p("da"), 0700) },
				func() (string, error) { return "", os.Mkdir(p("db"), 0700) }, nil},
			{"Rename onto a directory", func() (string, error) { return "", shmfs.Rename(n("c"), n("da")) },
				func() (string, error) { return "", os.Rename(p("d"), p("db")) }, []string{n("c"), n("da")}},
			{"Truncate a directory", func() (string, error) { return "", shmfs.Truncate(n("da"), 0) },
				func() (string, error) { return "", os.Truncate(p("db"), 0) }, []string{n("da")}},
			{"ReadFile a directory", func() (string, error) { b, err := shmfs.ReadFile(n("da")); return string(b), err },
				func() (string, error) { b, err := os.ReadFile(p("db")); return string(b), err }, []string{n("da")}},
			{"WriteFile a directory", func() (string, error) { return "", shmfs.WriteFile(n("da"), nil, 0600) },
				func() (string, error) { return "", os.WriteFile(p("db"), nil, 0600) }, []string{n("da")}},
			{"Remove", func() (string, error) { return "", shmfs.Remove(n("c")) },
				func() (string, error) { return "", os.Remove(p("d")) }, nil},
			{"Chmod missing", func() (string, error) { return "", shmfs.Chmod(n("c"), 0600) },
				func() (string, error) { return "", os.Chmod(p("d"), 0600) }, []string{n("c")}},
			{"Chtimes missing", func() (string, error) { return "", shmfs.Chtimes(n("c"), when, when) },
				func() (string, error) { return "", os.Chtimes(p("d"), when, when) }, []string{n("c")}},
			{"Chown missing", func() (string, error) { return "", shmfs.Chown(n("c"), 0, 0) },
				func() (string, error) { return "", os.Chown(p("d"), 0, 0) }, []string{n("c")}},
		}
		for _, c := range steps {
			got, err := c.shm()
			want, werr := c.os()
			for _, r := range [][2]string{{"la", "lb"}, {"a", "b"}} {
				got = strings.ReplaceAll(got, s.Name(r[0]), "X")
				want = strings.ReplaceAll(want, s.Name(r[1]), "X")
			}
			if got != want || fc.FSClass(err) != fc.FSClass(werr) {
				t.Errorf("%q %s: %q, %v; os: %q, %v", slash, c.what, got, err, want, werr)
			}
			if err != nil {
				if names := errNames(err); !slicesEqual(names, c.naming) {
					t.Errorf("%q %s: %v carries %q, want %q", slash, c.what, err, names, c.naming)
				}
			}
		}
		for _, b := range []string{"la", "lb", "da", "db"} {
			os.Remove(p(b))
		}
	}

	// A FIFO in the namespace: refused without blocking (Truncate says
	// EINVAL, as truncate(2) does).
	fifo := s.Name("fifo")
	if err := syscall.Mkfifo(s.Path("fifo"), 0600); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := shmfs.ReadFile(fifo); err == nil {
			t.Error("ReadFile of a FIFO succeeded")
		}
		if err := shmfs.WriteFile(fifo, nil, 0600); err == nil {
			t.Error("WriteFile of a FIFO succeeded")
		}
		if err := shmfs.Truncate(fifo, 0); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("Truncate of a FIFO: %v, want EINVAL", err)
		}
		for _, flag := range []int{os.O_RDONLY, os.O_WRONLY, os.O_RDWR} {
			if f, err := shmfs.OpenFile(fifo, flag, 0); err == nil {
				f.Close()
				t.Errorf("OpenFile of a FIFO (%#x) succeeded", flag)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a FIFO blocked")
	}

	// A link out of /dev/shm is not followed.
	if err := os.Symlink("/etc/hostname", s.Path("out")); err != nil {
		t.Fatal(err)
	}
	if _, err := shmfs.Stat(s.Name("out")); !errors.Is(err, errPathEscapes()) {
		t.Errorf("Stat through a link out of /dev/shm: %v, want os.Root's escape error", err)
	}
	if _, err := shmfs.ReadFile(s.Name("out")); !errors.Is(err, errPathEscapes()) {
		t.Errorf("ReadFile through a link out of /dev/shm: %v", err)
	}
	if fi, err := shmfs.Lstat(s.Name("out")); err != nil || fi.Mode().Type() != fs.ModeSymlink {
		t.Errorf("Lstat of the link: %v, %v", fi, err)
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// info describes a FileInfo for comparing with os's.
func info(fi fs.FileInfo, err error) (string, error) {
	if err != nil {
		return "", err
	}
	st := fi.Sys().(*syscall.Stat_t)
	s := fmt.Sprintf("%s %v size=%d uid=%d gid=%d", fi.Name(), fi.Mode(), fi.Size(), st.Uid, st.Gid)
	if fi.ModTime().Year() < 2005 { // set by Chtimes; the others are whenever the test ran
		s += " mtime=" + fi.ModTime().UTC().String()
	}
	return s, nil
}

// TestPackageFuncsNames: every package-level function refuses what is not
// a POSIX shared-memory name with fs.ErrInvalid, naming it as written.
func TestPackageFuncsNames(t *testing.T) {
	for _, name := range []string{"", "/", "//x", "a/b", "/a/b", ".", "/.", "..", "/..", "x\x00", strings.Repeat("n", 256)} {
		for call, err := range map[string]error{
			"Stat":     func() error { _, err := shmfs.Stat(name); return err }(),
			"Lstat":    func() error { _, err := shmfs.Lstat(name); return err }(),
			"Chmod":    shmfs.Chmod(name, 0600),
			"Chown":    shmfs.Chown(name, -1, -1),
			"Chtimes":  shmfs.Chtimes(name, time.Time{}, time.Time{}),
			"Truncate": shmfs.Truncate(name, 0),
			"ReadFile": func() error { _, err := shmfs.ReadFile(name); return err }(),
			"WriteFile": func() error {
				return shmfs.WriteFile(name, nil, 0600)
			}(),
			"Remove": shmfs.Remove(name),
			"Open":   func() error { _, err := shmfs.Open(name); return err }(),
		} {
			var pe *fs.PathError
			if !errors.Is(err, fs.ErrInvalid) || !errors.As(err, &pe) || pe.Path != name {
				t.Errorf("%s(%q) = %v, want a *PathError naming it, wrapping ErrInvalid", call, name, err)
			}
		}
		for _, pair := range [][2]string{{name, "ok"}, {"ok", name}} {
			err := shmfs.Rename(pair[0], pair[1])
			var le *os.LinkError
			if !errors.Is(err, fs.ErrInvalid) || !errors.As(err, &le) || le.Old != pair[0] || le.New != pair[1] {
				t.Errorf("Rename(%q, %q) = %v, want a *LinkError wrapping ErrInvalid", pair[0], pair[1], err)
			}
		}
	}
}

// TestCreateTemp: the package-level CreateTemp and FS.CreateTemp follow
// os.CreateTemp's rules: the last "*" is the random part (or it is
// appended), O_RDWR|O_CREATE|O_EXCL with mode 0600, a new name each time,
// os's error for a pattern with a separator.
func TestCreateTemp(t *testing.T) {
	s := scratch(t, "")
	seen := map[string]bool{}
	for _, c := range []struct{ dir, pattern, prefix, suffix string }{
		{"", s.Name("t-*.obj"), s.Name("t-"), ".obj"},
		{"/", s.Name("u-*"), "/" + s.Name("u-"), ""},
		{"", s.Name("v"), s.Name("v"), ""},
		{"/", s.Name("w*x*y"), "/" + s.Name("w*x"), "y"},
	} {
		for range 20 {
			f, err := shmfs.CreateTemp(c.dir, c.pattern)
			if err != nil {
				t.Fatalf("CreateTemp(%q, %q): %v", c.dir, c.pattern, err)
			}
			name := f.Name()
			digits, ok := strings.CutPrefix(name, c.prefix)
			if ok {
				digits, ok = strings.CutSuffix(digits, c.suffix)
			}
			if _, err := strconv.ParseUint(digits, 10, 32); !ok || err != nil || seen[name] {
				t.Errorf("CreateTemp(%q, %q) made %q (seen before: %v)", c.dir, c.pattern, name, seen[name])
			}
			seen[name] = true
			if _, err := f.WriteString("temp"); err != nil {
				t.Error(err)
			}
			f.Seek(0, io.SeekStart)
			if b, err := io.ReadAll(f); err != nil || string(b) != "temp" {
				t.Errorf("read back %q, %v", b, err)
			}
			fi, err := shmfs.Stat(name)
			if err != nil || fi.Mode() != 0600 {
				t.Errorf("Stat(%q) = %v, %v, want mode 0600", name, fi, err)
			}
			f.Close()
		}
	}
	_, osErr := os.CreateTemp("", "a/b")
	for _, c := range []struct {
		dir, pattern string
		is           error
	}{
		{"/tmp", "x", fs.ErrInvalid}, {"dev/shm", "x", fs.ErrInvalid}, {"//", "x", fs.ErrInvalid},
		{"", "a/b", underlyingErr(osErr)}, {"/", "/x", underlyingErr(osErr)},
		{"", "x\x00*", fs.ErrInvalid}, {"", strings.Repeat("n", 246), fs.ErrInvalid},
	} {
		f, err := shmfs.CreateTemp(c.dir, c.pattern)
		if f != nil {
			f.Close()
			shmfs.Remove(f.Name())
		}
		var pe *fs.PathError
		if !errors.Is(err, c.is) || !errors.As(err, &pe) || pe.Op != "createtemp" {
			t.Errorf("CreateTemp(%q, %q) = %v, want a createtemp *PathError wrapping %v", c.dir, c.pattern, err, c.is)
		}
	}
	// Up to 245 bytes of pattern leave room for the ten digits.
	f, err := shmfs.CreateTemp("", s.Name(strings.Repeat("n", 245-len(s.Prefix))))
	if err != nil {
		t.Fatalf("a 245-byte pattern: %v", err)
	}
	f.Close()

	// FS.CreateTemp in a subdirectory of a namespace.
	dir := t.TempDir()
	os.Mkdir(dir+"/sub", 0700)
	fsys := shmfs.NewFS(dir)
	defer fsys.Close()
	g, err := fsys.CreateTemp("sub", "x*.tmp")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if !strings.HasPrefix(g.Name(), "sub/x") || !strings.HasSuffix(g.Name(), ".tmp") {
		t.Errorf("FS.CreateTemp made %q", g.Name())
	}
	if _, err := os.Stat(dir + "/" + g.Name()); err != nil {
		t.Error(err)
	}
	if _, err := fsys.CreateTemp("../", "x"); !errors.Is(err, errPathEscapes()) {
		t.Errorf("FS.CreateTemp out of the namespace: %v", err)
	}
}
