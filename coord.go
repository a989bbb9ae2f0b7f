package shmfs

import (
	"io/fs"
	"os"
	"time"
)

// Coordinating processes: whole-file locks, atomic words in the mapping,
// and futex Wait/Wake on them.

// Lock takes an exclusive whole-file advisory lock, waiting as long as it
// takes. The lock is an open-file-description (OFD) lock (fcntl
// F_OFD_SETLKW): it belongs to the File, not to a goroutine or a thread, so
// any goroutine may Unlock it. It excludes every other open of the object,
// in this process or any other, and the POSIX record locks (fcntl F_SETLK,
// lockf) that other programs take on it. Files that share one open file
// description (NewFile of a dup of Fd) share its lock. Locking again
// through the File that holds the lock converts it (an exclusive lock
// becomes shared with RLock, and back) and never waits for itself.
//
// Lock needs a File open for writing (otherwise an error wrapping
// syscall.EBADF, as WriteAt gives). Unlock and Close release the lock at
// once (Close even while a View still holds the mapping), and so does the
// death of the process: a crash never leaves an object locked. A System V
// segment has no descriptor to lock: an error wrapping
// errors.ErrUnsupported. Close does not interrupt a Lock that waits; it
// returns an error wrapping fs.ErrClosed, without the lock, when the wait
// ends.
func (f *File) Lock() error {
	_, err := f.lock("lock", lockWrite, true)
	return err
}

// RLock takes a shared whole-file lock, waiting as long as it takes: other
// shared locks may be held with it, an exclusive one may not. It needs a
// File open for reading (otherwise an error wrapping syscall.EBADF, as
// ReadAt gives). See Lock.
func (f *File) RLock() error {
	_, err := f.lock("rlock", lockRead, true)
	return err
}

// TryLock takes an exclusive whole-file lock if it can at once, and
// reports whether it did; false with a nil error means another open of the
// object holds a lock. See Lock.
func (f *File) TryLock() (bool, error) {
	return f.lock("trylock", lockWrite, false)
}

// TryRLock takes a shared whole-file lock if it can at once, and reports
// whether it did. See RLock.
func (f *File) TryRLock() (bool, error) {
	return f.lock("tryrlock", lockRead, false)
}

// Unlock releases the File's lock. Unlocking a File that holds no lock is
// not an error.
func (f *File) Unlock() error {
	_, err := f.lock("unlock", lockUnlock, false)
	return err
}

func (f *File) lock(op string, typ int16, wait bool) (bool, error) {
	if err := f.checkValid(op); err != nil {
		return false, err
	}
	if f.closed.Load() {
		return false, f.wrapErr(op, fs.ErrClosed)
	}
	ok, err := f.m.lock(typ, wait)
	if err != nil {
		return false, f.wrapErr(op, err)
	}
	return ok, nil
}

// Atomic words in the mapping, shared with every process that maps the
// object. A word must be aligned to its size and lie inside the file
// (otherwise an error wrapping fs.ErrInvalid); the operations are the
// machine's native atomics (those of sync/atomic, sequentially
// consistent), so a C program using __atomic_* builtins on the same bytes
// cooperates. Store, Add and CompareAndSwap need a File open for writing
// (otherwise an error wrapping syscall.EBADF, as WriteAt gives; on a file
// sealed against writes, fs.ErrPermission); Load does not. Every access
// runs under the fault guard, in race-detector builds too: if a peer
// truncates the object under the word, the call returns an error wrapping
// io.ErrUnexpectedEOF and the process lives on. (The file's end is the
// size this File last saw, checked against fstat only when a word lies past
// it: a word in the last page but past a peer's new end reads the kernel's
// zeros until a read, Stat or Seek sees the shrink.) A write-only File reads no
// words: the error class ReadAt gives (EBADF). A File that maps nothing (a
// file system without mmap) has no words: an error wrapping
// errors.ErrUnsupported. Errors are *fs.PathError with the
// method's name, in lower case, as Op.

// LoadUint32 atomically loads the 32-bit word at off.
func (f *File) LoadUint32(off int64) (uint32, error) {
	v, _, err := fileWord[uint32](f, "loaduint32", off, opLoad, 0, 0)
	return v, err
}

// StoreUint32 atomically stores val into the 32-bit word at off. A plain
// store does not wake a Wait on the word: call Wake.
func (f *File) StoreUint32(off int64, val uint32) error {
	_, _, err := fileWord(f, "storeuint32", off, opStore, val, 0)
	return err
}

