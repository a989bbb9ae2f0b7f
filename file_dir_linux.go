package shmfs

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

// chdir is File.Chdir's system half.
func (f *File) chdir() error {
	if _, ok := f.m.segment(); ok {
		return errNoDescriptor
	}
	return f.m.withFD(func(fd int) error {
		return ignoringEINTR0(func() error { return unix.Fchdir(fd) })
	})
}

// chown is File.Chown's system half.
func (f *File) chown(uid, gid int) error {
	if f.m.isClosed() {
		return fs.ErrClosed
	}
	if id, ok := f.m.segment(); ok {
		// IPC_SET of the owner (the creator stays who it was).
		var d unix.SysvShmDesc
		if _, err := unix.SysvShmCtl(id, unix.IPC_STAT, &d); err != nil {
			return err
		}
		setID(&d.Perm.Uid, uid)
		setID(&d.Perm.Gid, gid)
		_, err := unix.SysvShmCtl(id, unix.IPC_SET, &d)
		return err
	}
	return f.m.withFD(func(fd int) error {
		return ignoringEINTR0(func() error { return unix.Fchown(fd, uid, gid) })
	})
}

// setID sets an ipc_perm owner field (uint16 or uint32 with the system),
// unless id is -1, which leaves it, as fchown does.
func setID[T uint16 | uint32](p *T, id int) {
	if id != -1 {
		*p = T(id)
	}
}
