package shmfs

import (
	"io"
	"io/fs"
	"math"
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
//   - A View pins its region (pins, then retired is checked, Dekker style
//     with seq-cst atomics). A region retired while pinned stays mapped, and
//     the last unpin revokes it: fn may Close or grow the File and still
//     reads valid memory until it returns.
//   - System calls on the descriptor hold fdMu shared; Close holds it
//     exclusive to close the descriptor, so no call ever runs on a closed and
//     reused descriptor number. Close waits for those calls (pread, pwrite,
//     fstat) and for nothing else. mu serializes the changes of cur (map,
//     remap, seal, close); no read or write takes it.
//
// The alternatives measured on the reference machine (2 cores, Zen 3; 64 B
// copies; see benchdata/core.*): the RWMutex of the previous core costs
// 15.9 ns a pair and parallel readers contend on its reader count; a pair of
// atomic adds on one counter is 12 ns and 90 ns/op from two cores; per-P
// counters through a sync.Pool are 8 ns a pair and scale. A read that writes
// nothing costs the guard alone (4.8 ns over copy) and scales like copy().
// The price of the design is that a closed File's address range (not its
// memory) is returned one GC cycle late; see retiredRanges.
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
	locked  atomic.Bool // this File took a lock (see unlockAtClose)

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
	pins     atomic.Int32
	retired  atomic.Bool // no longer cur: revoke at the last unpin
	span     *span       // what the cleanup releases
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
	r.retired.Store(true)
	if r.pins.Load() == 0 {
		r.revoke()
	}
}

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
		r.pins.Add(1)
		if !r.retired.Load() {
			return r
		}
		// Retired between the load and the pin: cur has moved on.
		r.unpin()
	}
}

// unpin releases a pin; the last one revokes a retired region.
func (r *region) unpin() {
	if r.pins.Add(-1) == 0 && r.retired.Load() {
		r.revoke()
	}
}

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
// reached.
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

// readAt reads len(p) bytes at off, as a loop of pread would: it returns
// io.EOF when it reads fewer than len(p). The caller has checked len(p) > 0
// and off >= 0.
func (m *mapping) readAt(p []byte, off int64) (int, error) {
	// The common case: mapped, inside the known size, no fault.
	if r := m.cur.Load(); r != nil {
		end := off + int64(len(p))
		if end > off && end <= m.size.Load() && end <= int64(len(r.data)) {
			ok := guardedCopy(p, r.data[off:end])
			runtime.KeepAlive(r)
			if ok {
				return len(p), nil
			}
		}
	}
	return m.readSlow(p, off)
}

// readSlow is readAt for everything else: EOF, growth by a peer, a remap,
// a fault, no mapping (yet).
func (m *mapping) readSlow(p []byte, off int64) (int, error) {
	if m.closed.Load() {
		return 0, fs.ErrClosed
	}
	m.touch()
	for try := 0; ; try++ {
		r := m.cur.Load()
		if r == nil {
			if m.closed.Load() || m.kind == kindSegment || m.kind == kindPrivate {
				return 0, fs.ErrClosed
			}
			// Not mapped: the kernel says where the file ends.
			return m.preadFull(p, off)
		}
		if off > math.MaxInt64-int64(len(p)) {
			// off+len overflows: pread says EINVAL, and so do we where
			// there is no descriptor to ask.
			if m.kind == kindSegment {
				return 0, errInval
			}
			return m.preadFull(p, off)
		}
		end := off + int64(len(p))
		size := m.size.Load()
		if end > size && m.kind == kindShared {
			var err error
			if size, err = m.refresh(); err != nil {
				return 0, err
			}
		}
		if off >= size {
			return 0, io.EOF
		}
		want := min(end, size)
		if want > int64(len(r.data)) {
			if m.kind == kindShared && try == 0 && want <= maxReserve {
				m.remapTo(want)
				continue
			}
			// Past the mapping bound. A private view has no copies of
			// its own there (it cannot write past its mapping), so the
			// object's bytes are the view's.
			return m.preadFull(p, off)
		}
		n := int(want - off)
		ok := guardedCopy(p[:n], r.data[off:want])
		runtime.KeepAlive(r)
		if ok {
			if n < len(p) {
				return n, io.EOF
			}
			return n, nil
		}
		// A fault.
		if m.closed.Load() {
			return 0, fs.ErrClosed
		}
		if m.cur.Load() != r && try < 4 {
			continue // revoked by a remap or a seal: the new region
		}
		switch m.kind {
		case kindSegment:
			return 0, errSegmentFault
		case kindPrivate:
			// The object shrank under the view, taking the view's pages
			// past its new end with it (its own copies below stay, so
			// pread cannot stand in): shrink the view and copy again.
			if real, err := m.fsize(); err == nil && real < m.size.Load() && try < 4 {
				m.size.Store(real)
				continue
			}
			return 0, errFault
		}
		// The object shrank under us, or a hole could not be given a
		// page: ask the kernel.
		n, err := m.preadFull(p, off)
		m.refresh()
		return n, err
	}
}

