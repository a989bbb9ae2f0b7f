//go:build linux

package shmfs_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shmfs/shmfs"
	"golang.org/x/sys/unix"
)

// viewKinds are the kinds of File a View must work on, each holding size
// bytes of pattern(i).
func viewKinds(t *testing.T, size int) map[string]*shmfs.File {
	t.Helper()
	s := scratch(t, "")
	disk := scratch(t, t.TempDir())
	want := viewPattern(size)
	kinds := map[string]*shmfs.File{}
	add := func(name string, f *shmfs.File, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Cleanup(func() { f.Close() })
		kinds[name] = f
	}
	f, err := shmfs.Create(s.Name("view"))
	add("posix", f, err)
	f.Write(want)
	f, err = shmfs.NewFS(disk.Dir).Create(disk.Name("view"))
	add("disk", f, err)
	f.Write(want)
	f, err = shmfs.MemFile("view")
	add("memfd", f, err)
	f.Write(want)
	f, err = shmfs.Create(s.Name("view-private"))
	add("object under the private view", f, err)
	f.Write(want)
	delete(kinds, "object under the private view")
	f, err = shmfs.OpenFile(s.Name("view-private"), os.O_RDWR|shmfs.O_PRIVATE, 0)
	add("private", f, err)
	if seg, err := shmfs.OpenSegment(shmfs.IPC_PRIVATE, size, os.O_RDWR, 0600); err == nil {
		fi, _ := seg.Stat()
		id := fi.Sys().(*shmfs.SegmentInfo).ID
		t.Cleanup(func() { shmfs.RemoveSegment(id) })
		add("segment", seg, nil)
		seg.WriteAt(want, 0)
	}
	// A File that never maps: opened for one pass, through WriteFile's
	// path (a File of a write-only descriptor cannot view); and /proc's
	// kind, through NewFile of a descriptor on a file in /proc.
	return kinds
}

// viewSink keeps loads the compiler would drop.
var viewSink byte

func viewPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

// TestViewBytes: View gives the bytes ReadAt gives, on every kind of File,
// at the edges too; Update's stores are what a later ReadAt reads.
func TestViewBytes(t *testing.T) {
	const size = 3*4096 + 100
	want := viewPattern(size)
	for name, f := range viewKinds(t, size) {
		t.Run(name, func(t *testing.T) {
			for _, r := range []struct{ off, n int }{{0, 0}, {0, 1}, {0, size}, {4095, 2}, {size - 1, 1}, {size, 0}, {100, 8192}} {
				var got []byte
				err := f.View(int64(r.off), r.n, func(b []byte) error {
					got = append([]byte(nil), b...)
					if len(b) != r.n || cap(b) != r.n {
						return fmt.Errorf("len %d cap %d, want %d", len(b), cap(b), r.n)
					}
					return nil
				})
				if err != nil || !bytes.Equal(got, want[r.off:r.off+r.n]) {
					t.Errorf("View(%d, %d) = %v, bytes equal %v", r.off, r.n, err, bytes.Equal(got, want[r.off:r.off+r.n]))
				}
			}
			err := f.Update(4090, 20, func(b []byte) error {
				copy(b, "updated in place....")
				return nil
			})
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			got := make([]byte, 20)
			if _, err := f.ReadAt(got, 4090); err != nil || string(got) != "updated in place...." {
				t.Errorf("ReadAt after Update = %q, %v", got, err)
			}
		})
	}
}

// TestViewDirect: a File that maps nothing (a /proc file) still views,
// through a buffer, and the end is where the kernel says.
func TestViewDirect(t *testing.T) {
	want, err := os.ReadFile("/proc/sys/kernel/ostype")
	if err != nil {
		t.Skip(err)
	}
	fd, err := unix.Open("/proc/sys/kernel/ostype", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skip(err)
	}
	f, err := shmfs.NewFile(uintptr(fd), "ostype")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []byte
	if err := f.View(0, len(want), func(b []byte) error { got = append(got, b...); return nil }); err != nil || !bytes.Equal(got, want) {
		t.Errorf("View of a /proc file = %q, %v; want %q", got, err, want)
	}
	called := false
	if err := f.View(0, len(want)+1, func([]byte) error { called = true; return nil }); !errors.Is(err, io.ErrUnexpectedEOF) || called {
		t.Errorf("View past the end of a /proc file = %v, fn called %v", err, called)
	}
}

