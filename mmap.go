package shmfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
)

// The mapping core.
//
// A mapping owns one shared mapping of an object (a file descriptor, or a
// System V segment) and every access to it. The rules it keeps:
//
//   - The mapping is a reservation: it is usually longer than the object, so
//     the object can grow inside it without a remap. Touching a page past the
//     object's end faults, so the core only touches [0, size) where size is
//     the last size it knows.
//   - Every touch runs under the fault guard (guardedCopy): SIGBUS (a peer
//     truncated the object, or tmpfs had no page to give) becomes a failed
//     copy, and the operation is redone with pread/pwrite on the descriptor,
//     which returns what the kernel says (the bytes, io.EOF, ENOSPC) instead of
//     killing the process.
//   - What cannot be mapped (past maxReserve, a write-only descriptor, a file
//     system without mmap) goes through pread/pwrite too: slower, never wrong.
//   - mu guards data and closed. I/O holds it shared; remap, truncate and
//     close hold it exclusive, so no copy ever runs on memory being unmapped
//     or moved.
//   - size is a lower bound of the object's real size, except when a peer
//     shrinks the object (then faults or fstat correct it). The mapping is
//     only ever touched inside size: a write that grows the object goes
//     through pwrite, so a full tmpfs is an ENOSPC error (after what fits is
//     written), and the size other processes see is always the logical
//     size: nothing ever extends the object past what was written.
type mapping struct {
	mu sync.RWMutex
	// Every reader writes mu's cache line; keep it off the line that
	// holds data and size, which readers only read.
	_ [64]byte

	closed bool
	data   []byte // exactly what mmap/shmat returned; len(data) is the reservation

	size atomic.Int64 // last known size of the object

	// dirty: bytes were copied into the object through the mapping since
	// the last stamp. A store through a shared mapping of tmpfs does not
	// change the file's modification time as write(2) does; stamp does.
	dirty atomic.Bool

	fd      int  // descriptor, or -1 (a System V segment has none)
	prot    int  // protection the mapping was made with
	flags   int  // mmap flags (MAP_SHARED or MAP_PRIVATE)
	fixed   bool // the size never changes (System V segment)
	private bool // copy-on-write view: writes never reach the object
	fsKind  atomic.Int32
	detach  func([]byte) error // how to drop data (munmap, or shmdt)
	shmid   int                // System V segment id, or -1
	noRemap bool               // the mapping cannot be moved or resized

	writeThrough bool // O_SYNC/O_DSYNC: writes go through pwrite, which honours them

	lazy atomic.Bool  // mappable but not mapped yet (see touch)
	uses atomic.Int32 // accesses while lazy

	// osf is an *os.File on fd, made by the first Stat (see osFile) and
	// from then on the owner that closes fd.
	osf    *os.File
	osOnce sync.Once
}

// osFile returns an *os.File on m.fd, named name, for what only package os
// can make: a FileInfo that os.SameFile accepts. It shares fd and owns it
// from then on (close closes it); nothing else about the descriptor changes.
// Callers hold mu (shared is enough) and have checked m.closed.
func (m *mapping) osFile(name string) *os.File {
	m.osOnce.Do(func() { m.osf = os.NewFile(uintptr(m.fd), name) })
	return m.osf
}

// lazyUses is the access that maps a lazily mapped object: the first one
// goes through pread/pwrite, so opening a File for one read costs no
// mmap/munmap, and every later one copies.
const lazyUses = 2

// touch counts an access to a lazily mapped object and maps it when the
// count reaches lazyUses. Past that it costs one atomic load.
func (m *mapping) touch() {
	if m.lazy.Load() && m.uses.Add(1) >= lazyUses {
		m.mu.Lock()
		if m.lazy.Load() && !m.closed {
			m.data = sysMap(m.fd, m.size.Load(), m.prot, m.flags)
			m.lazy.Store(false)
		}
		m.mu.Unlock()
	}
}

const (
	is64 = ^uint(0) >> 63

	// minReserve is the smallest mapping made for a growable object:
	// growing inside it needs no remap.
	minReserve = 1 << (20 + 6*is64) // 64 MiB on 64-bit, 1 MiB on 32-bit

	// maxReserve bounds a mapping. Bytes past it are read and written with
	// pread/pwrite, so a peer's 1 PiB sparse object costs no huge reservation.
	maxReserve = 1 << (28 + 8*is64) // 64 GiB on 64-bit, 256 MiB on 32-bit
)

