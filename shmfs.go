// Package shmfs makes shared memory feel like a file.
//
// An [FS] is a namespace of POSIX shared-memory objects (shm_open, /dev/shm on
// Linux) or of files under any directory; its [*File] values are read and
// written through a shared mapping and are a drop-in replacement for
// [*os.File]: Read, Write, Seek, ReadAt, WriteAt, ReadFrom, WriteTo, Close,
// Stat, Truncate and Sync have os's semantics and error classes, without a
// system call per read or write.
//
// A File has every method of *os.File, and an FS every method of
// [*os.Root] (it is built on one), so that code written for package os
// switches by changing the constructor: [NewFS] for [os.OpenRoot], [Open]
// and the other package-level functions for package os's own on
// /dev/shm/NAME. A directory opens as a File that lists it.
//
// To publish an object whole, write it under a temporary name
// ([CreateTemp]) and [Rename] it into place: a reader of the name sees the
// old object or the new one, never a half-written one.
//
// System V segments ([OpenSegment]) and anonymous memory files ([MemFile])
// are Files too.
//
// A mapping never crashes the process: if another process truncates the
// object under it (SIGBUS), or tmpfs runs out of space, the call returns an
// error (or, where the kernel can still answer, exactly what pread/pwrite
// would have returned) and the process lives on.
//
// Beyond *os.File, a File hands out its bytes in place ([File.View],
// [File.Update]), and lets processes coordinate through the object: whole
// file locks ([File.Lock]), atomic words ([File.AddUint64]) and futex
// waits ([File.Wait], [File.Wake]) that C programs share.
//
// # Errors
//
// Errors are *fs.PathError (*os.LinkError for Rename, Link and Symlink)
// with package os's op names, and io.EOF unwrapped, as package os returns
// them. Every error a caller may need to tell apart matches one of these
// with [errors.Is]; no caller has to compare strings:
//
//   - [fs.ErrNotExist], [fs.ErrExist], [fs.ErrPermission], [fs.ErrClosed]
//     (any call after Close), [fs.ErrInvalid] (a bad name, a negative offset
//     or length, an unaligned word or one outside the file, Wake of n < 1):
//     where *os.File and os.Root give them.
//   - [io.EOF]: reads at the end, unwrapped. [io.ErrUnexpectedEOF]: a View or
//     Update of a range past the end, or one the object shrank under while
//     fn ran.
//   - [errors.ErrUnsupported]: another system than Linux; a System V
//     segment's size (Truncate), descriptor (Lock, Chdir, SyscallConn,
//     SendFile, Seal) or copy-on-write view; an O_PRIVATE view's size; words
//     and futexes on a File that maps nothing; a file that can never be
//     sealed.
//   - [os.ErrDeadlineExceeded]: a Wait whose timeout passed.
//     [os.ErrNoDeadline]: SetDeadline and friends, as on a regular file.
//   - syscall errnos: ENOSPC (tmpfs is full: a write, a View or Update, a
//     word), EFBIG (a write that a fixed-size System V segment cut short,
//     the bytes that fit written, as at a file's size limit; a write that
//     would grow an O_PRIVATE view), EPERM (a seal forbids it; also
//     fs.ErrPermission), EBUSY (SealWrite while the file is mapped for
//     writing elsewhere), EBADF (the access mode forbids the call, as for
//     *os.File), EINVAL, EISDIR, ENOTDIR, ENXIO (SEEK_DATA/SEEK_HOLE past the
//     end), EFAULT (a memory fault nothing could redo or explain, such as a
//     store into a read-only View).
//
// FIFOs, devices and sockets are refused at open, without blocking, with an
// error that says "not a regular file" (they cannot be mapped).
//
// Linux is supported; on every other system the package compiles and every
// constructor returns an error matching [errors.ErrUnsupported].
package shmfs

