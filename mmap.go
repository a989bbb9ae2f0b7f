package shmfs

import (
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// The mapping core.
//
// A mapping owns everything a File reaches its object through: the
// descriptor (an *os.File), the mapping of the object (a region), the size
// it last saw, and the fault guard. Nothing outside mmap*.go touches its
// fields; File and the constructors of each backend use its methods.
//
// Its backing is one of four kinds, fixed when it is made:
//
//   - kindShared: a descriptor, mapped MAP_SHARED at its second access (the
//     first one goes through pread/pwrite, so a File opened for one read
//     costs no mmap). The mapping is a reservation longer than the object,
//     so the object grows inside it; growth past it maps a larger one.
//   - kindPrivate: a descriptor mapped MAP_PRIVATE at once (a copy-on-write
//     view): its size is fixed, writes stay in the view.
//   - kindSegment: a System V segment: no descriptor, fixed size.
//   - kindDirect: a descriptor that is never mapped (write-only, a File made
//     for one pass, a file system without mmap or whose sizes are not the
//     files' lengths, such as /proc): every access is a system call, and the
//     kernel alone says where the file ends.
//
// A kindShared object whose mapping fails (a file system without mmap) goes
// on as kindDirect does.
//
// Concurrency: what a reader writes, what Close and a remap do.
//
//   - cur points to the current region (one mmap or shmat), or is nil. A
//     read or write loads cur, checks its range against the size it knows,
//     copies under the fault guard and keeps the region alive
//     (runtime.KeepAlive) until the copy is done. It writes no shared memory:
//     no lock, no counter. Parallel ReadAts of one File share read-only cache
//     lines only, so they scale as copy() does.
//   - Close, a remap and a write seal retire a region: cur moves on first;
//     then the region is revoked: its range is replaced in place by an
//     inaccessible anonymous mapping (mmap MAP_FIXED, PROT_NONE), which drops
//     the object's pages (and a segment's attach) at once. A copy still in
//     flight on it faults, and the guard turns the fault into a retry on the
//     new state (ErrClosed, or the new region). Nothing waits.
//   - The revoked range is released (munmap) only by the region's cleanup,
//     once the garbage collector has seen that no goroutine holds the region
//     any more. Until then it stays reserved, so no copy ever touches memory
//     that was unmapped or reused for something else: a read never returns
//     another mapping's bytes, and a write lands in the object or nowhere.
//   - A View pins its region (one atomic add on the region's state word,
//     which also holds "retired"). A region retired while pinned stays mapped, and
//     the last unpin revokes it: fn may Close or grow the File and still
//     reads valid memory until it returns.
//   - System calls on the descriptor hold fdMu shared; Close holds it
//     exclusive to close the descriptor, so no call ever runs on a closed and
//     reused descriptor number. Close waits for those calls (pread, pwrite,
//     fstat) and for nothing else. mu serializes the changes of cur (map,
//     remap, seal, close); no read or write takes it.
//
// The alternatives, measured on the project's VM (2 vCPUs of an Intel
// Xeon, KVM; 64-byte copies): the previous core's RWMutex costs 15.9 ns a
// RLock/RUnlock pair, and its reader count is one cache line that every
// reading core writes (parallel ReadAt did not scale at all); a pair of
// atomic adds on one counter is 12 ns, 90 ns/op from two cores; per-P
// counters through a sync.Pool are 8 ns a pair and scale. A read that
// writes nothing costs the fault guard alone (about 5 ns over copy) and
// scales like copy() (benchdata/core.*: ReadAt 64 B 21.6 -> 11.0 ns,
// parallel 79 -> 7.6 ns/op). Views pay the pin, two atomic adds. The price
// of the design is that a closed File's address range (not its memory, nor
// the object) is returned one garbage collection late; see retiredRanges.
type mapping struct {
	// Read by every access, written only when the mapping changes.
	cur    atomic.Pointer[region]
	size   atomic.Int64 // the object's size as last seen: a lower bound unless a peer shrinks it
	closed atomic.Bool
	kind   kind
	// writeThrough: O_SYNC or O_DSYNC; writes go through pwrite, which
	// honours them.
	writeThrough bool

	// dirty: bytes were stored through the mapping since the last stamp.
	// A store through a shared mapping of tmpfs does not change the file's
	// modification time as write(2) does; stamp does.
	dirty atomic.Bool

	state  atomic.Int32 // kindShared: stateLazy, stateMapped or stateUnmapped
	uses   atomic.Int32 // accesses while lazy
	fsKind atomic.Int32 // fsUnknown, fsMemory or fsOther

	// The descriptor (kinds other than kindSegment). osf owns it; fd is
	// osf's number, used under fdMu.
	osf      *os.File
	fd       int
	fdMu     sync.RWMutex
	fdClosed bool

	shmid int // kindSegment: the segment's ID

	waiters waiters     // the words Waits sleep on, for close to wake
	locked  atomic.Bool // this File may hold a lock it took (see unlockAtClose)
	sealed  atomic.Bool // mapped read-only: the file is sealed against writes

	mu       sync.Mutex // serializes map, remap, seal and close
	prot     int        // the protection new mappings get (under mu)
	mapFlags int        // MAP_SHARED or MAP_PRIVATE, for new mappings (under mu)
}

// kind is a mapping's backing.
type kind uint8

const (
	kindShared kind = iota
	kindPrivate
	kindSegment
	kindDirect
)

// kindShared's states.
const (
	stateLazy     = iota // not mapped yet (see touch)
	stateMapped          // mapped, or closed after being mapped
	stateUnmapped        // cannot be mapped: goes on as kindDirect
)

// fsKind values.
const (
	fsUnknown = iota
	fsMemory  // tmpfs, hugetlbfs, ramfs: msync is all Sync needs
	fsOther   // Sync also needs fsync
)

// lazyUses is the access that maps a lazily mapped object.
const lazyUses = 2

const (
	is64 = ^uint(0) >> 63

	// minReserve is the smallest mapping made for a growable object:
	// growing inside it needs no remap.
	minReserve = 1 << (20 + 6*is64) // 64 MiB on 64-bit, 1 MiB on 32-bit

	// maxReserve bounds a mapping. Bytes past it are read and written with
	// pread/pwrite, so a peer's 1 PiB sparse object costs no huge reservation.
	maxReserve = 1 << (28 + 8*is64) // 64 GiB on 64-bit, 256 MiB on 32-bit
)

// reserveFor returns the reservation for an object of the given size.
func reserveFor(size int64) int {
	r := int64(minReserve)
	for r < size && r < maxReserve {
		r <<= 1
	}
	return int(r)
}

// region is one mapping of the object: what mmap or shmat returned. Its
// data never changes; pins and the flags say who still needs it.
type region struct {
	data     []byte // the whole reservation; the object is [0, size)
	writable bool   // mapped with PROT_WRITE
	// state is the pin count times 2, plus 1 once retired (no longer
	// cur: revoke at the last unpin). One word, so that a pin, an unpin
	// and a retire are each one atomic operation that sees the others.
	state atomic.Int32
	span  *span // what the cleanup releases
}

// span is a region's address range, for its cleanup (which cannot refer to
// the region itself).
type span struct {
	addr, n uintptr
	revoked atomic.Bool
}

// retiredRanges counts revoked ranges not yet released by their cleanup.
// Past maxRetired a garbage collection is started, so that a program that
// opens and closes Files without allocating much never runs out of
// mappings (vm.max_map_count) or address space.
var (
	retiredRanges atomic.Int64
	gcStarted     atomic.Bool
)

const maxRetired = 1024

// newRegion wraps what mmap or shmat returned.
func newRegion(data []byte, writable bool) *region {
	s := &span{addr: uintptr(unsafe.Pointer(unsafe.SliceData(data))), n: uintptr(len(data))}
	r := &region{data: data, writable: writable, span: s}
	runtime.AddCleanup(r, releaseSpan, s)
	return r
}

// releaseSpan unmaps a region nobody can reach any more.
func releaseSpan(s *span) {
	sysUnmap(s.addr, s.n)
	if s.revoked.Load() {
		retiredRanges.Add(-1)
	}
}

// retire marks r, no longer cur, for revocation: now, or at its last unpin.
func (r *region) retire() {
	if r.state.Or(regionRetired)&^regionRetired == 0 {
		r.revoke() // no pin
	}
}

// The bits of region.state.
const (
	regionRetired = 1
	regionPin     = 2
)

// revoke replaces r's range by an inaccessible reservation. Once.
func (r *region) revoke() {
	if !r.span.revoked.CompareAndSwap(false, true) {
		return
	}
	sysRevoke(r.span.addr, r.span.n)
	if retiredRanges.Add(1) > maxRetired && gcStarted.CompareAndSwap(false, true) {
		go func() {
			runtime.GC()
			gcStarted.Store(false)
		}()
	}
}

// pin returns cur pinned, or nil if there is none. A pinned region stays
// mapped (and its memory the object's) until unpin.
func (m *mapping) pin() *region {
	for {
		r := m.cur.Load()
		if r == nil {
			return nil
		}
		if r.state.Add(regionPin)&regionRetired == 0 {
			return r
		}
		// Retired between the load and the pin: cur has moved on.
		r.unpin()
	}
}

// unpin releases a pin; the last one revokes a retired region.
func (r *region) unpin() {
	if r.state.Add(-regionPin) == regionRetired {
		r.revoke()
	}
}

// pinned reports whether a pin holds r (for close).
func (r *region) pinned() bool { return r.state.Load() >= regionPin }

// faults counts the faults the guard has caught, for tests and debugging.
var faults atomic.Int64

// guardedCopy copies src to dst with the fault guard on. It returns false,
// having copied an unknown prefix, if the copy faulted.
//
// SetPanicOnFault is per goroutine, so it is set and restored around every
// touch, and the caller's own setting survives.
func guardedCopy(dst, src []byte) (ok bool) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			if !isFault(r) {
				panic(r)
			}
			faults.Add(1)
			ok = false
		}
	}()
	copy(dst, src)
	return true
}

