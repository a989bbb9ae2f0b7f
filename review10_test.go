//go:build linux

package shmfs_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/shmfs/shmfs"
	"golang.org/x/sys/unix"
)

// Regression tests for what review 10 (acceptance tests against the
// contract and *os.File) found.

// TestReadAfterShrinkIntoLastPage: after someone else shrinks the object
// to a size inside a page this File has mapped, reads end at the new size
// with io.EOF, as *os.File's do; they do not return the zeros the kernel
// leaves in the new last page (nor the bytes the object had there).
func TestReadAfterShrinkIntoLastPage(t *testing.T) {
	for _, newSize := range []int64{1, 100, 4095, 5000, 8191, 1<<20 - 1} {
		s := scratch(t, "")
		f, err := shmfs.Create(s.Name("shrunk"))
		if err != nil {
			t.Fatal(err)
		}
		const size = 1 << 20
		if _, err := f.Write(bytes.Repeat([]byte{'a'}, size)); err != nil {
			t.Fatal(err)
		}
		// Map it all: two full reads (the mapping is made on the second).
		all := make([]byte, size)
		for range 2 {
			if _, err := f.ReadAt(all, 0); err != nil {
				t.Fatal(err)
			}
		}
		path := s.Path("shrunk")
		if err := os.Truncate(path, newSize); err != nil {
			t.Fatal(err)
		}
		o, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		reads := []struct{ off, n int64 }{
			{0, newSize + 1}, {0, 8192}, {newSize - 1, 2}, {newSize, 1}, {0, size}, {newSize &^ 4095, 4096},
			{0, newSize}, {newSize - 1, 1}, // end on the last byte left ('a': no fstat needed)
		}
		for _, rd := range reads {
			got, want := make([]byte, rd.n), make([]byte, rd.n)
			n, err := f.ReadAt(got, rd.off)
			on, oerr := o.ReadAt(want, rd.off)
			if n != on || (err == io.EOF) != (oerr == io.EOF) || !bytes.Equal(got[:n], want[:on]) {
				t.Errorf("size %d: ReadAt(%d bytes at %d) = %d, %v; os: %d, %v", newSize, rd.n, rd.off, n, err, on, oerr)
			}
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(f)
		if err != nil || int64(len(b)) != newSize {
			t.Errorf("size %d: ReadAll = %d bytes, %v", newSize, len(b), err)
		}
		o.Close()
		f.Close()
	}
}

// TestFirstCallAfterShrinkIntoLastPage: the first call after someone else
// shrinks the object into a page this File has mapped sees the new end: a
// View or Update reaching past it is io.ErrUnexpectedEOF and fn is not
// called, and WriteTo copies what is there.
func TestFirstCallAfterShrinkIntoLastPage(t *testing.T) {
	const size = 1 << 20
	calls := map[string]func(f *shmfs.File, newSize int64) error{
		"View": func(f *shmfs.File, newSize int64) error {
			err := f.View(0, int(newSize)+1, func([]byte) error { return errors.New("fn called") })
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("View(0, %d) = %v, want io.ErrUnexpectedEOF", newSize+1, err)
			}
			return nil
		},
		"Update": func(f *shmfs.File, newSize int64) error {
			called := false
			err := f.Update(0, int(newSize)+1, func([]byte) error { called = true; return nil })
			if !errors.Is(err, io.ErrUnexpectedEOF) || called {
				return fmt.Errorf("Update(0, %d) = %v (fn called: %v), want io.ErrUnexpectedEOF, fn not called", newSize+1, err, called)
			}
			return nil
		},
		"WriteTo": func(f *shmfs.File, newSize int64) error {
			pr, pw, err := os.Pipe()
			if err != nil {
				return err
			}
			got := make(chan int64)
			go func() { m, _ := io.Copy(io.Discard, pr); got <- m }()
			m, err := f.WriteTo(pw)
			pw.Close()
			g := <-got
			pr.Close()
			if m != newSize || err != nil || g != newSize {
				return fmt.Errorf("WriteTo(pipe) = %d, %v (the reader got %d), want %d", m, err, g, newSize)
			}
			return nil
		},
	}
	for name, call := range calls {
		for _, newSize := range []int64{100, 5000} {
			s := scratch(t, "")
			f, err := shmfs.Create(s.Name("shrunk"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write(bytes.Repeat([]byte{'a'}, size)); err != nil {
				t.Fatal(err)
			}
			all := make([]byte, size)
			for range 2 {
				f.ReadAt(all, 0)
			}
			f.Seek(0, io.SeekStart)
			if err := os.Truncate(s.Path("shrunk"), newSize); err != nil {
				t.Fatal(err)
			}
			if err := call(f, newSize); err != nil {
				t.Errorf("%s after a shrink to %d: %v", name, newSize, err)
			}
			f.Close()
		}
	}
}

// TestShrinkZeroesCutPage checks what reads and views of the last page
// rely on (readMapped): a shrink into a page leaves that page mapped, with
// zeros from the new end to the end of the page, in a mapping made before
// the shrink: on tmpfs (/dev/shm) and on the disk file system the tests'
// temporary directory is on.
func TestShrinkZeroesCutPage(t *testing.T) {
	for _, dir := range []string{"/dev/shm", t.TempDir()} {
		f, err := os.CreateTemp(dir, "shmfstest-zero-*")
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		const size = 3 << 12
		if _, err := f.Write(bytes.Repeat([]byte{0xff}, size)); err != nil {
			t.Fatal(err)
		}
		m, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Munmap(m)
		const newSize = 4096 + 100
		if err := f.Truncate(newSize); err != nil {
			t.Fatal(err)
		}
		if m[newSize-1] != 0xff {
			t.Errorf("%s: the last byte left reads %#x", dir, m[newSize-1])
		}
		for i, b := range m[newSize:8192] {
			if b != 0 {
				t.Errorf("%s: byte %d of the cut page is %#x after the shrink, not zero", dir, newSize+i, b)
				break
			}
		}
	}
}
