package shmfs

import (
	"fmt"
	"io/fs"
	"math"
	"os"
	"strconv"
	"time"
)

// System V shared-memory segments.
//
// A segment (shmget, shmat) is a *File like any other, with one difference:
// its size is fixed when it is created. Reads, writes, Seek, ReadAt,
// WriteAt, ReadFrom, WriteTo, Stat, Sync and Close have os semantics inside
// that size; a write that reaches past the end writes what fits and returns
// a short count and an error; Truncate to another size returns an error
// wrapping errors.ErrUnsupported; Close detaches and never removes.

// IPC_PRIVATE is the key that always makes a new segment, which no other
// OpenSegment finds: other processes attach it by ID (AttachSegment).
const IPC_PRIVATE = 0

// Flag bits for OpenSegment, or'ed with the os.O_* flags. Their values
// collide with no os.O_* flag on any system, nor with O_PRIVATE.
const (
	// HugePages backs a new segment with huge pages (SHM_HUGETLB). The
	// kernel must have huge pages reserved (sysctl vm.nr_hugepages);
	// otherwise OpenSegment fails with an error that says so.
	HugePages = 0x10000000

	// NoReserve creates a segment without reserving swap space, or huge
	// pages with HugePages (SHM_NORESERVE). A page that cannot be given
	// when it is first touched makes that read or write fail with an
	// error; it never crashes the process.
	NoReserve = 0x20000000
)

// osFlags are the flags package os exports, on this system.
const osFlags = os.O_RDONLY | os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREATE | os.O_EXCL | os.O_SYNC | os.O_TRUNC

// This fails to compile on a system where HugePages or NoReserve shares a
// bit with an os.O_* flag or with O_PRIVATE.
const _ = uint(-((HugePages | NoReserve) & (osFlags | O_PRIVATE)))

// SegmentInfo is a segment's IPC_STAT data (shmid_ds). File.Stat().Sys()
// returns a *SegmentInfo for a segment; Segments lists one per segment.
//
// Key is key_t, a signed 32-bit value, as /proc/sysvipc/shm prints it
// (ipcs -m prints its bits in hex); a segment's key becomes IPC_PRIVATE (0)
// once it is removed. A time that was never set (a segment never attached
// has no AttachTime) is the zero time.Time.
type SegmentInfo struct {
	Key, ID                            int
	Size                               int64
	Mode                               fs.FileMode // permission bits
	UID, GID                           int         // owner
	CreatorPID, LastPID                int         // shmget's caller; last shmat or shmdt
	Attached                           int         // nattch
	Removed                            bool        // IPC_RMID done, alive until the last detach (SHM_DEST)
	AttachTime, DetachTime, ChangeTime time.Time
}

// OpenSegment gets the System V shared-memory segment for key (shmget) and
// attaches it (shmat). It is to a segment what os.OpenFile is to a file.
//
// key is a key from Ftok, any value agreed on by the processes that share
// the segment, or IPC_PRIVATE (0), which always creates a new segment
// nobody else can find by key (pass its ID to other processes; see
// AttachSegment). Keys are 32-bit: a key may be given signed or unsigned
// (-1 and 0xffffffff are the same key).
//
// flag takes:
//
//   - os.O_RDONLY, os.O_WRONLY or os.O_RDWR: how the segment is attached.
//     O_RDONLY attaches it read-only (SHM_RDONLY): writes fail with an error
//     wrapping syscall.EBADF, as on a file opened read-only, never a fault.
//     O_WRONLY attaches it read-write; the File refuses reads.
//   - os.O_CREATE: create the segment if key has none (IPC_CREAT), with
//     perm's permission bits (not masked by the umask: shmget ignores it)
//     and size bytes of zeros. Without it, a key with no segment is an error
//     wrapping fs.ErrNotExist.
//   - os.O_EXCL with os.O_CREATE: fail with an error wrapping fs.ErrExist if
//     key already has a segment (IPC_EXCL).
//   - HugePages and NoReserve, for a new segment.
//
// os.O_TRUNC and os.O_APPEND, which need a size that can change, and
// O_PRIVATE, which shmat cannot do, are refused with an error wrapping
// errors.ErrUnsupported. Other os.O_* flags are ignored.
//
// size is the size of a new segment, which never changes: at least 1 byte
// (the kernel rounds the memory up to whole pages; Stat().Size() is size
// exactly). Opening an existing segment, size may be 0 or anything up to the
// segment's size; a larger size is an error, as is 0 when the segment is
// created. Both wrap fs.ErrInvalid and syscall.EINVAL.
//
// As with os.OpenFile, perm is used only to create: an existing segment is
// opened if the caller may attach it as flag asks, whatever perm says.
// Without read permission (and write permission unless O_RDONLY) the error
// wraps fs.ErrPermission.
//
// The File's Name is "shmkey:0x" and the key's eight hex digits, as
// ipcs -m prints it, or "shmid:" and the ID for an IPC_PRIVATE segment. Its
// Stat().Sys() is a *SegmentInfo, which holds the ID. Close detaches the
// segment; it lives on, attached or not, until RemoveSegment (or reboot).
// A common pattern is to RemoveSegment as soon as every process has
// attached: the segment then goes away with the last detach, even if a
// process dies.
//
// Errors are *fs.PathErrors with op "shmget" or "shmat".
func OpenSegment(key int, size int, flag int, perm fs.FileMode) (*File, error) {
	name := keyName(key)
	if err := checkSegmentFlag(flag, true); err != nil {
		return nil, &fs.PathError{Op: "shmget", Path: name, Err: err}
	}
	if int64(key) < math.MinInt32 || int64(key) > math.MaxUint32 {
		return nil, &fs.PathError{Op: "shmget", Path: name, Err: invalid("a key is 32 bits; %d is out of range", key)}
	}
	if size < 0 {
		return nil, &fs.PathError{Op: "shmget", Path: name, Err: invalid("negative size %d", size)}
	}
	return openSegment(int(int32(uint32(key))), size, flag, perm)
}