// preadFull is ReadAt's loop over pread.
func (m *mapping) preadFull(p []byte, off int64) (n int, err error) {
	if m.kind == kindSegment {
		return 0, errFault
	}
	err = m.withFD(func(fd int) error {
		for len(p) > 0 {
			k, err := sysPread(fd, p, off)
			if err != nil {
				return err
			}
			if k == 0 {
				return io.EOF
			}
			n += k
			p = p[k:]
			off += int64(k)
		}
		return nil
	})
	return n, err
}

// pwriteFull is WriteAt's loop over pwrite.
func (m *mapping) pwriteFull(p []byte, off int64) (n int, err error) {
	if m.kind == kindSegment || m.kind == kindPrivate {
		return 0, errFault
	}
	err = m.withFD(func(fd int) error {
		for len(p) > 0 {
			k, err := sysPwrite(fd, p, off)
			if k > 0 {
				n += k
				p = p[k:]
				off += int64(k)
				m.storeMax(off)
			}
			if err != nil {
				return err
			}
			if k == 0 {
				return io.ErrUnexpectedEOF
			}
		}
		return nil
	})
	return n, err
}

// writeAt writes p at off, growing the object when p reaches past its end.
// The caller has checked len(p) > 0 and off >= 0.
func (m *mapping) writeAt(p []byte, off int64) (int, error) {
	// The common case: a shared mapping, inside the known size.
	if r := m.cur.Load(); r != nil && r.writable && m.kind == kindShared && !m.writeThrough {
		end := off + int64(len(p))
		if size := m.size.Load(); end > off && end <= size && end <= int64(len(r.data)) {
			if n, err, done := m.storeShared(r, p, off, end, size); done {
				return n, err
			}
		}
	}
	return m.writeSlow(p, off)
}

// storeShared copies p into the shared region r at off, inside the known
// size, and makes sure the bytes are inside the object: a peer may have
// shrunk it since this File last looked, and a store past the end of the
// object into its last page does not fault (the page is there) but is lost.
// The page after the write is probed: if it exists, the object reaches past
// the write. If it does not, or there is none to probe inside the known
// size, fstat says; a write that landed past the end is redone with pwrite,
// which grows the object as *os.File's write would. done is false when the
// copy faulted (the caller goes on with the slow path).
func (m *mapping) storeShared(r *region, p []byte, off, end, size int64) (n int, err error, done bool) {
	next := (end + pageSize - 1) &^ (pageSize - 1)
	var probe *byte
	if next < size && next < int64(len(r.data)) {
		probe = &r.data[next]
	}
	stage := guardedStore(r.data[off:end], p, probe)
	runtime.KeepAlive(r)
	switch stage {
	case storeFaulted:
		return 0, nil, false
	case storeCopied:
		real, err := m.fsize()
		if err != nil {
			return 0, err, true
		}
		m.size.Store(real)
		if real < end {
			n, err := m.pwriteFull(p, off)
			return n, err, true
		}
	}
	m.markDirty()
	return len(p), nil, true
}

// markDirty records a store through the mapping, for stamp.
func (m *mapping) markDirty() {
	if !m.dirty.Load() {
		m.dirty.Store(true) // once per stamp: the load keeps the line shared
	}
}

