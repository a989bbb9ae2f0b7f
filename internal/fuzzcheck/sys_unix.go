//go:build unix

package fuzzcheck

import "syscall"

func mkfifo(path string) error { return syscall.Mkfifo(path, 0644) }

func dup(fd uintptr) (uintptr, error) {
	nfd, err := syscall.Dup(int(fd))
	if err != nil {
		return 0, err
	}
	syscall.CloseOnExec(nfd)
	return uintptr(nfd), nil
}