// fsKind values.
const (
	fsUnknown = iota
	fsTmpfs   // msync is enough: tmpfs has no stable storage
	fsOther   // Sync also needs fsync
)

// reserveFor returns the reservation for an object of the given size.
func reserveFor(size int64) int {
	r := int64(minReserve)
	for r < size && r < maxReserve {
		r <<= 1
	}
	return int(r)
}

// faults counts the faults the guard has caught, for tests and debugging.
var faults atomic.Int64

// errFault is returned when a page fault cannot be redone through the
// descriptor (a System V segment has none).
var errFault = errors.New("memory fault: the pages behind the mapping are gone or could not be allocated")

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
			if _, isFault := r.(interface{ Addr() uintptr }); isFault {
				faults.Add(1)
				ok = false
				return
			}
			panic(r)
		}
	}()
	copy(dst, src)
	return true
}

// storeMax raises m.size to at least n.
func (m *mapping) storeMax(n int64) {
	for {
		old := m.size.Load()
		if old >= n || m.size.CompareAndSwap(old, n) {
			return
		}
	}
}

// refresh reads the object's real size. Callers hold mu.
func (m *mapping) refresh() (int64, error) {
	if m.fd < 0 {
		return m.size.Load(), nil
	}
	size, err := sysFsize(m.fd)
	if err != nil {
		return 0, err
	}
	m.size.Store(size)
	return size, nil
}

// remapTo makes the mapping cover at least end bytes, if that is possible.
// It takes mu exclusive itself.
func (m *mapping) remapTo(end int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || m.noRemap || m.data == nil || end <= int64(len(m.data)) || end > maxReserve {
		return
	}
	n := reserveFor(end)
	data, err := sysMremap(m.data, n)
	if err != nil {
		return // keep the old mapping; the rest goes through pread/pwrite
	}
	m.data = data
}

// readAt reads len(p) bytes at off, as a loop of pread would: it returns
// io.EOF when it reads fewer than len(p). The caller has checked len(p) > 0
// and off >= 0.
func (m *mapping) readAt(p []byte, off int64) (int, error) {
	// The common case first: mapped, inside the known size, no fault.
	if !m.lazy.Load() {
		m.mu.RLock()
		end := off + int64(len(p))
		if off <= math.MaxInt64-int64(len(p)) && end <= m.size.Load() && end <= int64(len(m.data)) && !m.closed &&
			guardedCopy(p, m.data[off:end]) {
			m.mu.RUnlock()
			return len(p), nil
		}
		m.mu.RUnlock()
	}
	return m.readAtSlow(p, off)
}

// readAtSlow is readAt for everything else: EOF, growth by a peer, a
// remap, a fault, no mapping yet.
func (m *mapping) readAtSlow(p []byte, off int64) (int, error) {
	m.touch()
	for try := 0; ; try++ {
		m.mu.RLock()
		if m.closed {
			m.mu.RUnlock()
			return 0, fs.ErrClosed
		}
		if off > math.MaxInt64-int64(len(p)) {
			// off+len overflows: pread says EINVAL, and so do we where
			// there is no descriptor to ask.
			if m.fd < 0 || m.private {
				m.mu.RUnlock()
				return 0, errInval
			}
			n, err := m.preadFull(p, off)
			m.mu.RUnlock()
			return n, err
		}
		end := off + int64(len(p))
		size := m.size.Load()
		if end > size && !m.private {
			var err error
			if size, err = m.refresh(); err != nil {
				m.mu.RUnlock()
				return 0, err
			}
		}
		if off >= size {
			m.mu.RUnlock()
			return 0, io.EOF
		}
		want := min(end, size)
		if want > int64(len(m.data)) {
			if try == 0 && want <= maxReserve && m.data != nil && !m.noRemap {
				m.mu.RUnlock()
				m.remapTo(want)
				continue
			}
			n, err := m.preadFull(p, off)
			m.mu.RUnlock()
			return n, err
		}
		n := int(want - off)
		if !guardedCopy(p[:n], m.data[off:want]) {
			if m.private {
				// The object shrank under the view, taking the view's pages
				// past its new end with it (its own copies below stay, so
				// pread cannot stand in): shrink the view and copy again.
				if real, err := sysFsize(m.fd); err == nil && real < m.size.Load() && try < 2 {
					m.size.Store(real)
					m.mu.RUnlock()
					continue
				}
				m.mu.RUnlock()
				return 0, errFault
			}
			// The object shrank under us, or a hole could not be given a
			// page: ask the kernel.
			n, err := m.preadFull(p, off)
			if m.fd >= 0 {
				m.refresh()
			}
			m.mu.RUnlock()
			return n, err
		}
		m.mu.RUnlock()
		if n < len(p) {
			return n, io.EOF
		}
		return n, nil
	}
}

