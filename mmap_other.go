//go:build !linux

package shmfs

import (
	"errors"
	"sync/atomic"
	"time"
	"unsafe"
)

// On systems other than Linux no mapping is ever made: every constructor
// returns errors.ErrUnsupported, so these primitives are never reached.

var errUnsupported = errors.ErrUnsupported

const (
	sysProtRead   = 1
	sysProtWrite  = 2
	sysMapShared  = 1
	sysMapPrivate = 2
	sysFAddSeals  = 1033
	sysFGetSeals  = 1034
	fsNoMap       = -1
)

var sealedMapFlags = []int{sysMapShared, sysMapPrivate}

func sysFsize(fd int) (int64, error)                             { return 0, errUnsupported }
func sysPread(fd int, p []byte, off int64) (int, error)          { return 0, errUnsupported }
func sysPwrite(fd int, p []byte, off int64) (int, error)         { return 0, errUnsupported }
func sysWrite(fd int, p []byte) (int, error)                     { return 0, errUnsupported }
func sysSeek(fd int, off int64, whence int) (int64, error)       { return 0, errUnsupported }
func sysFcntl(fd, cmd, arg int) (int, error)                     { return 0, errUnsupported }
func sysFtruncate(fd int, size int64) error                      { return errUnsupported }
func sysFsync(fd int) error                                      { return errUnsupported }
func sysStampMtime(fd int) error                                 { return errUnsupported }
func sysMsync(b []byte, async bool) error                        { return errUnsupported }
func sysFsKind(fd int) int32                                     { return fsOther }
func sysMapExact(fd int, n int, prot, flags int) ([]byte, error) { return nil, errUnsupported }
func sysAllocPage(fd int, off, n int64) error                    { return errUnsupported }
func sysFull(fd int) bool                                        { return false }
func sysMap(fd int, size int64, prot, flags int) []byte          { return nil }
func sysRevoke(addr, n uintptr)                                  {}
func sysUnmap(addr, n uintptr)                                   {}

func sysFutexWait(p unsafe.Pointer, val uint32, rel time.Duration) error { return errUnsupported }
func sysFutexWake(p unsafe.Pointer, n int) (int, error)                  { return 0, errUnsupported }
func sysFutexWakeAddr(addr uintptr, n int)                               {}

const (
	lockWrite  = 1
	lockRead   = 0
	lockUnlock = 2
)

func (m *mapping) lock(typ int16, wait bool) (bool, error) { return false, errUnsupported }
func (m *mapping) unlockAtClose()                          {}

func sysFutexWaitv(p unsafe.Pointer, val uint32, closing *atomic.Uint32, rel time.Duration) error {
	return errNoWaitv
}
func sysFutexWakePrivate(p *atomic.Uint32) {}
