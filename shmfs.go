// Package shmfs makes shared memory feel like a file.
//
// An [FS] is a namespace of POSIX shared-memory objects (shm_open, /dev/shm on
// Linux) or of files under any directory; its [*File] values are read and
// written through a shared mapping and are a drop-in replacement for
// [*os.File]: Read, Write, Seek, ReadAt, WriteAt, ReadFrom, WriteTo, Close,
// Stat, Truncate and Sync have os's semantics and error classes, without a
// system call per read or write.
//
// System V segments ([OpenSegment]) and anonymous memory files ([MemFile])
// are Files too.
//
// A mapping never crashes the process: if another process truncates the
// object under it (SIGBUS), or tmpfs runs out of space, the call returns an
// error (or, where the kernel can still answer, exactly what pread/pwrite
// would have returned) and the process lives on.
//
// Linux is supported; on every other system the package compiles and every
// constructor returns an error matching [errors.ErrUnsupported].
package shmfs

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
)

// FS is a namespace of shared-memory objects: the system's POSIX
// shared-memory namespace, or the files under a directory. Its methods take
// io/fs names ([fs.ValidPath]); no name reaches outside the directory
// (symbolic links are not followed).
//
// FS implements [fs.FS], [fs.StatFS], [fs.ReadDirFS] and [fs.ReadFileFS].
// The zero FS is the system namespace.
type FS struct {
	dir string // "" means the system namespace
}

// NewFS returns the namespace of files under dir, accessed through mmap.
// dir == "" means the system's POSIX shared-memory namespace (/dev/shm on
// Linux).
func NewFS(dir string) *FS { return &FS{dir: dir} }

// root returns the directory the namespace lives in.
func (fsys *FS) root() string {
	if fsys == nil || fsys.dir == "" {
		return shmDir
	}
	return fsys.dir
}

var (
	_ fs.FS         = (*FS)(nil)
	_ fs.StatFS     = (*FS)(nil)
	_ fs.ReadDirFS  = (*FS)(nil)
	_ fs.ReadFileFS = (*FS)(nil)
)

// Open opens the named file for reading, as fs.FS. A regular file is a
// *File; a directory (".", say) is an fs.ReadDirFile.
func (fsys *FS) Open(name string) (fs.File, error) {
	if !validPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return openAny(fsys.root(), name)
}

// OpenFile opens the named file with the os.O_* flags in flag (and
// [O_PRIVATE]), creating it with perm (before umask) when flag has
// os.O_CREATE. Directories, FIFOs and other non-regular files are refused
// without blocking. The descriptor is close-on-exec.
func (fsys *FS) OpenFile(name string, flag int, perm fs.FileMode) (*File, error) {
	if !validPath(name) || name == "." {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return openFile(fsys.root(), name, name, flag, perm, true)
}

// Create creates or truncates the named file, as os.Create: O_RDWR|O_CREATE|
// O_TRUNC with mode 0666 (before umask).
func (fsys *FS) Create(name string) (*File, error) {
	return fsys.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0666)
}

// Stat returns a FileInfo describing the named file, without following a
// symbolic link, as os.Lstat. The FileInfo is package os's own, so
// [os.SameFile] accepts it.
func (fsys *FS) Stat(name string) (fs.FileInfo, error) {
	if !validPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	return statAt(fsys.root(), name)
}

// ReadDir reads the named directory and returns its entries sorted by name.
func (fsys *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !validPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	return readDirAt(fsys.root(), name)
}

// ReadFile reads the named file and returns its contents in a new slice
// (never the mapping itself).
func (fsys *FS) ReadFile(name string) ([]byte, error) {
	if !validPath(name) {
		// os.DirFS's op for a name it refuses.
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: fs.ErrInvalid}
	}
	f, err := openFile(fsys.root(), name, name, os.O_RDONLY, 0, false)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f)
}

