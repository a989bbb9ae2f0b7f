package shmfs

import (
	"io"
	"io/fs"
	"math"
	"runtime"
)

// The mapping core's reads and writes, and the calls that change or sync
// the object (see mmap.go for the design).

// readAt reads len(p) bytes at off, as a loop of pread would: it returns
// io.EOF when it reads fewer than len(p). The caller has checked len(p) > 0
// and off >= 0.
func (m *mapping) readAt(p []byte, off int64) (int, error) {
	if m.readMapped(p, off) {
		return len(p), nil
	}
	return m.readSlow(p, off)
}

// readMapped is the common case of readAt: mapped, inside the known size,
// no fault. It reports whether it copied all of p; if not, nothing is
// known and readSlow does the work. It writes no shared memory, unless it
// finds that a peer shrank the object.
//
// A peer may have shrunk a shared object since this File last looked: the
// pages past its new end are gone (the copy faults), but its new last page
// is still there, zeros past the end, and a copy from it does not fault.
// So the read then probes the last mapped page of the known size, the same
// page for every read (it stays in the caches and the TLB): if it is still
// there, the object reaches past every read that ends before it. A read
// that ends in that page asks fstat, unless its last byte is not zero: the
// kernel zeroes the tail of the page a shrink cuts (so that a later growth
// reads zeros), so a byte there that is not zero is inside the object.
// (On a sparse tmpfs object the probe gives that page a page, once, as a
// read of it would.)
func (m *mapping) readMapped(p []byte, off int64) bool {
	r := m.cur.Load()
	if r == nil {
		return false
	}
	end := off + int64(len(p))
	size := m.size.Load()
	if end <= off || end > size || end > int64(len(r.data)) {
		return false
	}
	if m.kind != kindShared {
		// A segment's size is fixed; a private view's pages are its own.
		ok := guardedCopy(p, r.data[off:end])
		runtime.KeepAlive(r)
		return ok
	}
	last := (min(size, int64(len(r.data))) - 1) &^ (pageSize - 1)
	var probe *byte
	if end <= last {
		probe = &r.data[last]
	}
	stage := guardedStore(p, r.data[off:end], probe)
	runtime.KeepAlive(r)
	switch stage {
	case storeFaulted:
		return false
	case storeCopied:
		if m.lastByteSet(end) {
			// The read ends on a byte no shrink left there (past a
			// probe that faulted, too: its page is there). Read back
			// from the mapping rather than from p, which would then
			// have to outlive the copy's call: a cost on every read.
			break
		}
		if ok, err := m.sizeReaches(end); !ok || err != nil {
			return false
		}
	}
	return true
}

// lastByteSet reports whether the byte before end is mapped, there and
// not zero: then no shrink cut the object below end (see readMapped).
func (m *mapping) lastByteSet(end int64) bool {
	r := m.cur.Load()
	if r == nil || end < 1 || end > int64(len(r.data)) {
		return false
	}
	var b [1]byte
	ok := guardedCopy(b[:], r.data[end-1:end])
	runtime.KeepAlive(r)
	return ok && b[0] != 0
}

// sizeReaches asks fstat whether the object reaches end, and keeps the
// size it learns.
func (m *mapping) sizeReaches(end int64) (bool, error) {
	real, err := m.fsize()
	if err != nil {
		return false, err
	}
	m.size.Store(real)
	return real >= end, nil
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
			// A page the object could not give (a full tmpfs, a hole):
			// the view has no copy of its own there (its copies never
			// fault), so the object's bytes are the view's. Copy page by
			// page, and read the pages that fault with pread.
			return m.readPrivatePages(r, p[:n], off, n < len(p))
		}
		// The object shrank under us, or a hole could not be given a
		// page: ask the kernel.
		n, err := m.preadFull(p, off)
		m.refresh()
		return n, err
	}
}

// readPrivatePages copies [off, off+len(p)) of a private view page by
// page, reading the pages that fault with pread. short says p is shorter
// than asked (io.EOF then).
func (m *mapping) readPrivatePages(r *region, p []byte, off int64, short bool) (int, error) {
	done := 0
	for done < len(p) {
		at := off + int64(done)
		next := min((at+pageSize)&^(pageSize-1), off+int64(len(p)))
		chunk := p[done : done+int(next-at)]
		ok := guardedCopy(chunk, r.data[at:next])
		runtime.KeepAlive(r)
		if !ok {
			if m.closed.Load() {
				return 0, fs.ErrClosed
			}
			k, err := m.preadFull(chunk, at)
			if err != nil {
				return done + k, err
			}
		}
		done += len(chunk)
	}
	if short {
		return done, io.EOF
	}
	return done, nil
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
	pinned := false
	if r := m.cur.Swap(nil); r != nil {
		r.retire()
		pinned = r.pinned()
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
	if pinned {
		m.unlockAtClose()
	}
	m.fdClosed = true
	if err := m.osf.Close(); err != nil {
		return underlying(err)
	}
	return nil
}
