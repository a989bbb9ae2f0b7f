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
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shmfs/shmfs"
	"github.com/shmfs/shmfs/testing/shmfstest"
)

// Every segment a test makes is removed by a cleanup registered the moment
// it exists (segRemove), so ipcs -m shows nothing new after the suite, even
// when a test fails half way.

// segRemove removes the segment id when t ends; a segment already gone is
// fine.
func segRemove(t testing.TB, id int) {
	t.Helper()
	t.Cleanup(func() {
		if err := shmfs.RemoveSegment(id); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("RemoveSegment(%d): %v", id, err)
		}
	})
}

// segInfo returns the *SegmentInfo of f's Stat.
func segInfo(t testing.TB, f *shmfs.File) *shmfs.SegmentInfo {
	t.Helper()
	fi, err := f.Stat()
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	info, ok := fi.Sys().(*shmfs.SegmentInfo)
	if !ok {
		t.Fatalf("Stat().Sys() is %T, want *shmfs.SegmentInfo", fi.Sys())
	}
	return info
}

// segPrivate creates an IPC_PRIVATE segment, removed when t ends.
func segPrivate(t testing.TB, size int, perm fs.FileMode) (*shmfs.File, int) {
	t.Helper()
	f, err := shmfs.OpenSegment(shmfs.IPC_PRIVATE, size, os.O_RDWR, perm)
	if errors.Is(err, syscall.ENOSYS) {
		t.Skipf("no System V IPC: %v", err)
	}
	if err != nil {
		t.Fatalf("OpenSegment(IPC_PRIVATE, %d): %v", size, err)
	}
	id := segInfo(t, f).ID
	segRemove(t, id)
	t.Cleanup(func() { f.Close() })
	return f, id
}

