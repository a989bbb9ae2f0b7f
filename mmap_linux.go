package shmfs

import (
	"bytes"
	"math"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The Linux primitives behind the mapping core. Each returns a bare
// syscall.Errno (as x/sys does); File wraps it once.

const (
	sysProtRead   = unix.PROT_READ
	sysProtWrite  = unix.PROT_WRITE
	sysMapShared  = unix.MAP_SHARED
	sysMapPrivate = unix.MAP_PRIVATE
	sysFAddSeals  = unix.F_ADD_SEALS
	sysFGetSeals  = unix.F_GET_SEALS
)

// sealedMapFlags are the mappings mapReadOnly tries, in order (a variable
// so that tests can take the fallbacks that old kernels need).
var sealedMapFlags = []int{unix.MAP_SHARED, unix.MAP_PRIVATE}

// ignoringEINTR calls f until it fails with something other than EINTR.
// It is the package's one EINTR loop.
func ignoringEINTR[T any](f func() (T, error)) (T, error) {
	for {
		v, err := f()
		if err != unix.EINTR {
			return v, err
		}
	}
}

// ignoringEINTR0 is ignoringEINTR for calls that return only an error.
func ignoringEINTR0(f func() error) error {
	_, err := ignoringEINTR(func() (struct{}, error) { return struct{}{}, f() })
	return err
}

// Stat_t from x/sys and from syscall are the same structure on Linux; the
// arrays fail to compile if that ever stops being true.
var (
	_ [unsafe.Sizeof(syscall.Stat_t{}) - unsafe.Sizeof(unix.Stat_t{})]byte
	_ [unsafe.Sizeof(unix.Stat_t{}) - unsafe.Sizeof(syscall.Stat_t{})]byte
)

// sysFstat is the package's one fstat.
func sysFstat(fd int, st *syscall.Stat_t) error {
	return ignoringEINTR0(func() error { return unix.Fstat(fd, (*unix.Stat_t)(unsafe.Pointer(st))) })
}

// sysFsize is fd's size.
func sysFsize(fd int) (int64, error) {
	var st syscall.Stat_t
	if err := sysFstat(fd, &st); err != nil {
		return 0, err
	}
	return st.Size, nil
}

// fstat is fstat(2) of the mapping's descriptor.
func (m *mapping) fstat(st *syscall.Stat_t) error {
	return m.withFD(func(fd int) error { return sysFstat(fd, st) })
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

func sysFcntl(fd, cmd, arg int) (int, error) {
	return ignoringEINTR(func() (int, error) { return unix.FcntlInt(uintptr(fd), cmd, arg) })
}

func sysFtruncate(fd int, size int64) error {
	return ignoringEINTR0(func() error { return unix.Ftruncate(fd, size) })
}

func sysFsync(fd int) error {
	return ignoringEINTR0(func() error { return unix.Fsync(fd) })
}

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

// File systems whose pages are memory, where msync is all Sync needs.
const (
	tmpfsMagic     = 0x01021994
	hugetlbfsMagic = 0x958458f6
	ramfsMagic     = 0x858458f6
)

// fsNoMap is what sysFsKind says of a file system whose files are not
// mapped: pseudo file systems, where a file's size is not its length (a
// /proc file reports 0 and has content).
const fsNoMap = -1

// pseudoFS are the magic numbers (statfs f_type) of fsNoMap's file systems.
var pseudoFS = map[uint32]bool{
	unix.PROC_SUPER_MAGIC:      true,
	unix.SYSFS_MAGIC:           true,
	unix.DEBUGFS_MAGIC:         true,
	unix.TRACEFS_MAGIC:         true,
	unix.SECURITYFS_MAGIC:      true,
	unix.CGROUP_SUPER_MAGIC:    true,
	unix.CGROUP2_SUPER_MAGIC:   true,
	unix.BPF_FS_MAGIC:          true,
	unix.EFIVARFS_MAGIC:        true,
	unix.PSTOREFS_MAGIC:        true,
	unix.SELINUX_MAGIC:         true,
	unix.SMACK_MAGIC:           true,
	unix.BINFMTFS_MAGIC:        true,
	unix.DEVPTS_SUPER_MAGIC:    true,
	unix.NSFS_MAGIC:            true,
	unix.ANON_INODE_FS_MAGIC:   true,
	unix.SOCKFS_MAGIC:          true,
	unix.PIPEFS_MAGIC:          true,
	unix.BDEVFS_MAGIC:          true,
	unix.AUTOFS_SUPER_MAGIC:    true,
	unix.OPENPROM_SUPER_MAGIC:  true,
	unix.USBDEVICE_SUPER_MAGIC: true,
	configfsMagic:              true,
	fusectlMagic:               true,
	mqueueMagic:                true,
}

// Magic numbers x/sys lacks (include/uapi/linux/magic.h).
const (
	configfsMagic = 0x62656570
	fusectlMagic  = 0x65735543
	mqueueMagic   = 0x19800202
)

func sysFsKind(fd int) int32 {
	var st unix.Statfs_t
	if err := ignoringEINTR0(func() error { return unix.Fstatfs(fd, &st) }); err != nil {
		return fsOther
	}
	t := uint32(st.Type)
	switch {
	case t == tmpfsMagic || t == hugetlbfsMagic || t == ramfsMagic:
		return fsMemory
	case pseudoFS[t]:
		return fsNoMap
	}
	return fsOther
}

// sysAllocPage allocates [off, off+n) of fd without changing its size
// (fallocate FALLOC_FL_KEEP_SIZE): ENOSPC on a full file system.
func sysAllocPage(fd int, off, n int64) error {
	return ignoringEINTR0(func() error { return unix.Fallocate(fd, unix.FALLOC_FL_KEEP_SIZE, off, n) })
}

// sysFull reports whether fd's file system has no block left to give.
func sysFull(fd int) bool {
	var st unix.Statfs_t
	if err := ignoringEINTR0(func() error { return unix.Fstatfs(fd, &st) }); err != nil {
		return false
	}
	return st.Blocks > 0 && st.Bavail == 0
}

// sysMapExact maps exactly n bytes of fd.
func sysMapExact(fd int, n int, prot, flags int) ([]byte, error) {
	p, err := unix.MmapPtr(fd, 0, nil, uintptr(n), prot, flags)
	if err != nil {
		return nil, err
	}
	return unsafe.Slice((*byte)(p), n), nil
}

// sysMap maps a reservation for an object of the given size, or returns nil
// if it cannot (the core then uses pread/pwrite). Under a finite
// RLIMIT_AS it never takes the last part of the address space the limit
// leaves (see addressRoom): the Go runtime must still be able to grow its
// heap.
func sysMap(fd int, size int64, prot, flags int) []byte {
	n := reserveFor(size)
	if room, limited := addressRoom(); limited {
		for int64(n) > room && n > 1<<20 {
			n /= 2
		}
		if int64(n) > room {
			return nil
		}
	}
	for ; ; n /= 2 {
		data, err := sysMapExact(fd, n, prot, flags)
		if err == nil {
			return data
		}
		// Out of address space: try a smaller reservation.
		if err != unix.ENOMEM || int64(n) <= size || n <= 1<<20 {
			return nil
		}
	}
}

// addressHeadroom is the least of a finite RLIMIT_AS that reservations
// leave to the rest of the process (see addressRoom): the Go runtime
// reserves heap in 64 MiB arenas, and dies when it cannot.
const addressHeadroom = 256 << 20

// addressRoom returns how many bytes of address space a new reservation may
// take under RLIMIT_AS, and whether there is a limit at all: what the limit
// leaves, less a quarter of that and at least addressHeadroom. It reads
// the process's current size from /proc/self/statm.
func addressRoom() (room int64, limited bool) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_AS, &lim); err != nil || lim.Cur == unix.RLIM_INFINITY || lim.Cur > 1<<62 {
		return 0, false
	}
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, true
	}
	f, _, _ := bytes.Cut(b, []byte(" "))
	pages, err := strconv.ParseInt(string(f), 10, 64)
	if err != nil {
		return 0, true
	}
	left := int64(lim.Cur) - pages*pageSize
	room = left - max(left/4, addressHeadroom)
	return max(room, 0), true
}

