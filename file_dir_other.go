//go:build !linux

package shmfs

import "errors"

func (f *File) chdir() error             { return errors.ErrUnsupported }
func (f *File) chown(uid, gid int) error { return errors.ErrUnsupported }
