//go:build linux

package shmfs_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shmfs/shmfs"
)

// Regression tests for what a review of the core, the views and the
// coordination found.

// TestWakeHugeN: Wake(off, n) with n past the futex's int wakes everyone,
// not one.
func TestWakeHugeN(t *testing.T) {
	f, _, _ := coordFile(t, 4096)
	for _, n := range []int{math.MaxInt, 1 << 32, 1 << 31} {
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() { defer wg.Done(); f.Wait(0, 0, 5*time.Second) }()
		}
		woke := 0
		deadline := time.Now().Add(5 * time.Second)
		for woke < 3 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
			k, err := f.Wake(0, n)
			if err != nil {
				t.Fatal(err)
			}
			woke += k
		}
		wg.Wait()
		if woke != 3 {
			t.Errorf("Wake(%d) woke %d of 3 waiters", n, woke)
		}
	}
}

// TestWaitHugeTimeout: a timeout too long for the kernel's clock means no
// limit, not an error.
func TestWaitHugeTimeout(t *testing.T) {
	f, _, _ := coordFile(t, 4096)
	got := make(chan error, 1)
	go func() { got <- f.Wait(0, 0, math.MaxInt64) }()
	time.Sleep(30 * time.Millisecond)
	select {
	case err := <-got:
		t.Fatalf("Wait(MaxInt64) returned at once: %v", err)
	default:
	}
	f.StoreUint32(0, 1)
	f.Wake(0, 1)
	if err := <-got; err != nil {
		t.Errorf("Wait(MaxInt64) woken = %v", err)
	}
}

// TestSealRacesUpdate: Updates and word stores running while the File is
// sealed against writes: no data race (run with -race), and once the seal
// is in, writes fail with EPERM.
func TestSealRacesUpdate(t *testing.T) {
	f, err := shmfs.MemFile("seal-race")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(make([]byte, 8192))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			f.Update(0, 64, func(b []byte) error { b[0]++; return nil })
			f.StoreUint32(128, 1)
		}
	}()
	time.Sleep(5 * time.Millisecond)
	sealErr := f.Seal(shmfs.SealWrite)
	close(stop)
	wg.Wait()
	if sealErr != nil && !errors.Is(sealErr, syscall.EBUSY) {
		t.Fatalf("Seal: %v", sealErr)
	}
	if sealErr == nil {
		if err := f.Update(0, 1, func([]byte) error { return nil }); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("Update after SealWrite = %v", err)
		}
		if err := f.StoreUint32(128, 2); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("StoreUint32 after SealWrite = %v", err)
		}
	}
}

