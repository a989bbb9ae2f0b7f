package shmfs_test

import "golang.org/x/sys/unix"

func fcntlGetfd(fd uintptr) (int, error) { return unix.FcntlInt(fd, unix.F_GETFD, 0) }
