package shmfs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// System V constants that golang.org/x/sys/unix lacks, from the Linux UAPI
// header include/uapi/linux/shm.h (written in octal there too).
const (
	shmHugeTLB   = 04000  // SHM_HUGETLB, shmget flag: back the segment with huge pages
	shmNoReserve = 010000 // SHM_NORESERVE, shmget flag: reserve no swap (or huge pages)
	shmDest      = 01000  // SHM_DEST, shm_perm.mode bit: IPC_RMID done, destroyed at the last detach
)

// sysvShmProc is where Linux lists the segments (ipcs -m reads it too).
const sysvShmProc = "/proc/sysvipc/shm"

func openSegment(key, size, flag int, perm fs.FileMode) (*File, error) {
	name := keyName(key)
	private := key == unix.IPC_PRIVATE
	sflag := 0
	if flag&os.O_CREATE != 0 {
		sflag |= unix.IPC_CREAT
		if flag&os.O_EXCL != 0 {
			sflag |= unix.IPC_EXCL
		}
	}
	if sflag&unix.IPC_CREAT != 0 || private {
		sflag |= int(perm.Perm())
	}
	if flag&HugePages != 0 {
		sflag |= shmHugeTLB
	}
	if flag&NoReserve != 0 {
		sflag |= shmNoReserve
	}
	id, created, err := shmget(key, size, sflag)
	if err != nil {
		return nil, &fs.PathError{Op: "shmget", Path: name, Err: explainShmget(err, key, size, flag)}
	}
	if private {
		name = idName(id)
	}
	f, err := attachSegment(id, name, flag)
	if err != nil && created {
		// We made it and nobody else has it yet: do not leave it behind.
		unix.SysvShmCtl(id, unix.IPC_RMID, nil)
	}
	return f, err
}

// shmget is shmget(2) that also says whether it created the segment. With
// IPC_CREAT but not IPC_EXCL the kernel does not say: so it tries to
// create exclusively first and, if the key has a segment, opens that one
// (with no permission bits asked for: os.OpenFile ignores perm for an
// existing file, and shmat checks the access the File needs).
func shmget(key, size, sflag int) (id int, created bool, err error) {
	if key == unix.IPC_PRIVATE || sflag&unix.IPC_CREAT == 0 || sflag&unix.IPC_EXCL != 0 {
		id, err = unix.SysvShmGet(key, size, sflag)
		return id, err == nil && (key == unix.IPC_PRIVATE || sflag&unix.IPC_CREAT != 0), err
	}
	for range 16 {
		id, err = unix.SysvShmGet(key, size, sflag|unix.IPC_EXCL)
		if err != unix.EEXIST {
			return id, err == nil, err
		}
		id, err = unix.SysvShmGet(key, size, 0)
		if err != unix.ENOENT {
			return id, false, err
		}
		// Removed between the two calls: try again.
	}
	return -1, false, err
}

// explainShmget turns shmget's errnos that have several causes into errors
// that name the cause.
func explainShmget(err error, key, size, flag int) error {
	errno, ok := err.(syscall.Errno)
	if !ok {
		return err
	}
	huge := flag&HugePages != 0
	switch errno {
	case unix.EINVAL:
		if size == 0 {
			return &explained{msg: "a new segment needs a size of at least 1 byte (invalid argument)", wraps: []error{errno, fs.ErrInvalid}}
		}
		if key != unix.IPC_PRIVATE {
			if id, err := unix.SysvShmGet(key, 0, 0); err == nil {
				var d unix.SysvShmDesc
				if _, err := unix.SysvShmCtl(id, unix.IPC_STAT, &d); err == nil && int64(d.Segsz) < int64(size) {
					return &explained{
						msg:   fmt.Sprintf("the segment (ID %d) is %d bytes, smaller than the %d asked for (invalid argument)", id, int64(d.Segsz), size),
						wraps: []error{errno, fs.ErrInvalid},
					}
				}
			}
		}
		return &explained{
			msg:   fmt.Sprintf("size %d is larger than the system allows, kernel.shmmax = %s (invalid argument)", size, readSysctl("kernel/shmmax")),
			wraps: []error{errno, fs.ErrInvalid},
		}
	case unix.ENOMEM:
		if huge {
			return &explained{msg: "no huge pages available: " + hugePageState() + "; reserve some with sysctl vm.nr_hugepages (cannot allocate memory)", wraps: []error{errno}}
		}
	case unix.EPERM:
		if huge {
			return &explained{msg: "not allowed to use huge pages: this needs CAP_IPC_LOCK or membership of the group vm.hugetlb_shm_group (operation not permitted)", wraps: []error{errno}}
		}
	case unix.ENOSYS, unix.EOPNOTSUPP:
		if huge {
			return &explained{msg: "the kernel has no huge page support (" + errno.Error() + ")", wraps: []error{errno}}
		}
	case unix.ENOSPC:
		return &explained{
			msg:   fmt.Sprintf("the system's segment limits are reached: kernel.shmmni = %s segments, kernel.shmall = %s pages (no space left on device)", readSysctl("kernel/shmmni"), readSysctl("kernel/shmall")),
			wraps: []error{errno},
		}
	}
	return errno
}

