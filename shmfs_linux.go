package shmfs

import (
	"io/fs"
	"os"
	"slices"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// shmDir is where Linux keeps POSIX shared-memory objects (glibc's
// shm_open opens "/dev/shm/NAME" with O_NOFOLLOW|O_CLOEXEC).
const shmDir = "/dev/shm"

// Stat_t from x/sys and from syscall are the same structure on Linux; the
// arrays fail to compile if that ever stops being true.
var (
	_ [unsafe.Sizeof(syscall.Stat_t{}) - unsafe.Sizeof(unix.Stat_t{})]byte
	_ [unsafe.Sizeof(unix.Stat_t{}) - unsafe.Sizeof(syscall.Stat_t{})]byte
)

func fstat(fd int, st *syscall.Stat_t) error {
	_, err := ignoringEINTR(func() (int, error) { return 0, unix.Fstat(fd, (*unix.Stat_t)(unsafe.Pointer(st))) })
	return err
}

// syscallMode converts io/fs permission and special bits to open(2)'s.
func syscallMode(perm fs.FileMode) uint32 {
	o := uint32(perm.Perm())
	if perm&fs.ModeSetuid != 0 {
		o |= unix.S_ISUID
	}
	if perm&fs.ModeSetgid != 0 {
		o |= unix.S_ISGID
	}
	if perm&fs.ModeSticky != 0 {
		o |= unix.S_ISVTX
	}
	return o
}

func nop() {}

// walk opens the directory that holds name's last element and returns it
// with that element. Directories are opened one element at a time with
// O_NOFOLLOW, so no symbolic link planted in the tree leads outside root.
// A one-element name costs nothing: the path is root/name, opened by the
// caller with O_NOFOLLOW.
func walk(root, name string) (dirfd int, base string, done func(), err error) {
	if name == "." {
		return unix.AT_FDCWD, root, nop, nil
	}
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return unix.AT_FDCWD, root + "/" + name, nop, nil
	}
	dfd, err := ignoringEINTR(func() (int, error) {
		return unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		return -1, "", nop, err
	}
	for _, e := range strings.Split(name[:i], "/") {
		nfd, err := ignoringEINTR(func() (int, error) {
			return unix.Openat(dfd, e, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		})
		unix.Close(dfd)
		if err != nil {
			return -1, "", nop, err
		}
		dfd = nfd
	}
	return dfd, name[i+1:], func() { unix.Close(dfd) }, nil
}

// openRaw opens name under root without following a symbolic link and
// without blocking on a FIFO, and fstats what it opened.
func openRaw(root, name string, flag int, perm fs.FileMode, st *syscall.Stat_t) (int, error) {
	dirfd, base, done, err := walk(root, name)
	if err != nil {
		return -1, err
	}
	oflag := flag | unix.O_CLOEXEC | unix.O_NOFOLLOW | unix.O_NONBLOCK
	fd, err := ignoringEINTR(func() (int, error) {
		return unix.Openat(dirfd, base, oflag, syscallMode(perm))
	})
	done()
	if err != nil {
		return -1, err
	}
	if err := fstat(fd, st); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if flag&unix.O_NONBLOCK == 0 && st.Mode&unix.S_IFMT == unix.S_IFREG {
		// O_NONBLOCK was only there so that a FIFO could not block open.
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFL, oflag&^unix.O_NONBLOCK); err != nil {
			unix.Close(fd)
			return -1, err
		}
	}
	return fd, nil
}

// openFile opens a regular file under root and maps it (unless mapIt is
// false: ReadFile and WriteFile make one pass and need no mapping).
// display is the name the File and its errors carry.
func openFile(root, name, display string, flag int, perm fs.FileMode, mapIt bool) (*File, error) {
	private := flag&O_PRIVATE != 0
	flag &^= O_PRIVATE
	acc := flag & unix.O_ACCMODE
	if private && acc == unix.O_WRONLY {
		return nil, &fs.PathError{Op: "open", Path: display, Err: syscall.EINVAL}
	}
	if private && flag&unix.O_TRUNC != 0 {
		// Truncating would change the object, which a private view never
		// does; refused before anything is opened.
		return nil, &fs.PathError{Op: "open", Path: display, Err: errPrivateTrunc}
	}
	var st syscall.Stat_t
	fd, err := openRaw(root, name, flag, perm, &st)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: display, Err: err}
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		unix.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: display, Err: syscall.EISDIR}
	default:
		unix.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: display, Err: errNotRegular}
	}
	if private {
		flag |= O_PRIVATE
	}
	return newFDFile(os.NewFile(uintptr(fd), display), display, st.Size, flag, mapIt)
}

