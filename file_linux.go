package shmfs

import (
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// newFDFile makes a File of osf, an open regular file, of the given size.
// flag is how it was opened: the access mode, os.O_APPEND, os.O_SYNC or
// os.O_DSYNC (writes go through pwrite), O_PRIVATE (a copy-on-write view).
// mapIt false makes a File that never maps (ReadFile and WriteFile make
// one pass). The File owns osf from then on; if newFDFile fails, it has
// closed osf.
func newFDFile(osf *os.File, display string, size int64, flag int, mapIt bool) (*File, error) {
	acc := flag & unix.O_ACCMODE
	var m *mapping
	switch {
	case flag&O_PRIVATE != 0:
		var err error
		if m, err = newPrivateMapping(osf, size, acc == unix.O_RDWR); err != nil {
			osf.Close()
			return nil, &fs.PathError{Op: "mmap", Path: display, Err: err}
		}
	case !mapIt || acc == unix.O_WRONLY:
		// A write-only descriptor cannot be mapped (mmap needs read access).
		m = newDirectMapping(osf, size)
	default:
		m = newSharedMapping(osf, size, acc == unix.O_RDWR, flag&(unix.O_SYNC|unix.O_DSYNC) != 0)
	}
	return newFile(display, m, acc, flag&unix.O_APPEND != 0), nil
}

// stat is File.Stat's system half.
func (f *File) stat() (fs.FileInfo, error) {
	if id, ok := f.m.segment(); ok {
		return f.segmentStat(id)
	}
	// Package os makes the FileInfo (one fstat), so that os.SameFile
	// accepts it as it accepts an *os.File's.
	return f.m.statInfo()
}

// chmod is File.Chmod's system half.
func (f *File) chmod(mode fs.FileMode) error {
	if id, ok := f.m.segment(); ok {
		return f.segmentChmod(id, mode)
	}
	return f.m.withFD(func(fd int) error {
		return ignoringEINTR0(func() error { return unix.Fchmod(fd, syscallMode(mode)) })
	})
}

// sysIsStream reports whether fd is a SOCK_STREAM socket.
func sysIsStream(fd int) bool {
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	return err == nil && typ == unix.SOCK_STREAM
}

// osFileEnd describes osf as copy_file_range(2) sees it; open is false when
// osf is closed.
func osFileEnd(osf *os.File) (end copyEnd, open bool) {
	c, err := osf.SyscallConn()
	if err != nil {
		return end, false
	}
	var st syscall.Stat_t
	var fl int
	var serr, ferr error
	if c.Control(func(fd uintptr) {
		serr = sysFstat(int(fd), &st)
		fl, ferr = unix.FcntlInt(fd, unix.F_GETFL, 0)
	}) != nil {
		return end, false
	}
	if serr != nil || ferr != nil {
		// Nothing to go by: let the copy go as it would without the check.
		return copyEnd{regular: true, read: true, write: true}, true
	}
	typ := st.Mode & unix.S_IFMT
	acc := fl & unix.O_ACCMODE
	return copyEnd{
		dir:     typ == unix.S_IFDIR,
		regular: typ == unix.S_IFREG,
		read:    acc != unix.O_WRONLY,
		write:   acc != unix.O_RDONLY,
		append:  fl&unix.O_APPEND != 0,
	}, true
}
