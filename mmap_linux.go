package shmfs

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The Linux primitives behind the mapping core. Each returns a bare
// syscall.Errno (as x/sys does); File wraps it once.

func ignoringEINTR[T any](f func() (T, error)) (T, error) {
	for {
		v, err := f()
		if err != unix.EINTR {
			return v, err
		}
	}
}

func sysPread(fd int, p []byte, off int64) (int, error) {
	return ignoringEINTR(func() (int, error) { return unix.Pread(fd, p, off) })
}

func sysPwrite(fd int, p []byte, off int64) (int, error) {
	return ignoringEINTR(func() (int, error) { return unix.Pwrite(fd, p, off) })
}

func sysWrite(fd int, p []byte) (int, error) {
	return ignoringEINTR(func() (int, error) { return unix.Write(fd, p) })
}

func sysSeek(fd int, off int64, whence int) (int64, error) {
	return unix.Seek(fd, off, whence)
}

func sysFsize(fd int) (int64, error) {
	var st unix.Stat_t
	if _, err := ignoringEINTR(func() (int, error) { return 0, unix.Fstat(fd, &st) }); err != nil {
		return 0, err
	}
	return st.Size, nil
}

func sysFtruncate(fd int, size int64) error {
	_, err := ignoringEINTR(func() (int, error) { return 0, unix.Ftruncate(fd, size) })
	return err
}

func sysFsync(fd int) error {
	_, err := ignoringEINTR(func() (int, error) { return 0, unix.Fsync(fd) })
	return err
}

func sysClose(fd int) error { return unix.Close(fd) }

// sysStampMtime sets fd's modification time (and so its change time) to
// now and leaves its access time, as a write(2) does: futimens(3), which is
// utimensat(fd, NULL, ...). (x/sys's UtimesNanoAt passes "", not NULL.)
func sysStampMtime(fd int) error {
	ts := [2]unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_NOW}}
	_, _, e := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func sysMsync(b []byte, async bool) error {
	flags := unix.MS_SYNC
	if async {
		flags = unix.MS_ASYNC
	}
	return unix.Msync(b, flags)
}

func sysMremap(b []byte, n int) ([]byte, error) {
	return unix.Mremap(b, n, unix.MREMAP_MAYMOVE)
}

func sysMunmap(b []byte) error { return unix.Munmap(b) }

// tmpfsMagic and friends: file systems whose pages are memory, where
// msync is all Sync needs.
const (
	tmpfsMagic     = 0x01021994
	hugetlbfsMagic = 0x958458f6
	ramfsMagic     = 0x858458f6
)

func sysFsKind(fd int) int32 {
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return fsOther
	}
	switch uint32(st.Type) {
	case tmpfsMagic, hugetlbfsMagic, ramfsMagic:
		return fsTmpfs
	}
	return fsOther
}

// mapFD returns the mapping core for fd, an object of the given size. A
// shared mapping is made lazily, on the second access (see touch): a File
// opened for one read costs no mmap/munmap. A private view is mapped at once
// (its copy-on-write snapshot is what it is for). A descriptor that cannot be
// mapped (write-only, or a file system without mmap) gets no mapping: the
// core then goes through pread/pwrite.
func mapFD(fd int, size int64, writable, private bool) (*mapping, error) {
	m := &mapping{fd: fd, shmid: -1, private: private, detach: sysMunmap}
	m.size.Store(size)
	m.prot = unix.PROT_READ
	if writable {
		m.prot |= unix.PROT_WRITE
	}
	m.flags = unix.MAP_SHARED
	if !private {
		m.lazy.Store(true)
		return m, nil
	}
	// A private view covers exactly the object: it cannot grow.
	m.flags = unix.MAP_PRIVATE
	m.noRemap = true
	data, err := unix.Mmap(fd, 0, int(min(max(size, 1), maxReserve)), m.prot, m.flags)
	if err != nil {
		return nil, err
	}
	m.data = data
	return m, nil
}

// sysMap maps a reservation for an object of the given size, or returns nil
// if it cannot (the core then uses pread/pwrite).
func sysMap(fd int, size int64, prot, flags int) []byte {
	for n := reserveFor(size); ; n /= 2 {
		data, err := unix.Mmap(fd, 0, n, prot, flags)
		if err == nil {
			return data
		}
		// Out of address space (RLIMIT_AS): try a smaller reservation.
		if err != unix.ENOMEM || int64(n) <= size || n <= 1<<20 {
			return nil
		}
	}
}