// TestViewErrors: arguments, access modes, seals, Close: errors of the
// documented classes, fn not called.
func TestViewErrors(t *testing.T) {
	s := scratch(t, "")
	rw, err := shmfs.Create(s.Name("err"))
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	rw.Write(make([]byte, 100))
	ro, err := shmfs.Open(s.Name("err"))
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	wo, err := shmfs.OpenFile(s.Name("err"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer wo.Close()
	sealed, err := shmfs.MemFile("sealed")
	if err != nil {
		t.Fatal(err)
	}
	defer sealed.Close()
	sealed.Write(make([]byte, 100))
	if err := sealed.Seal(shmfs.SealWrite); err != nil {
		t.Fatal(err)
	}
	closed, _ := shmfs.MemFile("closed")
	closed.Write(make([]byte, 10))
	closed.Close()
	var nilFile *shmfs.File

	nop := func([]byte) error { return nil }
	for _, c := range []struct {
		name   string
		f      *shmfs.File
		update bool
		off    int64
		n      int
		want   error
	}{
		{"negative offset", rw, false, -1, 1, fs.ErrInvalid},
		{"negative length", rw, false, 0, -1, fs.ErrInvalid},
		{"past the end", rw, false, 50, 51, io.ErrUnexpectedEOF},
		{"past the end, offset", rw, false, 101, 0, io.ErrUnexpectedEOF},
		{"overflow", rw, false, 1<<63 - 1, 2, io.ErrUnexpectedEOF},
		{"Update past the end", rw, true, 99, 2, io.ErrUnexpectedEOF},
		{"Update read-only", ro, true, 0, 1, syscall.EBADF},
		{"View write-only", wo, false, 0, 1, syscall.EBADF},
		{"Update write-only", wo, true, 0, 1, syscall.EBADF},
		{"Update sealed", sealed, true, 0, 1, fs.ErrPermission},
		{"View closed", closed, false, 0, 1, fs.ErrClosed},
		{"Update closed", closed, true, 0, 1, fs.ErrClosed},
		{"View nil", nilFile, false, 0, 1, fs.ErrInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			called := false
			fn := func([]byte) error { called = true; return nil }
			var err error
			if c.update {
				err = c.f.Update(c.off, c.n, fn)
			} else {
				err = c.f.View(c.off, c.n, fn)
			}
			if !errors.Is(err, c.want) || called {
				t.Errorf("err = %v, want %v; fn called: %v", err, c.want, called)
			}
			if c.f != nil {
				var pe *fs.PathError
				if !errors.As(err, &pe) {
					t.Errorf("%v is not a *fs.PathError", err)
				}
			}
		})
	}
	if err := rw.View(0, 1, nil); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("View(nil fn) = %v", err)
	}
	// A sealed file still views.
	if err := sealed.View(0, 100, nop); err != nil {
		t.Errorf("View of a sealed file: %v", err)
	}
}

// TestViewFnResults: fn's error comes back with ==; a panic that is not a
// fault on b goes on unchanged, nil pointer dereferences and faults on
// other memory included; the caller's SetPanicOnFault setting survives.
func TestViewFnResults(t *testing.T) {
	f, err := shmfs.MemFile("fn")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(make([]byte, 100))
	mine := errors.New("mine")
	if err := f.View(0, 10, func([]byte) error { return mine }); err != mine {
		t.Errorf("fn's error = %v, want it unchanged", err)
	}
	if err := f.Update(0, 10, func([]byte) error { return mine }); err != mine {
		t.Errorf("Update: fn's error = %v, want it unchanged", err)
	}
	type token struct{ n int }
	for _, c := range []struct {
		name  string
		panic func()
		same  func(any) bool
	}{
		{"value", func() { panic(&token{7}) }, func(r any) bool { tk, ok := r.(*token); return ok && tk.n == 7 }},
		{"nil dereference", func() {
			var p *token
			_ = p.n
		}, func(r any) bool { _, ok := r.(interface{ RuntimeError() }); return ok }},
		{"fault elsewhere", func() {
			// Another mapping, already gone: not the view's.
			b, err := unix.Mmap(-1, 0, 4096, unix.PROT_NONE, unix.MAP_ANON|unix.MAP_PRIVATE)
			if err != nil {
				panic(err)
			}
			viewSink = b[10]
		}, func(r any) bool { _, ok := r.(interface{ Addr() uintptr }); return ok }},
	} {
		for _, mode := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/panicOnFault=%v", c.name, mode), func(t *testing.T) {
				old := debug.SetPanicOnFault(mode)
				defer debug.SetPanicOnFault(old)
				var got any
				func() {
					defer func() { got = recover() }()
					f.View(0, 10, func([]byte) error { c.panic(); return nil })
				}()
				if !c.same(got) {
					t.Errorf("recovered %#v", got)
				}
				if now := debug.SetPanicOnFault(mode); now != mode {
					t.Errorf("SetPanicOnFault was %v after View, want %v", now, mode)
				}
			})
		}
	}
}

