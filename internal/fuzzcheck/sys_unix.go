//go:build unix

package fuzzcheck

import (
	"fmt"
	"io/fs"
	"syscall"
)

func mkfifo(path string) error { return syscall.Mkfifo(path, 0644) }

func dup(fd uintptr) (uintptr, error) {
	nfd, err := syscall.Dup(int(fd))
	if err != nil {
		return 0, err
	}
	syscall.CloseOnExec(nfd)
	return uintptr(nfd), nil
}

// oNonblock is O_NONBLOCK, for the FS oracle's opens.
const oNonblock = syscall.O_NONBLOCK

// owner is a FileInfo's uid and gid, for the FS tree comparisons.
func owner(fi fs.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("uid=%d gid=%d", st.Uid, st.Gid)
	}
	return ""
}
