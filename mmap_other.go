//go:build !linux

package shmfs

import "errors"

// On systems other than Linux no mapping is ever made: every constructor
// returns errors.ErrUnsupported, so these primitives are never reached.

var errUnsupported = errors.ErrUnsupported

func sysPread(fd int, p []byte, off int64) (int, error)    { return 0, errUnsupported }
func sysPwrite(fd int, p []byte, off int64) (int, error)   { return 0, errUnsupported }
func sysWrite(fd int, p []byte) (int, error)               { return 0, errUnsupported }
func sysSeek(fd int, off int64, whence int) (int64, error) { return 0, errUnsupported }
func sysFsize(fd int) (int64, error)                       { return 0, errUnsupported }
func sysFtruncate(fd int, size int64) error                { return errUnsupported }
func sysFsync(fd int) error                                { return errUnsupported }
func sysClose(fd int) error                                { return errUnsupported }
func sysStampMtime(fd int) error                           { return errUnsupported }
func sysMsync(b []byte, async bool) error                  { return errUnsupported }
func sysMremap(b []byte, n int) ([]byte, error)            { return nil, errUnsupported }
func sysFsKind(fd int) int32                               { return fsOther }
func sysMap(fd int, size int64, prot, flags int) []byte    { return nil }
