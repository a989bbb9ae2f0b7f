//go:build !unix

package fuzzcheck

import "errors"

// mkfifo: no FIFOs here; Names leaves that fixture out.
func mkfifo(path string) error { return errors.ErrUnsupported }

func dup(fd uintptr) (uintptr, error) { return 0, errors.ErrUnsupported }