// preadFull is ReadAt's loop over pread. Callers hold mu shared.
func (m *mapping) preadFull(p []byte, off int64) (n int, err error) {
	if m.fd < 0 || m.private {
		return 0, errFault
	}
	for len(p) > 0 {
		k, err := sysPread(m.fd, p, off)
		if err != nil {
			return n, err
		}
		if k == 0 {
			return n, io.EOF
		}
		n += k
		p = p[k:]
		off += int64(k)
	}
	return n, nil
}

// pwriteFull is WriteAt's loop over pwrite. Callers hold mu shared.
func (m *mapping) pwriteFull(p []byte, off int64) (n int, err error) {
	if m.fd < 0 || m.private {
		return 0, errFault
	}
	for len(p) > 0 {
		k, err := sysPwrite(m.fd, p, off)
		if k > 0 {
			n += k
			p = p[k:]
			off += int64(k)
			m.storeMax(off)
		}
		if err != nil {
			return n, err
		}
		if k == 0 {
			return n, io.ErrUnexpectedEOF
		}
	}
	return n, nil
}

// writeAt writes p at off, growing the object when p reaches past its end.
// The caller has checked len(p) > 0 and off >= 0.
func (m *mapping) writeAt(p []byte, off int64) (int, error) {
	m.touch()
	for try := 0; ; try++ {
		m.mu.RLock()
		if m.closed {
			m.mu.RUnlock()
			return 0, fs.ErrClosed
		}
		if m.fixed {
			n, err := m.writeFixed(p, off)
			m.mu.RUnlock()
			return n, err
		}
		if off > math.MaxInt64-int64(len(p)) || m.data == nil || m.writeThrough {
			n, err := m.pwriteFull(p, off)
			m.mu.RUnlock()
			return n, err
		}
		end := off + int64(len(p))
		if end > int64(len(m.data)) {
			if try == 0 && end <= maxReserve && !m.noRemap {
				m.mu.RUnlock()
				m.remapTo(end)
				continue
			}
			if m.private {
				m.mu.RUnlock()
				return 0, errPrivateGrow
			}
			n, err := m.pwriteFull(p, off)
			m.mu.RUnlock()
			return n, err
		}
		if end > m.size.Load() {
			if m.private {
				m.mu.RUnlock()
				return 0, errPrivateGrow
			}
			// A write that grows the object goes through pwrite: the size
			// must change in the kernel anyway (one system call, as for
			// *os.File), and pwrite allocates and fills the new pages in one
			// step, where fallocate and a copy would zero them and then take
			// a page fault on each. A full tmpfs gives a short count and
			// ENOSPC, as for *os.File, and keeps what was written.
			n, err := m.pwriteFull(p, off)
			m.mu.RUnlock()
			return n, err
		}
		if !guardedCopy(m.data[off:end], p) {
			n, err := m.pwriteFull(p, off)
			if err == errFault && m.private {
				err = errPrivateGrow
			}
			m.mu.RUnlock()
			return n, err
		}
		if !m.private && !m.dirty.Load() {
			m.dirty.Store(true) // once per stamp: the load keeps the line shared
		}
		m.mu.RUnlock()
		return len(p), nil
	}
}

// errPrivateGrow: a copy-on-write view cannot grow the object it maps.
var errPrivateGrow = errors.New("a private (copy-on-write) view cannot grow past the object's size")

// errPrivateSize: nor can it change its size at all.
var errPrivateSize = fmt.Errorf("a private (copy-on-write) view cannot change the object's size: %w", errors.ErrUnsupported)

// errPrivateTrunc: O_TRUNC would change the object under a private view.
var errPrivateTrunc = fmt.Errorf("O_TRUNC with O_PRIVATE: a private (copy-on-write) view never changes the object: %w", errors.ErrUnsupported)

// errSegmentFull is returned by a write that reaches past a fixed-size
// segment's end; the bytes that fit are written.
var errSegmentFull = errors.New("write past the end of a fixed-size segment")

