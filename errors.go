package shmfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Errors.
//
// Every error a caller may need to tell apart matches, with errors.Is, one
// documented value (the package documentation lists them); the types below
// only add words. Errors from a File are *fs.PathError values around them.

// explained is an error that says in words what happened and matches
// (errors.Is, errors.As) each error it wraps: an errno, and the class a
// caller tests for (fs.ErrInvalid, fs.ErrNotExist, errors.ErrUnsupported...).
type explained struct {
	msg   string
	wraps []error
}

func (e *explained) Error() string   { return e.msg }
func (e *explained) Unwrap() []error { return e.wraps }

// explain says why the kernel returned errno: "why: errno's text". It
// wraps errno and the more errors given.
func explain(why string, errno error, more ...error) error {
	return &explained{msg: why + ": " + errno.Error(), wraps: append([]error{errno}, more...)}
}

// invalid is an fs.ErrInvalid (and EINVAL) with an explanation.
func invalid(format string, args ...any) error {
	return &explained{msg: fmt.Sprintf(format, args...), wraps: []error{fs.ErrInvalid, errInval}}
}

// unsupported is an errors.ErrUnsupported with an explanation.
func unsupported(msg string) error {
	return &explained{msg: msg, wraps: []error{errors.ErrUnsupported}}
}

// noSegment: id names no segment (shmat and shmctl say EINVAL or EIDRM).
func noSegment(id int) error {
	return &explained{msg: fmt.Sprintf("no segment with ID %d", id), wraps: []error{fs.ErrNotExist}}
}

var (
	// errFault: a memory fault that no system call could redo or explain
	// (EFAULT).
	errFault = explain("memory fault: the pages behind the mapping are gone", errEFault)

	// errSegmentFault: a segment's page could not be had (a segment made
	// with NoReserve or HugePages when memory ran out): ENOSPC.
	errSegmentFault = explain("memory fault: the system could not give the segment a page", errNoSpace)

	// errSegmentFull is returned by a write that reaches past a fixed-size
	// segment's end, as a file at its size limit does (EFBIG); the bytes
	// that fit are written.
	errSegmentFull = explain("write past the end of a fixed-size segment", errFBig)

	// errFixedSize: a System V segment's size is set when it is created.
	errFixedSize = fmt.Errorf("a System V segment's size is fixed: %w", errors.ErrUnsupported)

	// errNoDescriptor: a System V segment has no descriptor.
	errNoDescriptor = explain("a System V segment has no file descriptor", errBadFD, errors.ErrUnsupported)

	// errPrivateGrow: a copy-on-write view cannot grow the object it maps.
	errPrivateGrow = explain("a private (copy-on-write) view cannot grow past the object's size", errFBig)

	// errPrivateSize: nor can it change its size at all.
	errPrivateSize = fmt.Errorf("a private (copy-on-write) view cannot change the object's size: %w", errors.ErrUnsupported)

	// errPrivateTrunc: O_TRUNC would change the object under a private view.
	errPrivateTrunc = fmt.Errorf("O_TRUNC with O_PRIVATE: a private (copy-on-write) view never changes the object: %w", errors.ErrUnsupported)

	// errNoSeals: the file is on a file system without seals.
	errNoSeals = explain("only memory files (and files on tmpfs or hugetlbfs) have seals", errInval, errors.ErrUnsupported)

	// errSegmentSeal: a System V segment has no descriptor to seal.
	errSegmentSeal = explain("a System V segment cannot be sealed", errInval, errors.ErrUnsupported)

	// errViewPastEOF: a View or Update of a range that reaches past the
	// end of the file; fn was not called.
	errViewPastEOF = &explained{msg: "the range reaches past the end of the file", wraps: []error{io.ErrUnexpectedEOF}}

	// errViewShrunk: the object shrank below the range while fn ran.
	errViewShrunk = &explained{msg: "the object shrank under the view", wraps: []error{io.ErrUnexpectedEOF}}

	// errViewNoSpace: a page of the range could not be had while fn ran
	// (tmpfs is full).
	errViewNoSpace = explain("memory fault: the file system could not give the view a page", errNoSpace)

	// errSealedWrite: an Update of a file sealed against writes.
	errSealedWrite = explain("the file is sealed against writes (SealWrite or SealFutureWrite)", errPerm)

	// errNotMapped: an in-place view of bytes that are not mapped (the
	// caller then copies).
	errNotMapped = errors.New("shmfs: not mapped")

	// errProbeFaulted: the page a view probes before fn runs is gone (the
	// core then asks fstat; never returned to a caller).
	errProbeFaulted = errors.New("shmfs: probe faulted")
)

// Errors of words, waits and locks.
var (
	// errWaitTimeout: a Wait whose timeout passed.
	errWaitTimeout = os.ErrDeadlineExceeded // itself, so that os.IsTimeout holds, as for *os.File deadlines

	// errWordNotMapped: atomics and futexes need the word mapped; this
	// File maps nothing (a write-only descriptor, a file system without
	// mmap) or not that far (past the mapping bound).
	errWordNotMapped = fmt.Errorf("atomic words need a mapping, and this File has none there: %w", errors.ErrUnsupported)

	// errLockSegment: a segment has no descriptor to lock.
	errLockSegment = fmt.Errorf("a System V segment has no descriptor to lock: %w", errors.ErrUnsupported)

	// errWordShrunk: the object shrank under a word while it was touched:
	// the word is no longer inside the file.
	errWordShrunk = &explained{msg: "the object shrank under the word: it is no longer inside the file", wraps: []error{io.ErrUnexpectedEOF, fs.ErrInvalid}}

	// errClosedLock: a lock call on a closed File (or one closed while
	// Lock waited).
	errClosedLock = fs.ErrClosed

	// The futex's own answers, told apart by wait.
	errWouldBlock  = errors.New("futex: the word does not hold the value")
	errInterrupted = errors.New("futex: interrupted")
	errTimedOut    = errors.New("futex: timed out")
	errNoWaitv     = errors.New("futex: no futex_waitv in this kernel")
)

// Errors of opening and passing descriptors.
var (
	// errNotRegular refuses FIFOs, devices and sockets: only regular files
	// can be mapped as shared memory.
	errNotRegular = errors.New("not a regular file")

	// ReceiveFile's refusals.
	errNoFD    = errors.New("shmfs: ReceiveFile: the message carries no descriptor")
	errManyFDs = errors.New("shmfs: ReceiveFile: the message carries more than one descriptor")
	errNilConn = errors.New("shmfs: nil *net.UnixConn")

	// errClosedConn: SyscallConn of a closed File (its RawConn fails as
	// an *os.File's does).
	errClosedConn = errors.New("closed")
)

// isEFAULT reports whether err is the kernel's EFAULT (a system call
// touched a page that is gone), wrapped or not.
func isEFAULT(err error) bool { return errors.Is(err, errEFault) }
