package memword

import (
	"testing"

	"golang.org/x/sys/unix"
)

// mapMemfd maps size bytes of a new memfd MAP_SHARED, read-write, and
// returns the mapping and the descriptor; both are released at cleanup.
func mapMemfd(tb testing.TB, size int) ([]byte, int) {
	tb.Helper()
	fd, err := unix.MemfdCreate("memword-test", unix.MFD_CLOEXEC)
	if err != nil {
		tb.Fatalf("memfd_create: %v", err)
	}
	tb.Cleanup(func() {
		if err := unix.Close(fd); err != nil {
			tb.Errorf("close memfd: %v", err)
		}
	})
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		tb.Fatalf("ftruncate: %v", err)
	}
	mem, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		tb.Fatalf("mmap: %v", err)
	}
	tb.Cleanup(func() {
		if err := unix.Munmap(mem); err != nil {
			tb.Errorf("munmap: %v", err)
		}
	})
	return mem, fd
}

// newMem returns size bytes of shared mapped memory (a memfd page).
func newMem(tb testing.TB, size int) []byte {
	mem, _ := mapMemfd(tb, size)
	return mem
}
