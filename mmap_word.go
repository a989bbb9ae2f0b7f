package shmfs

import (
	"io/fs"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/shmfs/shmfs/internal/memword"
)

// Words: atomics and futexes on aligned words of the mapping, shared with
// every process that maps the object. Each access runs under the fault
// guard (internal/memword keeps the atomics fault-safe in race builds).

// wordOp is one atomic operation.
type wordOp uint8

const (
	opLoad wordOp = iota
	opStore
	opAdd
	opCas
)

// wordAt returns the region holding the size-byte word at off and the
// word's address in it, checking alignment and bounds (inside the file and
// the mapping). write says the word will be written.
func (m *mapping) wordAt(off int64, size int64, write bool) (*region, unsafe.Pointer, error) {
	if m.closed.Load() {
		return nil, nil, fs.ErrClosed
	}
	if off < 0 || off%size != 0 {
		return nil, nil, invalid("a %d-byte word must be at an offset aligned to %d, not %d", size, size, off)
	}
	if m.kind == kindShared && m.state.Load() == stateLazy {
		m.uses.Store(lazyUses) // a word wants the mapping now
		m.touch()
	}
	if m.kind == kindDirect || (m.kind == kindShared && m.state.Load() == stateUnmapped) {
		return nil, nil, errWordNotMapped
	}
	end := off + size
	if end > m.size.Load() && m.kind == kindShared {
		if _, err := m.refresh(); err != nil {
			return nil, nil, err
		}
	}
	if end < off || end > m.size.Load() {
		return nil, nil, invalid("the %d-byte word at %d is not inside the file (%d bytes)", size, off, m.size.Load())
	}
	r := m.cur.Load()
	if r != nil && end > int64(len(r.data)) && m.kind == kindShared {
		// The object grew past the reservation (Truncate, a peer, another
		// File's write): a larger one, as a read or write past it makes.
		m.remapTo(end)
		r = m.cur.Load()
	}
	if r == nil {
		return nil, nil, fs.ErrClosed
	}
	if end > int64(len(r.data)) {
		return nil, nil, errWordNotMapped
	}
	if write && !r.writable {
		if m.kind == kindShared {
			return nil, nil, errSealedWrite
		}
		return nil, nil, errBadFD
	}
	return r, unsafe.Pointer(&r.data[off]), nil
}

// word is an atomic word's type.
type word interface{ uint32 | uint64 }

// wordOn runs op on the word of type T at off.
func wordOn[T word](m *mapping, off int64, op wordOp, a, b T) (v T, swapped bool, err error) {
	size := int64(unsafe.Sizeof(a))
	for try := 0; ; try++ {
		r, p, err := m.wordAt(off, size, op != opLoad)
		if err != nil {
			return 0, false, err
		}
		v, swapped, faulted := guardedWord((*T)(p), op, a, b)
		runtime.KeepAlive(r)
		if !faulted {
			if op != opLoad {
				m.markDirty()
			}
			return v, swapped, nil
		}
		if err := m.wordFault(r, off+size, off, try); err != nil {
			return 0, false, err
		}
	}
}

// wordFault decides what a fault on a word means: nil to try again (the
// region was revoked by a remap or a seal), or the error.
func (m *mapping) wordFault(r *region, end, at int64, try int) error {
	if m.closed.Load() {
		return fs.ErrClosed
	}
	if m.cur.Load() != r && try < 4 {
		return nil
	}
	if err := m.viewFault(r, end, at); err != errViewShrunk {
		return err
	}
	return errWordShrunk
}

// guardedWord runs op on *p under the fault guard.
func guardedWord[T word](p *T, op wordOp, a, b T) (v T, swapped, faulted bool) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			if !isFault(r) {
				panic(r)
			}
			faults.Add(1)
			faulted = true
		}
	}()
	switch p := any(p).(type) {
	case *uint32:
		switch a, b := uint32(a), uint32(b); op {
		case opLoad:
			v = T(memword.Load32(p))
		case opStore:
			memword.Store32(p, a)
		case opAdd:
			v = T(memword.Add32(p, a))
		case opCas:
			swapped = memword.Cas32(p, a, b)
		}
	case *uint64:
		switch a, b := uint64(a), uint64(b); op {
		case opLoad:
			v = T(memword.Load64(p))
		case opStore:
			memword.Store64(p, a)
		case opAdd:
			v = T(memword.Add64(p, a))
		case opCas:
			swapped = memword.Cas64(p, a, b)
		}
	}
	return v, swapped, false
}

// waiters are what close uses to wake this mapping's Waits: closeWord, a
// private futex each Wait also waits on (futex_waitv, Linux 5.16), so
// that close wakes it whatever became of the shared word's page; and, for
// kernels without futex_waitv, the addresses Waits sleep on (their
// regions pinned), woken by close, with sleeps cut into slices that see
// closed even when that wake finds no page.
type waiters struct {
	closeWord atomic.Uint32 // 1 once closed
	mu        sync.Mutex
	addrs     map[uintptr]int // address -> Waits sleeping on it (fallback)
}

