package shmfs

import (
	"io"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// shmDir is where Linux keeps POSIX shared-memory objects. (glibc's
// shm_open opens "/dev/shm/NAME" with O_NOFOLLOW|O_CLOEXEC; the
// package-level functions resolve NAME as os.Root does in /dev/shm, which
// follows a symbolic link only while it stays there.)
const shmDir = "/dev/shm"

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

// openRootDir opens the directory of a namespace. dir is opened as "dir/.",
// which only a directory can be (a FIFO would block open(2)).
func openRootDir(dir string) (*os.Root, error) {
	r, err := os.OpenRoot(asDir(dir))
	if err != nil {
		return nil, spelled(err, dir)
	}
	return r, nil
}

// openIn opens name in r as r.OpenFile does, without blocking: with
// O_NONBLOCK until fstat has said what it opened. A regular file or a
// directory is returned (without O_NONBLOCK, unless flag has it) with its
// fstat; anything else is closed and refused with errNotRegular. The error
// is the bare one (an errno, os.Root's escape error...): callers wrap it.
func openIn(r *os.Root, name string, flag int, perm fs.FileMode, st *syscall.Stat_t) (*os.File, error) {
	// O_NOCTTY: opening a terminal must not make it ours.
	osf, err := r.OpenFile(name, flag|unix.O_NONBLOCK|unix.O_NOCTTY, perm)
	if err != nil {
		err = underlying(err)
		if err == unix.ENXIO {
			// A FIFO opened for writing with no reader, a socket, a device
			// without its driver: nothing open(2) can give is regular.
			err = errNotRegular
		}
		return nil, err
	}
	fd := int(osf.Fd())
	if err := sysFstat(fd, st); err != nil {
		osf.Close()
		return nil, err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG, unix.S_IFDIR:
	default:
		osf.Close()
		return nil, errNotRegular
	}
	if flag&unix.O_NONBLOCK == 0 {
		// O_NONBLOCK was only there so that a FIFO could not block open.
		fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		if err == nil {
			_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFL, fl&^unix.O_NONBLOCK)
		}
		if err != nil {
			osf.Close()
			return nil, err
		}
	}
	return osf, nil
}

// openFile opens name in the namespace as a File (a mapped regular file, or
// a directory). display is the name the File and its errors carry.
func (fsys *FS) openFile(name, display string, flag int, perm fs.FileMode) (*File, error) {
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
	r, err := fsys.root()
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: display, Err: err}
	}
	var st syscall.Stat_t
	osf, err := openIn(r, name, flag, perm, &st)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: display, Err: err}
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		// A directory File: never mapped; its listing and reads are the
		// *os.File's (see file_dir.go).
		f, err := newFDFile(osf, display, st.Size, flag, false)
		if err != nil {
			return nil, err
		}
		f.dir = osf
		return f, nil
	}
	if private {
		flag |= O_PRIVATE
	}
	return newFDFile(osf, display, st.Size, flag, true)
}

// readFileIn is ReadFile: os.ReadFile's loop on the *os.File, which reads
// to the end of file whatever size the file reports (the files of /proc
// and /sys say 0). One pass needs no mapping.
func readFileIn(r *os.Root, name, display string) ([]byte, error) {
	var st syscall.Stat_t
	osf, err := openIn(r, name, unix.O_RDONLY, 0, &st)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: display, Err: err}
	}
	defer osf.Close()
	size := 0
	if st.Mode&unix.S_IFMT == unix.S_IFREG && int64(int(st.Size)) == st.Size {
		size = int(st.Size)
	}
	size++ // one byte for the final read at EOF
	if size < 512 {
		size = 512 // if the file claims a small size, read at least 512 bytes
	}
	data := make([]byte, 0, size)
	for {
		n, err := osf.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return data, renamed(err, osf.Name(), display)
		}
		if len(data) >= cap(data) {
			d := append(data[:cap(data)], 0)
			data = d[:len(data)]
		}
	}
}

// writeFileIn is WriteFile, as os.WriteFile: one pass, no mapping.
func writeFileIn(r *os.Root, name, display string, data []byte, perm fs.FileMode) error {
	var st syscall.Stat_t
	osf, err := openIn(r, name, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC, perm, &st)
	if err != nil {
		return &fs.PathError{Op: "open", Path: display, Err: err}
	}
	_, err = osf.Write(data)
	if err1 := osf.Close(); err1 != nil && err == nil {
		err = err1
	}
	return renamed(err, osf.Name(), display)
}

// readDirIn lists the directory name in r, unsorted, as os.Root's FS does
// (a regular file fails as os's ReadDir on it does).
func readDirIn(r *os.Root, name string) ([]fs.DirEntry, error) {
	var st syscall.Stat_t
	osf, err := openIn(r, name, unix.O_RDONLY, 0, &st)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer osf.Close()
	list, err := osf.ReadDir(-1)
	return list, renamed(err, osf.Name(), name)
}

// truncateIn is the package-level Truncate, as truncate(2): through an
// O_WRONLY descriptor, which needs the same permission.
func truncateIn(r *os.Root, name, display string, size int64) error {
	var st syscall.Stat_t
	osf, err := openIn(r, name, unix.O_WRONLY, 0, &st)
	if err == errNotRegular {
		err = syscall.EINVAL // truncate(2) on a FIFO or a device
	}
	if err != nil {
		return &fs.PathError{Op: "truncate", Path: display, Err: err}
	}
	defer osf.Close()
	if err := sysFtruncate(int(osf.Fd()), size); err != nil {
		return &fs.PathError{Op: "truncate", Path: display, Err: err}
	}
	return nil
}