// sysRevoke replaces [addr, addr+n) by an inaccessible anonymous mapping at
// the same place: what was mapped there (the object's pages, a segment's
// attach) is gone at once, and any touch faults, but the range stays
// reserved, so nothing else can be mapped there.
func sysRevoke(addr, n uintptr) {
	_, _, e := unix.Syscall6(unix.SYS_MMAP, addr, n, unix.PROT_NONE,
		unix.MAP_FIXED|unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE, ^uintptr(0), 0)
	if e != 0 {
		// Out of mappings (vm.max_map_count): at least make it
		// inaccessible. The object stays mapped until the cleanup.
		unix.Syscall(unix.SYS_MPROTECT, addr, n, unix.PROT_NONE)
	}
}

// sysUnmap releases [addr, addr+n). (Raw, as sysRevoke: the addresses are
// not Go pointers, and x/sys's Munmap wants the slice its Mmap made.)
func sysUnmap(addr, n uintptr) {
	unix.Syscall(unix.SYS_MUNMAP, addr, n, 0)
}

// Futexes: shared (no FUTEX_PRIVATE_FLAG), so that waiters in other
// processes, and C programs calling futex(2) on their own mapping of the
// object, meet on the same word (the kernel keys a shared futex by the
// object and offset).

// futex(2) operations (linux/futex.h; x/sys has the system call only).
const (
	futexWait = 0
	futexWake = 1
)

