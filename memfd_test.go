//go:build linux

package shmfs_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shmfs/shmfs"
	"golang.org/x/sys/unix"
)

// mfNew returns a MemFile closed when t ends.
func mfNew(t testing.TB, name string) *shmfs.File {
	t.Helper()
	f, err := shmfs.MemFile(name)
	if err != nil {
		t.Fatalf("MemFile(%q): %v", name, err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// mfAdopt wraps a duplicate of f's descriptor, reopened with flag (through
// /proc/self/fd) when flag is not -1, in a second File closed when t ends.
func mfAdopt(t testing.TB, f *shmfs.File, flag int) *shmfs.File {
	t.Helper()
	var fd int
	var err error
	if flag == -1 {
		fd, err = unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	} else {
		fd, err = unix.Open(fmt.Sprintf("/proc/self/fd/%d", f.Fd()), flag|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		t.Fatal(err)
	}
	g, err := shmfs.NewFile(uintptr(fd), f.Name())
	if err != nil {
		t.Fatalf("NewFile: %v", err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// mfMapNow makes f map its object: the core maps lazily, on the second
// access.
func mfMapNow(f *shmfs.File) {
	b := make([]byte, 1)
	f.ReadAt(b, 0)
	f.ReadAt(b, 0)
}

// memfdMaps returns the permissions ("rw-s", "r--s", "r--p") of this
// process's mappings of the memory file called name.
func memfdMaps(t testing.TB, name string) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	var perms []string
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 6 && strings.HasSuffix(line, "/memfd:"+name+" (deleted)") {
			perms = append(perms, fields[1])
		}
	}
	return perms
}

// mfWantErr fails unless err is a *fs.PathError with op that matches target.
func mfWantErr(t testing.TB, what string, err error, op string, target error) {
	t.Helper()
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Op != op || !errors.Is(err, target) {
		t.Errorf("%s: got %v, want *fs.PathError %q matching %v", what, err, op, target)
		return
	}
	t.Logf("%s: %v", what, err)
}

// mfTwin returns an *os.File on a new memory file holding content and
// sealed with seals: what a File is compared with.
func mfTwin(t testing.TB, content []byte, seals int) *os.File {
	t.Helper()
	fd, err := unix.MemfdCreate("twin", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "twin")
	t.Cleanup(func() { f.Close() })
	if _, err := f.Write(content); err != nil {
		t.Fatal(err)
	}
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		t.Fatal(err)
	}
	return f
}

// mfPwrite is WriteAt as a loop of pwrite(2): the kernel's count and errno.
func mfPwrite(f *os.File, p []byte, off int64) (n int, err error) {
	for len(p) > 0 {
		k, err := unix.Pwrite(int(f.Fd()), p, off)
		if k > 0 {
			n += k
			p = p[k:]
			off += int64(k)
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func mfOSRead(t testing.TB, f *os.File) string {
	t.Helper()
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<40))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mfRead(t testing.TB, f *shmfs.File) string {
	t.Helper()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, fi.Size())
	if n, err := f.ReadAt(b, 0); err != nil && err != io.EOF || n != len(b) {
		t.Fatalf("ReadAt: %d, %v", n, err)
	}
	return string(b)
}

func TestMemFile(t *testing.T) {
	f := mfNew(t, "basic")
	if f.Name() != "basic" {
		t.Errorf("Name = %q", f.Name())
	}
	link, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", f.Fd()))
	if err != nil || link != "/memfd:basic (deleted)" {
		t.Errorf("descriptor is %q, %v; want /memfd:basic (deleted)", link, err)
	}
	if fl, err := unix.FcntlInt(f.Fd(), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
		t.Errorf("F_GETFD = %#x, %v: want close-on-exec", fl, err)
	}
	if fl, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0); err != nil || fl&unix.O_ACCMODE != unix.O_RDWR {
		t.Errorf("F_GETFL = %#x, %v: want O_RDWR", fl, err)
	}
	if s, err := f.Seals(); err != nil || s != 0 {
		t.Errorf("Seals of a new MemFile = %#x, %v; want 0, nil", s, err)
	}
	fi, err := f.Stat()
	if err != nil || fi.Size() != 0 || !fi.Mode().IsRegular() || fi.Name() != "basic" {
		t.Fatalf("Stat = %v, %v", fi, err)
	}
	if _, err := f.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("Read of an empty MemFile = %v, want io.EOF", err)
	}
	if _, err := f.WriteString("hello, world"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("!"), 20); err != nil {
		t.Fatal(err)
	}
	if got := mfRead(t, f); got != "hello, world\x00\x00\x00\x00\x00\x00\x00\x00!" {
		t.Errorf("content %q", got)
	}
	if err := f.Truncate(5); err != nil {
		t.Fatal(err)
	}
	if off, err := f.Seek(0, io.SeekEnd); err != nil || off != 5 {
		t.Errorf("Seek(0, end) = %d, %v", off, err)
	}
	if err := f.Sync(); err != nil {
		t.Errorf("Sync: %v", err)
	}
	if err := f.Flush(true); err != nil {
		t.Errorf("Flush(true): %v", err)
	}
	// Several at once, each its own.
	g := mfNew(t, "basic")
	g.WriteString("other")
	if got := mfRead(t, f); got != "hello" {
		t.Errorf("first MemFile holds %q after writing the second", got)
	}
	// Big writes grow it as any File.
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	if _, err := g.WriteAt(big, 1<<20); err != nil {
		t.Fatal(err)
	}
	if fi, _ := g.Stat(); fi.Size() != 1<<20+int64(len(big)) {
		t.Errorf("size after a 1 MiB write at 1 MiB = %d", fi.Size())
	}
	// Nothing appeared in /dev/shm.
	after, _ := os.ReadDir("/dev/shm")
	for _, e := range after {
		if strings.Contains(e.Name(), "basic") {
			t.Errorf("MemFile left %s in /dev/shm", e.Name())
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	mfWantErr(t, "Seals after Close", func() error { _, err := f.Seals(); return err }(), "seals", fs.ErrClosed)
	mfWantErr(t, "Seal after Close", f.Seal(shmfs.SealShrink), "seal", fs.ErrClosed)
	var nilFile *shmfs.File
	if err := nilFile.Seal(shmfs.SealSeal); err != fs.ErrInvalid {
		t.Errorf("nil Seal = %v, want fs.ErrInvalid", err)
	}
	if _, err := nilFile.Seals(); err != fs.ErrInvalid {
		t.Errorf("nil Seals = %v, want fs.ErrInvalid", err)
	}
}

func TestMemFileNames(t *testing.T) {
	long := strings.Repeat("n", 249)
	f, err := shmfs.MemFile(long)
	if err != nil {
		t.Fatalf("MemFile with a 249-byte name: %v", err)
	}
	f.Close()
	f, err = shmfs.MemFile("")
	if err != nil {
		t.Fatalf("MemFile(\"\"): %v", err)
	}
	f.Close()
	_, err = shmfs.MemFile(long + "n")
	mfWantErr(t, "MemFile with a 250-byte name", err, "open", syscall.EINVAL)
	_, err = shmfs.MemFile("a\x00b")
	mfWantErr(t, "MemFile with a NUL in its name", err, "open", syscall.EINVAL)
}

func TestNewFile(t *testing.T) {
	f := mfNew(t, "adopt")
	f.WriteString("shared bytes")

	t.Run("dup", func(t *testing.T) {
		g := mfAdopt(t, f, -1)
		if g.Name() != "adopt" || mfRead(t, g) != "shared bytes" {
			t.Fatalf("adopted File %q reads %q", g.Name(), mfRead(t, g))
		}
		g.WriteAt([]byte("SHARED"), 0)
		if got := mfRead(t, f); got != "SHARED bytes" {
			t.Errorf("write through the adopted File: original reads %q", got)
		}
		g.WriteAt([]byte(" and more"), 12)
		if got := mfRead(t, f); got != "SHARED bytes and more" {
			t.Errorf("growth through the adopted File: original reads %q", got)
		}
		f.Truncate(12)
		if got := mfRead(t, g); got != "SHARED bytes" {
			t.Errorf("after the original shrank it: adopted reads %q", got)
		}
	})
	t.Run("rdonly", func(t *testing.T) {
		g := mfAdopt(t, f, unix.O_RDONLY)
		if got := mfRead(t, g); got != "SHARED bytes" {
			t.Errorf("read-only adopted File reads %q", got)
		}
		_, err := g.Write([]byte("x"))
		mfWantErr(t, "Write on an O_RDONLY descriptor", err, "write", syscall.EBADF)
		mfWantErr(t, "Seal on an O_RDONLY descriptor", g.Seal(shmfs.SealGrow), "seal", fs.ErrPermission)
	})
	t.Run("wronly", func(t *testing.T) {
		g := mfAdopt(t, f, unix.O_WRONLY)
		_, err := g.Read(make([]byte, 1))
		mfWantErr(t, "Read on an O_WRONLY descriptor", err, "read", syscall.EBADF)
		if _, err := g.WriteAt([]byte("s"), 0); err != nil {
			t.Fatal(err)
		}
		if got := mfRead(t, f); got != "sHARED bytes" {
			t.Errorf("after a write through O_WRONLY: %q", got)
		}
		f.WriteAt([]byte("S"), 0)
	})
	t.Run("append", func(t *testing.T) {
		g := mfAdopt(t, f, unix.O_RDWR|unix.O_APPEND)
		g.Write([]byte("+"))
		if got := mfRead(t, f); got != "SHARED bytes+" {
			t.Errorf("after an O_APPEND write: %q", got)
		}
		if _, err := g.WriteAt([]byte("x"), 0); err == nil {
			t.Errorf("WriteAt on an O_APPEND descriptor succeeded")
		}
		f.Truncate(12)
	})
	t.Run("regular file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "plain")
		os.WriteFile(p, []byte("on disk"), 0600)
		fd, err := unix.Open(p, unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		g, err := shmfs.NewFile(uintptr(fd), p)
		if err != nil {
			t.Fatalf("NewFile of a regular file: %v", err)
		}
		defer g.Close()
		if got := mfRead(t, g); got != "on disk" {
			t.Errorf("reads %q", got)
		}
		_, err = g.Seals()
		var st unix.Statfs_t
		unix.Statfs(p, &st)
		if st.Type == 0x01021994 { // TempDir on tmpfs: it has seals, SealSeal set
			if s, err := g.Seals(); err != nil || s&shmfs.SealSeal == 0 {
				t.Errorf("Seals of a tmpfs file = %#x, %v", s, err)
			}
		} else {
			mfWantErr(t, "Seals of a file on a file system without seals", err, "seals", errors.ErrUnsupported)
			mfWantErr(t, "Seal of a file on a file system without seals", g.Seal(shmfs.SealShrink), "seal", errors.ErrUnsupported)
		}
	})
}

// mfPipeClosed reports whether the read end of the pipe whose write end is
// w has been closed everywhere (a write then fails with EPIPE).
func mfPipeClosed(w *os.File) bool {
	_, err := w.Write([]byte("x"))
	return errors.Is(err, syscall.EPIPE)
}

func TestNewFileRefuses(t *testing.T) {
	t.Run("pipe", func(t *testing.T) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		fd, _ := unix.FcntlInt(r.Fd(), unix.F_DUPFD_CLOEXEC, 0)
		r.Close()
		_, err = shmfs.NewFile(uintptr(fd), "pipe")
		mfWantErr(t, "NewFile of a pipe", err, "open", shmfs.ErrNotRegular)
		if typ, ok := shmfs.NotRegularType(err); !ok || typ != unix.S_IFIFO {
			t.Errorf("NewFile of a pipe = %v: says the descriptor is of type %#o, want S_IFIFO", err, typ)
		}
		if !mfPipeClosed(w) {
			t.Errorf("NewFile did not close the pipe it refused")
		}
	})
	t.Run("socket", func(t *testing.T) {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fds[1])
		_, err = shmfs.NewFile(uintptr(fds[0]), "socket")
		mfWantErr(t, "NewFile of a socket", err, "open", shmfs.ErrNotRegular)
		if typ, ok := shmfs.NotRegularType(err); !ok || typ != unix.S_IFSOCK {
			t.Errorf("NewFile of a socket = %v: says the descriptor is of type %#o, want S_IFSOCK", err, typ)
		}
	})
	t.Run("directory", func(t *testing.T) {
		fd, err := unix.Open(t.TempDir(), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = shmfs.NewFile(uintptr(fd), "dir")
		mfWantErr(t, "NewFile of a directory", err, "open", syscall.EISDIR)
	})
	t.Run("O_PATH", func(t *testing.T) {
		f := mfNew(t, "opath")
		fd, err := unix.Open(fmt.Sprintf("/proc/self/fd/%d", f.Fd()), unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = shmfs.NewFile(uintptr(fd), "opath")
		mfWantErr(t, "NewFile of an O_PATH descriptor", err, "open", syscall.EBADF)
	})
	t.Run("character device", func(t *testing.T) {
		fd, err := unix.Open("/dev/null", unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Skip(err)
		}
		_, err = shmfs.NewFile(uintptr(fd), "/dev/null")
		mfWantErr(t, "NewFile(/dev/null)", err, "open", shmfs.ErrNotRegular)
		if typ, ok := shmfs.NotRegularType(err); !ok || typ != unix.S_IFCHR {
			t.Errorf("NewFile(/dev/null) = %v: says the descriptor is of type %#o, want S_IFCHR", err, typ)
		}
	})
	t.Run("bad descriptor", func(t *testing.T) {
		for _, fd := range []uintptr{^uintptr(0), ^uintptr(0) - 1, math.MaxInt32, uintptr(math.MaxInt32) + 1} {
			_, err := shmfs.NewFile(fd, "bad")
			mfWantErr(t, fmt.Sprintf("NewFile(%#x)", fd), err, "open", syscall.EBADF)
		}
	})
}

func TestSealShrinkGrow(t *testing.T) {
	f := mfNew(t, "sizes")
	f.Write(bytes.Repeat([]byte("s"), 10000))
	if err := f.Seal(shmfs.SealShrink); err != nil {
		t.Fatal(err)
	}
	if s, err := f.Seals(); err != nil || s != shmfs.SealShrink {
		t.Fatalf("Seals = %#x, %v", s, err)
	}
	mfWantErr(t, "Truncate smaller under SealShrink", f.Truncate(100), "truncate", fs.ErrPermission)
	mfWantErr(t, "Truncate(0) under SealShrink", f.Truncate(0), "truncate", syscall.EPERM)
	if fi, _ := f.Stat(); fi.Size() != 10000 {
		t.Errorf("size after refused shrink = %d", fi.Size())
	}
	if err := f.Truncate(20000); err != nil {
		t.Errorf("Truncate larger under SealShrink: %v", err)
	}
	if _, err := f.WriteAt([]byte("end"), 20000); err != nil {
		t.Errorf("write past the end under SealShrink: %v", err)
	}
	// Seals are the object's: another File on it has them too.
	g := mfAdopt(t, f, -1)
	mfWantErr(t, "Truncate through a second File", g.Truncate(0), "truncate", fs.ErrPermission)
	if err := unix.Ftruncate(int(g.Fd()), 0); err != unix.EPERM {
		t.Errorf("raw ftruncate(0) = %v, want EPERM", err)
	}

	if err := f.Seal(shmfs.SealGrow); err != nil {
		t.Fatal(err)
	}
	if s, _ := f.Seals(); s != shmfs.SealShrink|shmfs.SealGrow {
		t.Fatalf("Seals = %#x", s)
	}
	size := int64(20003)
	mfWantErr(t, "Truncate larger under SealGrow", f.Truncate(size+1), "truncate", fs.ErrPermission)
	n, err := f.WriteAt([]byte("x"), size)
	mfWantErr(t, "WriteAt at the end under SealGrow", err, "write", fs.ErrPermission)
	if n != 0 {
		t.Errorf("n = %d", n)
	}
	f.Seek(0, io.SeekEnd)
	n, err = f.Write([]byte("xyz"))
	mfWantErr(t, "Write at the end under SealGrow", err, "write", fs.ErrPermission)
	if n != 0 {
		t.Errorf("Write at the end under SealGrow: n = %d", n)
	}
	// A write that straddles the end: what *os.File's pwrite(2) writes (the
	// whole pages before the page that would grow the file), then EPERM.
	// (*os.File's WriteAt writes the same bytes but reports n = 0: it drops
	// the count of a pwrite that returns an error; the File reports it.)
	twin := mfTwin(t, []byte(mfRead(t, f)), shmfs.SealShrink|shmfs.SealGrow)
	w := bytes.Repeat([]byte("W"), 4096+10)
	n, err = f.WriteAt(w, size-4096)
	mfWantErr(t, "WriteAt straddling the end under SealGrow", err, "write", fs.ErrPermission)
	tn, terr := mfPwrite(twin, w, size-4096)
	t.Logf("straddling write wrote %d of %d bytes; pwrite(2) loop: %d, %v", n, len(w), tn, terr)
	if n != tn || terr != syscall.EPERM {
		t.Errorf("straddling write wrote %d bytes, pwrite(2) %d (%v)", n, tn, terr)
	}
	if got, want := mfRead(t, f), mfOSRead(t, twin); got != want {
		t.Errorf("after the straddling write the File and *os.File differ")
	}
	if fi, _ := f.Stat(); fi.Size() != size {
		t.Errorf("size changed to %d under SealGrow", fi.Size())
	}
	if _, err := f.WriteAt([]byte("inside"), 0); err != nil {
		t.Errorf("write inside the file under SealGrow: %v", err)
	}
	if got := mfRead(t, f); len(got) != int(size) || got[:6] != "inside" || got[size-4:] != "\x00end" {
		t.Errorf("content after the refused writes: %d bytes %q...%q", len(got), got[:6], got[size-4:])
	}
	// Append mode goes through write(2): EPERM too.
	a := mfAdopt(t, f, unix.O_RDWR|unix.O_APPEND)
	_, err = a.Write([]byte("tail"))
	mfWantErr(t, "O_APPEND write under SealGrow", err, "write", fs.ErrPermission)
	// ReadFrom stops at the first refused write.
	f.Seek(size-2, io.SeekStart)
	m, err := f.ReadFrom(strings.NewReader("abcd"))
	mfWantErr(t, "ReadFrom past the end under SealGrow", err, "write", fs.ErrPermission)
	t.Logf("ReadFrom wrote %d", m)
}

func TestSealWrite(t *testing.T) {
	f := mfNew(t, "wseal")
	want := strings.Repeat("sealed bytes. ", 1000)
	f.WriteString(want)
	mfMapNow(f)
	if p := memfdMaps(t, "wseal"); len(p) != 1 || p[0] != "rw-s" {
		t.Fatalf("mappings before sealing: %v", p)
	}
	if err := f.Seal(shmfs.SealWrite); err != nil {
		t.Fatalf("Seal(SealWrite) with only our own mapping: %v", err)
	}
	if p := memfdMaps(t, "wseal"); len(p) != 1 || p[0] != "r--s" {
		t.Errorf("mappings after sealing: %v, want one r--s", p)
	}
	if s, _ := f.Seals(); s != shmfs.SealWrite {
		t.Errorf("Seals = %#x", s)
	}
	if got := mfRead(t, f); got != want {
		t.Errorf("read after SealWrite differs")
	}
	n, err := f.WriteAt([]byte("X"), 0)
	mfWantErr(t, "WriteAt inside under SealWrite", err, "write", fs.ErrPermission)
	if n != 0 {
		t.Errorf("n = %d", n)
	}
	if p := memfdMaps(t, "wseal"); len(p) != 1 || p[0] != "r--s" {
		t.Errorf("mappings after a refused write: %v, want one r--s", p)
	}
	// Writes past the end are refused too, and refused writes leave the
	// size alone (SealWrite does not forbid growing, so nothing may grow
	// the file on the way to the refusal), as with *os.File.
	twin := mfTwin(t, []byte(want), shmfs.SealWrite)
	for _, off := range []int64{int64(len(want)) - 1, int64(len(want)), int64(len(want)) + 5000, 1 << 30} {
		n, err := f.WriteAt([]byte("XY"), off)
		mfWantErr(t, fmt.Sprintf("WriteAt(2 bytes, %d) under SealWrite", off), err, "write", fs.ErrPermission)
		tn, terr := mfPwrite(twin, []byte("XY"), off)
		if n != tn || terr != syscall.EPERM {
			t.Errorf("WriteAt(%d): %d; pwrite(2): %d, %v", off, n, tn, terr)
		}
		if fi, _ := f.Stat(); fi.Size() != int64(len(want)) {
			t.Errorf("a refused WriteAt(%d) changed the size to %d", off, fi.Size())
		}
	}
	f.Seek(0, io.SeekEnd)
	_, err = f.ReadFrom(strings.NewReader("abc"))
	mfWantErr(t, "ReadFrom under SealWrite", err, "write", fs.ErrPermission)
	_, err = f.Write([]byte("abc"))
	mfWantErr(t, "Write under SealWrite", err, "write", fs.ErrPermission)
	if got := mfRead(t, f); got != want {
		t.Errorf("content changed under SealWrite: %d bytes", len(got))
	}
	if err := f.Sync(); err != nil {
		t.Errorf("Sync on a write-sealed file: %v", err)
	}
	// Size seals are separate: without SealGrow the file may grow, and the
	// new zero bytes read as any others.
	if err := f.Truncate(int64(len(want)) + 8192); err != nil {
		t.Errorf("Truncate larger under SealWrite alone: %v", err)
	}
	buf := make([]byte, 8192)
	if n, err := f.ReadAt(buf, int64(len(want))); err != nil || n != 8192 || !bytes.Equal(buf, make([]byte, 8192)) {
		t.Errorf("read of the grown part: %d, %v", n, err)
	}
	// A File adopted afterwards maps it read-only too, and cannot write.
	g := mfAdopt(t, f, -1)
	if p := memfdMaps(t, "wseal"); len(p) != 2 || p[0] != "r--s" || p[1] != "r--s" {
		t.Errorf("mappings with a second File: %v, want two r--s", p)
	}
	if got := mfRead(t, g); got[:len(want)] != want {
		t.Errorf("second File reads other bytes")
	}
	_, err = g.WriteAt([]byte("X"), 0)
	mfWantErr(t, "WriteAt through a File adopted after SealWrite", err, "write", fs.ErrPermission)
	// Raw mmap agrees.
	if _, err := unix.Mmap(int(f.Fd()), 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err != unix.EPERM {
		t.Errorf("writable mmap after SealWrite = %v, want EPERM", err)
	}
}

// TestSealWriteLazy: a File that has not mapped its object yet (the core
// maps on the second access) is mapped read-only by the seal, and another
// File not mapped yet is no obstacle to SealWrite: it never maps writable.
func TestSealWriteLazy(t *testing.T) {
	f := mfNew(t, "lazy")
	want := strings.Repeat("lazy ", 2000)
	f.WriteString(want)
	g := mfAdopt(t, f, -1)
	if p := memfdMaps(t, "lazy"); len(p) != 0 {
		t.Fatalf("mapped before the second access: %v", p)
	}
	if err := f.Seal(shmfs.SealWrite); err != nil {
		t.Fatal(err)
	}
	if p := memfdMaps(t, "lazy"); len(p) != 1 || p[0] != "r--s" {
		t.Errorf("mappings after sealing: %v, want one r--s", p)
	}
	for _, h := range []*shmfs.File{f, g} {
		for i := 0; i < 3; i++ {
			if got := mfRead(t, h); got != want {
				t.Errorf("read %d differs", i)
			}
			_, err := h.WriteAt([]byte("x"), 0)
			mfWantErr(t, "WriteAt under SealWrite", err, "write", fs.ErrPermission)
			_, err = h.WriteAt([]byte("x"), int64(len(want)))
			mfWantErr(t, "WriteAt past the end under SealWrite", err, "write", fs.ErrPermission)
		}
	}
	if fi, _ := f.Stat(); fi.Size() != int64(len(want)) {
		t.Errorf("size %d", fi.Size())
	}
	if p := memfdMaps(t, "lazy"); strings.Contains(strings.Join(p, " "), "w") {
		t.Errorf("a writable mapping after SealWrite: %v", p)
	}
}

func TestSealWriteBusy(t *testing.T) {
	f := mfNew(t, "busy")
	f.WriteString("mapped elsewhere")
	g := mfAdopt(t, f, -1) // a second File: a second writable mapping
	mfMapNow(f)
	mfMapNow(g)
	err := f.Seal(shmfs.SealWrite)
	mfWantErr(t, "Seal(SealWrite) while another File maps it writable", err, "seal", syscall.EBUSY)
	if s, _ := f.Seals(); s != 0 {
		t.Errorf("Seals after the refused seal = %#x", s)
	}
	// The refused seal left our mapping as it was: writable, shared.
	if p := memfdMaps(t, "busy"); len(p) != 2 || p[0] != "rw-s" || p[1] != "rw-s" {
		t.Errorf("mappings after the refused seal: %v", p)
	}
	if _, err := f.WriteAt([]byte("M"), 0); err != nil {
		t.Errorf("write after the refused seal: %v", err)
	}
	if got := mfRead(t, g); got != "Mapped elsewhere" {
		t.Errorf("the other File reads %q", got)
	}
	g.Close()

	// A raw writable mapping (as a peer might hold) blocks it too.
	raw, err := unix.Mmap(int(f.Fd()), 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	mfWantErr(t, "Seal(SealWrite) while a raw mapping is writable", f.Seal(shmfs.SealWrite|shmfs.SealShrink), "seal", syscall.EBUSY)
	if s, _ := f.Seals(); s != 0 {
		t.Errorf("a refused seal added some of its bits: %#x", s)
	}
	unix.Munmap(raw)
	if err := f.Seal(shmfs.SealWrite | shmfs.SealShrink); err != nil {
		t.Fatalf("Seal once the other mappings are gone: %v", err)
	}
	_, err = f.WriteAt([]byte("x"), 0)
	mfWantErr(t, "write after SealWrite", err, "write", fs.ErrPermission)
}

func TestSealFutureWrite(t *testing.T) {
	f := mfNew(t, "future")
	pad := strings.Repeat(".", 8192) // more than a page: mapped read-only
	f.WriteString("future" + pad)
	g := mfAdopt(t, f, -1)
	mfMapNow(f)
	mfMapNow(g)
	// Unlike SealWrite, another writable mapping is no obstacle...
	if err := f.Seal(shmfs.SealFutureWrite); err != nil {
		t.Fatalf("Seal(SealFutureWrite): %v", err)
	}
	// ...this File stops writing at once...
	_, err := f.WriteAt([]byte("F"), 0)
	mfWantErr(t, "WriteAt under SealFutureWrite", err, "write", fs.ErrPermission)
	// ...and the mapping that existed before may still write (the kernel's
	// rule: "future" writes only).
	if _, err := g.WriteAt([]byte("F"), 0); err != nil {
		t.Errorf("a mapping made before SealFutureWrite could not write: %v", err)
	}
	if got := mfRead(t, f); got != "Future"+pad {
		t.Errorf("content %q", got)
	}
	// New Files cannot.
	h := mfAdopt(t, f, -1)
	_, err = h.WriteAt([]byte("x"), 0)
	mfWantErr(t, "WriteAt through a File adopted after SealFutureWrite", err, "write", fs.ErrPermission)
	if p := memfdMaps(t, "future"); len(p) != 3 {
		t.Errorf("mappings %v", p)
	} else if strings.Count(strings.Join(p, " "), "rw-s") != 1 {
		t.Errorf("mappings %v, want only the old one writable", p)
	}
	// SealWrite on top needs the old writable mapping gone.
	mfWantErr(t, "SealWrite on top, the old mapping alive", f.Seal(shmfs.SealWrite), "seal", syscall.EBUSY)
	g.Close()
	if err := f.Seal(shmfs.SealWrite); err != nil {
		t.Errorf("SealWrite on top of SealFutureWrite: %v", err)
	}
}

func TestSealSeal(t *testing.T) {
	f := mfNew(t, "sealseal")
	if err := f.Seal(shmfs.SealGrow | shmfs.SealSeal); err != nil {
		t.Fatal(err)
	}
	err := f.Seal(shmfs.SealShrink)
	mfWantErr(t, "Seal after SealSeal", err, "seal", fs.ErrPermission)
	if errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Seal after SealSeal matches ErrUnsupported: %v", err)
	}
	err = f.Seal(shmfs.SealWrite)
	mfWantErr(t, "SealWrite after SealSeal", err, "seal", fs.ErrPermission)
	if s, _ := f.Seals(); s != shmfs.SealGrow|shmfs.SealSeal {
		t.Errorf("Seals = %#x", s)
	}
	f2 := mfNew(t, "sealseal2")
	f2.WriteString("0123456789")
	mfMapNow(f2)
	f2.Seal(shmfs.SealSeal)
	mfWantErr(t, "SealWrite after SealSeal", f2.Seal(shmfs.SealWrite), "seal", fs.ErrPermission)
	if p := memfdMaps(t, "sealseal2"); len(p) != 1 || p[0] != "rw-s" {
		t.Errorf("mapping after a refused SealWrite: %v", p)
	}
	if _, err := f2.WriteAt([]byte("X"), 0); err != nil {
		t.Errorf("write after a refused SealWrite: %v", err)
	}
}

func TestSealErrors(t *testing.T) {
	f := mfNew(t, "errs")
	mfWantErr(t, "Seal with an unknown bit", f.Seal(1<<12), "seal", syscall.EINVAL)
	if err := f.Seal(0); err != nil {
		t.Errorf("Seal(0) = %v", err)
	}
	if err := f.Seal(shmfs.SealShrink); err != nil {
		t.Fatal(err)
	}
	if err := f.Seal(shmfs.SealShrink); err != nil {
		t.Errorf("adding a seal twice: %v", err)
	}

	// A named shared-memory object cannot be sealed.
	name := "/" + scratch(t, "").Name("memfd-named")
	n, err := shmfs.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(); shmfs.Remove(name) })
	n.WriteString("named")
	err = n.Seal(shmfs.SealShrink)
	mfWantErr(t, "Seal of a named /dev/shm object", err, "seal", fs.ErrPermission)
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Seal of a named object does not match ErrUnsupported: %v", err)
	}
	if s, err := n.Seals(); err != nil || s != shmfs.SealSeal {
		t.Errorf("Seals of a named object = %#x, %v; want SealSeal", s, err)
	}
	err = n.Seal(shmfs.SealWrite)
	mfWantErr(t, "SealWrite of a named /dev/shm object", err, "seal", errors.ErrUnsupported)
	if _, err := n.WriteAt([]byte("N"), 0); err != nil {
		t.Errorf("write after a refused SealWrite on a named object: %v", err)
	}
}

// TestSealRace seals a file against writes while other goroutines read and
// write it: no fault escapes, every write either lands before the seal or
// fails with EPERM, and every read sees whole bytes.
func TestSealRace(t *testing.T) {
	for round := 0; round < 20; round++ {
		f, err := shmfs.MemFile("race")
		if err != nil {
			t.Fatal(err)
		}
		f.Write(bytes.Repeat([]byte("a"), 1<<16))
		var wg sync.WaitGroup
		stop := make(chan struct{})
		var mu sync.Mutex
		var errs []error
		report := func(err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := bytes.Repeat([]byte("b"), 512)
				p := make([]byte, 512)
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					off := int64(i*512) % (1 << 16)
					if _, err := f.WriteAt(b, off); err != nil && !errors.Is(err, fs.ErrPermission) {
						report(err)
						return
					}
					if _, err := f.ReadAt(p, off); err != nil {
						report(err)
						return
					}
					if len(bytes.Trim(p, "ab")) != 0 {
						report(fmt.Errorf("read %q", p))
						return
					}
				}
			}()
		}
		time.Sleep(time.Millisecond)
		if err := f.Seal(shmfs.SealWrite); err != nil {
			t.Errorf("Seal under load: %v", err)
		}
		snapshot := mfRead(t, f)
		time.Sleep(time.Millisecond)
		close(stop)
		wg.Wait()
		if got := mfRead(t, f); got != snapshot {
			t.Errorf("content changed after SealWrite")
		}
		f.Close()
		for _, err := range errs {
			t.Error(err)
		}
	}
}

// Seals against a peer process, which receives the file through
// fdpass_test.go's mfPeer.

// childMemfdAttack is the child memfd-attack: receive a File and try
// everything that would make the sender fault or see other bytes; print what
// each attempt returned.
func childMemfdAttack(args []string) error {
	conn, err := mfChildConn()
	if err != nil {
		return err
	}
	f, err := shmfs.ReceiveFile(conn)
	if err != nil {
		return err
	}
	defer f.Close()
	s, _ := f.Seals()
	fmt.Printf("seals %#x\n", s)
	fmt.Printf("Truncate(0): %v\n", f.Truncate(0))
	fmt.Printf("ftruncate(fd, 0): %v\n", unix.Ftruncate(int(f.Fd()), 0))
	fmt.Printf("fallocate(PUNCH_HOLE): %v\n", unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, 0, 4096))
	fmt.Printf("Truncate(grow): %v\n", f.Truncate(1<<30))
	_, err = f.WriteAt([]byte("x"), 0)
	fmt.Printf("WriteAt(0): %v\n", err)
	_, err = unix.Mmap(int(f.Fd()), 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	fmt.Printf("mmap(PROT_WRITE, MAP_SHARED): %v\n", err)
	fmt.Printf("Seal(SealWrite): %v\n", f.Seal(shmfs.SealWrite))
	// Tell the parent we are done.
	_, err = conn.Write([]byte{1})
	return err
}

// childMemfdTruncate is the child memfd-truncate: receive an unsealed File
// and truncate it to zero.
func childMemfdTruncate(args []string) error {
	conn, err := mfChildConn()
	if err != nil {
		return err
	}
	f, err := shmfs.ReceiveFile(conn)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err = conn.Write([]byte{1})
	return err
}

// childMemfdHold is the child memfd-hold: receive a File (a writable
// mapping), say so, and hold it until the parent writes a byte; then close
// it and say so.
func childMemfdHold(args []string) error {
	conn, err := mfChildConn()
	if err != nil {
		return err
	}
	f, err := shmfs.ReceiveFile(conn)
	if err != nil {
		return err
	}
	if _, err := f.WriteAt([]byte("H"), 0); err != nil {
		return err
	}
	f.ReadAt(make([]byte, 1), 0) // the second access maps it
	conn.Write([]byte{1})
	if _, err := conn.Read(make([]byte, 1)); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	_, err = conn.Write([]byte{2})
	return err
}

// TestSealedAgainstPeer: a peer that holds a sealed file cannot shrink it,
// so our reads never lose their pages.
func TestSealedAgainstPeer(t *testing.T) {
	conn, wait := mfPeer(t, "memfd-attack")
	f := mfNew(t, "sealed-for-peer")
	want := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	f.Write(want)
	if err := f.Seal(shmfs.SealShrink | shmfs.SealGrow | shmfs.SealWrite | shmfs.SealSeal); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(want))
	f.ReadAt(got, 0) // touch every page first
	faults := shmfs.Faults()
	if err := shmfs.SendFile(conn, f); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	report := wait()
	t.Logf("the peer's attempts:\n%s", report)
	for _, line := range []string{
		"seals 0xf",
		"Truncate(0): truncate sealed-for-peer: operation not permitted",
		"ftruncate(fd, 0): operation not permitted",
		"fallocate(PUNCH_HOLE): operation not permitted",
		"Truncate(grow): truncate sealed-for-peer: operation not permitted",
		"WriteAt(0): write sealed-for-peer: operation not permitted",
		"mmap(PROT_WRITE, MAP_SHARED): operation not permitted",
		"Seal(SealWrite): seal sealed-for-peer: the file is sealed against further seals (SealSeal): operation not permitted",
	} {
		if !strings.Contains(report, line+"\n") {
			t.Errorf("the peer's report lacks %q", line)
		}
	}
	clear(got)
	if n, err := f.ReadAt(got, 0); n != len(want) || err != nil || !bytes.Equal(got, want) {
		t.Errorf("after the peer's attempts: ReadAt = %d, %v, equal %v", n, err, bytes.Equal(got, want))
	}
	if d := shmfs.Faults() - faults; d != 0 {
		t.Errorf("%d faults while reading a sealed file", d)
	}
}

