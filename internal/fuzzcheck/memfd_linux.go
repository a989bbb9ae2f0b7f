package fuzzcheck

import (
	"os"

	"golang.org/x/sys/unix"
)

// memfdCreate makes a memory file for package os, the reference MemFile is
// compared with.
func memfdCreate(name string) (*os.File, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("memfd_create", err)
	}
	return os.NewFile(uintptr(fd), name), nil
}