// AttachSegment attaches the segment with the given ID (shmat), as
// OpenSegment does once it has the ID: with flag os.O_RDONLY read-only,
// with os.O_RDWR (or os.O_WRONLY) read-write. An ID is what shmget returned,
// SegmentInfo.ID, or the shmid column of ipcs -m; it works in any process,
// and (on Linux) even after RemoveSegment, as long as some process still has
// the segment attached.
//
// An ID with no segment is an error wrapping fs.ErrNotExist; os.O_CREATE,
// HugePages and NoReserve, which belong to OpenSegment, are refused with an
// error wrapping fs.ErrInvalid. Errors are *fs.PathErrors with op "shmat".
// The File's Name is "shmid:" and the ID.
func AttachSegment(id int, flag int) (*File, error) {
	name := idName(id)
	if err := checkSegmentFlag(flag, false); err != nil {
		return nil, &fs.PathError{Op: "shmat", Path: name, Err: err}
	}
	if id < 0 || int64(id) > math.MaxInt32 {
		return nil, &fs.PathError{Op: "shmat", Path: name, Err: noSegment(id)}
	}
	return attachSegment(id, name, flag)
}

// RemoveSegment marks the segment with the given ID for removal
// (shmctl IPC_RMID). Files attached to it keep working; the segment is
// destroyed when the last one is closed (or its process exits). Until then
// Segments lists it with Removed set and key IPC_PRIVATE: no OpenSegment
// finds it again, and the key is free for a new segment.
//
// An ID with no segment is an error wrapping fs.ErrNotExist; a caller that
// neither owns nor created the segment gets one wrapping fs.ErrPermission.
// Errors are *fs.PathErrors with op "shmctl".
func RemoveSegment(id int) error {
	if id < 0 || int64(id) > math.MaxInt32 {
		return &fs.PathError{Op: "shmctl", Path: idName(id), Err: noSegment(id)}
	}
	return removeSegment(id)
}

// Ftok derives a System V IPC key from an existing file and a project ID,
// as ftok(3) does, with the same result as glibc's:
//
//	key = (st_ino & 0xffff) | (st_dev & 0xff) << 16 | projID << 24
//
// as a signed 32-bit key_t (negative when projID >= 0x80). Processes that
// agree on a path and a projID get the same key, as long as the file is not
// replaced; different files may give the same key (only 16 bits of the inode
// count). projID should not be 0. Symbolic links are followed, as stat(2)
// does. Errors are *fs.PathErrors with op "ftok".
func Ftok(path string, projID byte) (int, error) {
	return ftok(path, projID)
}

// Segments lists every System V shared-memory segment of the caller's IPC
// namespace (what ipcs -m lists, read from /proc/sysvipc/shm on Linux),
// sorted by ID, including those marked for removal and still attached.
func Segments() ([]SegmentInfo, error) {
	return segments()
}

// checkSegmentFlag refuses the flags that make no sense for a segment.
// open is true for OpenSegment, false for AttachSegment.
func checkSegmentFlag(flag int, open bool) error {
	switch {
	case flag&os.O_TRUNC != 0:
		return unsupported("O_TRUNC: a segment's size is fixed")
	case flag&os.O_APPEND != 0:
		return unsupported("O_APPEND: a segment's size is fixed")
	case flag&O_PRIVATE != 0:
		return unsupported("O_PRIVATE: a segment cannot be attached copy-on-write")
	case !open && flag&os.O_CREATE != 0:
		return invalid("O_CREATE: AttachSegment attaches an existing segment; OpenSegment creates")
	case !open && flag&(HugePages|NoReserve) != 0:
		return invalid("HugePages and NoReserve apply to a new segment; OpenSegment creates")
	}
	return nil
}

// keyName is the Name of a File opened by key: ipcs -m's spelling.
func keyName(key int) string {
	return fmt.Sprintf("shmkey:0x%08x", uint32(key))
}

// idName is the Name of a File attached by ID.
func idName(id int) string {
	return "shmid:" + strconv.Itoa(id)
}

// segmentFileInfo is a segment's fs.FileInfo.
type segmentFileInfo struct {
	name string
	info SegmentInfo
}

func (fi *segmentFileInfo) Name() string       { return fi.name }
func (fi *segmentFileInfo) Size() int64        { return fi.info.Size }
func (fi *segmentFileInfo) Mode() fs.FileMode  { return fi.info.Mode.Perm() }
func (fi *segmentFileInfo) ModTime() time.Time { return fi.info.ChangeTime }
func (fi *segmentFileInfo) IsDir() bool        { return false }
func (fi *segmentFileInfo) Sys() any           { return &fi.info }
func (fi *segmentFileInfo) String() string     { return fs.FormatFileInfo(fi) }

// unixTime is t seconds after the epoch, or the zero time for 0 (unset).
func unixTime(t int64) time.Time {
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(t, 0)
}
