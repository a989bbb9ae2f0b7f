package shmfs

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

// chdir is File.Chdir's system half.
func (f *File) chdir() error {
	m := f.m
	if m.fd < 0 {
		return errSegmentNoFD
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return fs.ErrClosed
	}
	_, err := ignoringEINTR(func() (int, error) { return 0, unix.Fchdir(m.fd) })
	return err
}

// chown is File.Chown's system half.
func (f *File) chown(uid, gid int) error {
	m := f.m
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return fs.ErrClosed
	}
	if m.shmid >= 0 {
		// IPC_SET of the owner (the creator stays who it was).
		var d unix.SysvShmDesc
		if _, err := unix.SysvShmCtl(m.shmid, unix.IPC_STAT, &d); err != nil {
			return err
		}
		setID(&d.Perm.Uid, uid)
		setID(&d.Perm.Gid, gid)
		_, err := unix.SysvShmCtl(m.shmid, unix.IPC_SET, &d)
		return err
	}
	_, err := ignoringEINTR(func() (int, error) { return 0, unix.Fchown(m.fd, uid, gid) })
	return err
}

// setID sets an ipc_perm owner field (uint16 or uint32 with the system),
// unless id is -1, which leaves it, as fchown does.
func setID[T uint16 | uint32](p *T, id int) {
	if id != -1 {
		*p = T(id)
	}
}
