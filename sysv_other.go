//go:build !linux

package shmfs

import (
	"errors"
	"fmt"
	"io/fs"
)

// System V segments are supported on Linux only; elsewhere every entry point
// returns an error wrapping errors.ErrUnsupported.

func openSegment(key, size, flag int, perm fs.FileMode) (*File, error) {
	return nil, &fs.PathError{Op: "shmget", Path: keyName(key), Err: errors.ErrUnsupported}
}

func attachSegment(id int, name string, flag int) (*File, error) {
	return nil, &fs.PathError{Op: "shmat", Path: name, Err: errors.ErrUnsupported}
}

func removeSegment(id int) error {
	return &fs.PathError{Op: "shmctl", Path: idName(id), Err: errors.ErrUnsupported}
}

func ftok(path string, projID byte) (int, error) {
	return -1, &fs.PathError{Op: "ftok", Path: path, Err: errors.ErrUnsupported}
}

func segments() ([]SegmentInfo, error) {
	return nil, fmt.Errorf("shmfs: listing System V segments: %w", errors.ErrUnsupported)
}
