//go:build !linux

package shmfs

import (
	"errors"
	"io/fs"
)

// shmDir is where the system namespace would be; nothing is ever opened.
const shmDir = "/dev/shm"

func openFile(root, name, display string, flag int, perm fs.FileMode, mapIt bool) (*File, error) {
	return nil, &fs.PathError{Op: "open", Path: display, Err: errors.ErrUnsupported}
}

func openAny(root, name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: errors.ErrUnsupported}
}

func statAt(root, name string) (fs.FileInfo, error) {
	return nil, &fs.PathError{Op: "stat", Path: name, Err: errors.ErrUnsupported}
}

func readDirAt(root, name string) ([]fs.DirEntry, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: errors.ErrUnsupported}
}

func removeAt(root, name string) error {
	return &fs.PathError{Op: "remove", Path: name, Err: errors.ErrUnsupported}
}