// writeFixed writes into a fixed-size mapping: what fits, then an error.
// Callers hold mu shared.
func (m *mapping) writeFixed(p []byte, off int64) (int, error) {
	size := m.size.Load()
	if off >= size {
		return 0, errSegmentFull
	}
	end := size
	if off <= math.MaxInt64-int64(len(p)) && off+int64(len(p)) < end {
		end = off + int64(len(p))
	}
	n := int(end - off)
	if !guardedCopy(m.data[off:end], p[:n]) {
		return 0, errFault
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
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return 0, 0, fs.ErrClosed
	}
	if m.private {
		// Every append grows, and a private view cannot.
		return 0, 0, errPrivateGrow
	}
	retried := false
	for {
		k, err := sysWrite(m.fd, p[n:])
		if err == errInval && n == 0 && !retried {
			// write(2) checks the descriptor's kernel offset for overflow
			// even with O_APPEND, and that offset is not the File's (a Seek
			// may have left it anywhere; File has already checked its own).
			// Reset it and try once more.
			retried = true
			if _, serr := sysSeek(m.fd, 0, io.SeekStart); serr == nil {
				continue
			}
		}
		if k > 0 {
			n += k
		}
		if err != nil || n == len(p) {
			end, serr := sysSeek(m.fd, 0, io.SeekCurrent)
			if serr == nil {
				m.storeMax(end)
			}
			if err == nil {
				err = serr
			}
			return n, end, err
		}
		if k == 0 {
			return n, 0, io.ErrUnexpectedEOF
		}
	}
}

// truncate sets the object's size.
func (m *mapping) truncate(size int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fs.ErrClosed
	}
	if m.fixed {
		if size == m.size.Load() {
			return nil
		}
		return errFixedSize
	}
	if m.private {
		if size == m.size.Load() {
			return nil
		}
		return errPrivateSize
	}
	if err := sysFtruncate(m.fd, size); err != nil {
		return err
	}
	m.size.Store(size)
	return nil
}

// errFixedSize: a System V segment's size is set when it is created.
var errFixedSize = fmt.Errorf("a System V segment's size is fixed: %w", errors.ErrUnsupported)

// stat returns the real size, refreshing the cache.
func (m *mapping) currentSize() (int64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return 0, fs.ErrClosed
	}
	if m.private {
		return m.size.Load(), nil
	}
	return m.refresh()
}

// flush msyncs the mapped part of the object, and with sync (not async)
// fsyncs a descriptor that is not on tmpfs.
func (m *mapping) flush(async bool) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return fs.ErrClosed
	}
	m.stamp()
	if m.data != nil && !m.private {
		n := min(m.size.Load(), int64(len(m.data)))
		n = min((n+pageSize-1)&^(pageSize-1), int64(len(m.data)))
		if n > 0 {
			if err := sysMsync(m.data[:n], async); err != nil {
				return err
			}
		}
	}
	if async || m.fd < 0 || m.private {
		return nil
	}
	kind := m.fsKind.Load()
	if kind == fsUnknown {
		kind = sysFsKind(m.fd)
		m.fsKind.Store(kind)
	}
	if kind == fsTmpfs {
		return nil
	}
	return sysFsync(m.fd)
}

// stamp gives the object the modification time a write(2) would have given
// it, if bytes were copied in through the mapping since the last stamp.
// Stat, Sync, Flush and Close stamp, so the time is that of the first of
// them after the writes (an *os.File's is that of the last write), and
// other processes see it from then on. Best effort: an error (the file's
// owner took our write permission away) leaves the time as it was.
// Callers hold mu, shared or exclusive.
func (m *mapping) stamp() {
	if m.dirty.Load() && m.dirty.Swap(false) && m.fd >= 0 {
		sysStampMtime(m.fd)
	}
}

// close unmaps and closes. It reports fs.ErrClosed when already closed.
func (m *mapping) close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fs.ErrClosed
	}
	m.closed = true
	m.stamp()
	var err error
	if m.data != nil {
		err = m.detach(m.data)
		m.data = nil
	}
	if m.fd >= 0 {
		var cerr error
		if m.osf != nil {
			if cerr = m.osf.Close(); cerr != nil {
				cerr = underlying(cerr)
			}
		} else {
			cerr = sysClose(m.fd)
		}
		if err == nil {
			err = cerr
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

// pageSize is the system page size, for msync ranges.
var pageSize = int64(pageSizeOS())

func pageSizeOS() int {
	return syscall.Getpagesize()
}
