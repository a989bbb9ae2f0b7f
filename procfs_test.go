//go:build linux

package shmfs_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/shmfs/shmfs"
)

// Files of /proc and /sys report a size (0 for /proc, 4096 for a sysfs
// attribute) that is not their content's: they read as os reads them, to
// the end of file. (Their contents are stable between two reads.)
var procFiles = []string{
	"/proc/sys/fs/pipe-max-size",
	"/proc/sys/kernel/ostype",
	"/proc/sys/kernel/osrelease",
	"/proc/version",
	"/sys/devices/system/cpu/online",
	"/sys/kernel/mm/transparent_hugepage/enabled",
}

// procCases are the files of procFiles that exist here (a kernel without
// transparent huge pages has no such file), with what os reads.
func procCases(t *testing.T) map[string][]byte {
	cases := map[string][]byte{}
	for _, p := range procFiles {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if len(b) == 0 {
			t.Fatalf("os reads nothing from %s", p)
		}
		cases[p] = b
	}
	if len(cases) < 3 {
		t.Fatalf("only %d of %v readable", len(cases), procFiles)
	}
	return cases
}

// TestProcReadFile: FS.ReadFile reads them whole.
func TestProcReadFile(t *testing.T) {
	for p, want := range procCases(t) {
		fsys := shmfs.NewFS(filepath.Dir(p))
		got, err := fsys.ReadFile(filepath.Base(p))
		fsys.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("NewFS(%q).ReadFile(%q) = %q, %v; os: %q", filepath.Dir(p), filepath.Base(p), got, err, want)
		}
	}
}

// TestProcFile: a File on them reads as an *os.File does: io.ReadAll, Read
// in small pieces, ReadAt (short at the end, with io.EOF), WriteTo.
//
// The mapping core never maps a file of a pseudo file system (/proc,
// /sys): it reads it with pread, and never trusts its size.
func TestProcFile(t *testing.T) {
	for p, want := range procCases(t) {
		fsys := shmfs.NewFS(filepath.Dir(p))
		open := func() (*shmfs.File, *os.File) {
			f, err := fsys.OpenFile(filepath.Base(p), os.O_RDONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			g, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			return f, g
		}
		f, g := open()
		if got, err := io.ReadAll(f); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: io.ReadAll = %q, %v; os: %q", p, got, err, want)
		}
		f.Close()
		g.Close()

		f, g = open()
		// In 7-byte pieces, as *os.File reads them (a /proc/sys file
		// gives its content to a read at offset 0 only: what is past the
		// first piece reads as EOF, for os too).
		read7 := func(r io.Reader) []byte {
			var got []byte
			buf := make([]byte, 7)
			for range 10000 {
				n, err := r.Read(buf)
				got = append(got, buf[:n]...)
				if err != nil {
					if err != io.EOF {
						t.Errorf("%s: Read: %v", p, err)
					}
					break
				}
			}
			return got
		}
		if got, wantPieces := read7(f), read7(g); !bytes.Equal(got, wantPieces) {
			t.Errorf("%s: Read in 7-byte pieces: %q; os: %q", p, got, wantPieces)
		}
		f.Close()
		g.Close()

		f, g = open()
		for _, c := range []struct {
			off int64
			n   int
		}{{0, 1 << 16}, {0, len(want)}, {0, 2}, {1, 3}, {int64(len(want)) - 1, 5}, {int64(len(want)), 1}} {
			b, wb := make([]byte, c.n), make([]byte, c.n)
			n, err := f.ReadAt(b, c.off)
			wn, werr := g.ReadAt(wb, c.off)
			if n != wn || err != werr || !bytes.Equal(b[:n], wb[:wn]) {
				t.Errorf("%s: ReadAt(%d bytes, %d) = %d %q, %v; os: %d %q, %v", p, c.n, c.off, n, b[:n], err, wn, wb[:wn], werr)
			}
		}
		f.Close()
		g.Close()

		f, g = open()
		var out bytes.Buffer
		if n, err := f.WriteTo(&out); err != nil || n != int64(len(want)) || !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%s: WriteTo = %d %q, %v; os reads %q", p, n, out.Bytes(), err, want)
		}
		f.Close()
		g.Close()
		fsys.Close()
	}
}
