package shmfs

import (
	"io/fs"
	"net"
)

// Seals, as F_ADD_SEALS and F_GET_SEALS take them (fcntl(2), memfd_create(2)).
// Or them together. The values are Linux's on every system; elsewhere
// [File.Seal] and [File.Seals] return errors matching [errors.ErrUnsupported].
//
// Seals are how the receiver of a memory file can trust it: once a file is
// sealed with SealShrink, no process holding it can shrink it (so no mapping
// of it can lose its pages); with SealGrow it cannot grow; with SealWrite its
// bytes can no longer change. Seals can only be added, never removed, and
// SealSeal forbids adding more. A receiver that does not trust its peer
// checks the seals it relies on before it uses the file:
//
//	f, err := shmfs.ReceiveFile(conn)
//	if err != nil {
//		return err
//	}
//	const need = shmfs.SealShrink | shmfs.SealGrow | shmfs.SealSeal
//	if s, err := f.Seals(); err != nil || s&need != need {
//		f.Close()
//		return errors.New("the peer can still resize the file it sent")
//	}
//
// (A File never crashes on an unsealed file either: a peer's truncate turns
// into short reads and errors. Seals make the size and contents stable.)
const (
	// SealSeal forbids adding any further seal.
	SealSeal = 0x1
	// SealShrink forbids shrinking the file (Truncate to a smaller size).
	SealShrink = 0x2
	// SealGrow forbids growing the file: Truncate to a larger size, and
	// writes past its end.
	SealGrow = 0x4
	// SealWrite forbids changing the file's bytes, through write(2) or any
	// shared writable mapping. It can only be added while no process (this
	// one included, through another File) has the file mapped for writing;
	// the File being sealed gives up its own writable mapping itself.
	SealWrite = 0x8
	// SealFutureWrite forbids new writes and new writable mappings, but
	// lets writable mappings that already exist (in other Files or other
	// processes) keep writing. The File being sealed stops writing at once.
	SealFutureWrite = 0x10
)

// writeSeals are the seals after which no new writable mapping can be made.
const writeSeals = SealWrite | SealFutureWrite

// MemFile creates an anonymous shared-memory file (memfd_create(2)) of size
// zero, open for reading and writing, close-on-exec and sealable. It has no
// name to leak: it is gone when the last descriptor closes. name is only a
// label: it is the File's Name and appears as "memfd:name" in
// /proc/PID/fd and /proc/PID/maps; it may not contain NUL and may be at most
// 249 bytes long.
//
// Share the file by passing it to another process over a Unix socket
// ([SendFile]) or by letting a child inherit its descriptor; the receiver
// adopts it with [ReceiveFile] or [NewFile]. Seal it ([File.Seal]) first if
// the receiver must be able to trust its size or contents.
func MemFile(name string) (*File, error) {
	return memFile(name)
}

// NewFile returns a File for the open descriptor fd, with the given name (a
// label, as in [os.NewFile]). fd must refer to a regular file — a memory
// file received from another process, an inherited shared-memory object, or
// any other regular file; directories, sockets, pipes, devices and O_PATH
// descriptors are refused. The File reads and writes as the descriptor's
// access mode allows (O_RDONLY, O_WRONLY or O_RDWR), and writes at the end
// when it has O_APPEND. A file sealed against writes ([SealWrite],
// [SealFutureWrite]) is mapped read-only, and writes fail with an error
// wrapping [fs.ErrPermission].
//
// NewFile takes ownership of fd, as [os.NewFile] does: the File closes it
// (Close, or the cleanup of a File dropped without Close), and if NewFile
// fails it has closed fd already. Do not pass the Fd of another File (or of
// an *os.File) without dup'ing it first. On systems other than Linux,
// NewFile returns an error matching [errors.ErrUnsupported] and leaves fd
// alone.
func NewFile(fd uintptr, name string) (*File, error) {
	return adoptFD(fd, name)
}

