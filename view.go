package shmfs

import (
	"io/fs"
	"os"
)

// View calls fn with the n bytes of the file at off, read in place: no
// copy. b is valid only while fn runs; fn must not keep it, or any slice of
// it, after it returns. fn must not store into b either (use Update): on a
// File open for writing the stores would land in the object, on one open
// read-only they fault, and View returns an error wrapping syscall.EFAULT.
//
// off < 0, n < 0 or a nil fn is an error wrapping fs.ErrInvalid; a range
// reaching past the end of the file is an error wrapping
// io.ErrUnexpectedEOF, and fn is not called. View needs a File open for
// reading (otherwise it fails as ReadAt does).
//
// fn's own error is returned unchanged (==), and a panic in fn that is not
// a memory fault on b goes on up to the caller unchanged. A memory fault
// on b while fn runs (a peer truncated the object, tmpfs had no page to
// give) ends fn, and View returns an error wrapping io.ErrUnexpectedEOF if
// the object shrank below off+n, syscall.ENOSPC if no page could be had,
// syscall.EFAULT otherwise; the process lives on, and the caller's
// debug.SetPanicOnFault setting is as it was. The guard covers the
// goroutine that runs fn, not goroutines fn starts.
//
// fn may call any method of f (Close, Truncate and growing writes
// included) without deadlock: the memory fn holds stays mapped until it
// returns. Other Views and I/O run in parallel with fn. Where the bytes
// cannot be mapped (past the mapping bound, a file system without mmap),
// fn gets a copy: slower, never wrong. On a mapped File a View allocates
// nothing.
func (f *File) View(off int64, n int, fn func(b []byte) error) error {
	return f.view("view", off, n, viewRead, fn)
}

// Update is View with b writable: what fn stores lands in the object at
// once, visible to every other mapping of it and to read(2). [off, off+n)
// must lie inside the file: Update never grows it. Update needs a File open
// for reading and writing (otherwise it fails as ReadAt or WriteAt would);
// on a file sealed against writes it fails with an error wrapping
// fs.ErrPermission (EPERM). Where the bytes cannot be mapped, fn gets a
// copy, written back when fn returns (whatever fn returns). On an
// O_PRIVATE File the stores stay in the File, as its writes do. On an
// O_APPEND File Update writes in place, as any mapping of the object may
// (only WriteAt is refused there, as *os.File refuses it).
func (f *File) Update(off int64, n int, fn func(b []byte) error) error {
	return f.view("update", off, n, viewWrite, fn)
}

func (f *File) view(op string, off int64, n int, mode viewMode, fn func([]byte) error) error {
	if err := f.checkValid(op); err != nil {
		return err
	}
	switch {
	case off < 0:
		return f.wrapErr(op, invalid("negative offset %d", off))
	case n < 0:
		return f.wrapErr(op, invalid("negative length %d", n))
	case fn == nil:
		return f.wrapErr(op, invalid("nil function"))
	}
	if f.closed.Load() {
		return f.wrapErr(op, fs.ErrClosed)
	}
	if f.acc == os.O_WRONLY || (mode == viewWrite && f.acc == os.O_RDONLY) {
		return f.wrapErr(op, errBadFD)
	}
	ferr, err := f.m.view(off, n, mode, fn)
	if err != nil {
		return f.wrapErr(op, err)
	}
	return ferr
}
