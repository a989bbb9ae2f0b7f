//go:build !unix

package fuzzcheck

import (
	"errors"
	"io/fs"
)

// mkfifo: no FIFOs here; Names leaves that fixture out.
func mkfifo(path string) error { return errors.ErrUnsupported }

func dup(fd uintptr) (uintptr, error) { return 0, errors.ErrUnsupported }

// oNonblock: no O_NONBLOCK here (nothing is ever opened: shmfs refuses).
const oNonblock = 0

func owner(fi fs.FileInfo) string { return "" }
