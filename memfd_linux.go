package shmfs

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// The seal constants are the kernel's; the arrays fail to compile if they
// ever differ.
var (
	_ [SealSeal - unix.F_SEAL_SEAL]byte
	_ [unix.F_SEAL_SEAL - SealSeal]byte
	_ [SealShrink - unix.F_SEAL_SHRINK]byte
	_ [unix.F_SEAL_SHRINK - SealShrink]byte
	_ [SealGrow - unix.F_SEAL_GROW]byte
	_ [unix.F_SEAL_GROW - SealGrow]byte
	_ [SealWrite - unix.F_SEAL_WRITE]byte
	_ [unix.F_SEAL_WRITE - SealWrite]byte
	_ [SealFutureWrite - unix.F_SEAL_FUTURE_WRITE]byte
	_ [unix.F_SEAL_FUTURE_WRITE - SealFutureWrite]byte
)

// memfdNameMax is the longest name memfd_create takes: NAME_MAX less the
// "memfd:" prefix the kernel puts in front.
const memfdNameMax = 255 - len("memfd:")

// writeSeals are the seals after which no new writable mapping can be made.
const writeSeals = SealWrite | SealFutureWrite

func memFile(name string) (*File, error) {
	if len(name) > memfdNameMax {
		return nil, &fs.PathError{Op: "open", Path: name, Err: &explainedError{why: "a memory file's name is at most 249 bytes", errno: unix.EINVAL}}
	}
	if strings.IndexByte(name, 0) >= 0 {
		return nil, &fs.PathError{Op: "open", Path: name, Err: unix.EINVAL}
	}
	fd, err := ignoringEINTR(func() (int, error) {
		return unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	})
	if err == unix.EACCES {
		// vm.memfd_noexec = 2: the kernel only makes memory files that can
		// never be executed (they start with F_SEAL_EXEC).
		fd, err = ignoringEINTR(func() (int, error) {
			return unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING|unix.MFD_NOEXEC_SEAL)
		})
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return newFDFile(os.NewFile(uintptr(fd), name), name, 0, unix.O_RDWR, true)
}