// isFault reports whether a recovered value is a memory fault.
func isFault(r any) bool {
	_, ok := r.(interface{ Addr() uintptr })
	return ok
}

// The stages guardedStore reaches.
const (
	storeFaulted = iota // the copy faulted: some prefix may be stored
	storeCopied         // the copy is done, the probe faulted or was not made
	storeProbed         // the copy is done and the page after it exists
)

// guardedStore copies src into dst and then, if probe is not nil, reads the
// byte it points to, all under the fault guard. It returns the stage it
// reached. Writes copy into the mapping with it, and reads out of it
// (readMapped): the probe tells both that the object still reaches past
// them.
func guardedStore(dst, src []byte, probe *byte) (stage int) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			if !isFault(r) {
				panic(r)
			}
			faults.Add(1)
		}
	}()
	copy(dst, src)
	stage = storeCopied
	if probe != nil {
		touchByte(probe)
		stage = storeProbed
	}
	return stage
}

// touchByte reads *p, where the compiler cannot drop the load.
//
//go:noinline
func touchByte(p *byte) byte { return *p }

// storeMax raises m.size to at least n.
func (m *mapping) storeMax(n int64) {
	for {
		old := m.size.Load()
		if old >= n || m.size.CompareAndSwap(old, n) {
			return
		}
	}
}

