package shmfs

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The methods of *os.Root that open no File: each is os.Root's own, called
// on the FS's directory, with package os's op name in its error.

// osOp gives an error from os.Root the op name package os's function of
// the same name uses (os.Root says "openat", "mkdirat", "renameat"...),
// and returns it.
func osOp(err error, op string) error {
	switch e := err.(type) {
	case *fs.PathError:
		e.Op = op
	case *os.LinkError:
		e.Op = op
	}
	return err
}

// Mkdir creates a new directory with the specified name and permission
// bits (before umask), as os.Root.Mkdir (which refuses bits other than
// 0o777).
func (fsys *FS) Mkdir(name string, perm fs.FileMode) error {
	r, err := fsys.root()
	if err != nil {
		return &fs.PathError{Op: "mkdir", Path: name, Err: err}
	}
	return osOp(r.Mkdir(name, perm), "mkdir")
}

// MkdirAll creates a directory named name, along with any necessary
// parents, as os.Root.MkdirAll.
func (fsys *FS) MkdirAll(name string, perm fs.FileMode) error {
	r, err := fsys.root()
	if err != nil {
		return &fs.PathError{Op: "mkdir", Path: name, Err: err}
	}
	return osOp(r.MkdirAll(name, perm), "mkdir")
}

// RemoveAll removes name and any children it contains, as
// os.Root.RemoveAll: a missing name is not an error; "." is (EINVAL).
func (fsys *FS) RemoveAll(name string) error {
	r, err := fsys.root()
	if err != nil {
		return &fs.PathError{Op: "RemoveAll", Path: name, Err: err}
	}
	return r.RemoveAll(name)
}

// Rename renames (moves) oldname to newname, both inside the namespace, as
// os.Root.Rename. It is rename(2): a File or a peer that opens newname sees
// the old object or the new one, whole, never neither and never a mix, so
// writing an object under a temporary name (see CreateTemp) and renaming it
// into place publishes it atomically. An existing directory at newname is
// refused (EEXIST), as os.Rename refuses it.
func (fsys *FS) Rename(oldname, newname string) error {
	r, err := fsys.root()
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: err}
	}
	return osOp(r.Rename(oldname, newname), "rename")
}

// Link creates newname as a hard link to the oldname file, as os.Root.Link
// (a symbolic link oldname is linked itself, not its target).
func (fsys *FS) Link(oldname, newname string) error {
	r, err := fsys.root()
	if err != nil {
		return &os.LinkError{Op: "link", Old: oldname, New: newname, Err: err}
	}
	return osOp(r.Link(oldname, newname), "link")
}

// Symlink creates newname as a symbolic link to oldname, as
// os.Root.Symlink: oldname is not checked (it may lead outside the
// namespace; following it is then refused).
func (fsys *FS) Symlink(oldname, newname string) error {
	r, err := fsys.root()
	if err != nil {
		return &os.LinkError{Op: "symlink", Old: oldname, New: newname, Err: err}
	}
	return osOp(r.Symlink(oldname, newname), "symlink")
}

// Readlink returns the destination of the named symbolic link, as
// os.Root.Readlink.
func (fsys *FS) Readlink(name string) (string, error) {
	r, err := fsys.root()
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	s, err := r.Readlink(name)
	return s, osOp(err, "readlink")
}

// ReadLink is Readlink for io/fs ([fs.ReadLinkFS]): name must be
// [fs.ValidPath].
func (fsys *FS) ReadLink(name string) (string, error) {
	if !validPath(name) {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return fsys.Readlink(name)
}

// Chmod changes the mode of the named file (following a symbolic link) to
// mode, as os.Root.Chmod.
func (fsys *FS) Chmod(name string, mode fs.FileMode) error {
	r, err := fsys.root()
	if err != nil {
		return &fs.PathError{Op: "chmod", Path: name, Err: err}
	}
	return osOp(r.Chmod(name, mode), "chmod")
}

// Chown changes the numeric uid and gid of the named file (following a
// symbolic link), as os.Root.Chown; -1 leaves one unchanged.
func (fsys *FS) Chown(name string, uid, gid int) error {
	r, err := fsys.root()
	if err != nil {
		return &fs.PathError{Op: "chown", Path: name, Err: err}
	}
	return osOp(r.Chown(name, uid, gid), "chown")
}

// Lchown is Chown on a symbolic link itself, as os.Root.Lchown.
func (fsys *FS) Lchown(name string, uid, gid int) error {
	r, err := fsys.root()
	if err != nil {
		return &fs.PathError{Op: "lchown", Path: name, Err: err}
	}
	return osOp(r.Lchown(name, uid, gid), "lchown")
}

// Chtimes changes the access and modification times of the named file, as
// os.Root.Chtimes: a zero time.Time leaves that time unchanged.
func (fsys *FS) Chtimes(name string, atime, mtime time.Time) error {
	r, err := fsys.root()
	if err != nil {
		return &fs.PathError{Op: "chtimes", Path: name, Err: err}
	}
	return osOp(r.Chtimes(name, atime, mtime), "chtimes")
}

// OpenRoot opens the named directory as an FS of its own, as
// os.Root.OpenRoot: its names are resolved inside that directory, and it
// stays open until its Close (closing fsys does not close it). Its Name is
// fsys.Name() joined with name. A name that leads to something other than a
// directory is refused with an error wrapping ENOTDIR, without blocking on
// a FIFO (os.Root.OpenRoot says "not a directory", without an errno, and
// blocks on a FIFO until a writer opens it).
func (fsys *FS) OpenRoot(name string) (*FS, error) {
	r, err := fsys.root()
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	sub, err := r.OpenRoot(asDir(name))
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: underlying(err)}
	}
	child := &FS{dir: joinPath(fsys.Name(), name)}
	child.r.Store(sub)
	return child, nil
}

