//go:build !plan9

package shmfs

import "syscall"

// The errnos the portable code returns, as *os.File would.
var (
	errBadFD   error = syscall.EBADF  // the access mode forbids the call
	errInval   error = syscall.EINVAL // a bad offset or whence
	errNoData  error = syscall.ENXIO  // SEEK_DATA/SEEK_HOLE past the end
	errFBig    error = syscall.EFBIG  // a write past a fixed size
	errEFault  error = syscall.EFAULT // a fault nothing could redo
	errNoSpace error = syscall.ENOSPC // no page could be had
	errPerm    error = syscall.EPERM  // sealed
	errIsDir   error = syscall.EISDIR // copy_file_range of a directory
)

// isErrno reports whether err is an errno itself (not wrapped).
func isErrno(err error) bool {
	_, ok := err.(syscall.Errno)
	return ok
}
