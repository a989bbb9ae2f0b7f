package shmfs

import (
	"io"
	"io/fs"
	"runtime"
	"runtime/debug"
)

// Views: fn runs on the object's bytes in place, with the region pinned
// (see mmap.go) and the fault guard on.

// viewMode is what a view may do with its bytes.
type viewMode uint8

const (
	viewRead     viewMode = 0      // View
	viewWrite    viewMode = 1 << 0 // Update
	viewInPlace  viewMode = 1 << 1 // mapped bytes only: errNotMapped rather than a buffer
	viewChecked  viewMode = 1 << 2 // Update: the caller made sure the range is inside the object (covers)
	viewWriteMap          = viewWrite | viewInPlace | viewChecked
)

// viewMapped is a View of mapped bytes only (for WriteTo).
func (m *mapping) viewMapped(off int64, n int, fn func([]byte) error) (ferr, err error) {
	return m.view(off, n, viewInPlace, fn)
}

// updateMapped is an Update of mapped bytes only (for ReadFrom).
func (m *mapping) updateMapped(off int64, n int, fn func([]byte) error) (ferr, err error) {
	return m.view(off, n, viewWriteMap, fn)
}

// knownSize is the object's size as last seen (a lower bound, unless a
// peer shrank it).
func (m *mapping) knownSize() int64 { return m.size.Load() }

// view calls fn with [off, off+n) of the object: in place where it is
// mapped, through a buffer where it cannot be (kindDirect, past the
// mapping bound, a mapping that cannot be written). err is the core's
// error (fn was not called, or a fault ended it); ferr is fn's own.
func (m *mapping) view(off int64, n int, mode viewMode, fn func([]byte) error) (ferr, err error) {
	if m.closed.Load() {
		return nil, fs.ErrClosed
	}
	end := off + int64(n)
	if end < off {
		return nil, errViewPastEOF
	}
	write := mode&viewWrite != 0
	if m.kind == kindShared && m.state.Load() == stateLazy {
		m.uses.Store(lazyUses) // a view wants the mapping now
		m.touch()
	}
	if m.kind == kindDirect || (m.kind == kindShared && m.state.Load() == stateUnmapped) {
		if mode&viewInPlace != 0 {
			return nil, errNotMapped
		}
		// The kernel alone says where the file ends (a /proc file's
		// size is 0): the buffered read finds out.
		return m.viewBuffered(off, n, mode, fn)
	}
	size := m.size.Load()
	if end > size && m.kind == kindShared {
		if size, err = m.refresh(); err != nil {
			return nil, err
		}
	}
	if end > size {
		return nil, errViewPastEOF
	}
	r := m.pin()
	if r != nil && end > int64(len(r.data)) && m.kind == kindShared {
		// The object grew past the reservation: a larger one, so that
		// the bytes are viewed in place (past the bound they cannot be).
		r.unpin()
		m.remapTo(end)
		r = m.pin()
	}
	if r == nil || end > int64(len(r.data)) || (write && !r.writable) {
		if r != nil {
			r.unpin()
		}
		if m.closed.Load() {
			return nil, fs.ErrClosed
		}
		if mode&viewInPlace != 0 {
			return nil, errNotMapped
		}
		if write && m.sealed.Load() {
			// Mapped read-only on a File that may write: sealed
			// against writes.
			return nil, errSealedWrite
		}
		return m.viewBuffered(off, n, mode, fn)
	}
	// A peer may have shrunk the object into a page r maps, which then
	// reads as zeros without a fault (see readMapped): runView first
	// probes the last page of the known size, and where end is in that
	// page (and the byte before it is zero, or gone), or the probe
	// faults, fstat says whether fn may run.
	var probe *byte
	if m.kind == kindShared && mode&viewChecked == 0 {
		if last := (min(size, int64(len(r.data))) - 1) &^ (pageSize - 1); end <= last {
			probe = &r.data[last]
		} else if !m.lastByteSet(end) {
			err = errProbeFaulted
		}
	}
	if err == nil {
		ferr, err = m.runView(r, r.data[off:end:end], end, probe, fn) // unpins r, unless the probe faults
	}
	if err == errProbeFaulted {
		if ok, err := m.sizeReaches(end); !ok {
			r.unpin()
			if err == nil {
				err = errViewPastEOF // a peer shrank the object
			}
			return nil, err
		}
		ferr, err = m.runView(r, r.data[off:end:end], end, nil, fn) // unpins r
	}
	if err == nil && write {
		if m.kind == kindShared && mode&viewChecked == 0 {
			err = m.checkStored(r, end)
		}
		m.markDirty()
	}
	return ferr, err
}

