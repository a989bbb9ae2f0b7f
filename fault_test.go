//go:build linux

package shmfs_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shmfs/shmfs"
)

// TestPeerTruncate: a peer shrinks the object under our mapping. Reads of
// the pages that are gone return what pread returns (io.EOF here), writes
// redo through pwrite (and grow the object again), and the process lives.
func TestPeerTruncate(t *testing.T) {
	s := scratch(t, "")
	f, err := shmfs.Create(s.Name("pt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data := bytes.Repeat([]byte{0xAB}, 64<<10)
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(s.Path("pt"), 100); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	before := shmfs.Faults()
	n, err := f.ReadAt(buf, 32<<10)
	if shmfs.Faults() == before {
		t.Error("reading pages a peer truncated away did not fault: the guard was not exercised")
	}
	if n != 0 || err != io.EOF {
		t.Errorf("ReadAt past the peer's new end = %d, %v; want 0, EOF", n, err)
	}
	n, err = f.ReadAt(buf[:200], 0)
	if n != 100 || err != io.EOF || !bytes.Equal(buf[:100], data[:100]) {
		t.Errorf("ReadAt across the new end = %d, %v; want 100, EOF", n, err)
	}
	n, err = f.WriteAt([]byte("after"), 40<<10)
	if n != 5 || err != nil {
		t.Errorf("WriteAt after the peer's truncate = %d, %v", n, err)
	}
	fi, err := f.Stat()
	if err != nil || fi.Size() != 40<<10+5 {
		t.Errorf("Stat = %v, %v; want size %d", fi, err, 40<<10+5)
	}
	osfi, _ := os.Stat(s.Path("pt"))
	if osfi.Size() != 40<<10+5 {
		t.Errorf("size seen by os = %d", osfi.Size())
	}
}

// TestPanicOnFaultRestored: the fault guard leaves the caller's
// SetPanicOnFault setting as it was, whether or not a fault happened.
func TestPanicOnFaultRestored(t *testing.T) {
	s := scratch(t, "")
	f, err := shmfs.Create(s.Name("pf"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(make([]byte, 8192))
	for _, setting := range []bool{false, true} {
		debug.SetPanicOnFault(setting)
		f.ReadAt(make([]byte, 10), 0)
		os.Truncate(s.Path("pf"), 0)
		f.ReadAt(make([]byte, 10), 5000) // faults
		if got := debug.SetPanicOnFault(false); got != setting {
			t.Errorf("SetPanicOnFault was %v before, %v after", setting, got)
		}
		f.Truncate(8192)
	}
}

// TestPeerHugeSparse: a peer makes the object 1 PiB and sparse. We read and
// write near its end (through pread/pwrite: no 1 PiB reservation), and
// Stat tells the truth.
func TestPeerHugeSparse(t *testing.T) {
	s := scratch(t, "")
	f, err := shmfs.Create(s.Name("huge"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const pib = int64(1) << 50
	if err := os.Truncate(s.Path("huge"), pib); err != nil {
		t.Skipf("tmpfs refuses a 1 PiB size: %v", err)
	}
	n, err := f.WriteAt([]byte("end"), pib-3)
	if n != 3 || err != nil {
		t.Fatalf("WriteAt near 1 PiB = %d, %v", n, err)
	}
	buf := make([]byte, 8)
	n, err = f.ReadAt(buf, pib-5)
	if n != 5 || err != io.EOF || string(buf[:5]) != "\x00\x00end" {
		t.Errorf("ReadAt near 1 PiB = %d, %v, %q", n, err, buf[:n])
	}
	n, err = f.ReadAt(buf, 1<<30) // a hole inside the mapping
	if n != 8 || err != nil || !bytes.Equal(buf, make([]byte, 8)) {
		t.Errorf("ReadAt of a hole = %d, %v, %q", n, err, buf)
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != pib {
		t.Errorf("Stat = %v, %v", fi, err)
	}
	if end, err := f.Seek(0, io.SeekEnd); end != pib || err != nil {
		t.Errorf("Seek end = %d, %v", end, err)
	}
}

// mountTmpfs mounts a tmpfs of the given size on a temporary directory, or
// skips the test when this process may not mount.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount: %v", err)
		}
	})
	return dir
}

// TestTmpfsFull: a full tmpfs gives ENOSPC as an error, keeps what was
// written, and reading or writing holes never kills the process.
func TestTmpfsFull(t *testing.T) {
	dir := mountTmpfs(t, "1m")
	fsys := shmfs.NewFS(dir)
	f, err := fsys.Create("big")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := bytes.Repeat([]byte("z"), 64<<10)
	var written int64
	var werr error
	for i := 0; i < 64; i++ {
		n, err := f.Write(chunk)
		written += int64(n)
		if err != nil {
			werr = err
			break
		}
	}
	if !errors.Is(werr, syscall.ENOSPC) {
		t.Fatalf("writing 4 MiB into a 1 MiB tmpfs: %v, want ENOSPC", werr)
	}
	fi, err := f.Stat()
	if err != nil || fi.Size() != written {
		t.Errorf("size after ENOSPC = %v (%v), want %d written", fi.Size(), err, written)
	}
	got := make([]byte, written)
	if n, err := f.ReadAt(got, 0); int64(n) != written || err != nil || !bytes.Equal(got, bytes.Repeat([]byte("z"), int(written))) {
		t.Errorf("reading back what was written: %d, %v", n, err)
	}
	t.Logf("full tmpfs: wrote %d bytes, then %v", written, werr)

	// A sparse file in the full tmpfs: its holes have no pages to give.
	h, err := fsys.Create("holes")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := h.Truncate(8 << 20); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	h.ReadAt(buf[:1], 0) // the first access maps nothing (see lazyUses); the next one maps
	before := shmfs.Faults()
	n, err := h.ReadAt(buf, 4<<20)
	if shmfs.Faults() == before {
		t.Error("reading a hole in a full tmpfs through the mapping did not fault: the guard was not exercised")
	}
	if n != len(buf) || err != nil || !bytes.Equal(buf, make([]byte, 4096)) {
		t.Errorf("reading a hole in a full tmpfs = %d, %v", n, err)
	}
	t.Logf("full tmpfs: reading a hole: %d, %v", n, err)
	n, err = h.WriteAt([]byte("x"), 6<<20)
	if !errors.Is(err, syscall.ENOSPC) || n != 0 {
		t.Errorf("writing into a hole in a full tmpfs = %d, %v; want ENOSPC", n, err)
	}
	t.Logf("full tmpfs: writing into a hole: %d, %v", n, err)
	n, err = h.WriteAt([]byte("x"), 9<<20)
	if !errors.Is(err, syscall.ENOSPC) || n != 0 {
		t.Errorf("growing in a full tmpfs = %d, %v; want ENOSPC", n, err)
	}
	if fi, _ := h.Stat(); fi.Size() != 8<<20 {
		t.Errorf("a failed grow changed the size to %d", fi.Size())
	}
	t.Logf("full tmpfs: growing: %d, %v", n, err)
}

// TestConcurrentIOAndClose: ReadAt, WriteAt (growing), Truncate and Close
// race; nothing faults, and after Close every call says ErrClosed. Run it
// with -race.
func TestConcurrentIOAndClose(t *testing.T) {
	s := scratch(t, "")
	for round := 0; round < 20; round++ {
		f, err := shmfs.Create(s.Name("race"))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 3000)
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					off := int64((g*7919 + i*4093) % (1 << 22))
					var err error
					switch i % 4 {
					case 0, 1:
						_, err = f.WriteAt(buf, off)
					case 2:
						_, err = f.ReadAt(buf, off)
					case 3:
						_, err = f.Write(buf[:100])
					}
					if err != nil && err != io.EOF && !errors.Is(err, os.ErrClosed) {
						t.Errorf("I/O during close: %v", err)
						return
					}
					if errors.Is(err, os.ErrClosed) {
						return
					}
				}
			}()
		}
		time.Sleep(time.Duration(round%5) * time.Millisecond)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		close(stop)
		wg.Wait()
	}
}

