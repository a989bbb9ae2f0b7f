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

func memFile(name string) (*File, error) {
	if len(name) > memfdNameMax {
		return nil, &fs.PathError{Op: "open", Path: name, Err: explain("a memory file's name is at most 249 bytes", unix.EINVAL)}
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
	if err := sysFstat(fd, &st); err != nil {
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
		return fail(explain("an O_PATH descriptor can be neither read nor mapped", unix.EBADF))
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		return fail(unix.EISDIR)
	default:
		return fail(&notRegularError{mode: st.Mode})
	}
	acc := fl & unix.O_ACCMODE
	flag := acc | fl&(unix.O_APPEND|unix.O_SYNC|unix.O_DSYNC)

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
	// Map it read-only now: the writable mapping the core would make is
	// refused (EPERM).
	f.m.mapReadOnly()
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

func (f *File) seal(seals int) error {
	if _, ok := f.m.segment(); ok {
		return errSegmentSeal
	}
	err := f.m.addSeals(seals)
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return f.explainSealError(errno, seals)
	}
	return err
}

// explainSealError turns F_ADD_SEALS's bare errno into an error that says
// why.
func (f *File) explainSealError(errno syscall.Errno, seals int) error {
	switch errno {
	case unix.EPERM:
		if f.acc == unix.O_RDONLY {
			return explain("seals can only be added through a descriptor open for writing", errno)
		}
		var st syscall.Stat_t
		if f.m.fstat(&st) == nil && st.Nlink > 0 {
			return explain("only memory files (MemFile) can be sealed: a named shared-memory object is sealed against seals (SealSeal)", errno, errors.ErrUnsupported)
		}
		if now, err := f.m.fcntl(unix.F_GET_SEALS, 0); err == nil && now&SealSeal != 0 {
			return explain("the file is sealed against further seals (SealSeal)", errno)
		}
	case unix.EBUSY:
		if seals&SealWrite != 0 {
			return explain("cannot seal against writes: the file is still mapped for writing by another File or another process, or by a View or Update of this File that is still running (or its pages are pinned)", errno)
		}
	case unix.EINVAL:
		if _, err := f.m.fcntl(unix.F_GET_SEALS, 0); err == unix.EINVAL {
			return errNoSeals
		}
		return explain("unknown seal bits", errno)
	}
	return errno
}

func (f *File) seals() (int, error) {
	if _, ok := f.m.segment(); ok {
		return 0, errSegmentSeal
	}
	s, err := f.m.fcntl(unix.F_GET_SEALS, 0)
	if err == unix.EINVAL {
		return 0, errNoSeals
	}
	return s, err
}
