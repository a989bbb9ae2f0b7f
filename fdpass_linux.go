package shmfs

import (
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// maxPassedName bounds the name SendFile sends with a descriptor (PATH_MAX).
// The format, which other languages can speak, is in receiveFile's comment
// and the README ("The descriptor-passing format").
const maxPassedName = 4096

// maxPassedFDs is how many descriptors ReceiveFile makes room for in one
// message, so that it can close what a misbehaving peer sent too many of
// (what does not fit is closed by the kernel).
const maxPassedFDs = 16

func sendFile(conn *net.UnixConn, f *File) error {
	if f == nil {
		return fs.ErrInvalid
	}
	if conn == nil {
		return errNilConn
	}
	if len(f.name) > maxPassedName {
		return &fs.PathError{Op: "send", Path: f.name, Err: unix.ENAMETOOLONG}
	}
	// Send a duplicate, so that the File can be closed while the message
	// is still being written (a full socket buffer blocks the write).
	if f.closed.Load() {
		return &fs.PathError{Op: "send", Path: f.name, Err: fs.ErrClosed}
	}
	if _, ok := f.m.segment(); ok {
		return &fs.PathError{Op: "send", Path: f.name, Err: explain("a System V segment has no descriptor to pass (pass its id)", unix.EBADF, errors.ErrUnsupported)}
	}
	dup, err := f.m.fcntl(unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "send", Path: f.name, Err: err}
	}
	defer unix.Close(dup)

	msg := make([]byte, 2+len(f.name))
	binary.BigEndian.PutUint16(msg, uint16(len(f.name)))
	copy(msg[2:], f.name)
	oob := unix.UnixRights(dup)
	n, oobn, err := conn.WriteMsgUnix(msg, oob, nil)
	if err != nil {
		return err
	}
	if n != len(msg) || oobn != len(oob) {
		return io.ErrShortWrite
	}
	return nil
}

// receiveFile takes the next message on conn that carries exactly one
// descriptor, whatever its payload:
//
//   - SendFile's own message: a two-byte big-endian length L (at most
//     maxPassedName), then exactly L bytes of name and nothing more. The
//     File gets that name (an empty one counts as no name).
//   - Anything else (one or more bytes that are not such a header, as
//     Python's socket.send_fds(s, [b"x"], [fd]) and most C code send): the
//     payload is no name. The File is named as the kernel names the
//     descriptor, the target of /proc/self/fd/N: "/dev/shm/orders" for a
//     POSIX object, "/memfd:frame (deleted)" for a memory file, or
//     "fd N" should that link be unreadable.
//
// At most 2+maxPassedName bytes of payload are read: on a datagram or
// seqpacket socket the rest of a longer one is discarded, on a stream
// socket it stays there for the next read. The kernel never splits a
// message carrying descriptors across two reads when the buffer can hold
// it, so a SendFile message always arrives whole; a payload that merely
// starts like a longer header is no name, and nothing more is read for it.
func receiveFile(conn *net.UnixConn) (*File, error) {
	if conn == nil {
		return nil, errNilConn
	}
	buf := make([]byte, 2+maxPassedName)
	oob := make([]byte, unix.CmsgSpace(4*maxPassedFDs)+unix.CmsgSpace(unix.SizeofUcred)+unix.CmsgSpace(4))
	n, oobn, flags, _, err := conn.ReadMsgUnix(buf, oob)
	var fds []int
	if oobn > 0 {
		fds = rights(oob[:oobn])
	}
	closeAll := func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}
	if err != nil {
		closeAll()
		if n == 0 && oobn == 0 && errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, err
	}
	switch {
	case len(fds) == 0:
		if n == 0 {
			return nil, io.EOF // a datagram peer sent nothing; or end of stream
		}
		return nil, errNoFD
	case len(fds) > 1 || flags&unix.MSG_CTRUNC != 0:
		closeAll()
		return nil, errManyFDs
	}
	fd := fds[0]
	name, ok := passedName(buf[:n], flags&unix.MSG_TRUNC != 0)
	if !ok || name == "" {
		name = fdName(fd)
	}
	return NewFile(uintptr(fd), name)
}

// passedName returns the name in msg if msg is exactly SendFile's message:
// a two-byte big-endian length, then that many bytes (at most
// maxPassedName). truncated says the kernel cut the message short.
func passedName(msg []byte, truncated bool) (string, bool) {
	if truncated || len(msg) < 2 {
		return "", false
	}
	size := int(binary.BigEndian.Uint16(msg))
	if size > maxPassedName || len(msg) != 2+size {
		return "", false
	}
	return string(msg[2:]), true
}

// fdName is how the kernel names descriptor fd (/proc/self/fd/N), for a
// File received without a name.
func fdName(fd int) string {
	if target, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd)); err == nil && target != "" {
		return target
	}
	return "fd " + strconv.Itoa(fd)
}

// rights returns every descriptor in the control messages oob, and closes
// any other descriptor the kernel attached (a pidfd, with SO_PASSPIDFD).
func rights(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Level != unix.SOL_SOCKET {
			continue
		}
		switch m.Header.Type {
		case unix.SCM_RIGHTS:
			got, err := unix.ParseUnixRights(m)
			if err == nil {
				fds = append(fds, got...)
			}
		case unix.SCM_PIDFD:
			if len(m.Data) >= 4 {
				unix.Close(int(int32(binary.NativeEndian.Uint32(m.Data))))
			}
		}
	}
	return fds
}