// Constructors, one per kind.

// newSharedMapping is the core of a descriptor mapped MAP_SHARED, lazily.
// osf's access mode decides writable.
func newSharedMapping(osf *os.File, size int64, writable, writeThrough bool) *mapping {
	m := &mapping{kind: kindShared, osf: osf, fd: int(osf.Fd()), shmid: -1, writeThrough: writeThrough}
	m.prot = sysProtRead
	if writable {
		m.prot |= sysProtWrite
	}
	m.mapFlags = sysMapShared
	m.size.Store(size)
	return m
}

// newPrivateMapping is the core of a copy-on-write view of osf, mapped now.
// It covers exactly the object (up to maxReserve): it cannot grow.
func newPrivateMapping(osf *os.File, size int64, writable bool) (*mapping, error) {
	m := &mapping{kind: kindPrivate, osf: osf, fd: int(osf.Fd()), shmid: -1}
	m.prot = sysProtRead
	if writable {
		m.prot |= sysProtWrite
	}
	m.mapFlags = sysMapPrivate
	m.size.Store(size)
	data, err := sysMapExact(m.fd, int(min(max(size, 1), maxReserve)), m.prot, m.mapFlags)
	if err != nil {
		return nil, err
	}
	m.fsKind.Store(sysFsKind(m.fd))
	m.state.Store(stateMapped)
	m.cur.Store(newRegion(data, writable))
	return m, nil
}