// runView calls fn(b) with the fault guard on. A fault on r (the object
// lost a page under fn) ends fn and becomes err; any other panic, a fault
// elsewhere included, goes on to the caller unchanged.
//
// If probe is not nil, runView first reads the byte it points to (in r):
// if that faults, fn is not called, r stays pinned and err is
// errProbeFaulted.
//
// It unpins r when fn is done, however fn ends (one deferred call does
// both, which a View's cost is mostly made of).
func (m *mapping) runView(r *region, b []byte, end int64, probe *byte, fn func([]byte) error) (ferr, err error) {
	old := debug.SetPanicOnFault(true)
	probing := probe != nil
	defer func() {
		debug.SetPanicOnFault(old)
		p := recover()
		if p == nil {
			r.unpin()
			return
		}
		// A fault is the runtime's error with the address; fn's own
		// panic value may have an Addr method too.
		a, ok := p.(interface {
			runtime.Error
			Addr() uintptr
		})
		if !ok || a.Addr()-r.span.addr >= r.span.n {
			r.unpin()
			panic(p)
		}
		faults.Add(1)
		if probing {
			err = errProbeFaulted
			return
		}
		err = m.viewFault(r, end, int64(a.Addr()-r.span.addr))
		r.unpin()
	}()
	if probing {
		touchByte(probe)
		probing = false
	}
	return fn(b), nil
}

// viewFault explains a fault at offset at inside a view (or a word) of r
// that reached end: the object shrank below end (io.ErrUnexpectedEOF, and
// also when it grew back before this looked: the page was gone while fn
// ran), no page could be had (ENOSPC: tmpfs is full, a segment's memory ran
// out), or EFAULT (a store into a read-only mapping, among others).
func (m *mapping) viewFault(r *region, end, at int64) error {
	switch m.kind {
	case kindSegment:
		if !r.writable {
			return errFault
		}
		return errSegmentFault
	case kindShared, kindPrivate:
		real, err := m.fsize()
		if err != nil {
			return err
		}
		if m.kind == kindShared || real < m.size.Load() {
			m.size.Store(real)
		}
		if real < end {
			return errViewShrunk
		}
		if m.fsKind.Load() != fsMemory {
			return errFault
		}
		// The page is inside the object now. Ask for it: if the file
		// system cannot give it, it is full; if it can, it was gone for a
		// while (a shrink and a regrow while fn ran), or, in a read-only
		// mapping, fn may have stored into it.
		page := at &^ (pageSize - 1)
		err = m.withFD(func(fd int) error { return sysAllocPage(fd, page, pageSize) })
		switch {
		case err == errNoSpace:
			return errViewNoSpace
		case err == nil && r.writable:
			return errViewShrunk
		case err == nil:
			return errFault
		case m.closed.Load():
			return fs.ErrClosed // closed while this looked
		}
		// No write access to allocate: judge by what is free.
		var full bool
		m.withFD(func(fd int) error { full = sysFull(fd); return nil })
		if full {
			return errViewNoSpace
		}
		return errFault
	}
	return errFault
}

// checkStored makes sure the bytes an Update stored up to end are inside
// the object: a peer may have shrunk it before the Update looked, leaving
// a tail of the last page that takes stores and loses them. As for a
// write (storeShared): probe the page after end, and ask fstat if that
// faults or there is no page to probe.
func (m *mapping) checkStored(r *region, end int64) error {
	next := (end + pageSize - 1) &^ (pageSize - 1)
	if next < m.size.Load() && next < int64(len(r.data)) {
		if guardedStore(nil, nil, &r.data[next]) == storeProbed {
			return nil
		}
	}
	real, err := m.fsize()
	if err != nil {
		// Closed by fn: the stores landed, as far as anyone can tell.
		return nil
	}
	m.size.Store(real)
	if real < end {
		return errViewShrunk
	}
	return nil
}

// covers reports whether the object reaches at least end now (end inside
// the known size): the page after end's is there, or fstat says so. It
// updates the known size when it asks fstat. ReadFrom asks it before it
// lets a descriptor read into the mapping, where no copy could be redone.
func (m *mapping) covers(end int64) bool {
	r := m.cur.Load()
	next := (end + pageSize - 1) &^ (pageSize - 1)
	if r != nil && next < m.size.Load() && next < int64(len(r.data)) {
		ok := guardedStore(nil, nil, &r.data[next]) == storeProbed
		runtime.KeepAlive(r)
		if ok {
			return true
		}
	}
	real, err := m.refresh()
	return err == nil && real >= end
}

// viewBuffered is view through a buffer: read, fn, and for an Update
// write back (whatever fn returned, as its stores into a mapping would
// have landed).
func (m *mapping) viewBuffered(off int64, n int, mode viewMode, fn func([]byte) error) (ferr, err error) {
	buf := make([]byte, n)
	if n > 0 {
		k, err := m.readAt(buf, off)
		if err == io.EOF || (err == nil && k < n) {
			return nil, errViewPastEOF
		}
		if err != nil {
			return nil, err
		}
	}
	ferr = fn(buf)
	if mode&viewWrite != 0 && n > 0 {
		if _, err := m.writeAt(buf, off); err != nil {
			return ferr, err
		}
	}
	return ferr, nil
}