// TestUnsealedPeerTruncate: without seals a peer can shrink the file; our
// reads then come up short (io.EOF) instead of faulting.
func TestUnsealedPeerTruncate(t *testing.T) {
	conn, wait := mfPeer(t, "memfd-truncate")
	f := mfNew(t, "unsealed")
	want := bytes.Repeat([]byte("x"), 1<<20)
	f.Write(want)
	got := make([]byte, len(want))
	f.ReadAt(got, 0) // map every page
	if err := shmfs.SendFile(conn, f); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	wait()
	n, err := f.ReadAt(got, 0)
	t.Logf("ReadAt after the peer truncated to 0: %d, %v", n, err)
	if n != 0 || err != io.EOF {
		t.Errorf("ReadAt after the peer truncated: %d, %v; want 0, io.EOF", n, err)
	}
	if fi, _ := f.Stat(); fi.Size() != 0 {
		t.Errorf("size %d", fi.Size())
	}
}

// TestSealWriteAgainstPeerMapping: SealWrite waits for nobody: while a
// peer process maps the file for writing, it fails with EBUSY.
func TestSealWriteAgainstPeerMapping(t *testing.T) {
	conn, wait := mfPeer(t, "memfd-hold")
	f := mfNew(t, "held")
	f.WriteString("held by a peer")
	if err := shmfs.SendFile(conn, f); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	if b, err := r.ReadByte(); err != nil || b != 1 {
		t.Fatalf("peer: %v", err)
	}
	err := f.Seal(shmfs.SealWrite)
	mfWantErr(t, "SealWrite while a peer maps the file writable", err, "seal", syscall.EBUSY)
	if _, err := f.WriteAt([]byte("h"), 0); err != nil {
		t.Errorf("our write after the refused seal: %v", err)
	}
	conn.Write([]byte{0})
	if b, err := r.ReadByte(); err != nil || b != 2 {
		t.Fatalf("peer: %v", err)
	}
	wait()
	if err := f.Seal(shmfs.SealWrite); err != nil {
		t.Errorf("SealWrite once the peer closed its File: %v", err)
	}
	if got := mfRead(t, f); got != "held by a peer" {
		t.Errorf("content %q", got)
	}
}
