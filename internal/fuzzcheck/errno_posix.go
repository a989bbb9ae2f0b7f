//go:build !plan9

package fuzzcheck

import "syscall"

// errBadFD is what a read on a write-only descriptor (or a write on a
// read-only one) returns.
var errBadFD error = syscall.EBADF
