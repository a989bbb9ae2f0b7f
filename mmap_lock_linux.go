package shmfs

import (
	"golang.org/x/sys/unix"
)

// Whole-file advisory locks: open-file-description locks (F_OFD_SETLK,
// F_OFD_SETLKW), which belong to the descriptor's open file description,
// not to a process or a thread, and conflict with the classic POSIX
// record locks (F_SETLK, lockf) that other programs take.

// Lock kinds.
const (
	lockWrite  = unix.F_WRLCK
	lockRead   = unix.F_RDLCK
	lockUnlock = unix.F_UNLCK
)

// lock takes (lockWrite, lockRead) or releases (lockUnlock) the lock on the
// whole object; with wait it waits as long as it takes. It reports false,
// nil when the lock is held elsewhere and wait is false.
func (m *mapping) lock(typ int16, wait bool) (bool, error) {
	if m.kind == kindSegment {
		return false, errLockSegment
	}
	if m.closed.Load() {
		return false, errClosedLock
	}
	lk := unix.Flock_t{Type: typ, Whence: 0, Start: 0, Len: 0}
	if typ != lockUnlock {
		// Before the lock is taken, so that a close that runs meanwhile
		// knows it may have to release it.
		m.locked.Store(true)
	}
	if !wait {
		err := m.withFD(func(fd int) error {
			return ignoringEINTR0(func() error { return unix.FcntlFlock(uintptr(fd), unix.F_OFD_SETLK, &lk) })
		})
		switch err {
		case nil:
			if typ == lockUnlock {
				m.locked.Store(false)
			}
			return true, nil
		case unix.EAGAIN, unix.EACCES:
			return false, nil
		}
		return false, err
	}
	// A wait may be long: it runs on the *os.File's descriptor reference,
	// not under fdMu, so that Close does not wait for it (the descriptor
	// is closed when the wait ends).
	rc, err := m.osf.SyscallConn()
	if err != nil {
		return false, errClosedLock
	}
	var lerr error
	cerr := rc.Control(func(fd uintptr) {
		lerr = ignoringEINTR0(func() error { return unix.FcntlFlock(fd, unix.F_OFD_SETLKW, &lk) })
		if lerr == nil && m.closed.Load() {
			// Closed while waiting: give the lock back at once.
			un := unix.Flock_t{Type: lockUnlock}
			unix.FcntlFlock(fd, unix.F_OFD_SETLK, &un)
			lerr = errClosedLock
		}
	})
	if cerr != nil {
		return false, errClosedLock
	}
	if lerr != nil {
		return false, lerr
	}
	return true, nil
}

// unlockAtClose releases a lock this File took, for a close that leaves a
// region pinned (a View still runs): the mapping holds the open file
// description, and the lock with it, so closing the descriptor alone would
// not release it at once. (Without a pin, close drops the mapping and the
// descriptor, and the lock goes with the open file description's last
// reference, as for an *os.File: a File sharing the description keeps it.)
// Callers hold fdMu exclusive.
func (m *mapping) unlockAtClose() {
	if m.locked.Load() {
		un := unix.Flock_t{Type: lockUnlock}
		unix.FcntlFlock(uintptr(m.fd), unix.F_OFD_SETLK, &un)
		m.locked.Store(false)
	}
}