// TestViewPeerTruncates: a peer process truncates the object while fn
// reads its far end: View returns an error wrapping io.ErrUnexpectedEOF,
// the process lives, the caller's SetPanicOnFault setting is unchanged.
func TestViewPeerTruncates(t *testing.T) {
	s := scratch(t, "")
	f, err := shmfs.Create(s.Name("peer"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const size = 1 << 20
	f.Write(viewPattern(size))
	for _, mode := range []bool{false, true} {
		f.Truncate(size)
		f.WriteAt(viewPattern(size), 0)
		old := debug.SetPanicOnFault(mode)
		reached := false
		err := f.View(0, size, func(b []byte) error {
			if out, err := childOutput("core-truncate", s.Path("peer"), "100"); err != nil {
				return fmt.Errorf("peer: %v: %s", err, out)
			}
			viewSink = b[size-1] // gone
			reached = true
			return nil
		})
		now := debug.SetPanicOnFault(old)
		if !errors.Is(err, io.ErrUnexpectedEOF) || reached {
			t.Errorf("View across a peer's truncate = %v (fn went on: %v)", err, reached)
		}
		if now != mode {
			t.Errorf("SetPanicOnFault %v after View, want %v", now, mode)
		}
		// Update too, and a write after it grows the object again.
		f.Truncate(size)
		err = f.Update(0, size, func(b []byte) error {
			if out, err := childOutput("core-truncate", s.Path("peer"), "4096"); err != nil {
				return fmt.Errorf("peer: %v: %s", err, out)
			}
			b[size-1] = 1
			return nil
		})
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("Update across a peer's truncate = %v", err)
		}
	}
}

// TestUpdateSeen: what Update stores is seen by an *os.File on the object
// and by a peer process, at once; an O_PRIVATE File's Update is seen by
// neither.
func TestUpdateSeen(t *testing.T) {
	s := scratch(t, "")
	f, err := shmfs.Create(s.Name("seen"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(bytes.Repeat([]byte("."), 64))
	priv, err := shmfs.OpenFile(s.Name("seen"), os.O_RDWR|shmfs.O_PRIVATE, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer priv.Close()
	if err := priv.Update(0, 7, func(b []byte) error { copy(b, "private"); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := f.Update(8, 6, func(b []byte) error { copy(b, "shared"); return nil }); err != nil {
		t.Fatal(err)
	}
	want := "........shared" + string(bytes.Repeat([]byte("."), 50))
	if got, err := os.ReadFile(s.Path("seen")); err != nil || string(got) != want {
		t.Errorf("*os.File reads %q, %v; want %q", got, err, want)
	}
	if out, err := childOutput("reader", s.Name("seen"), want); err != nil {
		t.Errorf("peer: %v: %s", err, out)
	}
	got := make([]byte, 14)
	priv.ReadAt(got, 0)
	if string(got) != "private......." { // its page 0 is its own copy
		t.Errorf("the private File reads %q", got)
	}
}

// TestViewReentrant: fn may call any method of f, Close, Truncate(0), a
// write that grows the object past the reservation and a nested View
// included; the memory fn holds stays mapped (and holds what it held)
// until fn returns.
func TestViewReentrant(t *testing.T) {
	want := viewPattern(8192)
	for _, c := range []struct {
		name string
		call func(f *shmfs.File) error
		// after the call, what fn may still read: the object's bytes, or
		// (after Truncate) a fault, caught
		shrinks bool
	}{
		{"Close", func(f *shmfs.File) error { return f.Close() }, false},
		{"Truncate(0)", func(f *shmfs.File) error { return f.Truncate(0) }, true},
		{"growing write", func(f *shmfs.File) error {
			_, err := f.WriteAt([]byte("far"), 65<<20)
			if err == nil {
				_, err = f.ReadAt(make([]byte, 3), 65<<20) // maps the larger reservation
			}
			return err
		}, false},
		{"nested View", func(f *shmfs.File) error {
			return f.View(0, 8192, func(b []byte) error {
				if !bytes.Equal(b, want) {
					return errors.New("nested View differs")
				}
				return nil
			})
		}, false},
		{"Seal", func(f *shmfs.File) error {
			// A write seal needs this File's writable mapping gone,
			// which fn holds: the kernel says EBUSY.
			if err := f.Seal(shmfs.SealWrite); !errors.Is(err, syscall.EBUSY) {
				return fmt.Errorf("Seal(SealWrite) inside fn = %v, want EBUSY", err)
			}
			return nil
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := shmfs.MemFile("reentrant")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			f.Write(want)
			err = f.View(0, 8192, func(b []byte) error {
				if err := c.call(f); err != nil {
					return err
				}
				if !bytes.Equal(b, want) {
					return errors.New("fn's bytes changed")
				}
				return nil
			})
			switch {
			case c.shrinks:
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("View = %v, want io.ErrUnexpectedEOF after the shrink", err)
				}
			case err != nil:
				t.Errorf("View = %v", err)
			}
		})
	}
}

// TestViewConcurrent: 8 goroutines mix Views and Updates with ReadAt and
// WriteAt while another goroutine truncates and finally closes: every
// call returns bytes of the object or an error of a documented class,
// under -race too.
func TestViewConcurrent(t *testing.T) {
	for round := range 8 {
		f, err := shmfs.MemFile("concurrent")
		if err != nil {
			t.Fatal(err)
		}
		const size = 256 << 10
		f.Write(bytes.Repeat([]byte{'v'}, size))
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 1000)
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					off := int64((g*7919 + i*4099) % (size - 1000))
					var err error
					switch i % 4 {
					case 0:
						err = f.View(off, 1000, func(b []byte) error {
							for _, c := range b {
								if c != 'v' && c != 0 {
									return fmt.Errorf("read %q", c)
								}
							}
							return nil
						})
					case 1:
						err = f.Update(off, 1000, func(b []byte) error {
							for j := range b {
								b[j] = 'v'
							}
							return nil
						})
					case 2:
						_, err = f.ReadAt(buf, off)
					case 3:
						_, err = f.WriteAt(bytes.Repeat([]byte{'v'}, 100), off)
					}
					if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, fs.ErrClosed) && err != io.EOF {
						t.Errorf("round %d: %v", round, err)
						return
					}
					if errors.Is(err, fs.ErrClosed) {
						return
					}
				}
			}()
		}
		for i := range 20 {
			f.Truncate(int64(size - i*4096))
			time.Sleep(100 * time.Microsecond)
			f.Truncate(size)
		}
		f.Close()
		close(stop)
		wg.Wait()
	}
}