// asDir spells a directory name so that opening it can only open a
// directory: "name/." fails with ENOTDIR, without opening anything, when
// name is not one (a FIFO would block an open of "name"). Resolution is
// otherwise unchanged: os.Root follows "name" as it would, then opens ".".
func asDir(name string) string {
	if name == "" {
		return name // os.Root's "empty path"
	}
	return name + "/."
}

// joinPath is package os's: dir and name with one separator between them.
func joinPath(dir, name string) string {
	if len(dir) > 0 && dir[len(dir)-1] == '/' {
		return dir + name
	}
	return dir + "/" + name
}

// Sub returns the namespace of the files under dir, as [fs.Sub] does for
// os.Root's FS: names are joined to dir and resolved in fsys, so a symbolic
// link under dir may lead elsewhere in fsys. The result implements
// fs.ReadDirFS, fs.ReadFileFS, fs.ReadLinkFS and fs.SubFS; it needs no
// Close. dir must be [fs.ValidPath]; it need not exist yet.
func (fsys *FS) Sub(dir string) (fs.FS, error) {
	if !validPath(dir) {
		return nil, &fs.PathError{Op: "sub", Path: dir, Err: fs.ErrInvalid}
	}
	if dir == "." {
		return fsys, nil
	}
	return fs.Sub(ioFS{fsys}, dir)
}

// ioFS is an FS without its Sub method, for fs.Sub (which would call Sub).
type ioFS struct{ fsys *FS }

func (f ioFS) Open(name string) (fs.File, error)          { return f.fsys.Open(name) }
func (f ioFS) Stat(name string) (fs.FileInfo, error)      { return f.fsys.Stat(name) }
func (f ioFS) Lstat(name string) (fs.FileInfo, error)     { return f.fsys.Lstat(name) }
func (f ioFS) ReadDir(name string) ([]fs.DirEntry, error) { return f.fsys.ReadDir(name) }
func (f ioFS) ReadFile(name string) ([]byte, error)       { return f.fsys.ReadFile(name) }
func (f ioFS) ReadLink(name string) (string, error)       { return f.fsys.ReadLink(name) }

// CreateTemp creates a new file in the directory dir of the namespace, with
// a name made of pattern and a random string, opens it for reading and
// writing (O_RDWR|O_CREATE|O_EXCL, mode 0600) and returns the File, as
// os.CreateTemp does in a directory: the last "*" in pattern is replaced by
// the random string (appended when there is none); dir == "" is the
// namespace's own directory; a pattern with a "/" is refused with
// os.CreateTemp's error. The File's Name is dir joined with the name made.
//
// The caller removes the file when it is no longer needed, or renames it
// into place: CreateTemp, Write, then Rename publishes a whole object at
// once (see Rename).
func (fsys *FS) CreateTemp(dir, pattern string) (*File, error) {
	prefix, suffix, err := prefixAndSuffix(pattern)
	if err != nil {
		return nil, &fs.PathError{Op: "createtemp", Path: pattern, Err: err}
	}
	if dir != "" {
		prefix = joinPath(dir, prefix)
	}
	return createTemp(prefix, suffix, func(name string) (*File, error) {
		// Named inside the namespace (dir joined with the name made), so
		// that the name goes straight to Rename or Remove.
		return fsys.openFile(name, name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
	})
}

// createTemp tries open with prefix+random+suffix names until one does not
// exist yet, as os.CreateTemp (10000 tries).
func createTemp(prefix, suffix string, open func(name string) (*File, error)) (*File, error) {
	for try := 0; ; try++ {
		f, err := open(prefix + strconv.FormatUint(uint64(rand.Uint32()), 10) + suffix)
		if errors.Is(err, fs.ErrExist) {
			if try < 10000 {
				continue
			}
			return nil, &fs.PathError{Op: "createtemp", Path: prefix + "*" + suffix, Err: fs.ErrExist}
		}
		return f, err
	}
}

// prefixAndSuffix splits pattern at its last "*", as os.CreateTemp.
func prefixAndSuffix(pattern string) (prefix, suffix string, err error) {
	if strings.IndexByte(pattern, '/') >= 0 {
		return "", "", errPatternHasSeparator()
	}
	if i := strings.LastIndexByte(pattern, '*'); i >= 0 {
		return pattern[:i], pattern[i+1:], nil
	}
	return pattern, "", nil
}

// errPatternHasSeparator is os.CreateTemp's own error for a pattern with a
// separator, taken from os once (it is not exported), so that == holds.
var errPatternHasSeparator = sync.OnceValue(func() error {
	_, err := os.CreateTemp("", "shmfs/pattern") // refused before anything is made
	if err = underlying(err); err == nil || err.Error() != "pattern contains path separator" {
		err = errors.New("pattern contains path separator")
	}
	return err
})
