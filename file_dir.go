package shmfs

import (
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// Directory Files, and the methods of *os.File that list a directory,
// change the working directory or the owner, or hand out the descriptor.
//
// A directory opened through an FS (Open, OpenFile, FS.Open(".")) or
// through the package-level Open is a *File whose dir is the directory's
// *os.File: Read, ReadAt, Seek and the listing methods are that *os.File's,
// so they have os's batching, EOF and error rules by construction (Read and
// ReadAt fail with EISDIR; Seek(0, io.SeekStart) starts the listing
// again). Its other methods work on the descriptor as they do for a file:
// Write fails with EBADF, Truncate with EINVAL, Stat and Chmod are fstat
// and fchmod.

var _ fs.ReadDirFile = (*File)(nil)

// renamed gives an error that names the *os.File from the name to, as
// the File's own errors do: a *fs.PathError whose Path starts with from.
func renamed(err error, from, to string) error {
	if pe, ok := err.(*fs.PathError); ok && from != to {
		if rest, ok := strings.CutPrefix(pe.Path, from); ok {
			pe.Path = to + rest
		}
	}
	return err
}

// dirErr is renamed for a directory File.
func (f *File) dirErr(err error) error { return renamed(err, f.dir.Name(), f.name) }

func (f *File) dirRead(b []byte) (int, error) {
	n, err := f.dir.Read(b)
	return n, f.dirErr(err)
}

func (f *File) dirReadAt(b []byte, off int64) (int, error) {
	n, err := f.dir.ReadAt(b, off)
	return n, f.dirErr(err)
}

func (f *File) dirSeek(offset int64, whence int) (int64, error) {
	ret, err := f.dir.Seek(offset, whence)
	return ret, f.dirErr(err)
}

// withOSFile calls fn with the *os.File on f's descriptor. closed is the
// error a closed File returns; a System V segment (no descriptor) returns
// errNoDescriptor. A Close that races fn is the *os.File's to handle: its
// descriptor stays open until fn's call on it returns.
func (f *File) withOSFile(closed error, fn func(osf *os.File) error) error {
	if f.closed.Load() || f.m.isClosed() {
		return closed
	}
	if _, ok := f.m.segment(); ok {
		return errNoDescriptor
	}
	return fn(f.m.osFile(f.name))
}

// listClosed is the error os's ReadDir, Readdir and Readdirnames return
// after Close: the bare "use of closed file", not fs.ErrClosed.
func (f *File) listClosed() error {
	_, fileClosing := osErrors()
	return &fs.PathError{Op: "readdirent", Path: f.name, Err: fileClosing}
}

// list runs one of os's listing methods on f's descriptor: the directory's,
// or, for a regular file, the *os.File's (which fails as on an *os.File).
func list[T any](f *File, osList func(osf *os.File) ([]T, error)) ([]T, error) {
	if f.dir != nil {
		l, err := osList(f.dir)
		return l, f.dirErr(err)
	}
	var l []T
	err := f.withOSFile(f.listClosed(), func(osf *os.File) error {
		var err error
		l, err = osList(osf)
		return renamed(err, osf.Name(), f.name)
	})
	if err == errNoDescriptor {
		err = &fs.PathError{Op: "readdirent", Path: f.name, Err: errNoDescriptor}
	}
	if l == nil && err != nil {
		l = []T{} // as os: an empty slice, not nil
	}
	return l, err
}

// ReadDir reads the contents of the directory associated with the File and
// returns a slice of up to n DirEntry values, in directory order, as
// *os.File's ReadDir: with n > 0 at most n entries, and at the end of the
// directory an empty slice and io.EOF; with n <= 0 all the remaining
// entries, and a nil error at the end. Seek(0, io.SeekStart) starts again.
// On a regular file it fails as on an *os.File (ENOTDIR); on a System V
// segment with an error wrapping errors.ErrUnsupported.
func (f *File) ReadDir(n int) ([]fs.DirEntry, error) {
	if err := f.checkValid("readdir"); err != nil {
		return nil, err
	}
	return list(f, func(osf *os.File) ([]fs.DirEntry, error) { return osf.ReadDir(n) })
}

// Readdir is ReadDir with a FileInfo (lstat) for each entry, as *os.File's
// Readdir.
func (f *File) Readdir(n int) ([]fs.FileInfo, error) {
	if err := f.checkValid("readdir"); err != nil {
		return nil, err
	}
	return list(f, func(osf *os.File) ([]fs.FileInfo, error) { return osf.Readdir(n) })
}

// Readdirnames is ReadDir with only the names, as *os.File's Readdirnames.
func (f *File) Readdirnames(n int) (names []string, err error) {
	if err := f.checkValid("readdir"); err != nil {
		return nil, err
	}
	return list(f, func(osf *os.File) ([]string, error) { return osf.Readdirnames(n) })
}

// Chdir changes the current working directory to the File, which must be a
// directory (fchdir; on a file ENOTDIR, as *os.File's Chdir). A System V
// segment has no descriptor: an error wrapping errors.ErrUnsupported.
func (f *File) Chdir() error {
	if err := f.checkValid("chdir"); err != nil {
		return err
	}
	if f.closed.Load() {
		return f.wrapErr("chdir", fs.ErrClosed)
	}
	if err := f.chdir(); err != nil {
		return f.wrapErr("chdir", err)
	}
	return nil
}

// Chown changes the numeric uid and gid of the file (fchown), as
// *os.File's Chown; -1 leaves one unchanged. For a System V segment it is
// IPC_SET of the segment's owner.
func (f *File) Chown(uid, gid int) error {
	if err := f.checkValid("chown"); err != nil {
		return err
	}
	if f.closed.Load() {
		return f.wrapErr("chown", fs.ErrClosed)
	}
	if err := f.chown(uid, gid); err != nil {
		return f.wrapErr("chown", err)
	}
	return nil
}

// SyscallConn returns a raw connection to the File's descriptor, as
// *os.File's: its Control, Read and Write run their function with the
// descriptor (Read and Write do not go through the mapping). After Close the
// connection's methods fail as an *os.File's do. A System V segment has no
// descriptor: an error wrapping errors.ErrUnsupported.
func (f *File) SyscallConn() (syscall.RawConn, error) {
	if err := f.checkValid("SyscallConn"); err != nil {
		return nil, err
	}
	if f.dir != nil {
		return f.dir.SyscallConn()
	}
	var c syscall.RawConn
	err := f.withOSFile(errClosedConn, func(osf *os.File) error {
		var err error
		c, err = osf.SyscallConn()
		return err
	})
	switch err {
	case nil:
		return c, nil
	case errClosedConn:
		return closedConn{}, nil
	}
	return nil, f.wrapErr("SyscallConn", err)
}

// closedConn is the raw connection of a closed File: as an *os.File's, its
// methods fail with os's bare "use of closed file".
type closedConn struct{}

func (closedConn) Control(func(fd uintptr)) error { _, e := osErrors(); return e }

func (closedConn) Read(func(fd uintptr) bool) error { _, e := osErrors(); return e }

func (closedConn) Write(func(fd uintptr) bool) error { _, e := osErrors(); return e }
