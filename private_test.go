//go:build linux

package shmfs_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"github.com/shmfs/shmfs"
	"github.com/shmfs/shmfs/testing/shmfstest"
	"golang.org/x/sys/unix"
)

// privateContent is what the object holds: three pages and a bit, each page
// telling which it is.
func privateContent() []byte {
	var b []byte
	for i := 0; i < 3; i++ {
		b = append(b, bytes.Repeat([]byte{'A' + byte(i)}, 4096)...)
	}
	return append(b, "tail"...)
}

// privatePair creates the object (holding content) and returns its name,
// a shared File on it, and a private view of it opened with flag|O_PRIVATE.
func privatePair(t *testing.T, content []byte, flag int) (string, *shmfs.File, *shmfs.File) {
	t.Helper()
	s := scratch(t, "")
	name := "/" + s.Name("private")
	shared, err := shmfs.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shared.Close() })
	if _, err := shared.Write(content); err != nil {
		t.Fatal(err)
	}
	p, err := shmfs.OpenFile(name, flag|shmfs.O_PRIVATE, 0)
	if err != nil {
		t.Fatalf("OpenFile(O_PRIVATE): %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return name, shared, p
}

func privateRead(t *testing.T, f *shmfs.File, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	k, err := f.ReadAt(b, 0)
	if err != nil && err != io.EOF {
		t.Fatalf("ReadAt: %v", err)
	}
	return b[:k]
}

func TestPrivateIsolation(t *testing.T) {
	want := privateContent()
	name, shared, p := privatePair(t, want, os.O_RDWR)
	if got := privateRead(t, p, len(want)+10); !bytes.Equal(got, want) {
		t.Fatalf("the private view reads other bytes than the object")
	}
	if fi, err := p.Stat(); err != nil || fi.Size() != int64(len(want)) {
		t.Errorf("Stat = %v, %v", fi, err)
	}
	if off, err := p.Seek(0, io.SeekEnd); err != nil || off != int64(len(want)) {
		t.Errorf("Seek(0, end) = %d, %v", off, err)
	}

	// Writes stay in the view: page 0 and the tail.
	if n, err := p.WriteAt([]byte("private!"), 10); err != nil || n != 8 {
		t.Fatalf("WriteAt in the private view: %d, %v", n, err)
	}
	p.Seek(int64(len(want)-4), io.SeekStart)
	if n, err := p.Write([]byte("TAIL")); err != nil || n != 4 {
		t.Fatalf("Write of the last bytes: %d, %v", n, err)
	}
	mine := bytes.Clone(want)
	copy(mine[10:], "private!")
	copy(mine[len(mine)-4:], "TAIL")
	if got := privateRead(t, p, len(want)); !bytes.Equal(got, mine) {
		t.Errorf("the private view does not read its own writes")
	}
	if got, _ := os.ReadFile("/dev/shm" + name); !bytes.Equal(got, want) {
		t.Errorf("the object (read with package os) changed")
	}
	if got := privateRead(t, shared, len(want)); !bytes.Equal(got, want) {
		t.Errorf("a shared File on the object sees the private writes")
	}
	o, err := shmfs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	if got := privateRead(t, o, len(want)); !bytes.Equal(got, want) {
		t.Errorf("a File opened afterwards sees the private writes")
	}
	o.Close()
	// Another process sees the object, not the view.
	cmd := shmfstest.Command("reader", name, string(want)) // crossproc_test.go: the object must hold exactly want
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Errorf("another process: %v\n%s", err, stderr.Bytes())
	}

	// Sync and Flush are harmless: nothing reaches the object.
	for what, err := range map[string]error{"Sync": p.Sync(), "Flush(true)": p.Flush(true), "Flush(false)": p.Flush(false)} {
		if err != nil {
			t.Errorf("%s on a private view: %v", what, err)
		}
	}
	if got, _ := os.ReadFile("/dev/shm" + name); !bytes.Equal(got, want) {
		t.Errorf("Sync or Flush wrote the private bytes to the object")
	}

	// The object's later changes show through the pages the view has not
	// written (Linux's MAP_PRIVATE), not through those it has.
	shared.WriteAt([]byte("object page 1"), 4096)
	shared.WriteAt([]byte("OBJECT"), 10)
	got := privateRead(t, p, len(want))
	if string(got[4096:4096+13]) != "object page 1" {
		t.Errorf("an untouched page does not show the object's change: %q", got[4096:4096+13])
	}
	if string(got[10:18]) != "private!" {
		t.Errorf("a written page shows the object's change: %q", got[10:18])
	}

	// Closing the view drops its writes.
	p.Close()
	q, err := shmfs.OpenFile(name, os.O_RDWR|shmfs.O_PRIVATE, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	got = privateRead(t, q, len(want))
	if string(got[10:16]) != "OBJECT" || string(got[len(got)-4:]) != "tail" {
		t.Errorf("a new private view reads %q...%q", got[10:16], got[len(got)-4:])
	}
}

func TestPrivateSize(t *testing.T) {
	want := privateContent()
	name, _, p := privatePair(t, want, os.O_RDWR)
	size := int64(len(want))
	objectSize := func() int64 {
		fi, err := os.Stat("/dev/shm" + name)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	// The view cannot grow the object, nor itself.
	for _, off := range []int64{size, size - 2, size + 4096, 1 << 30} {
		n, err := p.WriteAt([]byte("grow"), off)
		t.Logf("WriteAt(4 bytes, %d) on a private view of %d bytes: %d, %v", off, size, n, err)
		if err == nil {
			t.Errorf("WriteAt(%d) past the end of a private view succeeded", off)
		}
		var pe *fs.PathError
		if !errors.As(err, &pe) || pe.Op != "write" {
			t.Errorf("WriteAt(%d): %v is not a *fs.PathError \"write\"", off, err)
		}
	}
	p.Seek(0, io.SeekEnd)
	if _, err := p.Write([]byte("more")); err == nil {
		t.Errorf("Write at the end of a private view succeeded")
	}
	if _, err := p.ReadFrom(bytes.NewReader([]byte("more"))); err == nil {
		t.Errorf("ReadFrom at the end of a private view succeeded")
	}
	for _, n := range []int64{0, size / 2, size + 1, size} {
		err := p.Truncate(n)
		t.Logf("Truncate(%d) on a private view of %d bytes: %v", n, size, err)
		var pe *fs.PathError
		if n != size && (!errors.As(err, &pe) || pe.Op != "truncate") {
			t.Errorf("Truncate(%d) on a private view = %v, want a *fs.PathError \"truncate\"", n, err)
		}
	}
	if objectSize() != size {
		t.Errorf("the object's size changed to %d", objectSize())
	}
	if fi, _ := p.Stat(); fi.Size() != size {
		t.Errorf("the view's size changed to %d", fi.Size())
	}
	if got := privateRead(t, p, len(want)+1); !bytes.Equal(got, want) {
		t.Errorf("refused writes changed the view")
	}
}

// TestPrivateAppend: a private view opened with O_APPEND must not append to
// the object either: OpenFile may refuse the combination (EINVAL, as for
// O_WRONLY), or the view's writes past its end fail as any other's do.
func TestPrivateAppend(t *testing.T) {
	want := privateContent()
	name, _, _ := privatePair(t, want, os.O_RDWR)
	p, err := shmfs.OpenFile(name, os.O_RDWR|os.O_APPEND|shmfs.O_PRIVATE, 0)
	if err != nil {
		mfWantErr(t, "OpenFile(O_RDWR|O_APPEND|O_PRIVATE)", err, "open", syscall.EINVAL)
		return
	}
	defer p.Close()
	n, err := p.Write([]byte("appended"))
	t.Logf("Write on an O_APPEND|O_PRIVATE view: %d, %v", n, err)
	got, rerr := os.ReadFile("/dev/shm" + name)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("an O_APPEND|O_PRIVATE view wrote into the object: it now holds %d bytes (want %d) ending %q",
			len(got), len(want), got[max(len(got)-12, 0):])
	}
	if err == nil {
		t.Errorf("Write on an O_APPEND|O_PRIVATE view succeeded (%d bytes)", n)
	}
}

func TestPrivateModes(t *testing.T) {
	want := privateContent()
	name, shared, _ := privatePair(t, want, os.O_RDWR)

	_, err := shmfs.OpenFile(name, os.O_WRONLY|shmfs.O_PRIVATE, 0)
	mfWantErr(t, "OpenFile(O_WRONLY|O_PRIVATE)", err, "open", syscall.EINVAL)

	r, err := shmfs.OpenFile(name, os.O_RDONLY|shmfs.O_PRIVATE, 0)
	if err != nil {
		t.Fatalf("OpenFile(O_RDONLY|O_PRIVATE): %v", err)
	}
	defer r.Close()
	if got := privateRead(t, r, len(want)); !bytes.Equal(got, want) {
		t.Errorf("read-only private view reads other bytes")
	}
	_, err = r.WriteAt([]byte("x"), 0)
	mfWantErr(t, "WriteAt on an O_RDONLY|O_PRIVATE view", err, "write", syscall.EBADF)

	// O_TRUNC would change the object, which a private view never does:
	// refused before anything is opened, and the object keeps its bytes.
	for _, flag := range []int{os.O_RDWR | os.O_TRUNC, os.O_RDONLY | os.O_TRUNC, os.O_RDWR | os.O_CREATE | os.O_TRUNC} {
		_, err = shmfs.OpenFile(name, flag|shmfs.O_PRIVATE, 0)
		mfWantErr(t, fmt.Sprintf("OpenFile(%#x|O_PRIVATE)", flag), err, "open", errors.ErrUnsupported)
	}
	if got := privateRead(t, shared, len(want)); !bytes.Equal(got, want) {
		t.Errorf("after OpenFile(O_TRUNC|O_PRIVATE) the object changed")
	}
	if fi, err := shared.Stat(); err != nil || fi.Size() != int64(len(want)) {
		t.Errorf("after OpenFile(O_TRUNC|O_PRIVATE): Stat = %v, %v; want %d bytes", fi, err, len(want))
	}

	// The flag collides with none of os's (nor Linux's open(2) flags).
	all := os.O_RDONLY | os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREATE | os.O_EXCL | os.O_SYNC | os.O_TRUNC |
		unix.O_ASYNC | unix.O_CLOEXEC | unix.O_DIRECT | unix.O_DIRECTORY | unix.O_DSYNC | unix.O_LARGEFILE |
		unix.O_NOATIME | unix.O_NOCTTY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_PATH | unix.O_TMPFILE
	if shmfs.O_PRIVATE&all != 0 {
		t.Errorf("O_PRIVATE %#x collides with an open flag (%#x)", shmfs.O_PRIVATE, shmfs.O_PRIVATE&all)
	}
}

// TestPrivatePeerTruncate: the object shrinks under a private view. The
// kernel drops every page of the view past the new end, the ones the view
// wrote included (truncate unmaps private copies too), so reading them is an
// error or io.EOF — never a crash — and writing them is refused.
func TestPrivatePeerTruncate(t *testing.T) {
	want := privateContent()
	_, shared, p := privatePair(t, want, os.O_RDWR)
	p.WriteAt([]byte("mine"), 0)
	privateRead(t, p, len(want)) // map every page
	if err := shared.Truncate(0); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	for _, off := range []int64{0, 8192, 0} {
		n, err := p.ReadAt(b, off)
		t.Logf("ReadAt(4 bytes, %d) after the object shrank to 0: %d, %v", off, n, err)
		if n != 0 || err != io.EOF {
			t.Errorf("ReadAt(%d) of a page that is gone: %q, %v; want 0, EOF", off, b[:n], err)
		}
	}
	n, err := p.WriteAt([]byte("x"), 8192)
	t.Logf("WriteAt into a page that is gone: %d, %v", n, err)
	if err == nil {
		t.Errorf("WriteAt into a page that is gone succeeded")
	}
	if _, err := p.Stat(); err != nil {
		t.Errorf("Stat: %v", err)
	}
}

// TestPrivateDir: O_PRIVATE works the same on an FS over any directory.
func TestPrivateDir(t *testing.T) {
	dir := t.TempDir()
	want := privateContent()
	if err := os.WriteFile(filepath.Join(dir, "f"), want, 0600); err != nil {
		t.Fatal(err)
	}
	p, err := shmfs.NewFS(dir).OpenFile("f", os.O_RDWR|shmfs.O_PRIVATE, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.WriteAt([]byte("private"), 100)
	if err := p.Sync(); err != nil {
		t.Errorf("Sync: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "f")); !bytes.Equal(got, want) {
		t.Errorf("the file on disk changed")
	}
	if got := privateRead(t, p, len(want)); string(got[100:107]) != "private" {
		t.Errorf("the view lost its write")
	}
}

// TestPrivateConcurrent: goroutines read and write one private view.
func TestPrivateConcurrent(t *testing.T) {
	want := privateContent()
	name, _, p := privatePair(t, want, os.O_RDWR)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := make([]byte, 64)
			mark := bytes.Repeat([]byte{'0' + byte(g)}, 64)
			for i := 0; i < 200; i++ {
				off := int64(g*1024 + i%16*64)
				if _, err := p.WriteAt(mark, off); err != nil {
					t.Error(err)
					return
				}
				if _, err := p.ReadAt(b, off); err != nil || !bytes.Equal(b, mark) {
					t.Errorf("read back %q, %v", b, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got, _ := os.ReadFile("/dev/shm" + name); !bytes.Equal(got, want) {
		t.Errorf("the object changed")
	}
}
