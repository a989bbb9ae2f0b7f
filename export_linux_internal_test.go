//go:build linux

package shmfs

import (
	"errors"

	"golang.org/x/sys/unix"
)

// ErrNotRegular is what NewFile and ReceiveFile wrap when the descriptor is
// not a regular file.
var ErrNotRegular = errNotRegular

// NotRegularType returns the file type (the S_IFMT bits) of the descriptor
// that err refuses as not a regular file, and whether err is such a refusal.
func NotRegularType(err error) (uint32, bool) {
	var e *notRegularError
	if !errors.As(err, &e) {
		return 0, false
	}
	return e.mode & unix.S_IFMT, true
}