// TestViewPastMappingBound: a View past what the core maps (64 GiB on
// 64-bit) goes through a buffer: the same bytes, Update lands.
func TestViewPastMappingBound(t *testing.T) {
	f, err := shmfs.MemFile("bound")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	far := int64(1) << 37 // 128 GiB, sparse
	if _, err := f.WriteAt([]byte("far away"), far); err != nil {
		t.Skipf("a sparse 128 GiB memory file: %v", err)
	}
	var got string
	if err := f.View(far, 8, func(b []byte) error { got = string(b); return nil }); err != nil || got != "far away" {
		t.Errorf("View past the bound = %q, %v", got, err)
	}
	if err := f.Update(far, 3, func(b []byte) error { copy(b, "FAR"); return nil }); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if _, err := f.ReadAt(buf, far); err != nil || string(buf) != "FAR away" {
		t.Errorf("ReadAt after Update past the bound = %q, %v", buf, err)
	}
	// Straddling the bound.
	if err := f.View(far-4, 12, func(b []byte) error { got = string(b); return nil }); err != nil || got != "\x00\x00\x00\x00FAR away" {
		t.Errorf("View straddling = %q, %v", got, err)
	}
}

// TestViewAllocs: a View of a mapped File allocates nothing.
func TestViewAllocs(t *testing.T) {
	f, err := shmfs.MemFile("allocs")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(make([]byte, 1<<16))
	var sum byte
	fn := func(b []byte) error {
		for _, c := range b {
			sum += c
		}
		return nil
	}
	f.View(0, 64, fn) // maps
	if n := testing.AllocsPerRun(100, func() { f.View(128, 64, fn) }); n != 0 {
		t.Errorf("View allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { f.Update(128, 64, fn) }); n != 0 {
		t.Errorf("Update allocates %v times", n)
	}
}

// TestViewFullTmpfs: on a full tmpfs (a 1 MiB one mounted for the test),
// an Update of a hole that cannot be given a page ends with ENOSPC.
func TestViewFullTmpfs(t *testing.T) {
	dir := mountSmallTmpfs(t)
	fsys := shmfs.NewFS(dir)
	f, err := fsys.Create("full")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(4 << 20); err != nil {
		t.Fatal(err)
	}
	err = f.Update(0, 4<<20, func(b []byte) error {
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		return nil
	})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Update filling a full tmpfs = %v, want ENOSPC", err)
	}
	// A View of a hole needs a page too.
	err = f.View(0, 4<<20, func(b []byte) error {
		var sum byte
		for i := 0; i < len(b); i += 4096 {
			sum += b[i]
		}
		_ = sum
		return nil
	})
	if err != nil && !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("View of holes on a full tmpfs = %v, want nil or ENOSPC", err)
	}
}

// mountSmallTmpfs mounts a 1 MiB tmpfs for the test and returns its
// directory, or skips when it cannot.
func mountSmallTmpfs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}