// readSysctl returns a /proc/sys value as text, or "?".
func readSysctl(name string) string {
	b, err := os.ReadFile("/proc/sys/" + name)
	if err != nil {
		return "?"
	}
	return string(bytes.TrimSpace(b))
}

// hugePageState summarizes the huge page counters of /proc/meminfo.
func hugePageState() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "no /proc/meminfo"
	}
	var parts []string
	for line := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(line, ":")
		switch k {
		case "HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "Hugepagesize":
			if ok {
				parts = append(parts, k+" "+strings.TrimSpace(v))
			}
		}
	}
	if len(parts) == 0 {
		return "the kernel reports no huge pages"
	}
	return strings.Join(parts, ", ")
}

func attachSegment(id int, name string, flag int) (*File, error) {
	acc := flag & unix.O_ACCMODE
	aflag := 0
	if acc == unix.O_RDONLY {
		aflag = unix.SHM_RDONLY
	}
	data, err := unix.SysvShmAttach(id, 0, aflag)
	if err != nil {
		if err == unix.EINVAL || err == unix.EIDRM {
			err = &explained{msg: fmt.Sprintf("no segment with ID %d (%v)", id, err), wraps: []error{err, fs.ErrNotExist}}
		}
		return nil, &fs.PathError{Op: "shmat", Path: name, Err: err}
	}
	// data is exactly what shmat gave, segsz bytes long: the core never
	// touches past it.
	return newFile(name, newSegmentMapping(id, data, aflag == 0), acc, false), nil
}

func removeSegment(id int) error {
	_, err := unix.SysvShmCtl(id, unix.IPC_RMID, nil)
	if err == nil {
		return nil
	}
	if err == unix.EINVAL || err == unix.EIDRM {
		err = &explained{msg: fmt.Sprintf("no segment with ID %d (%v)", id, err), wraps: []error{err, fs.ErrNotExist}}
	}
	return &fs.PathError{Op: "shmctl", Path: idName(id), Err: err}
}

func ftok(path string, projID byte) (int, error) {
	var st unix.Stat_t
	if err := ignoringEINTR0(func() error { return unix.Stat(path, &st) }); err != nil {
		return -1, &fs.PathError{Op: "ftok", Path: path, Err: err}
	}
	key := uint32(st.Ino&0xffff) | uint32(st.Dev&0xff)<<16 | uint32(projID)<<24
	return int(int32(key)), nil
}

// segmentInfo converts IPC_STAT's shmid_ds. The field types differ between
// 32- and 64-bit systems; the conversions fit both.
func segmentInfo(id int, d *unix.SysvShmDesc) SegmentInfo {
	return SegmentInfo{
		Key:        int(d.Perm.Key),
		ID:         id,
		Size:       int64(d.Segsz),
		Mode:       fs.FileMode(d.Perm.Mode & 0777),
		UID:        int(d.Perm.Uid),
		GID:        int(d.Perm.Gid),
		CreatorPID: int(d.Cpid),
		LastPID:    int(d.Lpid),
		Attached:   int(d.Nattch),
		Removed:    d.Perm.Mode&shmDest != 0,
		AttachTime: unixTime(int64(d.Atime)),
		DetachTime: unixTime(int64(d.Dtime)),
		ChangeTime: unixTime(int64(d.Ctime)),
	}
}

