//go:build !linux

package shmfs

import (
	"errors"
	"io/fs"
	"os"
)

func (f *File) stat() (fs.FileInfo, error)   { return nil, errors.ErrUnsupported }
func (f *File) chmod(mode fs.FileMode) error { return errors.ErrUnsupported }

func sysIsStream(fd int) bool { return false }

func osFileEnd(osf *os.File) (end copyEnd, open bool) {
	return copyEnd{regular: true, read: true, write: true}, true
}