func adoptFD(ufd uintptr, name string) (*File, error) {
	if ufd > math.MaxInt32 {
		return nil, &fs.PathError{Op: "open", Path: name, Err: unix.EBADF}
	}
	fd := int(ufd)
	fail := func(err error) (*File, error) {
		unix.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	var st syscall.Stat_t
	if err := fstat(fd, &st); err != nil {
		if err == unix.EBADF {
			// Not a descriptor: there is nothing to close.
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return fail(err)
	}
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return fail(err)
	}
	if fl&unix.O_PATH != 0 {
		return fail(&explainedError{why: "an O_PATH descriptor can be neither read nor mapped", errno: unix.EBADF})
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		return fail(unix.EISDIR)
	default:
		return fail(&notRegularError{mode: st.Mode})
	}
	acc := fl & unix.O_ACCMODE
	flag := acc | fl&unix.O_APPEND

	// A file sealed against writes cannot be mapped writable: map it
	// read-only, so that reads still go through memory and writes fail
	// as the kernel says (EPERM).
	seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
	if err != nil || acc != unix.O_RDWR || seals&writeSeals == 0 {
		return newFDFile(os.NewFile(uintptr(fd), name), name, st.Size, flag, true)
	}
	f, err := newFDFile(os.NewFile(uintptr(fd), name), name, st.Size, flag, true)
	if err != nil {
		return nil, err
	}
	if m := f.m; m.lazy.Load() || m.data == nil {
		// Map it read-only now: the writable mapping the core would make
		// is refused (EPERM).
		m.mu.Lock()
		m.mapReadOnly(st.Size)
		m.mu.Unlock()
	}
	return f, nil
}

// notRegularError refuses a descriptor that is not a regular file, saying
// what it is.
type notRegularError struct{ mode uint32 }

func (e *notRegularError) Error() string {
	kind := "special file"
	switch e.mode & unix.S_IFMT {
	case unix.S_IFSOCK:
		kind = "socket"
	case unix.S_IFIFO:
		kind = "pipe or FIFO"
	case unix.S_IFCHR:
		kind = "character device"
	case unix.S_IFBLK:
		kind = "block device"
	case unix.S_IFLNK:
		kind = "symbolic link"
	}
	return errNotRegular.Error() + " (the descriptor is a " + kind + ")"
}

func (e *notRegularError) Unwrap() error { return errNotRegular }

// explainedError says why the kernel returned errno. It wraps the errno,
// and also errors.ErrUnsupported when the file can never be sealed.
type explainedError struct {
	why         string
	errno       syscall.Errno
	unsupported bool
}

func (e *explainedError) Error() string { return e.why + ": " + e.errno.Error() }

func (e *explainedError) Unwrap() []error {
	if e.unsupported {
		return []error{e.errno, errors.ErrUnsupported}
	}
	return []error{e.errno}
}

// errNoSeals: the file is on a file system without seals.
var errNoSeals = &explainedError{why: "only memory files (and files on tmpfs or hugetlbfs) have seals", errno: unix.EINVAL, unsupported: true}

// errSegmentSeal: a System V segment has no descriptor to seal.
var errSegmentSeal = &explainedError{why: "a System V segment cannot be sealed", errno: unix.EINVAL, unsupported: true}

// sealedMapFlags are the mappings mapReadOnly tries, in order (a variable
// so that tests can take the fallbacks that old kernels need).
var sealedMapFlags = []int{unix.MAP_SHARED, unix.MAP_PRIVATE}

// mapReadOnly maps the object read-only into m.data, for a file sealed
// against writes: shared if the kernel allows it, private otherwise (before
// Linux 6.7 a file sealed with F_SEAL_WRITE could not be mapped MAP_SHARED
// through a writable descriptor; a read-only private mapping of a file
// nobody can write shows the same bytes). Reads copy from it as from any
// mapping; a write inside the object faults on the read-only pages and is
// redone with pwrite, and a write past its end goes to pwrite: either way
// the kernel refuses it (EPERM).
//
// If no mapping can be made, m.data is nil and the core reads and writes
// with pread/pwrite. Callers hold m.mu exclusive (or own m alone).
func (m *mapping) mapReadOnly(size int64) {
	m.lazy.Store(false)
	m.size.Store(size)
	for _, flags := range sealedMapFlags {
		if m.data = sysMap(m.fd, size, unix.PROT_READ, flags); m.data != nil {
			m.prot, m.flags = unix.PROT_READ, flags
			return
		}
	}
}

func (f *File) seal(seals int) error {
	m := f.m
	if m.fd < 0 {
		return errSegmentSeal
	}
	// Exclusive: no copy is in flight while the mapping is replaced.
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fs.ErrClosed
	}
	// F_SEAL_WRITE fails with EBUSY while any writable shared mapping
	// exists, this File's own included; F_SEAL_FUTURE_WRITE would let this
	// File's mapping write on. So the mapping goes, the seal is added, and
	// the mapping comes back read-only (or as it was, if the seal failed).
	// A File not mapped yet (the core maps lazily) is mapped read-only now,
	// so that it never tries a writable mapping the seal forbids.
	remap := seals&writeSeals != 0 && !m.private && f.acc != unix.O_RDONLY &&
		m.flags == unix.MAP_SHARED && (m.data != nil || m.lazy.Load())
	var n, prot int
	if remap && m.data != nil {
		n, prot = len(m.data), m.prot
		if err := m.detach(m.data); err != nil {
			return err
		}
		m.data = nil
	}
	_, err := unix.FcntlInt(uintptr(m.fd), unix.F_ADD_SEALS, seals)
	if remap {
		now, gerr := unix.FcntlInt(uintptr(m.fd), unix.F_GET_SEALS, 0)
		size, serr := sysFsize(m.fd)
		if gerr == nil && now&writeSeals != 0 && serr == nil {
			m.mapReadOnly(size)
		} else if n > 0 {
			if data, merr := unix.Mmap(m.fd, 0, n, prot, unix.MAP_SHARED); merr == nil {
				m.data = data
			}
			// If it cannot be mapped again, m.data stays nil and the core
			// goes through pread/pwrite: slower, never wrong.
		}
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return f.explainSealError(errno, seals)
	}
	return err
}

// explainSealError turns F_ADD_SEALS's bare errno into an error that says
// why. Callers hold f.m.mu.
func (f *File) explainSealError(errno syscall.Errno, seals int) error {
	fd := uintptr(f.m.fd)
	switch errno {
	case unix.EPERM:
		if f.acc == unix.O_RDONLY {
			return &explainedError{why: "seals can only be added through a descriptor open for writing", errno: errno}
		}
		var st syscall.Stat_t
		if fstat(f.m.fd, &st) == nil && st.Nlink > 0 {
			return &explainedError{why: "only memory files (MemFile) can be sealed: a named shared-memory object is sealed against seals (SealSeal)", errno: errno, unsupported: true}
		}
		if now, err := unix.FcntlInt(fd, unix.F_GET_SEALS, 0); err == nil && now&SealSeal != 0 {
			return &explainedError{why: "the file is sealed against further seals (SealSeal)", errno: errno}
		}
	case unix.EBUSY:
		if seals&SealWrite != 0 {
			return &explainedError{why: "cannot seal against writes: the file is still mapped for writing by another File or another process (or its pages are pinned)", errno: errno}
		}
	case unix.EINVAL:
		if _, err := unix.FcntlInt(fd, unix.F_GET_SEALS, 0); err == unix.EINVAL {
			return errNoSeals
		}
		return &explainedError{why: "unknown seal bits", errno: errno}
	}
	return errno
}

func (f *File) seals() (int, error) {
	m := f.m
	if m.fd < 0 {
		return 0, errSegmentSeal
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return 0, fs.ErrClosed
	}
	s, err := unix.FcntlInt(uintptr(m.fd), unix.F_GET_SEALS, 0)
	if err == unix.EINVAL {
		return 0, errNoSeals
	}
	return s, err
}
