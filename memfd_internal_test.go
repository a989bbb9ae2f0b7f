//go:build linux

package shmfs

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSealedMapFallbacks takes the paths that kernels before 6.7 need (no
// MAP_SHARED read-only mapping through a writable descriptor of a
// write-sealed file), and the one where no mapping can be made at all.
func TestSealedMapFallbacks(t *testing.T) {
	for _, c := range []struct {
		name  string
		flags []int
		want  int // m.flags after sealing, or -1 for no mapping
	}{
		{"private", []int{unix.MAP_PRIVATE}, unix.MAP_PRIVATE},
		{"none", nil, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			old := sealedMapFlags
			sealedMapFlags = c.flags
			defer func() { sealedMapFlags = old }()

			f, err := MemFile("fallback")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			want := bytes.Repeat([]byte("fallback "), 1000)
			f.Write(want)
			f.ReadAt(make([]byte, 1), 0) // map it (second access)
			if err := f.Seal(SealWrite); err != nil {
				t.Fatal(err)
			}
			r := f.m.cur.Load()
			if c.want == -1 {
				if r != nil {
					t.Fatalf("mapped, want no mapping")
				}
			} else if r == nil || r.writable || f.m.mapFlags != c.want || f.m.prot != unix.PROT_READ {
				t.Fatalf("mapping %v flags %#x prot %#x", r != nil, f.m.mapFlags, f.m.prot)
			}
			got := make([]byte, len(want)+1)
			if n, err := f.ReadAt(got, 0); n != len(want) || err != io.EOF || !bytes.Equal(got[:n], want) {
				t.Errorf("ReadAt: %d, %v", n, err)
			}
			for _, off := range []int64{0, int64(len(want)), 1 << 20} {
				if _, err := f.WriteAt([]byte("x"), off); !errors.Is(err, fs.ErrPermission) {
					t.Errorf("WriteAt(%d) = %v, want EPERM", off, err)
				}
			}
			// A peer may still grow it (no SealGrow): the new bytes read.
			g, err := NewFile(uintptr(mustDup(t, f)), "peer")
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			if err := g.Truncate(int64(len(want)) + 10); err != nil {
				t.Fatal(err)
			}
			tail := make([]byte, 10)
			if n, err := f.ReadAt(tail, int64(len(want))); n != 10 || err != nil || !bytes.Equal(tail, make([]byte, 10)) {
				t.Errorf("read of the grown part: %d, %v, %q", n, err, tail)
			}
			head := make([]byte, 9)
			if _, err := g.ReadAt(head, 0); err != nil || string(head) != "fallback " {
				t.Errorf("the adopted File reads %q, %v", head, err)
			}
			if err := f.Sync(); err != nil {
				t.Errorf("Sync: %v", err)
			}
		})
	}
}

func mustDup(t *testing.T, f *File) int {
	t.Helper()
	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	return fd
}
