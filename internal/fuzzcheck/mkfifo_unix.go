//go:build unix

package fuzzcheck

import "syscall"

func mkfifo(path string) error { return syscall.Mkfifo(path, 0644) }
