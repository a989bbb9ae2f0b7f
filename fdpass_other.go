//go:build !linux

package shmfs

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
)

func sendFile(conn *net.UnixConn, f *File) error {
	if f == nil {
		return fs.ErrInvalid
	}
	return &fs.PathError{Op: "send", Path: f.name, Err: errors.ErrUnsupported}
}

func receiveFile(conn *net.UnixConn) (*File, error) {
	return nil, fmt.Errorf("shmfs: ReceiveFile: %w", errors.ErrUnsupported)
}
