//go:build !linux

package memword

import (
	"testing"
	"unsafe"
)

// newMem returns size bytes of 8-byte aligned memory. Off linux the tests
// use the Go heap: the operations are the same, and the fault tests, which
// need a memfd, are linux-only.
func newMem(tb testing.TB, size int) []byte {
	words := make([]uint64, (size+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), size)
}