// Seal adds seals (an OR of SealSeal, SealShrink, SealGrow, SealWrite,
// SealFutureWrite) to a memory file, with fcntl(F_ADD_SEALS). Seals are never
// removed; adding one that is already there is not an error. Once a seal is
// there, every process holding the file (this File included) gets an error
// wrapping [fs.ErrPermission] for what it forbids — never a fault. One
// exception, the kernel's: SealFutureWrite leaves the writable mappings
// that already exist writable, so a File that had mapped the file for
// writing before another File or process added SealFutureWrite goes on
// writing through its mapping (the File that seals stops at once).
// SealWrite cannot be added while such a mapping exists (EBUSY). Seal a
// file before you hand it out, or check Seals before relying on them.
//
// Seal fails with an error wrapping:
//   - [fs.ErrPermission] (EPERM) if the file has SealSeal, or the File is
//     not open for writing. A named shared-memory object (Create, OpenFile)
//     always has SealSeal: only memory files ([MemFile]) can be sealed; the
//     error then also matches [errors.ErrUnsupported].
//   - syscall.EBUSY if seals has SealWrite and the file is still mapped for
//     writing somewhere else: by another File in this process, or by
//     another process, or by a View, Update or (on kernels before 5.16) a
//     Wait of this File that is still running. This File's own mapping is
//     otherwise no obstacle: Seal replaces it with a read-only one.
//   - [errors.ErrUnsupported] (and syscall.EINVAL) if the file is on a file
//     system that has no seals (only tmpfs and hugetlbfs do).
//   - syscall.EINVAL if seals has a bit the kernel does not know.
//
// Errors are *fs.PathError with Op "seal".
func (f *File) Seal(seals int) error {
	if err := f.checkValid("seal"); err != nil {
		return err
	}
	if f.closed.Load() {
		return f.wrapErr("seal", fs.ErrClosed)
	}
	return f.wrapErr("seal", f.seal(seals))
}

// Seals returns the file's seals (fcntl(F_GET_SEALS)). A named shared-memory
// object reports SealSeal: it can never be sealed. Bits the kernel adds that
// have no constant here (such as F_SEAL_EXEC, 0x20) are passed through, so
// test the bits you need with a mask rather than comparing for equality.
// On a file system without seals it fails with an error matching
// [errors.ErrUnsupported]. Errors are *fs.PathError with Op "seals".
func (f *File) Seals() (int, error) {
	if err := f.checkValid("seals"); err != nil {
		return 0, err
	}
	if f.closed.Load() {
		return 0, f.wrapErr("seals", fs.ErrClosed)
	}
	s, err := f.seals()
	if err != nil {
		return 0, f.wrapErr("seals", err)
	}
	return s, nil
}

// SendFile sends f's descriptor, and its Name, to the process at the other
// end of conn (SCM_RIGHTS), where [ReceiveFile] adopts it. f stays open and
// usable here; both Files then share one object (and one set of seals).
// What is passed is the descriptor: the receiver sees the object itself,
// with the descriptor's access mode — even if f is an O_PRIVATE view, whose
// own writes stay here. A System V segment has no descriptor: SendFile
// refuses it (pass its id instead).
//
// The message is one write on conn: a two-byte big-endian length, then the
// name (at most 4096 bytes), with the descriptor attached. conn may be a
// stream, datagram or seqpacket socket. Errors from the socket are
// *net.OpError; errors about f are *fs.PathError with Op "send".
func SendFile(conn *net.UnixConn, f *File) error {
	return sendFile(conn, f)
}

// ReceiveFile receives one descriptor on conn and adopts it as a *File
// ([NewFile]). It takes any message that carries exactly one descriptor:
// if the data is SendFile's (a two-byte big-endian length, then that many
// bytes of name) the File gets that name; any other data (one byte, as
// Python's socket.send_fds(s, [b"x"], [fd]) sends) is no name, and the File
// is named as the kernel names the descriptor (/proc/self/fd/N:
// "/dev/shm/orders", "/memfd:frame (deleted)"). At most 4098 bytes of data
// are read. It returns io.EOF if the peer closed the connection before
// sending anything. A message with no descriptor, more than one, or a
// descriptor that is not a regular file is refused, and every descriptor it
// carried is closed.
//
// A descriptor from a peer you do not trust may still be resized or
// rewritten by that peer: check [File.Seals] before relying on its size or
// contents (see the Example).
func ReceiveFile(conn *net.UnixConn) (*File, error) {
	return receiveFile(conn)
}