import (
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// FS is a namespace of shared-memory objects: the system's POSIX
// shared-memory namespace, or the files under a directory. It is an
// [*os.Root] on that directory, with *File in place of *os.File: it has every
// method of *os.Root, with os.Root's semantics, and resolves names as
// os.Root does. Symbolic links are followed while they stay inside the
// directory; every escape (a "..", an absolute link, a link that leads out)
// is refused with os.Root's error. FIFOs, devices and sockets are refused
// (with an error that is not an errno) without blocking: they cannot be
// mapped.
//
// The methods of io/fs's interfaces (Open, Stat, Lstat, ReadDir, ReadFile,
// ReadLink, Sub) take [fs.ValidPath] names without NUL bytes, and refuse
// anything else with an [*fs.PathError] wrapping [fs.ErrInvalid]; the others
// (OpenFile, Create, WriteFile, Remove, RemoveAll, Mkdir, MkdirAll, Rename,
// Link, Symlink, Readlink, Chmod, Chown, Lchown, Chtimes, OpenRoot,
// CreateTemp) take the names os.Root takes.
//
// Errors are os.Root's, with package os's op names ("open", "stat", "mkdir",
// "rename"... where os.Root says "openat", "statat", "mkdirat",
// "renameat"): *fs.PathError, or *os.LinkError for Rename, Link and
// Symlink.
//
// The directory is opened (os.OpenRoot) by the first method that needs it;
// if that fails, every method returns the error (and tries again the next
// time). Close closes it; after Close every method fails as os.Root's do,
// with an error wrapping fs.ErrClosed.
//
// FS implements [fs.FS], [fs.StatFS], [fs.ReadDirFS], [fs.ReadFileFS],
// [fs.ReadLinkFS] and [fs.SubFS]. The zero FS is the system namespace
// (/dev/shm on Linux, as a directory: its methods may make subdirectories
// there). An FS is safe for concurrent use.
type FS struct {
	dir string // as given to NewFS; "" means the system namespace

	r      atomic.Pointer[os.Root] // the open directory, once opened
	mu     sync.Mutex              // serializes opening and Close
	closed bool
}

// NewFS returns the namespace of files under dir, accessed through mmap.
// dir == "" means the system's POSIX shared-memory namespace (/dev/shm on
// Linux). A relative dir is taken relative to the working directory at the
// first method call, which opens it.
func NewFS(dir string) *FS { return &FS{dir: dir} }

// root returns the open directory, opening it if this is the first call.
// A nil *FS is the system namespace.
func (fsys *FS) root() (*os.Root, error) {
	if fsys == nil {
		fsys = &system
	}
	if r := fsys.r.Load(); r != nil {
		return r, nil
	}
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	if r := fsys.r.Load(); r != nil {
		return r, nil
	}
	if fsys.closed {
		return nil, fs.ErrClosed
	}
	r, err := openRootDir(fsys.Name())
	if err != nil {
		return nil, err // not kept: the next call tries again
	}
	fsys.r.Store(r)
	return r, nil
}

// Name returns the name of the directory: the dir given to NewFS, or
// /dev/shm for the system namespace. For an FS made by OpenRoot it is the
// parent's Name joined with the name given to OpenRoot, as os.Root's.
func (fsys *FS) Name() string {
	if fsys == nil || fsys.dir == "" {
		return shmDir
	}
	return fsys.dir
}

// Close closes the directory. Files opened through the FS stay open. After
// Close, methods return errors wrapping fs.ErrClosed. Close on a closed FS
// returns nil, as os.Root's does.
func (fsys *FS) Close() error {
	if fsys == nil {
		return fs.ErrInvalid
	}
	fsys.mu.Lock()
	defer fsys.mu.Unlock()
	fsys.closed = true
	if r := fsys.r.Load(); r != nil {
		return r.Close()
	}
	// Never opened: from now on the methods work on a closed os.Root, so
	// that they fail exactly as a closed os.Root's do (which checks some
	// arguments before it looks at its directory).
	if r, err := openRootDir("/"); err == nil {
		r.Close()
		fsys.r.Store(r)
	}
	return nil
}

// FS returns the namespace as an io/fs file system: fsys itself, which
// implements fs.StatFS, fs.ReadFileFS, fs.ReadDirFS, fs.ReadLinkFS and
// fs.SubFS.
func (fsys *FS) FS() fs.FS { return fsys }

var (
	_ fs.FS         = (*FS)(nil)
	_ fs.StatFS     = (*FS)(nil)
	_ fs.ReadDirFS  = (*FS)(nil)
	_ fs.ReadFileFS = (*FS)(nil)
	_ fs.ReadLinkFS = (*FS)(nil)
	_ fs.SubFS      = (*FS)(nil)
)

// Open opens the named file for reading, as fs.FS: a *File, for a regular
// file or for a directory (then an [fs.ReadDirFile]).
func (fsys *FS) Open(name string) (fs.File, error) {
	if !validPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, err := fsys.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// OpenFile opens the named file with the os.O_* flags in flag (and
// [O_PRIVATE]), creating it with perm (before umask; os.Root refuses bits
// other than 0o777) when flag has os.O_CREATE, as os.Root.OpenFile. A
// directory opens as a *File that lists it (ReadDir), as package os's;
// FIFOs, devices and sockets are refused without blocking. The descriptor
// is close-on-exec. The File's Name is the FS's Name joined with name, as
// os.Root's Files are named (errors of the open itself carry name).
func (fsys *FS) OpenFile(name string, flag int, perm fs.FileMode) (*File, error) {
	f, err := fsys.openFile(name, name, flag, perm)
	if err != nil {
		return nil, err
	}
	f.name = joinPath(fsys.Name(), name)
	return f, nil
}

// Create creates or truncates the named file, as os.Create: O_RDWR|O_CREATE|
// O_TRUNC with mode 0666 (before umask).
func (fsys *FS) Create(name string) (*File, error) {
	return fsys.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0666)
}

// Stat returns a FileInfo describing the named file, following symbolic
// links, as os.Root.Stat. The FileInfo is package os's own, so
// [os.SameFile] accepts it.
func (fsys *FS) Stat(name string) (fs.FileInfo, error) {
	if !validPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	r, err := fsys.root()
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	fi, err := r.Stat(name)
	return fi, osOp(err, "stat")
}

// Lstat returns a FileInfo describing the named file without following a
// symbolic link, as os.Root.Lstat (and fs.ReadLinkFS).
func (fsys *FS) Lstat(name string) (fs.FileInfo, error) {
	if !validPath(name) {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: fs.ErrInvalid}
	}
	r, err := fsys.root()
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	fi, err := r.Lstat(name)
	return fi, osOp(err, "lstat")
}