// TestDroppedFileCleanup: a File dropped without Close is unmapped and its
// descriptor closed by the cleanup.
func TestDroppedFileCleanup(t *testing.T) {
	s := scratch(t, "")
	fd := func() uintptr {
		f, err := shmfs.Create(s.Name("drop"))
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("x"))
		return f.Fd()
	}()
	link := "/proc/self/fd/" + itoa(int(fd))
	for i := 0; i < 50; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
		if target, err := os.Readlink(link); err != nil || target != s.Path("drop") {
			return // closed (or reused for something else)
		}
	}
	t.Fatal("descriptor of a dropped File still open")
}

func itoa(i int) string { return string(appendInt(nil, i)) }

func appendInt(b []byte, i int) []byte {
	if i >= 10 {
		b = appendInt(b, i/10)
	}
	return append(b, byte('0'+i%10))
}

// TestCrossProcessTruncate: a child process truncates the object while we
// read it in a loop; the process lives, and reads end with io.EOF.
func TestCrossProcessTruncate(t *testing.T) {
	s := scratch(t, "")
	f, err := shmfs.Create(s.Name("xt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(bytes.Repeat([]byte("d"), 1<<20))
	cmd := exec.Command("truncate", "-s", "0", s.Path("xt"))
	buf := make([]byte, 64<<10)
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			n, err := f.ReadAt(buf, 512<<10)
			if n != 0 || err != io.EOF {
				t.Fatalf("after the peer's truncate: %d, %v", n, err)
			}
			return
		default:
			for off := int64(0); off < 1<<20; off += int64(len(buf)) {
				if _, err := f.ReadAt(buf, off); err != nil && err != io.EOF {
					t.Fatal(err)
				}
			}
		}
	}
}

// TestPeerGrowsPastReservation: a peer grows the object far past our
// mapping's reservation; reads there remap (or use pread) and see the
// peer's bytes, and our writes land where the peer reads them.
func TestPeerGrowsPastReservation(t *testing.T) {
	s := scratch(t, "")
	f, err := shmfs.Create(s.Name("grow"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteAt([]byte("start"), 0)
	buf := make([]byte, 5)
	f.ReadAt(buf, 0) // the second access maps
	peer, err := os.OpenFile(s.Path("grow"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	for _, off := range []int64{1 << 20, 100 << 20, 3 << 30, 70 << 30} {
		if _, err := peer.WriteAt([]byte("peer!"), off); err != nil {
			t.Fatal(err)
		}
		n, err := f.ReadAt(buf, off)
		if n != 5 || err != nil || string(buf) != "peer!" {
			t.Fatalf("ReadAt(%d) after the peer grew the object = %d, %v, %q", off, n, err, buf)
		}
		if _, err := f.WriteAt([]byte("ours!"), off-5); err != nil {
			t.Fatal(err)
		}
		if _, err := peer.ReadAt(buf, off-5); err != nil || string(buf) != "ours!" {
			t.Fatalf("peer read %q, %v at %d", buf, err, off-5)
		}
	}
}