// writeSlow is writeAt for everything else.
func (m *mapping) writeSlow(p []byte, off int64) (int, error) {
	if m.closed.Load() {
		return 0, fs.ErrClosed
	}
	switch m.kind {
	case kindSegment:
		return m.writeFixed(p, off)
	case kindPrivate:
		return m.writePrivate(p, off)
	case kindDirect:
		return m.pwriteFull(p, off)
	}
	m.touch()
	for try := 0; ; try++ {
		r := m.cur.Load()
		if m.closed.Load() {
			return 0, fs.ErrClosed
		}
		if r == nil || !r.writable || m.writeThrough || off > math.MaxInt64-int64(len(p)) {
			return m.pwriteFull(p, off)
		}
		end := off + int64(len(p))
		if end > int64(len(r.data)) {
			if try == 0 && end <= maxReserve {
				m.remapTo(end)
				continue
			}
			return m.pwriteFull(p, off)
		}
		size := m.size.Load()
		if end > size {
			// A write that grows the object goes through pwrite: the size
			// must change in the kernel anyway (one system call, as for
			// *os.File), and pwrite allocates and fills the new pages in one
			// step, where fallocate and a copy would zero them and then take
			// a page fault on each. A full tmpfs gives a short count and
			// ENOSPC, as for *os.File, and keeps what was written.
			return m.pwriteFull(p, off)
		}
		if n, err, done := m.storeShared(r, p, off, end, size); done {
			return n, err
		}
		if m.cur.Load() != r && try < 4 {
			continue // revoked by a remap or a seal
		}
		// The object shrank under us, or tmpfs had no page to give: the
		// kernel says which (pwrite grows the object, or fails ENOSPC).
		n, err := m.pwriteFull(p, off)
		return n, err
	}
}

// writePrivate writes into a copy-on-write view: inside its size only.
func (m *mapping) writePrivate(p []byte, off int64) (int, error) {
	r := m.cur.Load()
	if r == nil {
		return 0, fs.ErrClosed
	}
	end := off + int64(len(p))
	if end < off || end > m.size.Load() || end > int64(len(r.data)) {
		return 0, errPrivateGrow
	}
	ok := guardedCopy(r.data[off:end], p)
	runtime.KeepAlive(r)
	if !ok {
		if m.closed.Load() {
			return 0, fs.ErrClosed
		}
		// The object shrank under the view: the bytes past its new end
		// are gone, and the view cannot grow it back.
		return 0, errPrivateGrow
	}
	return len(p), nil
}

// writeFixed writes into a fixed-size segment: what fits, then an error.
func (m *mapping) writeFixed(p []byte, off int64) (int, error) {
	r := m.cur.Load()
	if r == nil {
		return 0, fs.ErrClosed
	}
	size := m.size.Load()
	if off >= size {
		return 0, errSegmentFull
	}
	end := size
	if off <= math.MaxInt64-int64(len(p)) && off+int64(len(p)) < end {
		end = off + int64(len(p))
	}
	n := int(end - off)
	ok := guardedCopy(r.data[off:end], p[:n])
	runtime.KeepAlive(r)
	if !ok {
		if m.closed.Load() {
			return 0, fs.ErrClosed
		}
		return 0, errSegmentFault
	}
	if n < len(p) {
		return n, errSegmentFull
	}
	return n, nil
}

// appendWrite writes p at the end of the object with write(2) on an
// O_APPEND descriptor, which the kernel makes atomic across processes. It
// returns the offset just past what it wrote.
func (m *mapping) appendWrite(p []byte) (n int, end int64, err error) {
	if m.closed.Load() {
		return 0, 0, fs.ErrClosed
	}
	if m.kind == kindPrivate {
		// Every append grows, and a private view cannot.
		return 0, 0, errPrivateGrow
	}
	err = m.withFD(func(fd int) error {
		retried := false
		for {
			k, err := sysWrite(fd, p[n:])
			if err == errInval && n == 0 && !retried {
				// write(2) checks the descriptor's kernel offset for
				// overflow even with O_APPEND, and that offset is not the
				// File's (a Seek may have left it anywhere; File has
				// already checked its own). Reset it and try once more.
				retried = true
				if _, serr := sysSeek(fd, 0, io.SeekStart); serr == nil {
					continue
				}
			}
			if k > 0 {
				n += k
			}
			if err != nil || n == len(p) {
				e, serr := sysSeek(fd, 0, io.SeekCurrent)
				if serr == nil {
					end = e
					m.storeMax(e)
				}
				if err == nil {
					err = serr
				}
				return err
			}
			if k == 0 {
				return io.ErrUnexpectedEOF
			}
		}
	})
	return n, end, err
}

// truncate sets the object's size.
func (m *mapping) truncate(size int64) error {
	if m.closed.Load() {
		return fs.ErrClosed
	}
	switch m.kind {
	case kindSegment:
		if size == m.size.Load() {
			return nil
		}
		return errFixedSize
	case kindPrivate:
		if size == m.size.Load() {
			return nil
		}
		return errPrivateSize
	}
	err := m.withFD(func(fd int) error { return sysFtruncate(fd, size) })
	if err != nil {
		return err
	}
	m.size.Store(size)
	return nil
}