// segKeyed creates a segment under a fresh random key, removed when t ends.
func segKeyed(t testing.TB, size int, perm fs.FileMode) (f *shmfs.File, key, id int) {
	t.Helper()
	for range 100 {
		// Keys with a top byte of 0x5e: Ftok would need projID 0x5e.
		key = 0x5e000000 | rand.IntN(1<<24)
		var err error
		f, err = shmfs.OpenSegment(key, size, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if errors.Is(err, syscall.ENOSYS) {
			t.Skipf("no System V IPC: %v", err)
		}
		if err != nil {
			t.Fatalf("OpenSegment(%#x, %d, O_CREATE|O_EXCL): %v", key, size, err)
		}
		id = segInfo(t, f).ID
		segRemove(t, id)
		t.Cleanup(func() { f.Close() })
		return f, key, id
	}
	t.Fatal("no free key in 100 tries")
	return nil, 0, 0
}

// findSegment returns id's entry in Segments, or nil.
func findSegment(t testing.TB, id int) *shmfs.SegmentInfo {
	t.Helper()
	list, err := shmfs.Segments()
	if err != nil {
		t.Fatalf("Segments: %v", err)
	}
	for i := range list {
		if list[i].ID == id {
			return &list[i]
		}
	}
	return nil
}

// wantErr checks err is a *fs.PathError with op that matches target.
func wantErr(t testing.TB, what string, err error, op string, target error) {
	t.Helper()
	var pe *fs.PathError
	switch {
	case err == nil:
		t.Errorf("%s: no error, want %v", what, target)
	case !errors.As(err, &pe):
		t.Errorf("%s: error %v (%T) is not a *fs.PathError", what, err, err)
	case pe.Op != op:
		t.Errorf("%s: op %q, want %q (%v)", what, pe.Op, op, err)
	case !errors.Is(err, target):
		t.Errorf("%s: error %v does not match %v", what, err, target)
	}
}

// TestSegmentPrivate: an IPC_PRIVATE segment is a File with the segment's
// Stat, Chmod, I/O and Close; Close detaches and leaves the segment.
func TestSegmentPrivate(t *testing.T) {
	// The kernel keeps whole seconds, and a loaded machine may take one
	// between here and shmat.
	start := time.Now().Truncate(time.Second).Add(-time.Second)
	f, id := segPrivate(t, 10000, 0600)
	if got, want := f.Name(), "shmid:"+strconv.Itoa(id); got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != 10000 || fi.Mode() != 0600 || fi.IsDir() || fi.Name() != f.Name() || fi.ModTime().Before(start) {
		t.Errorf("Stat = %v (mod time %v)", fi, fi.ModTime())
	}
	info := fi.Sys().(*shmfs.SegmentInfo)
	want := shmfs.SegmentInfo{
		Key: 0, ID: id, Size: 10000, Mode: 0600, UID: os.Geteuid(), GID: os.Getegid(),
		CreatorPID: os.Getpid(), LastPID: os.Getpid(), Attached: 1,
		AttachTime: info.AttachTime, ChangeTime: info.ChangeTime,
	}
	if *info != want {
		t.Errorf("SegmentInfo = %+v\nwant %+v", *info, want)
	}
	if info.AttachTime.Before(start) || info.ChangeTime.Before(start) || !info.DetachTime.IsZero() {
		t.Errorf("times: attach %v, detach %v, change %v", info.AttachTime, info.DetachTime, info.ChangeTime)
	}
	if f.Fd() != ^uintptr(0) {
		t.Errorf("Fd = %d, want ^uintptr(0): a segment has no descriptor", f.Fd())
	}

	// New memory is zeros; I/O has os semantics inside the size.
	buf := make([]byte, 10000)
	if n, err := f.ReadAt(buf, 0); n != 10000 || err != nil || !bytes.Equal(buf, make([]byte, 10000)) {
		t.Fatalf("ReadAt new segment = %d, %v (zeros: %v)", n, err, bytes.Equal(buf, make([]byte, 10000)))
	}
	if n, err := f.WriteString("hello, segment"); n != 14 || err != nil {
		t.Fatalf("WriteString = %d, %v", n, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 14)
	if _, err := io.ReadFull(f, got); err != nil || string(got) != "hello, segment" {
		t.Fatalf("Read = %q, %v", got, err)
	}
	for _, async := range []bool{false, true} {
		if err := f.Flush(async); err != nil {
			t.Errorf("Flush(%v): %v", async, err)
		}
	}
	if err := f.Sync(); err != nil {
		t.Errorf("Sync: %v", err)
	}
	for _, d := range []func(time.Time) error{f.SetDeadline, f.SetReadDeadline, f.SetWriteDeadline} {
		if err := d(time.Now()); !errors.Is(err, os.ErrNoDeadline) {
			t.Errorf("Set*Deadline = %v, want os.ErrNoDeadline", err)
		}
	}

	// Chmod is IPC_SET of the permission bits.
	if err := f.Chmod(0640); err != nil {
		t.Fatalf("Chmod: %v", err)
	}
	if info := segInfo(t, f); info.Mode != 0640 {
		t.Errorf("after Chmod(0640): mode %v", info.Mode)
	}

	// Close detaches; the segment and its bytes stay.
	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wantErr(t, "second Close", f.Close(), "close", fs.ErrClosed)
	_, err = f.Read(buf)
	wantErr(t, "Read after Close", err, "read", fs.ErrClosed)
	_, err = f.WriteAt(buf[:1], 0)
	wantErr(t, "WriteAt after Close", err, "write", fs.ErrClosed)
	_, err = f.Stat()
	wantErr(t, "Stat after Close", err, "stat", fs.ErrClosed)
	wantErr(t, "Chmod after Close", f.Chmod(0600), "chmod", fs.ErrClosed)
	wantErr(t, "Truncate after Close", f.Truncate(10000), "truncate", fs.ErrClosed)
	_, err = f.Seek(0, io.SeekEnd)
	wantErr(t, "Seek after Close", err, "seek", fs.ErrClosed)
	if f.Fd() != ^uintptr(0) {
		t.Errorf("Fd after Close = %d", f.Fd())
	}

	s := findSegment(t, id)
	if s == nil {
		t.Fatalf("segment %d gone after Close: Close must only detach", id)
	}
	if s.Attached != 0 || s.DetachTime.IsZero() || s.Removed {
		t.Errorf("after Close: %+v", *s)
	}
	g, err := shmfs.AttachSegment(id, os.O_RDONLY)
	if err != nil {
		t.Fatalf("AttachSegment after Close: %v", err)
	}
	defer g.Close()
	if _, err := g.ReadAt(got, 0); err != nil || string(got) != "hello, segment" {
		t.Errorf("ReadAt through a new attach = %q, %v", got, err)
	}
}

// TestSegmentKeyed: a keyed segment is found by key; O_CREATE|O_EXCL,
// missing keys and sizes behave as documented; a second, read-only attach
// sees the bytes and refuses writes without a fault.
func TestSegmentKeyed(t *testing.T) {
	f, key, id := segKeyed(t, 4096, 0600)
	if got, want := f.Name(), fmt.Sprintf("shmkey:0x%08x", key); got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
	if info := segInfo(t, f); info.Key != key || info.Size != 4096 || info.Mode != 0600 {
		t.Errorf("SegmentInfo = %+v", *info)
	}
	if _, err := f.WriteAt([]byte("keyed"), 100); err != nil {
		t.Fatal(err)
	}

	_, err := shmfs.OpenSegment(key, 4096, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
	wantErr(t, "O_CREATE|O_EXCL on an existing key", err, "shmget", fs.ErrExist)

	// O_CREATE without O_EXCL opens the existing segment, whatever perm.
	g, err := shmfs.OpenSegment(key, 1000, os.O_RDWR|os.O_CREATE, 0644)
	if err != nil {
		t.Fatalf("O_CREATE on an existing key: %v", err)
	}
	if info := segInfo(t, g); info.ID != id || info.Mode != 0600 || info.Size != 4096 || info.Attached != 2 {
		t.Errorf("reopened with O_CREATE: %+v", *info)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}

	// The key as ipcs prints it (unsigned) is the same key.
	if g, err := shmfs.OpenSegment(int(uint32(key)), 0, os.O_RDONLY, 0); err != nil {
		t.Errorf("OpenSegment(unsigned key): %v", err)
	} else {
		g.Close()
	}

	_, err = shmfs.OpenSegment(key, 8192, os.O_RDWR, 0)
	wantErr(t, "size larger than the segment", err, "shmget", fs.ErrInvalid)
	if !errors.Is(err, syscall.EINVAL) {
		t.Errorf("size larger than the segment: %v does not wrap EINVAL", err)
	}

	// A second, read-only attach.
	faults := shmfs.Faults()
	r, err := shmfs.OpenSegment(key, 0, os.O_RDONLY, 0)
	if err != nil {
		t.Fatalf("OpenSegment(O_RDONLY): %v", err)
	}
	defer r.Close()
	got := make([]byte, 5)
	if n, err := r.ReadAt(got, 100); n != 5 || err != nil || string(got) != "keyed" {
		t.Errorf("read-only ReadAt = %d, %v, %q", n, err, got)
	}
	_, err = r.Write([]byte("x"))
	wantErr(t, "Write on read-only attach", err, "write", syscall.EBADF)
	_, err = r.WriteAt([]byte("x"), 0)
	wantErr(t, "WriteAt on read-only attach", err, "write", syscall.EBADF)
	_, err = r.WriteString("x")
	wantErr(t, "WriteString on read-only attach", err, "write", syscall.EBADF)
	if n, err := r.ReadFrom(strings.NewReader("xyz")); n != 0 || err == nil {
		t.Errorf("ReadFrom on read-only attach = %d, %v", n, err)
	}
	if shmfs.Faults() != faults {
		t.Errorf("a write on a read-only attach faulted")
	}
	// Peer writes are visible at once.
	if _, err := f.WriteAt([]byte("KEYED"), 100); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadAt(got, 100); err != nil || string(got) != "KEYED" {
		t.Errorf("read-only attach after a peer write: %q, %v", got, err)
	}
	if info := segInfo(t, r); info.Attached != 2 {
		t.Errorf("nattch = %d, want 2", info.Attached)
	}

	// An O_WRONLY File writes and refuses reads, as os does.
	w, err := shmfs.OpenSegment(key, 0, os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("OpenSegment(O_WRONLY): %v", err)
	}
	defer w.Close()
	if _, err := w.WriteAt([]byte("w"), 0); err != nil {
		t.Errorf("WriteAt on O_WRONLY: %v", err)
	}
	_, err = w.ReadAt(got, 0)
	wantErr(t, "ReadAt on O_WRONLY", err, "read", syscall.EBADF)
}

// TestSegmentErrors: the errors OpenSegment, AttachSegment, RemoveSegment
// and Ftok return, each a *fs.PathError of the right class.
func TestSegmentErrors(t *testing.T) {
	// A key with no segment (keys with top byte 0x5f are left alone by
	// the other tests; try until one is free).
	var missing int
	for {
		missing = 0x5f000000 | rand.IntN(1<<24)
		if _, err := shmfs.OpenSegment(missing, 0, os.O_RDONLY, 0); errors.Is(err, fs.ErrNotExist) {
			wantErr(t, "missing key", err, "shmget", fs.ErrNotExist)
			break
		}
	}

	_, err := shmfs.OpenSegment(shmfs.IPC_PRIVATE, 0, os.O_RDWR, 0600)
	wantErr(t, "size 0 on create", err, "shmget", fs.ErrInvalid)
	if !errors.Is(err, syscall.EINVAL) {
		t.Errorf("size 0 on create: %v does not wrap EINVAL", err)
	}
	_, err = shmfs.OpenSegment(missing, 0, os.O_RDWR|os.O_CREATE, 0600)
	wantErr(t, "size 0 on create (keyed)", err, "shmget", fs.ErrInvalid)
	_, err = shmfs.OpenSegment(shmfs.IPC_PRIVATE, -1, os.O_RDWR, 0600)
	wantErr(t, "negative size", err, "shmget", fs.ErrInvalid)
	if big := int64(1) << 33; int64(int(big)) == big {
		_, err = shmfs.OpenSegment(int(big), 4096, os.O_RDWR|os.O_CREATE, 0600)
		wantErr(t, "key out of range", err, "shmget", fs.ErrInvalid)
	}

	for _, flag := range []int{os.O_TRUNC, os.O_APPEND, shmfs.O_PRIVATE} {
		_, err = shmfs.OpenSegment(shmfs.IPC_PRIVATE, 4096, os.O_RDWR|flag, 0600)
		wantErr(t, fmt.Sprintf("OpenSegment flag %#x", flag), err, "shmget", errors.ErrUnsupported)
		_, err = shmfs.AttachSegment(0, os.O_RDWR|flag)
		wantErr(t, fmt.Sprintf("AttachSegment flag %#x", flag), err, "shmat", errors.ErrUnsupported)
	}
	for _, flag := range []int{os.O_CREATE, shmfs.HugePages, shmfs.NoReserve} {
		_, err = shmfs.AttachSegment(0, os.O_RDWR|flag)
		wantErr(t, fmt.Sprintf("AttachSegment flag %#x", flag), err, "shmat", fs.ErrInvalid)
	}

	// An ID with no segment: one we create and remove at once.
	f, id := segPrivate(t, 4096, 0600)
	f.Close()
	if err := shmfs.RemoveSegment(id); err != nil {
		t.Fatal(err)
	}
	_, err = shmfs.AttachSegment(id, os.O_RDWR)
	wantErr(t, "AttachSegment of a removed ID", err, "shmat", fs.ErrNotExist)
	wantErr(t, "RemoveSegment of a removed ID", shmfs.RemoveSegment(id), "shmctl", fs.ErrNotExist)
	_, err = shmfs.AttachSegment(-1, os.O_RDWR)
	wantErr(t, "AttachSegment(-1)", err, "shmat", fs.ErrNotExist)
	wantErr(t, "RemoveSegment(-1)", shmfs.RemoveSegment(-1), "shmctl", fs.ErrNotExist)

	_, err = shmfs.Ftok(filepath.Join(t.TempDir(), "missing"), 'x')
	wantErr(t, "Ftok of a missing file", err, "ftok", fs.ErrNotExist)
}

// hugePagesFree reads HugePages_Free from /proc/meminfo.
func hugePagesFree(t *testing.T) int {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Skip(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "HugePages_Free:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	t.Skip("no HugePages_Free in /proc/meminfo")
	return 0
}

// TestSegmentHugePages: with huge pages reserved a HugePages segment works;
// without, the error says so. HugePages|NoReserve without huge pages
// succeeds, and touching the memory is an error, never a crash.
func TestSegmentHugePages(t *testing.T) {
	const size = 2 << 20
	free := hugePagesFree(t)
	f, err := shmfs.OpenSegment(shmfs.IPC_PRIVATE, size, os.O_RDWR|shmfs.HugePages, 0600)
	if err == nil {
		segRemove(t, segInfo(t, f).ID)
		defer f.Close()
	}
	if free == 0 {
		var pe *fs.PathError
		if err == nil || !errors.As(err, &pe) || pe.Op != "shmget" {
			t.Fatalf("HugePages with no huge pages: %v, want a shmget error", err)
		}
		// The one place a test reads an error's text: the issue asks
		// that it say what is missing.
		if msg := err.Error(); !strings.Contains(msg, "huge pages") || !strings.Contains(msg, "vm.nr_hugepages") {
			t.Errorf("error does not say that huge pages are missing: %v", err)
		}
		t.Logf("no huge pages: %v", err)
	} else {
		if err != nil {
			t.Fatalf("HugePages with %d free: %v", free, err)
		}
		if n, err := f.WriteAt([]byte("huge"), size-4); n != 4 || err != nil {
			t.Errorf("WriteAt on a huge page segment = %d, %v", n, err)
		}
	}

	// NoReserve: shmget succeeds whatever is free; a page that cannot be
	// given at the first touch makes that call fail.
	g, err := shmfs.OpenSegment(shmfs.IPC_PRIVATE, size, os.O_RDWR|shmfs.HugePages|shmfs.NoReserve, 0600)
	if err != nil {
		t.Logf("HugePages|NoReserve: %v", err)
		return
	}
	segRemove(t, segInfo(t, g).ID)
	defer g.Close()
	faults := shmfs.Faults()
	n, err := g.WriteAt([]byte("x"), 0)
	if free == 0 {
		if err == nil || shmfs.Faults() == faults {
			t.Errorf("WriteAt on an unbacked NoReserve segment = %d, %v; want an error from the fault guard", n, err)
		}
		t.Logf("WriteAt with no huge page to give: %d, %v", n, err)
		_, err = g.ReadAt(make([]byte, 1), 0)
		if err == nil {
			t.Errorf("ReadAt on an unbacked NoReserve segment: no error")
		}
	} else if err != nil {
		t.Errorf("WriteAt on a NoReserve huge page segment: %v", err)
	}
}

// TestSegmentFixedSize: the size never changes; writes past it are short
// with an error; reads at or past it are io.EOF.
func TestSegmentFixedSize(t *testing.T) {
	const size = 10000 // not a whole number of pages: the mapping is longer
	f, _ := segPrivate(t, size, 0600)
	data := bytes.Repeat([]byte("0123456789"), 3)

	n, err := f.WriteAt(data[:20], size-10)
	var pe *fs.PathError
	if n != 10 || !errors.As(err, &pe) || pe.Op != "write" {
		t.Errorf("WriteAt straddling the end = %d, %v; want 10 and a write error", n, err)
	}
	got := make([]byte, 10)
	if _, err := f.ReadAt(got, size-10); err != nil || !bytes.Equal(got, data[:10]) {
		t.Errorf("bytes before the end = %q, %v; want %q", got, err, data[:10])
	}
	if n, err := f.WriteAt([]byte("x"), size); n != 0 || err == nil {
		t.Errorf("WriteAt at the end = %d, %v", n, err)
	}
	if n, err := f.WriteAt([]byte("x"), size+5000); n != 0 || err == nil {
		t.Errorf("WriteAt past the end = %d, %v", n, err)
	}

	// Write advances by what it wrote.
	if _, err := f.Seek(size-5, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if n, err := f.Write(data[:10]); n != 5 || err == nil {
		t.Errorf("Write straddling the end = %d, %v", n, err)
	}
	if pos, _ := f.Seek(0, io.SeekCurrent); pos != size {
		t.Errorf("offset after a short Write = %d, want %d", pos, size)
	}
	if n, err := f.Write(data[:1]); n != 0 || err == nil {
		t.Errorf("Write at the end = %d, %v", n, err)
	}
	if n, err := f.Read(got); n != 0 || err != io.EOF {
		t.Errorf("Read at the end = %d, %v; want 0, io.EOF", n, err)
	}

	// Seek and ReadAt at and past the end.
	if pos, err := f.Seek(0, io.SeekEnd); pos != size || err != nil {
		t.Errorf("Seek(0, SeekEnd) = %d, %v", pos, err)
	}
	if pos, err := f.Seek(-1, io.SeekEnd); pos != size-1 || err != nil {
		t.Errorf("Seek(-1, SeekEnd) = %d, %v", pos, err)
	}
	if _, err := f.Seek(-size-1, io.SeekEnd); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Seek before the start = %v, want EINVAL", err)
	}
	if pos, err := f.Seek(size+100, io.SeekStart); pos != size+100 || err != nil {
		t.Errorf("Seek past the end = %d, %v", pos, err)
	}
	if n, err := f.Read(got); n != 0 || err != io.EOF {
		t.Errorf("Read past the end = %d, %v", n, err)
	}
	if n, err := f.Write(got); n != 0 || err == nil {
		t.Errorf("Write past the end = %d, %v", n, err)
	}
	for _, off := range []int64{size, size + 1, 4096 * 3, 1 << 40} {
		if n, err := f.ReadAt(got, off); n != 0 || err != io.EOF {
			t.Errorf("ReadAt(%d) = %d, %v; want 0, io.EOF", off, n, err)
		}
	}
	if n, err := f.ReadAt(got, size-3); n != 3 || err != io.EOF {
		t.Errorf("ReadAt straddling the end = %d, %v; want 3, io.EOF", n, err)
	}

	// Truncate: the same size is a no-op, any other is unsupported.
	if err := f.Truncate(size); err != nil {
		t.Errorf("Truncate(size): %v", err)
	}
	for _, sz := range []int64{0, size - 1, size + 1, 1 << 30} {
		wantErr(t, fmt.Sprintf("Truncate(%d)", sz), f.Truncate(sz), "truncate", errors.ErrUnsupported)
	}

	// ReadFrom fills the segment, then reports the rest did not fit.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if n, err := f.ReadFrom(bytes.NewReader(make([]byte, 3*size))); n != size || err == nil {
		t.Errorf("ReadFrom more than fits = %d, %v; want %d and an error", n, err, size)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if n, err := f.WriteTo(&buf); n != size || err != nil {
		t.Errorf("WriteTo = %d, %v", n, err)
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != size {
		t.Errorf("Stat after it all: %v, %v", fi, err)
	}
}

// TestSegmentDifferential drives a segment and an *os.File of the same size
// through the same random operations, restricted to those that keep a
// fixed-size file what os would make it: writes that end inside the size,
// and Truncate to the size itself. Everything else (reads anywhere, Seek
// with any whence, Stat, Sync, WriteTo) must match *os.File exactly.
func TestSegmentDifferential(t *testing.T) {
	const size = 10000
	s := scratch(t, "")
	for seed := range uint64(20) {
		got, _ := segPrivate(t, size, 0600)
		init := make([]byte, size)
		for i := range init {
			init[i] = byte(i*7 + 1)
		}
		if _, err := got.WriteAt(init, 0); err != nil {
			t.Fatal(err)
		}
		name := s.Path(fmt.Sprintf("diff%d", seed))
		if err := os.WriteFile(name, init, 0600); err != nil {
			t.Fatal(err)
		}
		want, err := os.OpenFile(name, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(seed, 42))
		ran := 0
		for i, op := range shmfstest.RandomOps(r, 400) {
			pos, _ := want.Seek(0, io.SeekCurrent)
			switch op.Kind {
			case shmfstest.OpWrite, shmfstest.OpWriteString, shmfstest.OpReadFrom:
				if pos > size-int64(len(op.Data)) {
					continue
				}
			case shmfstest.OpWriteAt:
				if op.Off >= 0 && op.Off > size-int64(len(op.Data)) {
					continue
				}
			case shmfstest.OpTruncate:
				op.Off = size
			case shmfstest.OpRead, shmfstest.OpWriteTo:
				if pos > math.MaxInt64-max(int64(op.N), 1<<20) {
					continue // see TestSegmentReadAtOverflow
				}
			case shmfstest.OpReadAt:
				if op.Off > math.MaxInt64-int64(op.N) {
					continue // see TestSegmentReadAtOverflow
				}
			}
			if err := shmfstest.Compare(got, want, []shmfstest.Op{op}); err != nil {
				t.Fatalf("seed %d, op %d: %v", seed, i, err)
			}
			ran++
		}
		want.Close()
		got.Close()
		if ran < 200 {
			t.Errorf("seed %d: only %d ops ran", seed, ran)
		}
	}
}

// TestSegmentReadAtOverflow: a read whose end overflows int64 is EINVAL,
// as pread says for *os.File.
func TestSegmentReadAtOverflow(t *testing.T) {
	f, _ := segPrivate(t, 4096, 0600)
	buf := make([]byte, 100)
	n, err := f.ReadAt(buf, math.MaxInt64-10)
	if n != 0 {
		t.Errorf("ReadAt(MaxInt64-10) read %d bytes", n)
	}
	wantErr(t, "ReadAt at MaxInt64-10", err, "read", syscall.EINVAL)
	if _, err := f.Seek(math.MaxInt64-10, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	_, err = f.Read(buf)
	wantErr(t, "Read at MaxInt64-10", err, "read", syscall.EINVAL)
}

// childSysvPeer is the child sysv-peer HOW WHO EXPECT REPLY: attach the
// segment (HOW "id": WHO is the ID; "key": WHO is the key), check it holds
// EXPECT at 0, write REPLY at 100, and check the segment's own data.
func childSysvPeer(args []string) error {
	who, err := strconv.Atoi(args[1])
	if err != nil {
		return err
	}
	var f *shmfs.File
	if args[0] == "id" {
		f, err = shmfs.AttachSegment(who, os.O_RDWR)
	} else {
		f, err = shmfs.OpenSegment(who, 0, os.O_RDWR, 0)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	got := make([]byte, len(args[2]))
	if _, err := f.ReadAt(got, 0); err != nil {
		return err
	}
	if string(got) != args[2] {
		return fmt.Errorf("read %q, want %q", got, args[2])
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if info := fi.Sys().(*shmfs.SegmentInfo); info.Attached != 2 || info.LastPID != os.Getpid() || info.CreatorPID != os.Getppid() {
		return fmt.Errorf("child sees %+v (pid %d, parent %d)", *info, os.Getpid(), os.Getppid())
	}
	_, err = f.WriteAt([]byte(args[3]), 100)
	return err
}

// TestSegmentCrossProcess: a child process attaches the segment by ID (and
// another by key), reads what we wrote and writes a reply we read.
func TestSegmentCrossProcess(t *testing.T) {
	f, key, id := segKeyed(t, 4096, 0600)
	for _, how := range []string{"id", "key"} {
		msg := "from the parent, " + how
		reply := "reply from the child, " + how
		if _, err := f.WriteAt([]byte(msg), 0); err != nil {
			t.Fatal(err)
		}
		who := id
		if how == "key" {
			who = key
		}
		cmd := shmfstest.Command("sysv-peer", how, strconv.Itoa(who), msg, reply)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("child (%s): %v\n%s", how, err, stderr.Bytes())
		}
		got := make([]byte, len(reply))
		if _, err := f.ReadAt(got, 100); err != nil || string(got) != reply {
			t.Errorf("after the child (%s): %q, %v; want %q", how, got, err, reply)
		}
		info := segInfo(t, f)
		if info.Attached != 1 || info.LastPID != cmd.Process.Pid {
			t.Errorf("after the child (%s) detached: nattch %d, lpid %d (child %d)", how, info.Attached, info.LastPID, cmd.Process.Pid)
		}
	}
}

// childSysvPerm is the child sysv-perm KEY600 ID600 KEY644 ID644: run as an
// unprivileged user; check what a stranger may do with a 0600 and a 0644
// segment.
func childSysvPerm(args []string) error {
	var v [4]int
	for i := range v {
		n, err := strconv.Atoi(args[i])
		if err != nil {
			return err
		}
		v[i] = n
	}
	key600, id600, key644, id644 := v[0], v[1], v[2], v[3]
	check := func(what string, err error, target error) error {
		if target == nil {
			if err != nil {
				return fmt.Errorf("%s: %v", what, err)
			}
			return nil
		}
		if !errors.Is(err, target) {
			return fmt.Errorf("%s: %v, want %v", what, err, target)
		}
		return nil
	}
	open := func(key, flag int, perm fs.FileMode) error {
		f, err := shmfs.OpenSegment(key, 0, flag, perm)
		if err == nil {
			f.Close()
		}
		return err
	}
	attach := func(id, flag int) error {
		f, err := shmfs.AttachSegment(id, flag)
		if err == nil {
			f.Close()
		}
		return err
	}
	f, err := shmfs.AttachSegment(id644, os.O_RDONLY)
	if err != nil {
		return fmt.Errorf("attach 0644 read-only: %v", err)
	}
	defer f.Close()
	for _, e := range []error{
		check("open 0600 read-only", open(key600, os.O_RDONLY, 0), fs.ErrPermission),
		check("attach 0600 read-only", attach(id600, os.O_RDONLY), fs.ErrPermission),
		check("open 0644 read-only", open(key644, os.O_RDONLY, 0), nil),
		check("open 0644 read-write", open(key644, os.O_RDWR, 0), fs.ErrPermission),
		check("attach 0644 read-write", attach(id644, os.O_RDWR), fs.ErrPermission),
		// perm only matters for creation, as with os.OpenFile.
		check("open 0644 O_CREATE 0666 read-only", open(key644, os.O_RDONLY|os.O_CREATE, 0666), nil),
		check("remove 0644", shmfs.RemoveSegment(id644), fs.ErrPermission),
		check("chmod 0644", f.Chmod(0666), fs.ErrPermission),
	} {
		if e != nil {
			return e
		}
	}
	return nil
}

// TestSegmentPermission: permission errors wrap fs.ErrPermission, and perm
// is used only to create. It runs a child as nobody, so it needs root.
func TestSegmentPermission(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a child as another user")
	}
	_, key600, id600 := segKeyed(t, 4096, 0600)
	_, key644, id644 := segKeyed(t, 4096, 0644)
	// The child runs as nobody: give it a copy of the test binary it can
	// execute.
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0755); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "sysv.test")
	exe, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Skip(err)
	}
	if err := os.WriteFile(bin, exe, 0755); err != nil {
		t.Fatal(err)
	}
	cmd := shmfstest.Command("sysv-perm", strconv.Itoa(key600), strconv.Itoa(id600), strconv.Itoa(key644), strconv.Itoa(id644))
	cmd.Path = bin
	cmd.Args[0] = bin
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Skipf("cannot run a child as nobody: %v", err)
		}
		t.Fatalf("child as nobody: %v\n%s", err, stderr.Bytes())
	}
}

// TestSegmentRemovedWhileAttached: a removed segment keeps working until the
// last detach, is listed as removed, frees its key, and is then gone.
func TestSegmentRemovedWhileAttached(t *testing.T) {
	f, key, id := segKeyed(t, 4096, 0600)
	if _, err := f.WriteAt([]byte("still here"), 0); err != nil {
		t.Fatal(err)
	}
	if err := shmfs.RemoveSegment(id); err != nil {
		t.Fatalf("RemoveSegment: %v", err)
	}
	got := make([]byte, 10)
	if _, err := f.ReadAt(got, 0); err != nil || string(got) != "still here" {
		t.Errorf("ReadAt after RemoveSegment = %q, %v", got, err)
	}
	if _, err := f.WriteAt([]byte("STILL"), 0); err != nil {
		t.Errorf("WriteAt after RemoveSegment: %v", err)
	}
	if info := segInfo(t, f); !info.Removed || info.Key != 0 || info.Attached != 1 {
		t.Errorf("Stat after RemoveSegment: %+v", *info)
	}
	if s := findSegment(t, id); s == nil || !s.Removed || s.Key != 0 {
		t.Errorf("Segments after RemoveSegment: %+v", s)
	}

	// Linux lets a removed segment be attached by ID while it lives.
	g, err := shmfs.AttachSegment(id, os.O_RDONLY)
	if err != nil {
		t.Fatalf("AttachSegment of a removed, attached segment: %v", err)
	}
	if _, err := g.ReadAt(got, 0); err != nil || string(got) != "STILL here" {
		t.Errorf("ReadAt through the second attach = %q, %v", got, err)
	}
	// The key is free: OpenSegment finds nothing, and a new segment can
	// take it.
	_, err = shmfs.OpenSegment(key, 0, os.O_RDONLY, 0)
	wantErr(t, "OpenSegment of a removed key", err, "shmget", fs.ErrNotExist)
	h, err := shmfs.OpenSegment(key, 4096, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
	if err != nil {
		t.Fatalf("a new segment on the freed key: %v", err)
	}
	segRemove(t, segInfo(t, h).ID)
	if info := segInfo(t, h); info.ID == id {
		t.Errorf("the new segment has the removed one's ID")
	}
	h.Close()

	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if s := findSegment(t, id); s == nil || s.Attached != 1 {
		t.Errorf("with one attach left: %+v", s)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if s := findSegment(t, id); s != nil {
		t.Errorf("segment still listed after the last detach: %+v", *s)
	}
	_, err = shmfs.AttachSegment(id, os.O_RDONLY)
	wantErr(t, "AttachSegment after the last detach", err, "shmat", fs.ErrNotExist)
}

// TestSegmentCloseRace: Close racing with I/O on a segment never crashes
// (a copy in flight may fault on the range Close revoked; the guard turns
// that into fs.ErrClosed); the I/O returns its result or fs.ErrClosed.
func TestSegmentCloseRace(t *testing.T) {
	for round := range 20 {
		f, _ := segPrivate(t, 1<<20, 0600)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 3000)
				for i := 0; ; i++ {
					off := int64((g*7919 + i*4093) % (1 << 20))
					var err error
					if i%2 == 0 {
						_, err = f.WriteAt(buf, off)
					} else {
						_, err = f.ReadAt(buf, off)
					}
					if errors.Is(err, fs.ErrClosed) {
						return
					}
					if err != nil && err != io.EOF && off+3000 <= 1<<20 {
						t.Errorf("I/O racing Close: %v", err)
						return
					}
				}
			}()
		}
		time.Sleep(time.Duration(round%4) * time.Millisecond)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
	}
}

