//go:build !plan9

package shmfstest

import (
	"errors"
	"fmt"
	"syscall"
)

// errnoClass names the errno err wraps, if any.
func errnoClass(err error) (string, bool) {
	var e syscall.Errno
	if !errors.As(err, &e) {
		return "", false
	}
	return fmt.Sprintf("%d(%s)", uintptr(e), e.Error()), true
}