// openAny is fs.FS's Open: a *File for a regular file, a directory handle
// for a directory.
func openAny(root, name string) (fs.File, error) {
	var st syscall.Stat_t
	fd, err := openRaw(root, name, unix.O_RDONLY, 0, &st)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		return newFDFile(os.NewFile(uintptr(fd), name), name, st.Size, unix.O_RDONLY, true)
	case unix.S_IFDIR:
		// The *os.File's name ends in name's last element ("." for the
		// root), which is what its Stat names.
		return &dirFile{f: os.NewFile(uintptr(fd), root+"/"+name), name: name}, nil
	}
	unix.Close(fd)
	return nil, &fs.PathError{Op: "open", Path: name, Err: errNotRegular}
}

// dirFile is a directory opened through FS.Open.
type dirFile struct {
	f    *os.File
	name string
}

var _ fs.ReadDirFile = (*dirFile)(nil)

func (d *dirFile) Stat() (fs.FileInfo, error) {
	fi, err := d.f.Stat()
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: d.name, Err: underlying(err)}
	}
	return fi, nil
}

func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: syscall.EISDIR}
}

func (d *dirFile) ReadDir(n int) ([]fs.DirEntry, error) { return d.f.ReadDir(n) }

func (d *dirFile) Close() error { return d.f.Close() }

// statAt is lstat of name under root.
func statAt(root, name string) (fs.FileInfo, error) {
	dirfd, base, done, err := walk(root, name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	defer done()
	// O_PATH|O_NOFOLLOW opens a symbolic link itself, as lstat sees it, and
	// needs no permission on the file. Package os makes the FileInfo, so
	// that os.SameFile accepts it.
	flags := unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC
	if name == "." {
		flags &^= unix.O_NOFOLLOW // the root itself is trusted
	}
	fd, err := ignoringEINTR(func() (int, error) {
		return unix.Openat(dirfd, base, flags, 0)
	})
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	f := os.NewFile(uintptr(fd), name)
	fi, err := f.Stat()
	f.Close()
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: underlying(err)}
	}
	return fi, nil
}

// readDirAt lists a directory under root, sorted by name.
func readDirAt(root, name string) ([]fs.DirEntry, error) {
	var st syscall.Stat_t
	fd, err := openRaw(root, name, unix.O_RDONLY|unix.O_DIRECTORY, 0, &st)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	full := root
	if name != "." {
		full = root + "/" + name
	}
	f := os.NewFile(uintptr(fd), full)
	defer f.Close()
	list, err := f.ReadDir(-1)
	slices.SortFunc(list, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	if err != nil {
		return list, &fs.PathError{Op: "readdir", Path: name, Err: underlying(err)}
	}
	return list, nil
}

// removeAt removes a file (or an empty directory) under root, as os.Remove.
func removeAt(root, name string) error {
	dirfd, base, done, err := walk(root, name)
	if err != nil {
		return &fs.PathError{Op: "remove", Path: name, Err: err}
	}
	defer done()
	e := unix.Unlinkat(dirfd, base, 0)
	if e == nil {
		return nil
	}
	e1 := unix.Unlinkat(dirfd, base, unix.AT_REMOVEDIR)
	if e1 == nil {
		return nil
	}
	if e1 != unix.ENOTDIR {
		e = e1
	}
	return &fs.PathError{Op: "remove", Path: name, Err: e}
}
