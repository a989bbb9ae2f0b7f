//go:build linux

package shmfs_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"github.com/shmfs/shmfs"
	"github.com/shmfs/shmfs/testing/shmfstest"
)

// pair opens the same-named objects "a" (through shmfs) and "b" (through
// package os) in s with flag, after giving both the content init.
func pair(t testing.TB, s *shmfstest.Scratch, flag int, init []byte) (*shmfs.File, *os.File) {
	t.Helper()
	for _, n := range []string{"a", "b"} {
		if err := os.WriteFile(s.Path(n), init, 0600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := shmfs.NewFS(s.Dir).OpenFile(s.Name("a"), flag, 0600)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.OpenFile(s.Path("b"), flag, 0600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { got.Close(); want.Close() })
	return got, want
}

var modes = []struct {
	name string
	flag int
}{
	{"rdwr", os.O_RDWR},
	{"append", os.O_RDWR | os.O_APPEND},
	{"wronly-append", os.O_WRONLY | os.O_APPEND},
	{"rdonly", os.O_RDONLY},
	{"wronly", os.O_WRONLY},
	{"trunc", os.O_RDWR | os.O_TRUNC},
	{"sync", os.O_RDWR | os.O_SYNC},
}

// TestDifferential drives *shmfs.File and *os.File through the same random
// operation sequences, on /dev/shm and on a disk directory, in every open
// mode, and requires every result to agree.
func TestDifferential(t *testing.T) {
	seqs, nops := 150, 60
	if testing.Short() {
		seqs = 20
	}
	dirs := map[string]string{"devshm": "", "disk": t.TempDir()}
	total, nseq := 0, 0
	for dname, dir := range dirs {
		seqs := seqs
		if dname == "disk" {
			seqs /= 4 // Sync is a real fsync there
		}
		nseq += seqs * len(modes)
		for _, mode := range modes {
			t.Run(dname+"/"+mode.name, func(t *testing.T) {
				s := scratch(t, dir)
				r := rand.New(rand.NewPCG(1, uint64(mode.flag)))
				init := bytes.Repeat([]byte("0123456789abcdef"), 700) // 11200 bytes: past 2 pages
				for i := range seqs {
					ops := shmfstest.RandomOps(r, nops)
					ops = append(ops, shmfstest.Op{Kind: shmfstest.OpClose}, shmfstest.Op{Kind: shmfstest.OpClose})
					got, want := pair(t, s, mode.flag, init)
					if err := shmfstest.Compare(got, want, ops); err != nil {
						t.Fatalf("sequence %d: %v\nops: %v", i, err, ops)
					}
					total += len(ops)
				}
			})
		}
	}
	t.Logf("%d sequences x %d ops: %d ops compared", nseq, nops+2, total)
}

// TestScripted covers the edges by name: each case is a short sequence.
func TestScripted(t *testing.T) {
	w := func(s string) shmfstest.Op { return shmfstest.Op{Kind: shmfstest.OpWrite, Data: []byte(s)} }
	wat := func(s string, off int64) shmfstest.Op {
		return shmfstest.Op{Kind: shmfstest.OpWriteAt, Data: []byte(s), Off: off}
	}
	rd := func(n int) shmfstest.Op { return shmfstest.Op{Kind: shmfstest.OpRead, N: n} }
	rat := func(n int, off int64) shmfstest.Op { return shmfstest.Op{Kind: shmfstest.OpReadAt, N: n, Off: off} }
	seek := func(off int64, wh int) shmfstest.Op {
		return shmfstest.Op{Kind: shmfstest.OpSeek, Off: off, Whence: wh}
	}
	trunc := func(n int64) shmfstest.Op { return shmfstest.Op{Kind: shmfstest.OpTruncate, Off: n} }
	stat := shmfstest.Op{Kind: shmfstest.OpStat}
	cl := shmfstest.Op{Kind: shmfstest.OpClose}
	cases := []struct {
		name string
		flag int
		init string
		ops  []shmfstest.Op
	}{
		{"read at EOF", os.O_RDWR, "abc", []shmfstest.Op{rd(10), rd(10), rd(0)}},
		{"empty file", os.O_RDWR, "", []shmfstest.Op{rd(1), rat(1, 0), rat(0, 0), stat}},
		{"readat short", os.O_RDWR, "hello", []shmfstest.Op{rat(10, 2), rat(1, 5), rat(1, 6)}},
		{"negative offsets", os.O_RDWR, "x", []shmfstest.Op{rat(1, -1), wat("a", -1), seek(-1, 0), seek(-2, 1), seek(-2, 2), rat(0, -1)}},
		{"bad whence", os.O_RDWR, "x", []shmfstest.Op{seek(0, 7), seek(0, -1), rd(1)}},
		{"seek end", os.O_RDWR, "hello", []shmfstest.Op{seek(-2, 2), rd(5), seek(10, 2), rd(1), w("!"), stat}},
		{"seek data hole", os.O_RDWR, "hello", []shmfstest.Op{seek(0, 3), seek(0, 4), seek(5, 3), seek(99, 4)}},
		{"seek overflow", os.O_RDWR, "x", []shmfstest.Op{seek(math.MaxInt64, 0), seek(1, 1), seek(math.MaxInt64, 2), rd(1), w("z")}},
		{"write grows with gap", os.O_RDWR, "ab", []shmfstest.Op{wat("z", 10000), rat(10001, 0), stat}},
		{"write past page", os.O_RDWR, "", []shmfstest.Op{wat(string(bytes.Repeat([]byte("q"), 5000)), 4000), rat(9000, 0)}},
		{"overflowing offsets", os.O_RDWR, "x", []shmfstest.Op{rat(10, math.MaxInt64-3), wat("abcdef", math.MaxInt64-3), rat(1, math.MaxInt64)}},
		{"huge sparse", os.O_RDWR, "x", []shmfstest.Op{wat("far", 1<<40), rat(3, 1<<40), rat(8, 1<<39), stat, trunc(10), stat}},
		{"truncate", os.O_RDWR, "hello world", []shmfstest.Op{trunc(5), rat(10, 0), trunc(8192), rat(10, 8180), trunc(-1), trunc(0), rd(1)}},
		{"read-only", os.O_RDONLY, "data", []shmfstest.Op{w("x"), w(""), wat("x", 0), wat("", 0), trunc(0), rd(4), stat}},
		{"write-only", os.O_WRONLY, "data", []shmfstest.Op{rd(1), rd(0), rat(1, 0), rat(0, 0), w("xy"), stat}},
		{"append", os.O_RDWR | os.O_APPEND, "abc", []shmfstest.Op{w("de"), seek(0, 0), w("f"), rd(10), seek(0, 0), rd(10), wat("x", 0)}},
		{"closed", os.O_RDWR, "abc", []shmfstest.Op{cl, rd(1), rd(0), rat(1, 0), rat(0, 0), rat(1, -1), w("x"), w(""), wat("x", 0), wat("", 0), wat("x", -1), seek(0, 0), trunc(0), stat, {Kind: shmfstest.OpSync}, {Kind: shmfstest.OpReadFrom, Data: []byte("x")}, {Kind: shmfstest.OpWriteTo}, cl}},
		{"closed append", os.O_RDWR | os.O_APPEND, "abc", []shmfstest.Op{cl, wat("x", 0), w("x")}},
		{"readfrom writeto", os.O_RDWR, "abc", []shmfstest.Op{{Kind: shmfstest.OpReadFrom, Data: bytes.Repeat([]byte("r"), 100000)}, seek(5, 0), {Kind: shmfstest.OpWriteTo}, {Kind: shmfstest.OpWriteTo}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := scratch(t, "")
			got, want := pair(t, s, c.flag, []byte(c.init))
			if err := shmfstest.Compare(got, want, c.ops); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestErrors checks error classes and ops by name, beside os's.
func TestErrors(t *testing.T) {
	s := scratch(t, "")
	f, err := shmfs.Create("/" + s.Name("e"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ReadAt(make([]byte, 1), -1); !isPathOp(err, "readat") {
		t.Errorf("ReadAt(-1) = %v, want *PathError readat", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	err = f.Close()
	if !errors.Is(err, fs.ErrClosed) || !isPathOp(err, "close") {
		t.Errorf("second Close = %v, want PathError close wrapping ErrClosed", err)
	}
	if pe := (*fs.PathError)(nil); !errors.As(err, &pe) || pe.Err != fs.ErrClosed {
		t.Errorf("second Close's Err is not exactly fs.ErrClosed: %#v", err)
	}
	for _, c := range []struct {
		name string
		do   func() error
		is   error
		op   string
	}{
		{"read closed", func() error { _, err := f.Read(make([]byte, 1)); return err }, fs.ErrClosed, "read"},
		{"write closed", func() error { _, err := f.Write([]byte("x")); return err }, fs.ErrClosed, "write"},
		{"seek closed", func() error { _, err := f.Seek(0, 0); return err }, fs.ErrClosed, "seek"},
		{"stat closed", func() error { _, err := f.Stat(); return err }, fs.ErrClosed, "stat"},
		{"sync closed", f.Sync, fs.ErrClosed, "sync"},
		{"truncate closed", func() error { return f.Truncate(0) }, fs.ErrClosed, "truncate"},
		{"chmod closed", func() error { return f.Chmod(0600) }, fs.ErrClosed, "chmod"},
		{"open missing", func() error { _, err := shmfs.Open("/" + s.Name("missing")); return err }, fs.ErrNotExist, "open"},
		{"create excl", func() error {
			_, err := shmfs.OpenFile("/"+s.Name("e"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
			return err
		}, fs.ErrExist, "open"},
		{"remove missing", func() error { return shmfs.Remove(s.Name("missing")) }, fs.ErrNotExist, "remove"},
		{"name with slash", func() error { _, err := shmfs.Open("/a/b"); return err }, fs.ErrInvalid, "open"},
		{"empty name", func() error { _, err := shmfs.Open("/"); return err }, fs.ErrInvalid, "open"},
		{"dot name", func() error { _, err := shmfs.Open(".."); return err }, fs.ErrInvalid, "open"},
		{"NUL name", func() error { _, err := shmfs.Create("a\x00b"); return err }, fs.ErrInvalid, "open"},
		{"long name", func() error { _, err := shmfs.Create(string(bytes.Repeat([]byte("n"), 256))); return err }, fs.ErrInvalid, "open"},
		{"fs invalid path", func() error { _, err := shmfs.NewFS("").Open("../etc/passwd"); return err }, fs.ErrInvalid, "open"},
		// OpenFile takes os.Root's names: an absolute one escapes.
		{"fs absolute path", func() error { _, err := shmfs.NewFS("").OpenFile("/etc/passwd", os.O_RDONLY, 0); return err }, errPathEscapes(), "open"},
		{"remove invalid", func() error { return shmfs.Remove("../x") }, fs.ErrInvalid, "remove"},
		// os.DirFS's op names for the names it refuses.
		{"fs readfile invalid", func() error { _, err := shmfs.NewFS("").ReadFile("../x"); return err }, fs.ErrInvalid, "readfile"},
		{"fs stat invalid", func() error { _, err := shmfs.NewFS("").Stat("/x"); return err }, fs.ErrInvalid, "stat"},
		{"fs readdir invalid", func() error { _, err := shmfs.NewFS("").ReadDir("a/"); return err }, fs.ErrInvalid, "readdir"},
	} {
		err := c.do()
		if !errors.Is(err, c.is) || !isPathOp(err, c.op) {
			t.Errorf("%s: got %v, want *PathError %q wrapping %v", c.name, err, c.op, c.is)
		}
	}
	// os returns internal/poll's bare "use of closed file" here, not
	// fs.ErrClosed; so does File, with os's own value.
	of, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	of.Close()
	if err, want := f.SetDeadline(time.Now()), of.SetDeadline(time.Now()); err != want {
		t.Errorf("SetDeadline after Close = %v, os gives %v", err, want)
	}
	if fd := f.Fd(); fd != ^uintptr(0) {
		t.Errorf("Fd after Close = %d", fd)
	}
	// A 255-byte name is fine.
	long := s.Name(string(bytes.Repeat([]byte("n"), 255-len(s.Prefix))))
	g, err := shmfs.Create(long)
	if err != nil {
		t.Fatalf("255-byte name: %v", err)
	}
	g.Close()
	shmfs.Remove(long)
}

func isPathOp(err error, op string) bool {
	pe, ok := err.(*fs.PathError)
	return ok && pe.Op == op
}

// TestNilFile mirrors os's TestNilFileMethods.
func TestNilFile(t *testing.T) {
	var f *shmfs.File
	b := make([]byte, 1)
	for name, err := range map[string]error{
		"Read":     func() error { _, err := f.Read(b); return err }(),
		"ReadAt":   func() error { _, err := f.ReadAt(b, 0); return err }(),
		"Write":    func() error { _, err := f.Write(b); return err }(),
		"WriteAt":  func() error { _, err := f.WriteAt(b, 0); return err }(),
		"Seek":     func() error { _, err := f.Seek(0, 0); return err }(),
		"Stat":     func() error { _, err := f.Stat(); return err }(),
		"Close":    f.Close(),
		"Sync":     f.Sync(),
		"Truncate": f.Truncate(0),
		"Chmod":    f.Chmod(0),
		"ReadFrom": func() error { _, err := f.ReadFrom(bytes.NewReader(b)); return err }(),
		"WriteTo":  func() error { _, err := f.WriteTo(io.Discard); return err }(),
		"Flush":    f.Flush(true),
		"Deadline": f.SetDeadline(time.Time{}),
	} {
		if err != fs.ErrInvalid {
			t.Errorf("%v on nil *File = %v, want fs.ErrInvalid", name, err)
		}
	}
	if fd := f.Fd(); fd != ^uintptr(0) {
		t.Errorf("Fd on nil = %d", fd)
	}
}

func TestDeadline(t *testing.T) {
	s := scratch(t, "")
	f, err := shmfs.Create(s.Name("d"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, err := range []error{f.SetDeadline(time.Now()), f.SetReadDeadline(time.Now()), f.SetWriteDeadline(time.Now())} {
		if !errors.Is(err, os.ErrNoDeadline) {
			t.Errorf("got %v, want os.ErrNoDeadline", err)
		}
	}
}

func TestIotestReader(t *testing.T) {
	s := scratch(t, "")
	content := bytes.Repeat([]byte("the quick brown fox "), 1000)
	if err := shmfs.NewFS("").WriteFile(s.Name("r"), content, 0600); err != nil {
		t.Fatal(err)
	}
	f, err := shmfs.Open("/" + s.Name("r"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := iotest.TestReader(f, content); err != nil {
		t.Fatal(err)
	}
}

func TestStatAndName(t *testing.T) {
	s := scratch(t, "")
	name := "/" + s.Name("st")
	f, err := shmfs.OpenFile(name, os.O_RDWR|os.O_CREATE, 0640)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Name() != name {
		t.Errorf("Name() = %q, want %q", f.Name(), name)
	}
	f.WriteString("12345")
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Name() != s.Name("st") || fi.Size() != 5 || !fi.Mode().IsRegular() || fi.Mode().Perm()&0600 != 0600 {
		t.Errorf("Stat = %v %d %v", fi.Name(), fi.Size(), fi.Mode())
	}
	if _, ok := fi.Sys().(*syscall.Stat_t); !ok {
		t.Errorf("Sys() = %T, want *syscall.Stat_t", fi.Sys())
	}
	if err := f.Chmod(0600); err != nil {
		t.Fatal(err)
	}
	ofi, _ := os.Stat(s.Path("st"))
	if ofi.Mode().Perm() != 0600 || ofi.Size() != 5 {
		t.Errorf("os.Stat after Chmod = %v %d", ofi.Mode(), ofi.Size())
	}
	if err := f.Sync(); err != nil {
		t.Error(err)
	}
	if err := f.Flush(true); err != nil {
		t.Error(err)
	}
	if f.Fd() == ^uintptr(0) {
		t.Error("Fd of an open File is -1")
	}
}

// TestModTime: a write through the mapping moves the modification time
// forward, as write(2) does, by the time Stat, Sync, Flush or Close
// returns; a read does not; os.SameFile accepts Stat's FileInfo.
func TestModTime(t *testing.T) {
	for _, dir := range []string{"", t.TempDir()} {
		s := scratch(t, dir)
		fsys := shmfs.NewFS(dir)
		past := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
		for _, finish := range []string{"Stat", "Sync", "Flush", "Close"} {
			name := s.Name("mtime-" + finish)
			f, err := fsys.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write(make([]byte, 8192)); err != nil {
				t.Fatal(err)
			}
			// Several accesses: the first ones may go through pread/pwrite
			// (the mapping is made lazily); the later ones are copies.
			buf := make([]byte, 16)
			for range 3 {
				if _, err := f.ReadAt(buf, 100); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Chtimes(s.Path("mtime-"+finish), past, past); err != nil {
				t.Fatal(err)
			}
			// Reads leave the time alone.
			if fi, err := f.Stat(); err != nil || !fi.ModTime().Equal(past) {
				t.Fatalf("%s: after reads, ModTime = %v (%v), want %v", finish, fi.ModTime(), err, past)
			}
			before := time.Now().Add(-2 * time.Second) // file-system clocks are coarse
			for i := range 3 {
				if _, err := f.WriteAt([]byte("mapped write"), int64(1000*i)); err != nil {
					t.Fatal(err)
				}
			}
			switch finish {
			case "Stat":
				fi, err := f.Stat()
				if err != nil {
					t.Fatal(err)
				}
				if fi.ModTime().Before(before) {
					t.Errorf("Stat after a mapped write: ModTime = %v, want after %v", fi.ModTime(), before)
				}
				ofi, err := os.Stat(s.Path("mtime-" + finish))
				if err != nil {
					t.Fatal(err)
				}
				if !os.SameFile(fi, ofi) {
					t.Errorf("os.SameFile(File.Stat, os.Stat) = false")
				}
			case "Sync":
				err = f.Sync()
			case "Flush":
				err = f.Flush(true)
			case "Close":
				err = f.Close()
			}
			if err != nil {
				t.Fatalf("%s: %v", finish, err)
			}
			// What another process sees.
			ofi, err := os.Stat(s.Path("mtime-" + finish))
			if err != nil {
				t.Fatal(err)
			}
			if ofi.ModTime().Before(before) {
				t.Errorf("%s after a mapped write: os.Stat ModTime = %v, want after %v", finish, ofi.ModTime(), before)
			}
			f.Close()
		}
	}
}

// TestWriteAtInAppendMode mirrors os's test of the same name.
func TestWriteAtInAppendMode(t *testing.T) {
	const wantAppendErr = "os: invalid use of WriteAt on file opened with O_APPEND"
	s := scratch(t, "")
	for _, flag := range []int{os.O_APPEND | os.O_CREATE, os.O_APPEND | os.O_CREATE | os.O_RDWR, os.O_APPEND | os.O_CREATE | os.O_WRONLY} {
		f, err := shmfs.OpenFile(s.Name("ap"), flag, 0600)
		if err != nil {
			t.Fatal(err)
		}
		// os's error is unexported (os.errWriteAtInAppendMode): its text is
		// what a caller can compare, and it comes before any other check.
		if _, err := f.WriteAt([]byte(""), 1); err == nil || err.Error() != wantAppendErr {
			t.Errorf("flag %#x: WriteAt in append mode = %v", flag, err)
		}
		f.Close()
		if _, err := f.WriteAt([]byte("x"), 1); err == nil || err.Error() != wantAppendErr {
			t.Errorf("flag %#x: WriteAt in append mode after Close = %v", flag, err)
		}
	}
}

// TestOpenModes: FIFOs are refused at once (never block), a directory opens
// for reading only, as with os; symbolic links that lead out are not
// followed; descriptors are close-on-exec.
func TestOpenModes(t *testing.T) {
	dir := t.TempDir()
	fsys := shmfs.NewFS(dir)
	if err := os.Mkdir(dir+"/sub", 0700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(dir+"/fifo", 0600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(dir+"/../outside-secret", []byte("secret"), 0600)
	defer os.Remove(dir + "/../outside-secret")
	if err := os.Symlink(dir+"/../outside-secret", dir+"/link"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..", dir+"/sub/up"); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := fsys.OpenFile("fifo", os.O_RDONLY, 0); err == nil {
			t.Error("opened a FIFO")
		}
		if _, err := fsys.OpenFile("sub", os.O_RDWR, 0); !errors.Is(err, syscall.EISDIR) {
			t.Errorf("open dir for writing = %v, want EISDIR", err)
		}
		if d, err := fsys.OpenFile("sub", os.O_RDONLY, 0); err != nil {
			t.Errorf("open dir = %v, want a directory File", err)
		} else {
			if fi, err := d.Stat(); err != nil || !fi.IsDir() {
				t.Errorf("directory File's Stat = %v, %v", fi, err)
			}
			d.Close()
		}
		if _, err := fsys.OpenFile("link", os.O_RDONLY, 0); err == nil {
			t.Error("followed a symlink out of the directory")
		}
		if _, err := fsys.ReadFile("sub/up/link"); err == nil {
			t.Error("followed a symlinked directory")
		}
		if _, err := fsys.Stat("sub/up/x"); err == nil {
			t.Error("stat through a symlinked directory")
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("open blocked")
	}
	f, err := fsys.Create("x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fl, err := fcntlGetfd(f.Fd())
	if err != nil || fl&syscall.FD_CLOEXEC == 0 {
		t.Errorf("descriptor is not close-on-exec: %v %v", fl, err)
	}
}

func TestReadFromWriteTo(t *testing.T) {
	s := scratch(t, "")
	f, err := shmfs.Create(s.Name("rw"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src := bytes.Repeat([]byte("0123456789"), 100000)
	n, err := f.ReadFrom(bytes.NewReader(src))
	if n != int64(len(src)) || err != nil {
		t.Fatalf("ReadFrom = %d, %v", n, err)
	}
	f.Seek(0, io.SeekStart)
	var out bytes.Buffer
	n, err = f.WriteTo(&out)
	if n != int64(len(src)) || err != nil || !bytes.Equal(out.Bytes(), src) {
		t.Fatalf("WriteTo = %d, %v, equal %v", n, err, bytes.Equal(out.Bytes(), src))
	}
}

// TestReadFromUnwritable: ReadFrom into a File that cannot be written
// (read-only, or closed) does what *os.File's does with the same source:
// from an *os.File (copy_file_range) it fails before reading, so the source
// keeps its offset; from any other reader it reads one buffer first. The
// error class and op agree too.
func TestReadFromUnwritable(t *testing.T) {
	s := scratch(t, "")
	content := bytes.Repeat([]byte("source"), 20000)
	if err := os.WriteFile(s.Path("src"), content, 0600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		flag   int
		closed bool
	}{{"rdonly", os.O_RDONLY, false}, {"closed", os.O_RDWR, true}, {"rdonly-append", os.O_RDONLY | os.O_APPEND, false}} {
		for _, kind := range []string{"os.File", "LimitedReader", "bytes.Reader"} {
			results := make([]string, 2)
			for i, open := range []func() (io.ReaderFrom, func()){
				func() (io.ReaderFrom, func()) {
					f, err := shmfs.OpenFile(s.Name("dst"), c.flag|os.O_CREATE, 0600)
					if err != nil {
						t.Fatal(err)
					}
					return f, func() { f.Close() }
				},
				func() (io.ReaderFrom, func()) {
					f, err := os.OpenFile(s.Path("dst"), c.flag|os.O_CREATE, 0600)
					if err != nil {
						t.Fatal(err)
					}
					return f, func() { f.Close() }
				},
			} {
				dst, done := open()
				if c.closed {
					done()
				}
				src, err := os.Open(s.Path("src"))
				if err != nil {
					t.Fatal(err)
				}
				var r io.Reader = src
				var br *bytes.Reader
				switch kind {
				case "LimitedReader":
					r = &io.LimitedReader{R: src, N: 1000}
				case "bytes.Reader":
					br = bytes.NewReader(content)
					r = br
				}
				n, err := dst.ReadFrom(r)
				left := int64(-1)
				if br != nil {
					left = int64(br.Len())
				} else {
					left, _ = src.Seek(0, io.SeekCurrent)
				}
				var pe *fs.PathError
				op := ""
				if errors.As(err, &pe) {
					op = pe.Op
				}
				results[i] = fmt.Sprintf("n=%d op=%q EBADF=%v ErrClosed=%v source at %d",
					n, op, errors.Is(err, syscall.EBADF), errors.Is(err, fs.ErrClosed), left)
				src.Close()
				done()
			}
			if results[0] != results[1] {
				t.Errorf("%s from %s: shmfs %s; os %s", c.name, kind, results[0], results[1])
			}
		}
	}
}

func TestFlags(t *testing.T) {
	// O_PRIVATE collides with no os.O_* flag.
	for _, fl := range []int{os.O_RDONLY, os.O_WRONLY, os.O_RDWR, os.O_APPEND, os.O_CREATE, os.O_EXCL, os.O_SYNC, os.O_TRUNC} {
		if fl&shmfs.O_PRIVATE != 0 {
			t.Errorf("O_PRIVATE collides with %#x", fl)
		}
	}
	_ = fmt.Sprint
}