// TestFtok compares Ftok with glibc's ftok(3), built from C when a C
// compiler is around.
func TestFtok(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no cc")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "ftok.c")
	prog := `#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
int main(int argc, char **argv) {
	for (int i = 2; i < argc; i++)
		printf("%d\n", (int)ftok(argv[1], atoi(argv[i])));
	return 0;
}
`
	if err := os.WriteFile(src, []byte(prog), 0600); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "ftok")
	if out, err := exec.Command(cc, "-o", bin, src).CombinedOutput(); err != nil {
		t.Skipf("cc cannot build ftok.c: %v\n%s", err, out)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	ids := []int{1, 'a', 'E', 0x7f, 0x80, 0xab, 0xff}
	for _, path := range []string{file, link, dir, "/", "/dev/null", "/dev/shm", "/proc"} {
		args := []string{path}
		for _, id := range ids {
			args = append(args, strconv.Itoa(id))
		}
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("ftok %s: %v", path, err)
		}
		want := strings.Fields(string(out))
		if len(want) != len(ids) {
			t.Fatalf("ftok %s printed %q", path, out)
		}
		for i, id := range ids {
			got, err := shmfs.Ftok(path, byte(id))
			if err != nil {
				t.Errorf("Ftok(%s, %#x): %v", path, id, err)
				continue
			}
			if strconv.Itoa(got) != want[i] {
				t.Errorf("Ftok(%s, %#x) = %d, glibc says %s", path, id, got, want[i])
			}
		}
	}
	// A key from Ftok opens a segment like any other.
	key, err := shmfs.Ftok(file, 0xe5)
	if err != nil {
		t.Fatal(err)
	}
	f, err := shmfs.OpenSegment(key, 100, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
	if errors.Is(err, fs.ErrExist) {
		t.Skipf("key %#x is taken", key)
	}
	if err != nil {
		t.Fatalf("OpenSegment(Ftok key %d): %v", key, err)
	}
	segRemove(t, segInfo(t, f).ID)
	defer f.Close()
	if info := segInfo(t, f); info.Key != key {
		t.Errorf("segment key %d, want %d", info.Key, key)
	}
}

