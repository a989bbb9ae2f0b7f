package shmfs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"

	"golang.org/x/sys/unix"
)

// maxPassedName bounds the name SendFile sends with a descriptor (PATH_MAX).
const maxPassedName = 4096

// maxPassedFDs is how many descriptors ReceiveFile makes room for in one
// message, so that it can close what a misbehaving peer sent too many of
// (what does not fit is closed by the kernel).
const maxPassedFDs = 16

var (
	errNoFD       = errors.New("shmfs: ReceiveFile: the message carries no descriptor")
	errManyFDs    = errors.New("shmfs: ReceiveFile: the message carries more than one descriptor")
	errBadMessage = errors.New("shmfs: ReceiveFile: malformed message (not sent by SendFile?)")
	errNilConn    = errors.New("shmfs: nil *net.UnixConn")
)

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
	if n < 2 || flags&unix.MSG_TRUNC != 0 {
		unix.Close(fd)
		return nil, errBadMessage
	}
	size := 2 + int(binary.BigEndian.Uint16(buf))
	if size > len(buf) {
		unix.Close(fd)
		return nil, errBadMessage
	}
	if n < size {
		// A stream socket may hand the message over in pieces; a datagram
		// is whole or nothing.
		if !isStream(conn) {
			unix.Close(fd)
			return nil, errBadMessage
		}
		if _, err := io.ReadFull(conn, buf[n:size]); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("%w: %w", errBadMessage, err)
		}
		n = size
	}
	if n > size {
		// The descriptor came with more bytes than one message: whatever
		// sent it does not speak SendFile's format.
		unix.Close(fd)
		return nil, errBadMessage
	}
	return NewFile(uintptr(fd), string(buf[2:size]))
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

// isStream reports whether conn is a SOCK_STREAM socket.
func isStream(conn *net.UnixConn) bool {
	rc, err := conn.SyscallConn()
	if err != nil {
		return false
	}
	typ := -1
	rc.Control(func(fd uintptr) {
		typ, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TYPE)
	})
	return typ == unix.SOCK_STREAM
}