// readAll reads f to its end, sized by Stat, as os.ReadFile does.
func readAll(f *File) ([]byte, error) {
	size := 512
	if n, err := f.m.currentSize(); err == nil && n < 1<<40 && int64(int(n)) == n {
		size = max(int(n)+1, size)
	}
	data := make([]byte, 0, size)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return data, err
		}
	}
}

// WriteFile writes data to the named file, creating it with perm (before
// umask) if necessary, and truncating it otherwise, as os.WriteFile.
func (fsys *FS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	if !validPath(name) || name == "." {
		return &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, err := openFile(fsys.root(), name, name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm, false)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err1 := f.Close(); err1 != nil && err == nil {
		err = err1
	}
	return err
}

// Remove removes the named object (shm_unlink semantics: a File already
// open on it keeps working until it is closed), or an empty directory.
func (fsys *FS) Remove(name string) error {
	if !validPath(name) || name == "." {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrInvalid}
	}
	return removeAt(fsys.root(), name)
}

// validPath is fs.ValidPath without NUL bytes (which no system call takes).
func validPath(name string) bool {
	return fs.ValidPath(name) && !strings.Contains(name, "\x00")
}

// system is the system's POSIX shared-memory namespace.
var system FS

// NameMax is the longest name a POSIX shared-memory object may have.
const NameMax = 255

// shmName checks a POSIX shared-memory name — one optional leading "/",
// then a non-empty name with no "/" and no NUL, not "." or "..", at most
// NameMax bytes — and returns it without the slash.
func shmName(op, name string) (string, error) {
	n := strings.TrimPrefix(name, "/")
	if n == "" || n == "." || n == ".." || len(n) > NameMax || strings.ContainsAny(n, "/\x00") {
		return "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	return n, nil
}

// Open opens the named POSIX shared-memory object for reading, as os.Open.
// name may be written "/name", as shm_open takes it.
func Open(name string) (*File, error) {
	return OpenFile(name, os.O_RDONLY, 0)
}

// Create creates or truncates the named POSIX shared-memory object, as
// os.Create: O_RDWR|O_CREATE|O_TRUNC with mode 0666 (before umask).
func Create(name string) (*File, error) {
	return OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0666)
}

// OpenFile opens the named POSIX shared-memory object with the os.O_* flags
// in flag (and O_PRIVATE), as os.OpenFile; with os.O_CREATE it is created
// with perm (before umask). name may be written "/name".
func OpenFile(name string, flag int, perm fs.FileMode) (*File, error) {
	n, err := shmName("open", name)
	if err != nil {
		return nil, err
	}
	return openFile(system.root(), n, name, flag, perm, true)
}

// Stat returns a FileInfo describing the named POSIX shared-memory object,
// as os.Lstat. name may be written "/name".
func Stat(name string) (fs.FileInfo, error) {
	n, err := shmName("stat", name)
	if err != nil {
		return nil, err
	}
	fi, err := statAt(system.root(), n)
	if pe, ok := err.(*fs.PathError); ok {
		pe.Path = name
	}
	return fi, err
}

// Remove removes the named POSIX shared-memory object (shm_unlink). Files
// open on it keep working until they are closed.
func Remove(name string) error {
	n, err := shmName("remove", name)
	if err != nil {
		return err
	}
	err = removeAt(system.root(), n)
	if pe, ok := err.(*fs.PathError); ok {
		pe.Path = name
	}
	return err
}

// errNotRegular refuses FIFOs, devices and sockets: only regular files can
// be mapped as shared memory.
var errNotRegular = errors.New("not a regular file")

// O_PRIVATE, or'ed into OpenFile's flag, maps the object copy-on-write
// (MAP_PRIVATE): reads see the object, writes stay in this File and never
// reach the object or other processes. A private File cannot change the
// object's size: with os.O_TRUNC (which would) or os.O_WRONLY (nothing to
// read) OpenFile refuses it before opening anything. Its value collides
// with no os.O_* flag on any system.
const O_PRIVATE = 0x08000000