// ReadDir reads the named directory and returns its entries sorted by name,
// as fs.ReadDirFS (and os.Root.FS's ReadDir).
func (fsys *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !validPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	r, err := fsys.root()
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	list, err := readDirIn(r, name)
	slices.SortFunc(list, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return list, err
}

// ReadFile reads the named file and returns its contents in a new slice
// (never the mapping itself), as os.ReadFile: it reads to the end of file,
// whatever size the file reports, so the files of /proc and /sys read
// whole.
func (fsys *FS) ReadFile(name string) ([]byte, error) {
	if !validPath(name) {
		// os.DirFS's op for a name it refuses.
		return nil, &fs.PathError{Op: "readfile", Path: name, Err: fs.ErrInvalid}
	}
	return fsys.readFile(name, name)
}

func (fsys *FS) readFile(name, display string) ([]byte, error) {
	r, err := fsys.root()
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: display, Err: err}
	}
	return readFileIn(r, name, display)
}

// WriteFile writes data to the named file, creating it with perm (before
// umask) if necessary, and truncating it otherwise, as os.Root.WriteFile.
func (fsys *FS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	return fsys.writeFile(name, name, data, perm)
}

func (fsys *FS) writeFile(name, display string, data []byte, perm fs.FileMode) error {
	r, err := fsys.root()
	if err != nil {
		return &fs.PathError{Op: "open", Path: display, Err: err}
	}
	return writeFileIn(r, name, display, data, perm)
}

// Remove removes the named object (shm_unlink semantics: a File already
// open on it keeps working until it is closed), or an empty directory, as
// os.Root.Remove.
func (fsys *FS) Remove(name string) error {
	r, err := fsys.root()
	if err != nil {
		return &fs.PathError{Op: "remove", Path: name, Err: err}
	}
	return osOp(r.Remove(name), "remove")
}

// validPath is fs.ValidPath without NUL bytes (which no system call takes).
func validPath(name string) bool {
	return fs.ValidPath(name) && !strings.Contains(name, "\x00")
}

// O_PRIVATE, or'ed into OpenFile's flag, maps the object copy-on-write
// (MAP_PRIVATE): reads see the object, writes stay in this File and never
// reach the object or other processes. A private File cannot change the
// object's size: with os.O_TRUNC (which would) or os.O_WRONLY (nothing to
// read) OpenFile refuses it before opening anything. Its value collides
// with no os.O_* flag on any system.
const O_PRIVATE = 0x08000000