// sysFutexWait is FUTEX_WAIT on *p while it holds val, for at most rel
// (< 0: no limit). It returns nil when woken, or errWouldBlock,
// errInterrupted, errTimedOut, errEFault.
func sysFutexWait(p unsafe.Pointer, val uint32, rel time.Duration) error {
	var ts *unix.Timespec
	if rel >= 0 {
		t := unix.NsecToTimespec(int64(rel))
		ts = &t
	}
	_, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(p), futexWait, uintptr(val), uintptr(unsafe.Pointer(ts)), 0, 0)
	return futexErr(e)
}

// futexWaitv is futex_waitv(2)'s struct futex_waitv.
type futexWaitv struct {
	val      uint64
	uaddr    uint64
	flags    uint32
	reserved uint32
}

// futex2 flags (linux/futex.h).
const (
	futex2SizeU32 = 0x02
	futex2Private = 128
	futexPrivate  = 128 // FUTEX_PRIVATE_FLAG
)

// waitvMissing is set once the kernel has said it has no futex_waitv.
var waitvMissing atomic.Bool

// sysFutexWaitv waits on two futexes at once (futex_waitv, Linux 5.16):
// the shared word *p while it holds val, and the private word *closing
// while it holds 0; for at most rel (< 0: no limit). Results as for
// sysFutexWait; errNoWaitv where the kernel lacks futex_waitv.
func sysFutexWaitv(p unsafe.Pointer, val uint32, closing *atomic.Uint32, rel time.Duration) error {
	if waitvMissing.Load() {
		return errNoWaitv
	}
	ws := [2]futexWaitv{
		{val: uint64(val), uaddr: uint64(uintptr(p)), flags: futex2SizeU32},
		{val: 0, uaddr: uint64(uintptr(unsafe.Pointer(closing))), flags: futex2SizeU32 | futex2Private},
	}
	var ts *unix.Timespec
	if rel >= 0 {
		var now unix.Timespec
		unix.ClockGettime(unix.CLOCK_MONOTONIC, &now)
		if int64(rel) <= math.MaxInt64-now.Nano() { // else: no limit
			t := unix.NsecToTimespec(now.Nano() + int64(rel))
			ts = &t
		}
	}
	_, _, e := unix.Syscall6(unix.SYS_FUTEX_WAITV, uintptr(unsafe.Pointer(&ws[0])), 2, 0,
		uintptr(unsafe.Pointer(ts)), unix.CLOCK_MONOTONIC, 0)
	runtime.KeepAlive(closing)
	if e == unix.ENOSYS {
		waitvMissing.Store(true)
		return errNoWaitv
	}
	return futexErr(e)
}

// sysFutexWakePrivate wakes every waiter on the private word *p.
func sysFutexWakePrivate(p *atomic.Uint32) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(p)), futexWake|futexPrivate, 1<<30, 0, 0, 0)
}

// sysFutexWake is FUTEX_WAKE of up to n waiters on *p.
func sysFutexWake(p unsafe.Pointer, n int) (int, error) {
	n = min(n, math.MaxInt32) // futex takes an int
	r, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(p), futexWake, uintptr(n), 0, 0, 0)
	return int(r), futexErr(e)
}

// sysFutexWakeAddr is sysFutexWake for an address close holds as a number
// (its region is pinned).
func sysFutexWakeAddr(addr uintptr, n int) {
	unix.Syscall6(unix.SYS_FUTEX, addr, futexWake, uintptr(n), 0, 0, 0)
}

func futexErr(e unix.Errno) error {
	switch e {
	case 0:
		return nil
	case unix.EAGAIN:
		return errWouldBlock
	case unix.EINTR:
		return errInterrupted
	case unix.ETIMEDOUT:
		return errTimedOut
	case unix.EFAULT:
		return errEFault
	}
	return e
}