// waitSlice bounds one sleep on a kernel without futex_waitv.
const waitSlice = 20 * time.Millisecond

// wait sleeps while the 32-bit word at off holds old (a shared futex), for
// at most timeout (< 0: no limit). It returns nil when woken (or at once
// if the word does not hold old), errWaitTimeout when the time is up,
// fs.ErrClosed when the File is closed meanwhile.
func (m *mapping) wait(off int64, old uint32, timeout time.Duration) error {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for try := 0; ; try++ {
		r, p, err := m.wordAt(off, 4, false)
		if err != nil {
			return err
		}
		v, _, faulted := guardedWord((*uint32)(p), opLoad, 0, 0)
		if faulted {
			runtime.KeepAlive(r)
			if err := m.wordFault(r, off+4, off, try); err != nil {
				return err
			}
			continue
		}
		if v != old {
			runtime.KeepAlive(r)
			return nil
		}
		if timeout == 0 {
			runtime.KeepAlive(r)
			return errWaitTimeout
		}
		var rel time.Duration = -1
		if timeout > 0 {
			if rel = time.Until(deadline); rel <= 0 {
				runtime.KeepAlive(r)
				return errWaitTimeout
			}
		}
		err = sysFutexWaitv(p, old, &m.waiters.closeWord, rel)
		runtime.KeepAlive(r)
		if err == errNoWaitv {
			err = m.waitSliced(r, off, old, rel)
		}
		switch {
		case m.closed.Load():
			return fs.ErrClosed
		case err == nil || err == errWouldBlock:
			return nil // woken (or the word changed before the sleep)
		case err == errInterrupted:
			continue // a signal, or a slice that ended: look again
		case err == errTimedOut:
			if timeout < 0 || time.Until(deadline) > 0 {
				continue
			}
			return errWaitTimeout
		case err == errEFault:
			// The page is gone (a peer truncated the object), or the
			// region was revoked by a remap.
			if err := m.wordFault(r, off+4, off, try); err != nil {
				return err
			}
			continue
		}
		return err
	}
}

// waitSliced is FUTEX_WAIT for kernels without futex_waitv: the region is
// pinned and its address registered, so that close can wake it, and one
// sleep lasts at most waitSlice, so that closed is seen even when close's
// wake finds no page under the address.
func (m *mapping) waitSliced(r *region, off int64, old uint32, rel time.Duration) error {
	pr := m.pin()
	if pr == nil {
		return fs.ErrClosed
	}
	defer pr.unpin()
	p := unsafe.Pointer(&pr.data[off])
	addr := uintptr(p)
	m.waiters.add(addr)
	defer m.waiters.remove(addr)
	if m.closed.Load() {
		return fs.ErrClosed
	}
	slice := waitSlice
	if rel >= 0 && rel < slice {
		slice = rel
	}
	err := sysFutexWait(p, old, slice)
	if err == errTimedOut && (rel < 0 || rel > slice) {
		return errInterrupted // the slice ended, not the timeout
	}
	return err
}

// wake wakes up to n waiters on the 32-bit word at off, in any process.
func (m *mapping) wake(off int64, n int) (int, error) {
	for try := 0; ; try++ {
		r, p, err := m.wordAt(off, 4, false)
		if err != nil {
			return 0, err
		}
		k, err := sysFutexWake(p, n)
		runtime.KeepAlive(r)
		if err == errEFault {
			if err := m.wordFault(r, off+4, off, try); err != nil {
				return 0, err
			}
			continue
		}
		return k, err
	}
}

func (w *waiters) add(addr uintptr) {
	w.mu.Lock()
	if w.addrs == nil {
		w.addrs = map[uintptr]int{}
	}
	w.addrs[addr]++
	w.mu.Unlock()
}

func (w *waiters) remove(addr uintptr) {
	w.mu.Lock()
	if w.addrs[addr]--; w.addrs[addr] == 0 {
		delete(w.addrs, addr)
	}
	w.mu.Unlock()
}

// wakeAll wakes every Wait of this mapping, in close: closeWord for
// futex_waitv, and the registered addresses (until none is left: a Wait
// that registered but had not gone to sleep yet when a wake came is woken
// by the next one, or sees closed). Other waiters on the same words (in
// other processes too) may see a spurious wake-up, which Wait's callers
// allow for.
func (w *waiters) wakeAll() {
	w.closeWord.Store(1)
	sysFutexWakePrivate(&w.closeWord)
	for i := 0; i < 1000; i++ {
		w.mu.Lock()
		addrs := make([]uintptr, 0, len(w.addrs))
		for a := range w.addrs {
			addrs = append(addrs, a)
		}
		w.mu.Unlock()
		if len(addrs) == 0 {
			return
		}
		for _, a := range addrs {
			sysFutexWakeAddr(a, 1<<30)
		}
		if i < 100 {
			runtime.Gosched()
		} else {
			time.Sleep(50 * time.Microsecond)
		}
	}
	// Waits whose page is gone end at their next slice.
}