// newDirectMapping is the core of a descriptor that is never mapped.
func newDirectMapping(osf *os.File, size int64) *mapping {
	m := &mapping{kind: kindDirect, osf: osf, fd: int(osf.Fd()), shmid: -1}
	m.state.Store(stateUnmapped)
	m.size.Store(size)
	return m
}

// newSegmentMapping is the core of an attached System V segment: data is
// exactly what shmat returned, the segment's size.
func newSegmentMapping(id int, data []byte, writable bool) *mapping {
	m := &mapping{kind: kindSegment, fd: -1, shmid: id, fdClosed: true}
	m.state.Store(stateMapped)
	m.size.Store(int64(len(data)))
	m.cur.Store(newRegion(data, writable))
	return m
}

// What the rest of the package asks of a mapping.

// isClosed reports whether close has run.
func (m *mapping) isClosed() bool { return m.closed.Load() }

// fixedSize reports whether the object's size can never change here (a
// segment; a private view cannot change it either, but says so itself).
func (m *mapping) fixedSize() bool { return m.kind == kindSegment }

// segment returns the System V segment's ID, if the backing is one.
func (m *mapping) segment() (id int, ok bool) { return m.shmid, m.kind == kindSegment }

// descriptor returns the descriptor, or -1 if there is none (a segment, or
// after close).
func (m *mapping) descriptor() int {
	if m.kind == kindSegment || m.closed.Load() {
		return -1
	}
	return m.fd
}

// osFile returns the *os.File that owns the descriptor, or nil for a
// segment. It is for what only package os can do on it (a FileInfo that
// os.SameFile accepts, directory reads); the core keeps closing it.
func (m *mapping) osFile(string) *os.File { return m.osf }

// withFD calls fn with the descriptor, which stays open until fn returns.
func (m *mapping) withFD(fn func(fd int) error) error {
	m.fdMu.RLock()
	defer m.fdMu.RUnlock()
	if m.fdClosed {
		if m.kind == kindSegment {
			return errNoDescriptor
		}
		return fs.ErrClosed
	}
	return fn(m.fd)
}

// fcntl is fcntl(2) with an int argument on the descriptor.
func (m *mapping) fcntl(cmd, arg int) (int, error) {
	var r int
	err := m.withFD(func(fd int) (err error) {
		r, err = sysFcntl(fd, cmd, arg)
		return err
	})
	return r, err
}

// fsize is the object's size, from the kernel.
func (m *mapping) fsize() (size int64, err error) {
	err = m.withFD(func(fd int) (err error) {
		size, err = sysFsize(fd)
		return err
	})
	return size, err
}

// refresh reads the object's real size into m.size.
func (m *mapping) refresh() (int64, error) {
	if m.kind == kindSegment || m.kind == kindPrivate {
		return m.size.Load(), nil
	}
	size, err := m.fsize()
	if err != nil {
		return 0, err
	}
	m.size.Store(size)
	return size, nil
}

// statInfo is fstat of the descriptor as package os makes it, so that
// os.SameFile accepts it; it stamps first, and refreshes the size.
func (m *mapping) statInfo() (fs.FileInfo, error) {
	m.fdMu.RLock()
	defer m.fdMu.RUnlock()
	if m.fdClosed {
		return nil, fs.ErrClosed
	}
	m.stampLocked()
	fi, err := m.osf.Stat()
	if err != nil {
		return nil, underlying(err)
	}
	if m.kind != kindPrivate {
		m.size.Store(fi.Size())
	}
	return fi, nil
}

