//go:build !linux

package shmfs

import (
	"errors"
	"io/fs"
	"os"
)

// shmDir is where the system namespace would be; nothing is ever opened.
const shmDir = "/dev/shm"

// openRootDir refuses every namespace: every FS method returns an error
// wrapping errors.ErrUnsupported, and the functions below are never reached.
func openRootDir(dir string) (*os.Root, error) {
	return nil, &fs.PathError{Op: "open", Path: dir, Err: errors.ErrUnsupported}
}

func (fsys *FS) openFile(name, display string, flag int, perm fs.FileMode) (*File, error) {
	return nil, &fs.PathError{Op: "open", Path: display, Err: errors.ErrUnsupported}
}

func readFileIn(r *os.Root, name, display string) ([]byte, error) {
	return nil, &fs.PathError{Op: "open", Path: display, Err: errors.ErrUnsupported}
}

func writeFileIn(r *os.Root, name, display string, data []byte, perm fs.FileMode) error {
	return &fs.PathError{Op: "open", Path: display, Err: errors.ErrUnsupported}
}

func readDirIn(r *os.Root, name string) ([]fs.DirEntry, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: errors.ErrUnsupported}
}

func truncateIn(r *os.Root, name, display string, size int64) error {
	return &fs.PathError{Op: "truncate", Path: display, Err: errors.ErrUnsupported}
}
