package shmfs

import (
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// newFDFile makes a File of osf, an open regular file, of the given size.
// flag is how it was opened: the access mode, os.O_APPEND, os.O_SYNC or
// os.O_DSYNC (writes go through pwrite), O_PRIVATE (a copy-on-write view).
// mapIt false makes a File that never maps (ReadFile and WriteFile make
// one pass). The File owns osf from then on; if newFDFile fails, it has
// closed osf.
func newFDFile(osf *os.File, display string, size int64, flag int, mapIt bool) (*File, error) {
	fd := int(osf.Fd())
	acc := flag & unix.O_ACCMODE
	private := flag&O_PRIVATE != 0
	var m *mapping
	if mapIt && acc != unix.O_WRONLY {
		var err error
		m, err = mapFD(fd, size, acc == unix.O_RDWR || private, private)
		if err != nil {
			osf.Close()
			return nil, &fs.PathError{Op: "mmap", Path: display, Err: err}
		}
	} else {
		m = &mapping{fd: fd, shmid: -1}
		m.size.Store(size)
	}
	m.osOnce.Do(func() { m.osf = osf })
	if flag&(unix.O_SYNC|unix.O_DSYNC) != 0 && !private {
		m.writeThrough = true
	}
	return newFile(display, m, acc, flag&unix.O_APPEND != 0), nil
}

// stat is File.Stat's system half.
func (f *File) stat() (fs.FileInfo, error) {
	m := f.m
	if m.shmid >= 0 {
		return f.segmentStat()
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, fs.ErrClosed
	}
	m.stamp()
	// Package os makes the FileInfo (one fstat), so that os.SameFile
	// accepts it as it accepts an *os.File's.
	fi, err := m.osFile(f.name).Stat()
	if err != nil {
		return nil, underlying(err)
	}
	if !m.private {
		m.size.Store(fi.Size())
	}
	return fi, nil
}

// chmod is File.Chmod's system half.
func (f *File) chmod(mode fs.FileMode) error {
	m := f.m
	if m.shmid >= 0 {
		return f.segmentChmod(mode)
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return fs.ErrClosed
	}
	_, err := ignoringEINTR(func() (int, error) { return 0, unix.Fchmod(m.fd, syscallMode(mode)) })
	return err
}