// TestWriteToDatagram: WriteTo to a UDP socket goes through a buffer (one
// datagram per 32 KiB, as *os.File's), not in 4 MiB writes.
func TestWriteToDatagram(t *testing.T) {
	s := scratch(t, "")
	f, err := shmfs.Create(s.Name("udp"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(make([]byte, 200<<10))
	f.ReadAt(make([]byte, 1), 0)
	o, err := os.Open(s.Path("udp"))
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	l, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Skip(err)
	}
	defer l.Close()
	l.SetReadBuffer(4 << 20)
	var ns [2]int64
	var errs [2]error
	for i, src := range []io.ReadSeeker{f, o} {
		c, err := net.DialUDP("udp", nil, l.LocalAddr().(*net.UDPAddr))
		if err != nil {
			t.Fatal(err)
		}
		src.Seek(0, io.SeekStart)
		ns[i], errs[i] = src.(io.WriterTo).WriteTo(c)
		c.Close()
	}
	if ns[0] != ns[1] || (errs[0] == nil) != (errs[1] == nil) {
		t.Errorf("WriteTo(UDP): shmfs %d, %v; *os.File %d, %v", ns[0], errs[0], ns[1], errs[1])
	}
}

// TestWriteToPipePeerShrinks: a peer shrinks the object under a WriteTo to
// a pipe (an *os.File): the kernel says EFAULT for the page that is gone,
// and WriteTo goes on through the copying path, sending up to the new end
// without an error.
func TestWriteToPipePeerShrinks(t *testing.T) {
	s := scratch(t, "")
	const size = 16 << 20
	f, err := shmfs.Create(s.Name("wtpipe"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(viewPattern(size))
	f.ReadAt(make([]byte, 1), 0)
	f.Seek(0, io.SeekStart)
	pp := startPeer(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 64<<10)
		truncated := false
		for {
			n, err := r.Read(buf)
			got = append(got, buf[:n]...)
			if len(got) >= 1<<20 && !truncated {
				truncated = true
				pp.truncate(t, s.Path("wtpipe"), 3<<20)
			}
			if err != nil {
				return
			}
		}
	}()
	n, err := f.WriteTo(w)
	w.Close()
	wg.Wait()
	r.Close()
	if err != nil || n != int64(len(got)) || n < 3<<20 {
		t.Errorf("WriteTo(pipe) across a shrink = %d, %v; the reader got %d", n, err, len(got))
	}
	if !bytes.Equal(got[:3<<20], viewPattern(3<<20)) {
		t.Errorf("the bytes before the new end differ")
	}
}

// TestReadFromPeerShrinks: a peer shrinks the object between the chunks
// a pipe writes into it: ReadFrom's bytes all land, and the object ends
// as *os.File's ReadFrom leaves its twin.
func TestReadFromPeerShrinks(t *testing.T) {
	s := scratch(t, "")
	pp := startPeer(t)
	var sizes [2]int64
	var ns [2]int64
	var contents [2][]byte
	for i, name := range []string{"rfs", "rfs-os"} {
		var dst interface {
			io.ReaderFrom
			io.Writer
			io.Seeker
			io.Closer
		}
		var err error
		if i == 0 {
			var f *shmfs.File
			f, err = shmfs.Create(s.Name(name))
			if err == nil {
				f.Write(make([]byte, 4<<20))
				f.ReadAt(make([]byte, 1), 0)
			}
			dst = f
		} else {
			var o *os.File
			o, err = os.OpenFile(s.Path(name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
			if err == nil {
				o.Write(make([]byte, 4<<20))
			}
			dst = o
		}
		if err != nil {
			t.Fatal(err)
		}
		dst.Seek(100, io.SeekStart)
		r, w, _ := os.Pipe()
		go func() {
			w.Write(bytes.Repeat([]byte("a"), 64<<10))
			time.Sleep(10 * time.Millisecond)
			pp.truncate(t, s.Path(name), 5000)
			w.Write(bytes.Repeat([]byte("b"), 64<<10))
			w.Close()
		}()
		n, err := dst.ReadFrom(r)
		r.Close()
		dst.Close()
		if err != nil {
			t.Errorf("%T.ReadFrom across a peer's shrink: %v", dst, err)
		}
		ns[i] = n
		contents[i], _ = os.ReadFile(s.Path(name))
		sizes[i] = int64(len(contents[i]))
	}
	// The shrink lands between the pipe's two writes, so both readers
	// see it at the same point only if the timing agrees; what must hold
	// for both: every byte read is in the object, where it was written.
	for i := range 2 {
		if ns[i] != 128<<10 {
			t.Errorf("impl %d: ReadFrom = %d bytes, want %d", i, ns[i], 128<<10)
		}
		got := contents[i]
		if int64(len(got)) < 100+128<<10 {
			t.Errorf("impl %d: the object is %d bytes, short of the %d written", i, len(got), 100+128<<10)
			continue
		}
		if !bytes.Equal(got[100:100+64<<10], bytes.Repeat([]byte("a"), 64<<10)) && !bytes.Equal(got[100:5000], bytes.Repeat([]byte("a"), 4900)) {
			t.Errorf("impl %d: the first chunk is not in the object", i)
		}
		if !bytes.Equal(got[100+64<<10:100+128<<10], bytes.Repeat([]byte("b"), 64<<10)) {
			t.Errorf("impl %d: the second chunk is not in the object", i)
		}
	}
}

// TestLockSharedDescriptionClose: closing one of two Files that share an
// open file description leaves the lock held, as closing a dup does.
func TestLockSharedDescriptionClose(t *testing.T) {
	a, name, _ := coordFile(t, 4096)
	fd, err := syscall.Dup(int(a.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	twin, err := shmfs.NewFile(uintptr(fd), "twin")
	if err != nil {
		t.Fatal(err)
	}
	other, err := shmfs.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := a.Lock(); err != nil {
		t.Fatal(err)
	}
	if ok, err := twin.TryLock(); !ok || err != nil {
		t.Fatalf("twin.TryLock = %v, %v", ok, err)
	}
	twin.Close()
	if ok, _ := other.TryLock(); ok {
		t.Errorf("closing the twin released the lock a still holds")
	}
	a.Close()
	if ok, _ := other.TryLock(); !ok {
		t.Errorf("closing the last File did not release the lock")
	}
}

// TestViewStoreReadOnly: a store into a View's bytes on a read-only File
// faults, and View says EFAULT (not that the object shrank).
func TestViewStoreReadOnly(t *testing.T) {
	_, name, _ := coordFile(t, 4096)
	ro, err := shmfs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	err = ro.View(0, 10, func(b []byte) error { b[0] = 'x'; return nil })
	if !errors.Is(err, syscall.EFAULT) || errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a store into a read-only View = %v, want EFAULT", err)
	}
}

// TestUpdateClosesInside: an Update whose fn closes the File returns fn's
// result: the stores landed.
func TestUpdateClosesInside(t *testing.T) {
	f, _, path := coordFile(t, 4096)
	err := f.Update(0, 5, func(b []byte) error {
		copy(b, "hello")
		return f.Close()
	})
	if err != nil {
		t.Errorf("Update that closes inside fn = %v", err)
	}
	if got, _ := os.ReadFile(path); !strings.HasPrefix(string(got), "hello") {
		t.Errorf("the object starts %q", got[:5])
	}
}

// TestPrivateFullTmpfs: an O_PRIVATE view of a sparse object on a full
// tmpfs: ReadAt of the holes reads zeros as *os.File does (pread stands in
// for the pages that fault), and a View that needs a page says ENOSPC.
func TestPrivateFullTmpfs(t *testing.T) {
	dir := mountSmallTmpfs(t)
	fsys := shmfs.NewFS(dir)
	fill, err := fsys.Create("fill")
	if err != nil {
		t.Fatal(err)
	}
	defer fill.Close()
	if err := fsys.WriteFile("sparse", nil, 0600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(dir+"/sparse", 4<<20); err != nil {
		t.Fatal(err)
	}
	fill.Write(make([]byte, 2<<20)) // fills the tmpfs (ENOSPC part way)
	p, err := fsys.OpenFile("sparse", os.O_RDWR|shmfs.O_PRIVATE, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	buf := make([]byte, 64<<10)
	if n, err := p.ReadAt(buf, 1<<20); n != len(buf) || err != nil || !bytes.Equal(buf, make([]byte, len(buf))) {
		t.Errorf("ReadAt of a hole through a private view on a full tmpfs = %d, %v", n, err)
	}
	err = p.View(0, 4<<20, func(b []byte) error {
		var sum byte
		for i := 0; i < len(b); i += 4096 {
			sum += b[i]
		}
		_ = sum
		return nil
	})
	if err != nil && !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("View of holes through a private view on a full tmpfs = %v, want nil or ENOSPC", err)
	}
}

// TestWordErrorsAfterShrink: a word past a peer's shrink is not inside the
// file: fs.ErrInvalid, the first time (a fault) and after (the size known).
func TestWordErrorsAfterShrink(t *testing.T) {
	f, _, path := coordFile(t, 1<<20)
	f.StoreUint64(1<<20-8, 1)
	if err := os.Truncate(path, 4096); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := f.LoadUint64(1<<20 - 8); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Load %d past a shrink = %v, want fs.ErrInvalid", i, err)
		}
	}
}

// TestSegmentFullIsEFBIG: a write that a fixed-size segment cuts short
// writes what fits and returns an error wrapping syscall.EFBIG, as a file
// at its size limit does.
func TestSegmentFullIsEFBIG(t *testing.T) {
	seg, err := shmfs.OpenSegment(shmfs.IPC_PRIVATE, 100, os.O_RDWR, 0600)
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := seg.Stat()
	defer shmfs.RemoveSegment(fi.Sys().(*shmfs.SegmentInfo).ID)
	defer seg.Close()
	for _, c := range []struct {
		off  int64
		n    int
		want int
	}{{90, 20, 10}, {100, 1, 0}, {1 << 40, 1, 0}} {
		n, err := seg.WriteAt(make([]byte, c.n), c.off)
		var pe *fs.PathError
		if n != c.want || !errors.Is(err, syscall.EFBIG) || !errors.As(err, &pe) || pe.Op != "write" {
			t.Errorf("WriteAt(%d bytes, %d) = %d, %v; want %d and a write error wrapping EFBIG", c.n, c.off, n, err, c.want)
		}
	}
	if _, err := seg.Seek(95, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if n, err := seg.Write(make([]byte, 10)); n != 5 || !errors.Is(err, syscall.EFBIG) {
		t.Errorf("Write past the end = %d, %v", n, err)
	}
}