// runIpcs runs ipcs with args and returns its data lines by shmid, which
// is column idCol: ipcs -m prints key shmid owner perms bytes nattch
// [status], ipcs -m -p prints shmid owner cpid lpid.
func runIpcs(t *testing.T, idCol int, args ...string) map[int][]string {
	t.Helper()
	out, err := exec.Command("ipcs", args...).Output()
	if err != nil {
		t.Skipf("ipcs %v: %v", args, err)
	}
	lines := make(map[int][]string)
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) <= idCol {
			continue
		}
		if id, err := strconv.Atoi(fields[idCol]); err == nil {
			lines[id] = fields
		}
	}
	return lines
}

// TestSegmentsVsIpcs: Segments lists what ipcs -m lists, field for field,
// and each entry equals the segment's own Stat.
func TestSegmentsVsIpcs(t *testing.T) {
	if _, err := exec.LookPath("ipcs"); err != nil {
		t.Skip("no ipcs")
	}
	a, _, idA := segKeyed(t, 12345, 0640)
	b, idB := segPrivate(t, 4096, 0600)
	c, idC := segPrivate(t, 100, 0444)
	if err := shmfs.RemoveSegment(idC); err != nil { // removed, still attached
		t.Fatal(err)
	}
	b.Close() // not attached

	before, err := shmfs.Segments()
	if err != nil {
		t.Fatalf("Segments: %v", err)
	}
	plain := runIpcs(t, 1, "-m")
	pids := runIpcs(t, 0, "-m", "-p")
	after, err := shmfs.Segments()
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(before); i++ {
		if before[i-1].ID >= before[i].ID {
			t.Errorf("Segments not sorted by ID: %d before %d", before[i-1].ID, before[i].ID)
		}
	}
	// Segments that exist through both snapshots (other processes may
	// make and remove their own meanwhile) must be in ipcs's list.
	stable := make(map[int]shmfs.SegmentInfo)
	for _, s := range after {
		stable[s.ID] = s
	}
	checked := 0
	for _, s := range before {
		if _, ok := stable[s.ID]; !ok {
			continue
		}
		line, ok := plain[s.ID]
		if !ok || len(line) < 6 {
			t.Errorf("segment %d (%+v) not in ipcs -m: %q", s.ID, s, line)
			continue
		}
		checked++
		mine := s.ID == idA || s.ID == idB || s.ID == idC
		wantKey := fmt.Sprintf("0x%08x", uint32(s.Key))
		if line[0] != wantKey || line[4] != strconv.FormatInt(s.Size, 10) {
			t.Errorf("segment %d: ipcs -m says key %s size %s; Segments %s %d", s.ID, line[0], line[4], wantKey, s.Size)
		}
		if !mine {
			continue // nattch and status of others' segments may change
		}
		perms, _ := strconv.ParseUint(line[3], 8, 32)
		nattch, _ := strconv.Atoi(line[5])
		dest := strings.Contains(strings.Join(line[6:], " "), "dest")
		if fs.FileMode(perms) != s.Mode || nattch != s.Attached || dest != s.Removed {
			t.Errorf("segment %d: ipcs -m says %q; Segments %+v", s.ID, line, s)
		}
		if p := pids[s.ID]; len(p) < 4 || p[2] != strconv.Itoa(s.CreatorPID) || p[3] != strconv.Itoa(s.LastPID) {
			t.Errorf("segment %d: ipcs -m -p says %q; Segments cpid %d lpid %d", s.ID, p, s.CreatorPID, s.LastPID)
		}
	}
	if checked < 3 {
		t.Errorf("only %d segments checked", checked)
	}
	for _, id := range []int{idA, idB, idC} {
		s, ok := stable[id]
		if !ok {
			t.Errorf("segment %d not in Segments", id)
			continue
		}
		switch id {
		case idA:
			if info := segInfo(t, a); *info != s {
				t.Errorf("Segments: %+v\nStat:     %+v", s, *info)
			}
		case idB:
			if s.Attached != 0 || s.Removed || s.Mode != 0600 || s.Size != 4096 || s.DetachTime.IsZero() {
				t.Errorf("detached segment: %+v", s)
			}
		case idC:
			if info := segInfo(t, c); *info != s || !s.Removed || s.Key != 0 {
				t.Errorf("removed segment: Segments %+v\nStat %+v", s, *info)
			}
		}
	}
}

// BenchmarkSegmentReadAt64 compares a 64-byte ReadAt on a System V segment
// with the same on a POSIX shared-memory object.
func BenchmarkSegmentReadAt64(b *testing.B) {
	const size = 1 << 20
	seg, _ := segPrivate(b, size, 0600)
	s := scratch(b, "")
	name := "/" + s.Name("bench-sysv")
	obj, err := shmfs.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		obj.Close()
		shmfs.Remove(name)
	})
	fill := make([]byte, size)
	for i := range fill {
		fill[i] = byte(i)
	}
	for _, f := range []*shmfs.File{seg, obj} {
		if _, err := f.WriteAt(fill, 0); err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct {
		name string
		f    *shmfs.File
	}{{"segment", seg}, {"posix", obj}} {
		b.Run(bc.name, func(b *testing.B) {
			buf := make([]byte, 64)
			b.SetBytes(64)
			b.ReportAllocs()
			off := int64(0)
			for b.Loop() {
				if _, err := bc.f.ReadAt(buf, off); err != nil {
					b.Fatal(err)
				}
				off = (off + 4096 + 64) & (size - 1)
			}
		})
	}
}