// segmentStat is File.Stat for a segment: IPC_STAT.
func (f *File) segmentStat(id int) (fs.FileInfo, error) {
	if f.m.isClosed() {
		return nil, fs.ErrClosed
	}
	var d unix.SysvShmDesc
	if _, err := unix.SysvShmCtl(id, unix.IPC_STAT, &d); err != nil {
		return nil, err
	}
	return &segmentFileInfo{name: f.name, info: segmentInfo(id, &d)}, nil
}

// segmentChmod is File.Chmod for a segment: IPC_SET of the permission bits
// (the other bits of mode mean nothing to a segment and are ignored).
func (f *File) segmentChmod(id int, mode fs.FileMode) error {
	if f.m.isClosed() {
		return fs.ErrClosed
	}
	var d unix.SysvShmDesc
	if _, err := unix.SysvShmCtl(id, unix.IPC_STAT, &d); err != nil {
		return err
	}
	setPerm(&d.Perm.Mode, uint32(mode.Perm()))
	_, err := unix.SysvShmCtl(id, unix.IPC_SET, &d)
	return err
}

// setPerm replaces the permission bits of an ipc_perm mode, which is a
// uint16 on some 32-bit systems and a uint32 elsewhere.
func setPerm[T uint16 | uint32](mode *T, perm uint32) {
	*mode = *mode&^0777 | T(perm)
}

func segments() ([]SegmentInfo, error) {
	b, err := os.ReadFile(sysvShmProc)
	if err != nil {
		return nil, err
	}
	list, err := parseSysvShm(b)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: sysvShmProc, Err: err}
	}
	return list, nil
}

// parseSysvShm parses /proc/sysvipc/shm: a header line naming the columns,
// then one line per segment. Columns are found by name, so added ones
// (rss and swap came later) do not matter.
func parseSysvShm(b []byte) ([]SegmentInfo, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	if !sc.Scan() {
		return nil, errors.New("no header line")
	}
	col := make(map[string]int)
	for i, h := range strings.Fields(sc.Text()) {
		col[h] = i
	}
	names := []string{"key", "shmid", "perms", "size", "cpid", "lpid", "nattch", "uid", "gid", "atime", "dtime", "ctime"}
	idx := make([]int, len(names))
	for i, n := range names {
		c, ok := col[n]
		if !ok {
			return nil, fmt.Errorf("no %q column", n)
		}
		idx[i] = c
	}
	var list []SegmentInfo
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		var v [12]int64
		for i, c := range idx {
			if c >= len(fields) {
				return nil, fmt.Errorf("line %q: no %q column", sc.Text(), names[i])
			}
			base := 10
			if names[i] == "perms" {
				base = 8
			}
			// size, the times and nattch are unsigned in the kernel;
			// none of them gets near 1<<63.
			n, err := strconv.ParseInt(fields[c], base, 64)
			if err != nil {
				return nil, fmt.Errorf("line %q: column %q: %w", sc.Text(), names[i], err)
			}
			v[i] = n
		}
		list = append(list, SegmentInfo{
			Key:        int(int32(v[0])),
			ID:         int(v[1]),
			Mode:       fs.FileMode(v[2] & 0777),
			Removed:    v[2]&shmDest != 0,
			Size:       v[3],
			CreatorPID: int(v[4]),
			LastPID:    int(v[5]),
			Attached:   int(v[6]),
			UID:        int(v[7]),
			GID:        int(v[8]),
			AttachTime: unixTime(v[9]),
			DetachTime: unixTime(v[10]),
			ChangeTime: unixTime(v[11]),
		})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b SegmentInfo) int { return a.ID - b.ID })
	return list, nil
}
