package shmfs

import (
	"errors"
	"io/fs"
)

func (f *File) segmentStat() (fs.FileInfo, error)   { return nil, errors.ErrUnsupported }
func (f *File) segmentChmod(mode fs.FileMode) error { return errors.ErrUnsupported }
