//go:build !linux

package shmfs

import (
	"errors"
	"io/fs"
)

func memFile(name string) (*File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: errors.ErrUnsupported}
}

func adoptFD(fd uintptr, name string) (*File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: errors.ErrUnsupported}
}

func (f *File) seal(seals int) error { return errors.ErrUnsupported }

func (f *File) seals() (int, error) { return 0, errors.ErrUnsupported }