// AddUint32 atomically adds delta to the 32-bit word at off and returns the
// new value. (To subtract d, add ^uint32(d-1), as with sync/atomic.)
func (f *File) AddUint32(off int64, delta uint32) (new uint32, err error) {
	v, _, err := fileWord(f, "adduint32", off, opAdd, delta, 0)
	return v, err
}

// CompareAndSwapUint32 atomically replaces the 32-bit word at off with new
// if it holds old, and reports whether it did.
func (f *File) CompareAndSwapUint32(off int64, old, new uint32) (swapped bool, err error) {
	_, ok, err := fileWord(f, "compareandswapuint32", off, opCas, old, new)
	return ok, err
}

// LoadUint64 atomically loads the 64-bit word at off.
func (f *File) LoadUint64(off int64) (uint64, error) {
	v, _, err := fileWord[uint64](f, "loaduint64", off, opLoad, 0, 0)
	return v, err
}

// StoreUint64 atomically stores val into the 64-bit word at off.
func (f *File) StoreUint64(off int64, val uint64) error {
	_, _, err := fileWord(f, "storeuint64", off, opStore, val, 0)
	return err
}

// AddUint64 atomically adds delta to the 64-bit word at off and returns the
// new value.
func (f *File) AddUint64(off int64, delta uint64) (new uint64, err error) {
	v, _, err := fileWord(f, "adduint64", off, opAdd, delta, 0)
	return v, err
}

// CompareAndSwapUint64 atomically replaces the 64-bit word at off with new
// if it holds old, and reports whether it did.
func (f *File) CompareAndSwapUint64(off int64, old, new uint64) (swapped bool, err error) {
	_, ok, err := fileWord(f, "compareandswapuint64", off, opCas, old, new)
	return ok, err
}

// wordCheck is what every word operation checks first.
func (f *File) wordCheck(op string, write bool) error {
	if err := f.checkValid(op); err != nil {
		return err
	}
	if f.closed.Load() {
		return f.wrapErr(op, fs.ErrClosed)
	}
	if f.acc == os.O_WRONLY || (write && f.acc == os.O_RDONLY) {
		return f.wrapErr(op, errBadFD)
	}
	return nil
}

// fileWord checks f and runs o on its word of type T at off.
func fileWord[T word](f *File, op string, off int64, o wordOp, a, b T) (T, bool, error) {
	if err := f.wordCheck(op, o != opLoad); err != nil {
		return 0, false, err
	}
	v, ok, err := wordOn(f.m, off, o, a, b)
	if err != nil {
		return 0, false, f.wrapErr(op, err)
	}
	return v, ok, nil
}

// Wait blocks while the 32-bit word at off holds old (futex FUTEX_WAIT on
// the shared mapping): it returns at once, nil, if the word does not hold
// old when it starts; otherwise it sleeps until a Wake on that word from
// any process (or a spurious wake-up: callers re-check the word), and
// returns nil, or until timeout passes (timeout < 0: no limit; 0: do not
// sleep) and returns an error wrapping os.ErrDeadlineExceeded. A plain
// store does not wake it.
//
// The futex is a shared one (no FUTEX_PRIVATE_FLAG): a C program calling
// futex(2) FUTEX_WAKE on its own mapping of the object wakes it. Close
// while a goroutine waits on this File wakes it promptly with an error
// wrapping fs.ErrClosed; Close never waits for a Wait's timeout. A peer
// truncating the object under the word: an error wrapping
// io.ErrUnexpectedEOF. The word's rules are the atomics' (see LoadUint32);
// Wait needs no write access.
func (f *File) Wait(off int64, old uint32, timeout time.Duration) error {
	if err := f.wordCheck("wait", false); err != nil {
		return err
	}
	if err := f.m.wait(off, old, timeout); err != nil {
		return f.wrapErr("wait", err)
	}
	return nil
}

// Wake wakes up to n (≥ 1) waiters on the 32-bit word at off, in any
// process (Go programs' Waits and C programs' FUTEX_WAITs alike), and
// returns how many it woke. n < 1 is an error wrapping fs.ErrInvalid. Wake
// needs no write access.
func (f *File) Wake(off int64, n int) (int, error) {
	if err := f.wordCheck("wake", false); err != nil {
		return 0, err
	}
	if n < 1 {
		return 0, f.wrapErr("wake", invalid("Wake of %d waiters: n must be at least 1", n))
	}
	k, err := f.m.wake(off, n)
	if err != nil {
		return 0, f.wrapErr("wake", err)
	}
	return k, nil
}
