package shmfs

import "syscall"

// Plan 9 has error strings, not errnos; nothing is ever opened there, but
// the portable code must compile.
var (
	errBadFD   error = syscall.ErrorString("bad file descriptor")
	errInval   error = syscall.ErrorString("invalid argument")
	errNoData  error = syscall.ErrorString("no such device or address")
	errFBig    error = syscall.ErrorString("file too large")
	errEFault  error = syscall.ErrorString("bad address")
	errNoSpace error = syscall.ErrorString("no space left on device")
	errPerm    error = syscall.ErrorString("operation not permitted")
	errIsDir   error = syscall.ErrorString("is a directory")
)

// isErrno reports whether err is an error string of the system itself.
func isErrno(err error) bool {
	_, ok := err.(syscall.ErrorString)
	return ok
}