// touch counts an access to a lazily mapped object and maps it when the
// count reaches lazyUses. Past that it costs one atomic load.
func (m *mapping) touch() {
	if m.state.Load() == stateLazy && m.uses.Add(1) >= lazyUses {
		m.mu.Lock()
		if m.state.Load() == stateLazy && !m.closed.Load() {
			m.mapLocked()
		}
		m.mu.Unlock()
	}
}

// mapLocked maps the object with m.prot and m.mapFlags, and makes it cur;
// or, if it cannot be mapped, leaves the mapping to go on unmapped.
// Callers hold mu.
func (m *mapping) mapLocked() {
	var data []byte
	m.withFD(func(fd int) error {
		k := sysFsKind(fd)
		if k == fsNoMap {
			return nil
		}
		m.fsKind.Store(k)
		data = sysMap(fd, m.size.Load(), m.prot, m.mapFlags)
		return nil
	})
	if data == nil {
		m.state.Store(stateUnmapped)
		return
	}
	m.cur.Store(newRegion(data, m.prot&sysProtWrite != 0))
	m.state.Store(stateMapped)
}

// remapTo makes the mapping cover at least end bytes, if it can: a larger
// reservation becomes cur and the old one is retired.
func (m *mapping) remapTo(end int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.cur.Load()
	if m.closed.Load() || m.kind != kindShared || old == nil || end <= int64(len(old.data)) || end > maxReserve {
		return
	}
	var data []byte
	m.withFD(func(fd int) error {
		data = sysMap(fd, end, m.prot, m.mapFlags)
		return nil
	})
	if data == nil || len(data) <= len(old.data) {
		if data != nil {
			sysUnmap(uintptr(unsafe.Pointer(unsafe.SliceData(data))), uintptr(len(data)))
		}
		return // keep the old mapping; the rest goes through pread/pwrite
	}
	m.cur.Store(newRegion(data, m.prot&sysProtWrite != 0))
	old.retire()
}

// mapReadOnly maps a file sealed against writes read-only, now: shared if
// the kernel allows it, private otherwise (before Linux 6.7 a file sealed
// with F_SEAL_WRITE could not be mapped MAP_SHARED through a writable
// descriptor; a read-only private mapping of a file nobody can write shows
// the same bytes). A write inside the object then faults on the read-only
// pages and is redone with pwrite, and the kernel refuses it (EPERM). If no
// mapping can be made, the mapping goes on unmapped.
func (m *mapping) mapReadOnly() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mapReadOnlyLocked()
}

func (m *mapping) mapReadOnlyLocked() {
	if m.closed.Load() || m.kind != kindShared {
		return
	}
	if old := m.cur.Swap(nil); old != nil {
		old.retire()
	}
	m.prot = sysProtRead
	m.sealed.Store(true)
	for _, flags := range sealedMapFlags {
		m.mapFlags = flags
		m.mapLocked()
		if m.cur.Load() != nil {
			return
		}
	}
	m.mapFlags = sysMapShared
	m.state.Store(stateUnmapped)
}

// addSeals adds seals to the object (F_ADD_SEALS). Seals against writes
// need this File's writable shared mapping gone first (F_SEAL_WRITE fails
// with EBUSY while one exists) and forbid new ones: the region is retired
// (and revoked, unless a View pins it: then the kernel says EBUSY), the
// seals are added, and the object is mapped again read-only, or as it was
// if the seals could not be added.
func (m *mapping) addSeals(seals int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed.Load() {
		return fs.ErrClosed
	}
	remap := seals&writeSeals != 0 && m.kind == kindShared && m.prot&sysProtWrite != 0 &&
		m.state.Load() != stateUnmapped
	var wasMapped bool
	if remap {
		if old := m.cur.Swap(nil); old != nil {
			wasMapped = true
			old.retire()
		}
	}
	_, err := m.fcntl(sysFAddSeals, seals)
	if remap {
		now, gerr := m.fcntl(sysFGetSeals, 0)
		switch {
		case gerr == nil && now&writeSeals != 0:
			m.mapReadOnlyLocked()
		case wasMapped:
			m.mapLocked()
		}
	}
	return err
}

// underlying is the error inside a *fs.PathError, or err itself.
func underlying(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// pageSize is the system page size.
var pageSize = int64(syscall.Getpagesize())
