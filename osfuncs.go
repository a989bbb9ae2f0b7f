package shmfs

import (
	"io/fs"
	"os"
	"strings"
	"time"
)

// The package-level functions: package os's, on the system's POSIX
// shared-memory namespace. Each takes a POSIX shared-memory name ("name" or
// "/name", see shmName), and is NewFS("")'s method of the same name on it:
// the names are resolved as os.Root resolves them in /dev/shm (any bytes
// but "/" and NUL, where the io/fs methods take only UTF-8). Errors carry
// the name as the caller wrote it.

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

// spelled gives err the name as the caller wrote it.
func spelled(err error, name string) error {
	if pe, ok := err.(*fs.PathError); ok {
		pe.Path = name
	}
	return err
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
// with perm (before umask; bits other than 0o777 are refused, as os.Root
// refuses them). name may be written "/name"; the File's Name is name as
// written.
func OpenFile(name string, flag int, perm fs.FileMode) (*File, error) {
	n, err := shmName("open", name)
	if err != nil {
		return nil, err
	}
	return system.openFile(n, name, flag, perm)
}

// Remove removes the named POSIX shared-memory object (shm_unlink). Files
// open on it keep working until they are closed.
func Remove(name string) error {
	n, err := shmName("remove", name)
	if err != nil {
		return err
	}
	return spelled(system.Remove(n), name)
}

// Stat returns a FileInfo describing the named POSIX shared-memory object,
// following a symbolic link (inside /dev/shm), as os.Stat. name may be
// written "/name".
func Stat(name string) (fs.FileInfo, error) {
	n, err := shmName("stat", name)
	if err != nil {
		return nil, err
	}
	r, err := system.root()
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	fi, err := r.Stat(n)
	return fi, spelled(osOp(err, "stat"), name)
}

// Lstat is Stat without following a symbolic link, as os.Lstat.
func Lstat(name string) (fs.FileInfo, error) {
	n, err := shmName("lstat", name)
	if err != nil {
		return nil, err
	}
	r, err := system.root()
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	fi, err := r.Lstat(n)
	return fi, spelled(osOp(err, "lstat"), name)
}

// Rename renames the object oldname to newname, as os.Rename: rename(2),
// which replaces an existing newname atomically. A process that opens
// newname gets the old object or the new one, whole; so an object written
// under a temporary name (CreateTemp) and then renamed is published at
// once, never seen half written.
func Rename(oldname, newname string) error {
	o, err := shmName("rename", oldname)
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: fs.ErrInvalid}
	}
	n, err := shmName("rename", newname)
	if err != nil {
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: fs.ErrInvalid}
	}
	err = system.Rename(o, n)
	if le, ok := err.(*os.LinkError); ok {
		le.Old, le.New = oldname, newname
	}
	return err
}

// Chmod changes the mode of the named object, as os.Chmod.
func Chmod(name string, mode fs.FileMode) error {
	n, err := shmName("chmod", name)
	if err != nil {
		return err
	}
	return spelled(system.Chmod(n, mode), name)
}

// Chown changes the numeric uid and gid of the named object, as os.Chown.
func Chown(name string, uid, gid int) error {
	n, err := shmName("chown", name)
	if err != nil {
		return err
	}
	return spelled(system.Chown(n, uid, gid), name)
}

// Chtimes changes the access and modification times of the named object,
// as os.Chtimes (a zero time.Time leaves that time unchanged).
func Chtimes(name string, atime, mtime time.Time) error {
	n, err := shmName("chtimes", name)
	if err != nil {
		return err
	}
	return spelled(system.Chtimes(n, atime, mtime), name)
}

// Truncate changes the size of the named object, as os.Truncate.
func Truncate(name string, size int64) error {
	n, err := shmName("truncate", name)
	if err != nil {
		return err
	}
	if size < 0 {
		// truncate(2) refuses a negative size before it looks the name up.
		return &fs.PathError{Op: "truncate", Path: name, Err: errInval}
	}
	r, err := system.root()
	if err != nil {
		return &fs.PathError{Op: "truncate", Path: name, Err: err}
	}
	return truncateIn(r, n, name, size)
}

// ReadFile reads the named object and returns its contents, as os.ReadFile.
func ReadFile(name string) ([]byte, error) {
	n, err := shmName("open", name)
	if err != nil {
		return nil, err
	}
	return system.readFile(n, name)
}

// WriteFile writes data to the named object, creating it with perm (before
// umask) if necessary and truncating it otherwise, as os.WriteFile.
func WriteFile(name string, data []byte, perm fs.FileMode) error {
	n, err := shmName("open", name)
	if err != nil {
		return err
	}
	return system.writeFile(n, name, data, perm)
}

// CreateTemp creates a new object with a name made of pattern and a random
// string, opens it for reading and writing (O_RDWR|O_CREATE|O_EXCL, mode
// 0600) and returns the File, as os.CreateTemp: the last "*" in pattern is
// replaced by the random string (appended when there is none). dir must be
// "" or "/" (the system namespace); with "/" the File's Name is the POSIX
// spelling "/name". A pattern with a "/" is refused with os.CreateTemp's
// error, one that would make an invalid name (a NUL, more than NameMax
// bytes) with fs.ErrInvalid.
//
// Write the object, then Rename it into place: readers of the fixed name
// see either the previous object or the new one, whole.
func CreateTemp(dir, pattern string) (*File, error) {
	if dir != "" && dir != "/" {
		return nil, &fs.PathError{Op: "createtemp", Path: dir, Err: fs.ErrInvalid}
	}
	prefix, suffix, err := prefixAndSuffix(pattern)
	if err != nil {
		return nil, &fs.PathError{Op: "createtemp", Path: pattern, Err: err}
	}
	// The random part is at most 10 digits.
	if _, err := shmName("createtemp", prefix+"0123456789"+suffix); err != nil {
		return nil, &fs.PathError{Op: "createtemp", Path: pattern, Err: fs.ErrInvalid}
	}
	return createTemp(dir+prefix, suffix, func(name string) (*File, error) {
		return system.openFile(strings.TrimPrefix(name, "/"), name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
	})
}