// currentSize returns the object's size, re-read from the kernel.
func (m *mapping) currentSize() (int64, error) {
	if m.closed.Load() {
		return 0, fs.ErrClosed
	}
	return m.refresh()
}

// seek resolves SEEK_END (and SEEK_DATA, SEEK_HOLE) against the object:
// with lseek where there is a descriptor that sees the object as the File
// does, against the size otherwise.
func (m *mapping) seek(offset int64, whence int) (int64, error) {
	if m.closed.Load() {
		return 0, fs.ErrClosed
	}
	if m.kind == kindShared || m.kind == kindDirect {
		var ret int64
		err := m.withFD(func(fd int) (err error) {
			ret, err = sysSeek(fd, offset, whence)
			return err
		})
		return ret, err
	}
	size := m.size.Load()
	switch whence {
	case io.SeekEnd:
		if (offset > 0 && size > math.MaxInt64-offset) || size+offset < 0 {
			return 0, errInval
		}
		return size + offset, nil
	case seekData, seekHole:
		// A segment or a private view is all data.
		if offset < 0 {
			return 0, errInval
		}
		if offset >= size {
			return 0, errNoData
		}
		if whence == seekData {
			return offset, nil
		}
		return size, nil
	}
	return 0, errInval
}

// checkOffset reports whether the file system accepts off as an offset.
func (m *mapping) checkOffset(off int64) error {
	if m.closed.Load() {
		return fs.ErrClosed
	}
	if m.kind == kindSegment || m.kind == kindPrivate {
		return nil
	}
	return m.withFD(func(fd int) error {
		_, err := sysSeek(fd, off, io.SeekStart)
		return err
	})
}

// SEEK_DATA and SEEK_HOLE, the same numbers on every system that has them.
const (
	seekData = 3
	seekHole = 4
)

// flush msyncs the mapped part of the object, and with sync (not async)
// fsyncs a descriptor that is not on a memory file system.
func (m *mapping) flush(async bool) error {
	if m.closed.Load() {
		return fs.ErrClosed
	}
	m.stamp()
	if r := m.cur.Load(); r != nil && m.kind != kindPrivate {
		n := min(m.size.Load(), int64(len(r.data)))
		n = min((n+pageSize-1)&^(pageSize-1), int64(len(r.data)))
		if n > 0 {
			err := sysMsync(r.data[:n], async)
			runtime.KeepAlive(r)
			if err != nil && !m.closed.Load() && m.cur.Load() == r {
				return err
			}
		}
	}
	if async || m.kind == kindSegment || m.kind == kindPrivate {
		return nil
	}
	return m.withFD(func(fd int) error {
		kind := m.fsKind.Load()
		if kind == fsUnknown {
			kind = sysFsKind(fd)
			if kind == fsNoMap {
				kind = fsOther
			}
			m.fsKind.Store(kind)
		}
		if kind == fsMemory {
			return nil
		}
		return sysFsync(fd)
	})
}

// stamp gives the object the modification time a write(2) would have given
// it, if bytes were stored through the mapping since the last stamp. Stat,
// Sync, Flush and Close stamp, so the time is that of the first of them
// after the writes (an *os.File's is that of the last write), and other
// processes see it from then on. Best effort: an error (the file's owner
// took our write permission away) leaves the time as it was.
func (m *mapping) stamp() {
	if m.dirty.Load() {
		m.fdMu.RLock()
		m.stampLocked()
		m.fdMu.RUnlock()
	}
}

// stampLocked is stamp for callers holding fdMu.
func (m *mapping) stampLocked() {
	if m.dirty.Load() && m.dirty.Swap(false) && !m.fdClosed {
		sysStampMtime(m.fd)
	}
}

// close retires the mapping and closes the descriptor. It reports
// fs.ErrClosed when already closed. It waits for no copy: one still in
// flight faults on the revoked range and returns ErrClosed.
func (m *mapping) close() error {
	m.mu.Lock()
	if m.closed.Load() {
		m.mu.Unlock()
		return fs.ErrClosed
	}
	m.closed.Store(true)
	m.stamp()
	if r := m.cur.Swap(nil); r != nil {
		r.retire()
	}
	m.mu.Unlock()
	// Waits pin their regions, so the words they sleep on are still
	// mapped: wake them; each sees closed and returns ErrClosed.
	m.waiters.wakeAll()
	if m.kind == kindSegment {
		return nil
	}
	m.fdMu.Lock()
	defer m.fdMu.Unlock()
	m.unlockAtClose()
	m.fdClosed = true
	if err := m.osf.Close(); err != nil {
		return underlying(err)
	}
	return nil
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
